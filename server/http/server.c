/* Server lifecycle: configuration of h2o, one listening socket and loop per worker thread,
 * signals, and the graceful stop (stop accepting, let in-flight requests finish within
 * http.shutdown_timeout_ms, close the database pools, exit 0). */
#include "http/server.h"
#include "common/seal.h"
#include "common/log.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024

void wz_dispatch_register(h2o_pathconf_t *pathconf);
void wz_access_log_register(h2o_pathconf_t *pathconf, wz_server_t *server);
void wz_server_make_id_prefix(char *out, size_t outlen);

static int open_listener(const char *host, int port, int *bound_port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        sslen = sizeof(*in4);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        sslen = sizeof(*in6);
    } else {
        snprintf(err, errlen, "listen_host must be an IP address, got '%s'", host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (bound_port != NULL) {
        getsockname(fd, (struct sockaddr *)&ss, &sslen);
        *bound_port = ntohs(ss.ss_family == AF_INET ? in4->sin_port : in6->sin6_port);
    }
    return fd;
}

static int add_static_headers(h2o_handler_t *self, h2o_req_t *req);

int wz_server_init(wz_server_t *server, const wz_config_t *cfg, char *err, size_t errlen)
{
    memset(server, 0, sizeof(*server));
    server->cfg = cfg;
    wz_calendar_store_init(&server->calendar);
    wz_revocations_init(&server->revocations);
    wz_server_make_id_prefix(server->id_prefix, sizeof(server->id_prefix));
    if (wz_cidr_parse_list(cfg->metrics.allow, server->metrics_allow,
                           sizeof(server->metrics_allow) / sizeof(server->metrics_allow[0]),
                           &server->nmetrics_allow) != 0) {
        snprintf(err, errlen, "metrics.allow: cannot parse '%s'", cfg->metrics.allow);
        return -1;
    }
    if (wz_cidr_parse_list(cfg->http.trusted_proxies, server->trusted_proxies,
                           sizeof(server->trusted_proxies) / sizeof(server->trusted_proxies[0]),
                           &server->ntrusted_proxies) != 0) {
        snprintf(err, errlen, "http.trusted_proxies: cannot parse '%s'", cfg->http.trusted_proxies);
        return -1;
    }
    if (cfg->secret_key != NULL && strlen(cfg->secret_key) == 64)
        wz_seal_key_from_hex(cfg->secret_key, server->seal_key);
    wz_routes_register(server);

    h2o_config_init(&server->globalconf);
    server->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("wenzheng"));
    /* h2o rejects far-oversized bodies itself; ours answer with the JSON 413 below this */
    server->globalconf.max_request_entity_size = (size_t)cfg->http.upload_limit + 1024 * 1024;
    server->globalconf.http1.upgrade_to_http2 = 0;
    server->globalconf.http1.req_timeout = (uint64_t)cfg->http.request_timeout_ms;
    h2o_hostconf_t *host = h2o_config_register_host(&server->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    static const char *index_files[] = {"index.html", NULL};
    /* h2o takes the first registered path that matches: /h5 before / */
    if (cfg->h5_dir != NULL && cfg->h5_dir[0] != '\0') {
        /* the citizens' message board: its own files, with the console's headers */
        h2o_pathconf_t *h5 = h2o_config_register_path(host, "/h5", 0);
        h2o_handler_t *headers = h2o_create_handler(h5, sizeof(*headers));
        headers->on_req = add_static_headers;
        h2o_file_register(h5, cfg->h5_dir, index_files, NULL, 0);
        wz_access_log_register(h5, server);
    }
    server->pathconf = h2o_config_register_path(host, "/", 0);
    wz_dispatch_register(server->pathconf);
    if (cfg->static_dir[0] != '\0')
        h2o_file_register(server->pathconf, cfg->static_dir, index_files, NULL, 0);
    wz_access_log_register(server->pathconf, server);

    int threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    server->nworkers = (size_t)threads;
    server->workers = calloc(server->nworkers, sizeof(wz_worker_t));
    if (server->workers == NULL)
        abort();
    /* bind every socket now, so a port of 0 resolves once and all workers share it */
    for (size_t i = 0; i < server->nworkers; i++) {
        int fd = open_listener(cfg->listen_host, i == 0 ? cfg->port : server->port, i == 0 ? &server->port : NULL, err,
                               errlen);
        if (fd < 0)
            return -1;
        server->workers[i].listen_fd = fd;
        server->workers[i].index = (int)i;
        server->workers[i].server = server;
    }
    return 0;
}

/* a handler in front of a file handler: adds the headers and lets the files answer */
static int add_static_headers(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    wz_add_console_headers(req);
    return -1;
}

/* ---- worker ---- */

static void on_accept(uv_stream_t *listener, int status)
{
    if (status != 0)
        return;
    wz_worker_t *worker = listener->data;
    uv_tcp_t *conn = malloc(sizeof(*conn));
    if (conn == NULL)
        abort();
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    uv_tcp_nodelay(conn, 1);
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free);
    h2o_accept(&worker->accept_ctx, sock);
}

