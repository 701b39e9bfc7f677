#ifndef WZ_COMMON_LOG_H
#define WZ_COMMON_LOG_H
#include <stddef.h>
#include <stdint.h>

typedef enum { WZ_LOG_DEBUG, WZ_LOG_INFO, WZ_LOG_WARN, WZ_LOG_ERROR } wz_log_level_t;

/** Sets the lowest level written; parses "debug", "info", "warn", "error" (returns -1 if unknown). */
int wz_log_set_level_name(const char *name);
/** 0 if name is a level name, -1 if not. */
int wz_log_level_ok(const char *name);
/** Starts the writer thread: from now on lines are queued and written off the event loops. */
void wz_log_start(int fd);
/** Drains the queue, joins the writer thread; later lines are written synchronously again. */
void wz_log_stop(void);
/** Queues one complete line (a trailing newline is added when missing). Never blocks on I/O. */
void wz_log_line(const char *line, size_t len);
/** Structured message: one JSON line {"ts","level","msg"}. */
void wz_log(wz_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Lines dropped because the queue was full (exported as a metric). */
uint64_t wz_log_dropped(void);

#define wz_debug(...) wz_log(WZ_LOG_DEBUG, __VA_ARGS__)
#define wz_info(...) wz_log(WZ_LOG_INFO, __VA_ARGS__)
#define wz_warn(...) wz_log(WZ_LOG_WARN, __VA_ARGS__)
#define wz_error(...) wz_log(WZ_LOG_ERROR, __VA_ARGS__)

#endif
