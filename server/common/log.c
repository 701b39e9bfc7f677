/* Log lines are queued in a bounded ring and written by one thread, because a write(2) to a
 * pipe or a slow disk would otherwise stall an event loop. When the ring is full, lines are
 * dropped and counted rather than blocking the caller. */
#include "common/log.h"
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_RING_SIZE (4u << 20) /* bytes queued at most before lines are dropped */
#define LOG_MSG_MAX 2048

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    pthread_t thread;
    char *ring;
    size_t head, len; /* ring holds len bytes starting at head */
    int fd;
    int running, stopping;
} logq = {.mutex = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, .fd = 2};

static _Atomic uint64_t dropped;
static _Atomic int min_level = WZ_LOG_INFO;

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void *writer_main(void *arg)
{
    (void)arg;
    static char chunk[65536];
    pthread_mutex_lock(&logq.mutex);
    for (;;) {
        while (logq.len == 0 && !logq.stopping)
            pthread_cond_wait(&logq.cond, &logq.mutex);
        if (logq.len == 0 && logq.stopping)
            break;
        size_t n = logq.len < sizeof(chunk) ? logq.len : sizeof(chunk);
        for (size_t i = 0; i < n; i++)
            chunk[i] = logq.ring[(logq.head + i) % LOG_RING_SIZE];
        logq.head = (logq.head + n) % LOG_RING_SIZE;
        logq.len -= n;
        pthread_mutex_unlock(&logq.mutex);
        write_all(logq.fd, chunk, n);
        pthread_mutex_lock(&logq.mutex);
    }
    pthread_mutex_unlock(&logq.mutex);
    return NULL;
}

void wz_log_start(int fd)
{
    pthread_mutex_lock(&logq.mutex);
    if (!logq.running) {
        if (logq.ring == NULL)
            logq.ring = malloc(LOG_RING_SIZE);
        logq.fd = fd;
        logq.stopping = 0;
        logq.running = pthread_create(&logq.thread, NULL, writer_main, NULL) == 0;
    }
    pthread_mutex_unlock(&logq.mutex);
}

void wz_log_stop(void)
{
    pthread_mutex_lock(&logq.mutex);
    int was_running = logq.running;
    logq.stopping = 1;
    pthread_cond_signal(&logq.cond);
    pthread_mutex_unlock(&logq.mutex);
    if (was_running)
        pthread_join(logq.thread, NULL);
    pthread_mutex_lock(&logq.mutex);
    logq.running = 0;
    pthread_mutex_unlock(&logq.mutex);
}

void wz_log_line(const char *line, size_t len)
{
    int newline = len == 0 || line[len - 1] != '\n';
    pthread_mutex_lock(&logq.mutex);
    if (!logq.running) {
        /* before start or after stop: start-up and CLI code, not on an event loop */
        pthread_mutex_unlock(&logq.mutex);
        write_all(logq.fd, line, len);
        if (newline)
            write_all(logq.fd, "\n", 1);
        return;
    }
    if (logq.len + len + (size_t)newline > LOG_RING_SIZE) {
        pthread_mutex_unlock(&logq.mutex);
        atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
        return;
    }
    size_t tail = (logq.head + logq.len) % LOG_RING_SIZE;
    for (size_t i = 0; i < len; i++)
        logq.ring[(tail + i) % LOG_RING_SIZE] = line[i];
    logq.len += len;
    if (newline)
        logq.ring[(logq.head + logq.len++) % LOG_RING_SIZE] = '\n';
    pthread_cond_signal(&logq.cond);
    pthread_mutex_unlock(&logq.mutex);
}

uint64_t wz_log_dropped(void)
{
    return atomic_load_explicit(&dropped, memory_order_relaxed);
}

static const char *level_names[] = {"debug", "info", "warn", "error"};

int wz_log_level_ok(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, level_names[i]) == 0)
            return 0;
    return -1;
}

int wz_log_set_level_name(const char *name)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            atomic_store(&min_level, i);
            return 0;
        }
    }
    return -1;
}

void wz_log(wz_log_level_t level, const char *fmt, ...)
{
    if ((int)level < atomic_load_explicit(&min_level, memory_order_relaxed))
        return;
    char msg[LOG_MSG_MAX], ts[40];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);

    json_t *obj = json_pack("{s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "msg", msg);
    char *line = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    if (line != NULL) {
        wz_log_line(line, strlen(line));
        free(line);
    }
    json_decref(obj);
}