static void on_pool_closed(void *data)
{
    wz_worker_t *worker = data;
    uv_stop(&worker->loop); /* the pool is freed by the main thread once every worker is done */
}

static void finish_worker(wz_worker_t *worker)
{
    if (worker->finished)
        return;
    worker->finished = 1;
    uv_timer_stop(&worker->shutdown_timer);
    if (worker->inflight > 0)
        wz_warn("worker %d: stopping with %u requests unfinished after %d ms", worker->index, worker->inflight,
                worker->server->cfg->http.shutdown_timeout_ms);
    if (worker->sla != NULL) {
        /* a batch in flight is failed by the pool close and frees the engine when it ends */
        wz_sla_timers_stop(worker->sla, NULL, NULL); /* nothing waits on it */
        worker->sla = NULL;
    }
    if (worker->calendar_refresher != NULL) {
        wz_calendar_refresher_stop(worker->calendar_refresher);
        worker->calendar_refresher = NULL;
    }
    if (worker->revocations_refresher != NULL) {
        wz_revocations_refresher_stop(worker->revocations_refresher);
        worker->revocations_refresher = NULL;
    }
    if (worker->inbox_sweeper != NULL) {
        wz_inbox_sweeper_stop(worker->inbox_sweeper);
        worker->inbox_sweeper = NULL;
    }
    if (worker->stats_refresh != NULL) {
        wz_stats_refresh_stop(worker->stats_refresh); /* a batch in flight is failed by the pool close */
        worker->stats_refresh = NULL;
    }
    if (worker->outbox != NULL) {
        /* before the HTTP client: its close ends the deliveries in flight, which then write nothing */
        wz_outbox_stop(worker->outbox, NULL, NULL);
        worker->outbox = NULL;
    }
    if (worker->upload_sweeper != NULL) {
        wz_upload_sweeper_stop(worker->upload_sweeper);
        worker->upload_sweeper = NULL;
    }
    if (worker->events != NULL) {
        wz_event_hub_free(worker->events);
        worker->events = NULL;
    }
    if (worker->http != NULL) {
        wz_http_client_close(worker->http); /* calls still waiting end with an error */
        worker->http = NULL;
    }
    wz_db_pool_close(worker->db, on_pool_closed, worker);
}

void wz_worker_request_done(wz_worker_t *worker); /* dispatch.c */

void wz_worker_request_done(wz_worker_t *worker)
{
    worker->inflight--;
    if (worker->stopping && worker->inflight == 0)
        finish_worker(worker);
}

static void on_shutdown_timeout(uv_timer_t *timer)
{
    finish_worker(timer->data);
}

static void on_stop(uv_async_t *async)
{
    wz_worker_t *worker = async->data;
    if (worker->stopping)
        return;
    worker->stopping = 1;
    uv_close((uv_handle_t *)&worker->listener, NULL); /* stop accepting */
    h2o_context_request_shutdown(&worker->h2o);
    wz_event_hub_end_streams(worker->events); /* open streams would hold the stop up */
    if (worker->inflight == 0) {
        finish_worker(worker);
        return;
    }
    uv_timer_start(&worker->shutdown_timer, on_shutdown_timeout,
                   (uint64_t)worker->server->cfg->http.shutdown_timeout_ms, 0);
}

static void *worker_main(void *arg)
{
    wz_worker_t *worker = arg;
    uv_run(&worker->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void start_worker(wz_server_t *server, wz_worker_t *worker)
{
    const wz_config_t *cfg = server->cfg;
    uv_loop_init(&worker->loop);
    h2o_context_init(&worker->h2o, &worker->loop, &server->globalconf);
    worker->accept_ctx.ctx = &worker->h2o;
    worker->accept_ctx.hosts = server->globalconf.hosts;
    uv_tcp_init(&worker->loop, &worker->listener);
    uv_tcp_open(&worker->listener, worker->listen_fd);
    worker->listener.data = worker;
    uv_listen((uv_stream_t *)&worker->listener, LISTEN_BACKLOG, on_accept);
    uv_async_init(&worker->loop, &worker->stop_async, on_stop);
    worker->stop_async.data = worker;
    uv_timer_init(&worker->loop, &worker->shutdown_timer);
    worker->shutdown_timer.data = worker;
    wz_db_options_t o = {
        .socket = cfg->db.socket,
        .host = cfg->db.host,
        .port = (unsigned)cfg->db.port,
        .user = cfg->db.user,
        .password = cfg->db.password,
        .database = cfg->db.name,
        .pool_size = (unsigned)cfg->db.pool_size,
        .queue_max = (unsigned)cfg->db.queue_max,
        .acquire_timeout_ms = (unsigned)cfg->db.acquire_timeout_ms,
        .query_timeout_ms = (unsigned)cfg->db.query_timeout_ms,
        .connect_timeout_ms = (unsigned)cfg->db.connect_timeout_ms,
    };
    worker->db = wz_db_pool_create(&worker->loop, &o);
    if (worker->index == 0 && cfg->sla.enabled) {
        wz_sla_timers_options_t so = {(unsigned)cfg->sla.poll_ms, (unsigned)cfg->sla.batch, &server->sla_counters};
        worker->sla = wz_sla_timers_start(&worker->loop, worker->db, &so);
    }
    worker->http = wz_http_client_new(&worker->loop);
    worker->events = wz_event_hub_new(worker);
    if (worker->index == 0)
        worker->upload_sweeper = wz_upload_sweeper_start(&worker->loop, worker->db, cfg->data_dir,
                                                         (unsigned)cfg->uploads.max_unattached_s,
                                                         (unsigned)cfg->uploads.sweep_ms);
    worker->inbox = (wz_inbox_env_t){
        .pool = worker->db,
        .calendar = &server->calendar,
        .seal_key = server->seal_key,
        .follow_up_window_s = (unsigned)cfg->channels.follow_up_window_s,
        .lease_s = (unsigned)cfg->channels.inbox_lease_s,
        .max_attempts = (unsigned)cfg->channels.inbox_max_attempts,
    };
    if (worker->index == 0)
        worker->inbox_sweeper =
            wz_inbox_sweeper_start(&worker->loop, &worker->inbox, (unsigned)cfg->channels.inbox_poll_ms);
    if (worker->index == 0 && cfg->stats.enabled) {
        wz_stats_refresh_options_t ro = {(unsigned)cfg->stats.refresh_ms, (unsigned)cfg->stats.batch, &server->calendar,
                                         NULL};
        worker->stats_refresh = wz_stats_refresh_start(&worker->loop, worker->db, &ro);
    }
    if (worker->index == 0 && cfg->outbox.enabled) {
        wz_outbox_options_t oo = {
            .poll_ms = (unsigned)cfg->outbox.poll_ms,
            .batch = (unsigned)cfg->outbox.batch,
            .max_attempts = (unsigned)cfg->outbox.max_attempts,
            .backoff_ms = (uint64_t)cfg->outbox.backoff_ms,
            .backoff_max_ms = (uint64_t)cfg->outbox.backoff_max_ms,
            .hook_timeout_ms = cfg->outbox.timeout_ms,
            .wechat_timeout_ms = cfg->wechat_timeout_ms,
            .wechat_api_base = cfg->wechat_api_base,
            .miniprogram_appid = cfg->miniprogram_appid,
            .miniprogram_secret = cfg->miniprogram_secret,
            .miniprogram_template_id = cfg->miniprogram.reply_template_id,
            .miniprogram_page = cfg->miniprogram.reply_page,
            .weibo_api_base = cfg->weibo_api_base,
            .douyin_api_base = cfg->douyin_api_base,
            .toutiao_api_base = cfg->toutiao_api_base,
            .seal_key = server->seal_key,
            .counters = &server->outbox_counters,
        };
        worker->outbox = wz_outbox_start(&worker->loop, worker->db, worker->http, &oo);
    }
    if (worker->index == 0) {
        worker->calendar_refresher = wz_calendar_refresher_start(&worker->loop, worker->db, &server->calendar,
                                                                 (unsigned)cfg->sla.calendar_refresh_ms);
        worker->revocations_refresher =
            wz_revocations_refresher_start(&worker->loop, worker->db, &server->revocations, cfg->auth.access_ttl_s,
                                           (unsigned)cfg->auth.revocation_refresh_ms);
    }
    if (pthread_create(&worker->thread, NULL, worker_main, worker) != 0) {
        wz_error("cannot start worker thread %d", worker->index);
        abort();
    }
}

/* ---- the main thread: signals ---- */

static void on_signal(uv_signal_t *sig, int signum)
{
    wz_server_t *server = sig->data;
    if (++server->signals > 1) {
        wz_warn("second signal: exiting at once");
        _exit(1);
    }
    wz_info("received %s: stopping gracefully", signum == SIGINT ? "SIGINT" : "SIGTERM");
    for (size_t i = 0; i < server->nworkers; i++)
        uv_async_send(&server->workers[i].stop_async);
    /* keep the handles active so a second signal still reaches us while workers drain */
}

static void *join_workers(void *arg)
{
    wz_server_t *server = arg;
    for (size_t i = 0; i < server->nworkers; i++)
        pthread_join(server->workers[i].thread, NULL);
    return NULL;
}

static void on_joined(uv_async_t *async)
{
    wz_server_t *server = async->data;
    uv_close((uv_handle_t *)&server->sigint, NULL);
    uv_close((uv_handle_t *)&server->sigterm, NULL);
    uv_close((uv_handle_t *)async, NULL);
}

typedef struct {
    wz_server_t *server;
    uv_async_t *done;
} joiner_t;

static void *joiner_main(void *arg)
{
    joiner_t *j = arg;
    join_workers(j->server);
    uv_async_send(j->done);
    return NULL;
}

int wz_server_run(wz_server_t *server)
{
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&server->main_loop);
    uv_signal_init(&server->main_loop, &server->sigint);
    uv_signal_init(&server->main_loop, &server->sigterm);
    server->sigint.data = server->sigterm.data = server;
    uv_signal_start(&server->sigint, on_signal, SIGINT);
    uv_signal_start(&server->sigterm, on_signal, SIGTERM);

    for (size_t i = 0; i < server->nworkers; i++)
        start_worker(server, &server->workers[i]);

    /* the sockets were listening since init; say so exactly once, flushed even into a pipe */
    const char *host = server->cfg->listen_host;
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    printf(strchr(host, ':') ? "ready: http://[%s]:%d\n" : "ready: http://%s:%d\n", host, server->port);
    fflush(stdout);
    wz_info("serving on %s:%d with %zu worker threads", server->cfg->listen_host, server->port, server->nworkers);

    uv_async_t joined;
    uv_async_init(&server->main_loop, &joined, on_joined);
    joined.data = server;
    joiner_t j = {server, &joined};
    pthread_t joiner;
    pthread_create(&joiner, NULL, joiner_main, &j);
    uv_run(&server->main_loop, UV_RUN_DEFAULT);
    pthread_join(joiner, NULL);
    uv_loop_close(&server->main_loop);
    for (size_t i = 0; i < server->nworkers; i++) {
        wz_db_pool_free(server->workers[i].db);
        server->workers[i].db = NULL;
    }
    wz_info("stopped");
    return 0;
}
