/*
 * The server: one SO_REUSEPORT listener per loop, accept, TLS handshake (non-blocking, on the loop),
 * server SETTINGS, idle timeouts and graceful shutdown.
 *
 * Each loop's owner is a server_loop; the server registers with it the listener's handler, the
 * tick and command hooks (server_loop_hooks) and, on every accepted connection, server_conn_hooks.
 */
#include "cnet_internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* One loop of a server (the loop's owner) and its listener. */
typedef struct server_loop {
    cnet_loop loop;
    cnet_io listen;               /* SO_REUSEPORT listener, fd -1 when closed */
    cnet_server *srv;
    int stopping;                 /* graceful shutdown in progress */
    int64_t stop_deadline_ms;
} server_loop;

struct cnet_server {
    cnet_callbacks cb;
    SSL_CTX *ssl_ctx;
    cnet_server_params params;
    int nloops;
    server_loop *loops;
    uint16_t port;
    atomic_int connections;
    int shut;
    cnet_iptable *ips;
    cnet_counters counters;
    int64_t last_trim_ms;         /* loop 0 only */
};

static const cnet_loop_hooks server_loop_hooks;
static const cnet_conn_hooks server_conn_hooks;
static void on_accept(cnet_loop *loop, cnet_io *io, uint32_t events);

void cnet_server_params_resolve(cnet_server_params *p, const cnet_server_config *config) {
    memset(p, 0, sizeof(*p));
    p->max_connections = config->max_connections > 0 ? config->max_connections : 10000;
    p->idle_timeout_ms = config->idle_timeout_ms ? config->idle_timeout_ms : 300000;
    p->max_header_list = config->max_header_list_size ? config->max_header_list_size : 16384;
    uint32_t window = config->initial_window_size ? config->initial_window_size : 1024 * 1024;
    if (window > NGHTTP2_MAX_WINDOW_SIZE) window = NGHTTP2_MAX_WINDOW_SIZE;
    p->settings[0] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                              config->max_concurrent_streams ? config->max_concurrent_streams : 100};
    p->settings[1] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, p->max_header_list};
    p->settings[2] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window};
    cnet_limits_resolve(&p->limits, config, p->max_connections, p->settings[0].value);
}

void cnet_server_conn_setup(cnet_conn *conn, const cnet_server_params *p, cnet_counters *counters,
                            cnet_ip *ip) {
    conn->max_header_list = p->max_header_list;
    conn->limits = &p->limits;
    conn->counters = counters;
    conn->ip = ip;
    int64_t now = conn->loop ? conn->loop->ticks : 0;
    conn->accept_tick = conn->session_tick = conn->stream_tick = conn->out_tick = now;
}

static int listen_socket(const struct addrinfo *ai, uint16_t port, char *err, size_t err_len) {
    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = htons(port);
    else ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        cnet_set_err(err, err_len, "cannot listen on port %u: %s", (unsigned)port, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static uint16_t bound_port(int fd) {
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return 0;
    return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                         : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

cnet_server *cnet_server_start(const cnet_server_config *config, const cnet_callbacks *callbacks,
                               char *err, size_t err_len) {
    if (!config || !callbacks) {
        cnet_set_err(err, err_len, "missing configuration");
        return NULL;
    }
    cnet_process_init();
    cnet_server *srv = calloc(1, sizeof(*srv));
    if (!srv) {
        cnet_set_err(err, err_len, "out of memory");
        return NULL;
    }
    srv->cb = *callbacks;
    cnet_server_params_resolve(&srv->params, config);
    atomic_init(&srv->connections, 0);
    srv->ips = cnet_iptable_new();
    if (!srv->ips) {
        cnet_set_err(err, err_len, "out of memory");
        free(srv);
        return NULL;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    srv->nloops = config->loops > 0 ? config->loops : (cpus > 0 ? (int)cpus : 1);
    if (srv->nloops > 256) srv->nloops = 256;

    if (config->tls_cert_file || config->tls_key_file) {
        srv->ssl_ctx = cnet_tls_server_ctx(config->tls_cert_file, config->tls_key_file, err, err_len);
        if (!srv->ssl_ctx) {
            cnet_iptable_free(srv->ips);
            free(srv);
            return NULL;
        }
    }

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)config->port);
    int gai = getaddrinfo(config->host ? config->host : "0.0.0.0", portstr, &hints, &ai);
    if (gai != 0 || !ai) {
        cnet_set_err(err, err_len, "cannot resolve the listen address: %s", gai_strerror(gai));
        SSL_CTX_free(srv->ssl_ctx);
        cnet_iptable_free(srv->ips);
        free(srv);
        return NULL;
    }

    srv->loops = calloc((size_t)srv->nloops, sizeof(server_loop));
    int ready = 0, ok = srv->loops != NULL;
    if (!ok) cnet_set_err(err, err_len, "out of memory");
    uint16_t port = config->port;
    for (int i = 0; ok && i < srv->nloops; i++) {
        server_loop *sl = &srv->loops[i];
        sl->srv = srv;
        sl->listen = (cnet_io){.fd = -1, .handler = on_accept, .owner = sl};
        if (cnet_loop_init(&sl->loop, &server_loop_hooks, sl, err, err_len) < 0) ok = 0;
        ready = i + 1; /* initialised loops, destroyed on failure */
        if (ok && (sl->listen.fd = listen_socket(ai, port, err, err_len)) < 0) ok = 0;
        if (ok && port == 0) port = bound_port(sl->listen.fd);
        if (ok && cnet_loop_watch(&sl->loop, &sl->listen, EPOLLIN, 1) < 0) {
            cnet_set_err(err, err_len, "epoll: %s", strerror(errno));
            ok = 0;
        }
    }
    freeaddrinfo(ai);
    srv->port = port;
    for (int i = 0; ok && i < srv->nloops; i++)
        if (cnet_loop_start(&srv->loops[i].loop, err, err_len) < 0) ok = 0;
    if (!ok) {
        srv->nloops = ready;
        cnet_server_shutdown(srv, 0);
        cnet_server_free(srv);
        return NULL;
    }
    return srv;
}

uint16_t cnet_server_port(const cnet_server *server) { return server ? server->port : 0; }

int cnet_server_connection_count(const cnet_server *server) {
    return server ? atomic_load(&((cnet_server *)server)->connections) : 0;
}

void cnet_server_shutdown(cnet_server *srv, int grace_ms) {
    if (!srv || srv->shut) return;
    srv->shut = 1;
    for (int i = 0; i < srv->nloops; i++) {
        cnet_loop *loop = &srv->loops[i].loop;
        if (!loop->thread_started) continue;
        cnet_cmd *c = calloc(1, sizeof(*c));
        if (c) {
            c->type = CNET_CMD_SHUTDOWN;
            c->grace_ms = grace_ms < 0 ? 0 : grace_ms;
            cnet_cmd_post(loop->id, c);
        } else {
            loop->exit = 1; /* best effort: the next tick ends the loop */
        }
    }
    for (int i = 0; i < srv->nloops; i++)
        if (srv->loops[i].loop.thread_started) pthread_join(srv->loops[i].loop.thread, NULL);
}

void cnet_server_free(cnet_server *srv) {
    if (!srv) return;
    cnet_server_shutdown(srv, 0);
    for (int i = 0; srv->loops && i < srv->nloops; i++) {
        cnet_loop_destroy(&srv->loops[i].loop);
        if (srv->loops[i].listen.fd >= 0) close(srv->loops[i].listen.fd);
    }
    free(srv->loops);
    SSL_CTX_free(srv->ssl_ctx);
    cnet_iptable_free(srv->ips);
    free(srv);
}

void cnet_server_get_stats(const cnet_server *server, cnet_server_stats *out) {
    if (!out) return;
    memset(out, 0, sizeof(*out));
    out->queued_bytes = (int64_t)cnet_queued_total();
    if (!server) return;
    cnet_server *srv = (cnet_server *)server;
    out->connections = atomic_load(&srv->connections);
    out->refused_connections = atomic_load(&srv->counters.refused_connections);
    out->refused_streams = atomic_load(&srv->counters.refused_streams);
    out->timeouts = atomic_load(&srv->counters.timeouts);
    out->budget_resets = atomic_load(&srv->counters.budget_resets);
    out->flood_goaways = atomic_load(&srv->counters.flood_goaways);
    out->trims = atomic_load(&srv->counters.trims);
}

/* ---- On the loop ---- */

static void close_listener(server_loop *sl) {
    if (sl->listen.fd < 0) return;
    cnet_loop_unwatch(&sl->loop, &sl->listen);
    close(sl->listen.fd);
    sl->listen.fd = -1;
}

static int start_session(cnet_conn *conn) {
    const cnet_server_params *p = &((server_loop *)conn->owner)->srv->params;
    return cnet_conn_start_session(conn, p->settings, sizeof(p->settings) / sizeof(p->settings[0]));
}

static void on_accept(cnet_loop *loop, cnet_io *io, uint32_t events) {
    server_loop *sl = io->owner;
    cnet_server *srv = sl->srv;
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t peer_len = sizeof(peer);
        int fd = accept4(sl->listen.fd, (struct sockaddr *)&peer, &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            /* Out of fds: stop listening until the next tick instead of spinning. */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                cnet_loop_watch(loop, &sl->listen, 0, 0);
            return;
        }
        /* Admission: the global cap, the per-address cap, and the reserve kept for addresses that
         * hold no connection yet (so one client cannot lock out the others). */
        cnet_ip *ip = sl->stopping ? NULL
            : cnet_ip_admit(srv->ips, &srv->params.limits, (struct sockaddr *)&peer,
                            atomic_load(&srv->connections));
        if (!ip) {
            if (!sl->stopping) atomic_fetch_add(&srv->counters.refused_connections, 1);
            close(fd);
            continue;
        }
        atomic_fetch_add(&srv->connections, 1);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        SSL *ssl = NULL;
        if (srv->ssl_ctx) {
            ssl = SSL_new(srv->ssl_ctx);
            if (!ssl || SSL_set_fd(ssl, fd) != 1) {
                SSL_free(ssl);
                close(fd);
                atomic_fetch_sub(&srv->connections, 1);
                cnet_ip_release(srv->ips, ip);
                ERR_clear_error();
                continue;
            }
            SSL_set_accept_state(ssl);
        }
        cnet_conn *conn = cnet_conn_new(fd, ssl, 1, &srv->cb, &server_conn_hooks, sl);
        if (!conn || cnet_conn_attach(conn, loop) < 0) {
            free(conn);
            SSL_free(ssl);
            close(fd);
            atomic_fetch_sub(&srv->connections, 1);
            cnet_ip_release(srv->ips, ip);
            continue;
        }
        cnet_server_conn_setup(conn, &srv->params, &srv->counters, ip);
        conn->events = EPOLLIN;
        if (cnet_loop_watch(loop, &conn->io, EPOLLIN, 1) < 0) {
            cnet_conn_close(conn, CNET_H2_CANCEL); /* not watched: freed at once */
            continue;
        }
        conn->watched = 1;
        if (ssl) {
            conn->handshaking = 1; /* driven by the connection's handler */
        } else if (start_session(conn) < 0) {
            cnet_conn_close(conn, CNET_H2_CANCEL);
        } else {
            cnet_conn_after_work(conn); /* our SETTINGS go out at once */
        }
    }
}

/* 1 done, 0 in progress, -1 failed. */
static int server_handshake(cnet_conn *conn) {
    ERR_clear_error();
    int r = SSL_do_handshake(conn->ssl);
    if (r == 1) {
        conn->handshaking = 0;
        conn->last_io_ms = cnet_now_ms();
        conn->session_tick = conn->loop->ticks; /* the preface deadline starts now */
        if (!cnet_tls_alpn_is_h2(conn->ssl)) return -1; /* no ALPN at all: not HTTP/2 */
        return start_session(conn) < 0 ? -1 : 1;
    }
    switch (SSL_get_error(conn->ssl, r)) {
    case SSL_ERROR_WANT_READ: cnet_conn_set_events(conn, EPOLLIN); return 0;
    case SSL_ERROR_WANT_WRITE: cnet_conn_set_events(conn, EPOLLIN | EPOLLOUT); return 0;
    default: ERR_clear_error(); return -1;
    }
}

/* The connection is gone (its streams freed): releases its client address's entry. */
static void server_conn_released(cnet_conn *conn) {
    if (!conn->ip) return;
    cnet_ip_release(((server_loop *)conn->owner)->srv->ips, conn->ip);
    conn->ip = NULL;
}

static void server_conn_detached(cnet_conn *conn) {
    server_loop *sl = conn->owner;
    atomic_store(&sl->srv->counters.closed_since_trim, 1);
    atomic_fetch_sub(&sl->srv->connections, 1);
    if (sl->stopping && sl->loop.nconns == 0) sl->loop.exit = 1;
}

static const cnet_conn_hooks server_conn_hooks = {
    .detached = server_conn_detached, .released = server_conn_released, .handshake = server_handshake};

static cnet_conn *slot_conn(cnet_loop *loop, uint32_t i) {
    return loop->slots[i] ? cnet_conn_of(loop->slots[i]) : NULL;
}

static void close_all(cnet_loop *loop) {
    for (uint32_t i = 0; i < loop->nslots; i++)
        if (loop->slots[i]) cnet_conn_close(slot_conn(loop, i), CNET_H2_CANCEL);
}

static void begin_stop(server_loop *sl, int grace_ms) {
    cnet_loop *loop = &sl->loop;
    if (sl->stopping) return;
    sl->stopping = 1;
    sl->stop_deadline_ms = cnet_now_ms() + grace_ms;
    close_listener(sl);
    if (grace_ms <= 0) {
        close_all(loop);
    } else {
        /* wake up at the deadline rather than at the next full tick */
        if (grace_ms < 1000) cnet_loop_tick_after(loop, grace_ms);
        for (uint32_t i = 0; i < loop->nslots; i++) {
            cnet_conn *c = slot_conn(loop, i);
            if (!c) continue;
            if (!c->session) { /* still in the TLS handshake */
                cnet_conn_close(c, CNET_H2_CANCEL);
                continue;
            }
            nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(c->session), NGHTTP2_NO_ERROR,
                                  NULL, 0);
            cnet_conn_after_work(c);
        }
    }
    if (loop->nconns == 0) loop->exit = 1;
}

static void server_tick(cnet_loop *loop) {
    server_loop *sl = loop->owner;
    cnet_server *srv = sl->srv;
    int64_t now = cnet_now_ms();
    if (sl->stopping) {
        if (now >= sl->stop_deadline_ms) close_all(loop);
        if (loop->nconns == 0) loop->exit = 1;
        return;
    }
    if (sl->listen.fd >= 0) cnet_loop_watch(loop, &sl->listen, EPOLLIN, 0); /* resume if paused */
    int idle_ms = srv->params.idle_timeout_ms;
    int64_t hs_timeout = CNET_HANDSHAKE_TIMEOUT_MS;
    if (idle_ms > 0 && idle_ms < hs_timeout) hs_timeout = idle_ms;
    for (uint32_t i = 0; i < loop->nslots; i++) {
        cnet_conn *c = slot_conn(loop, i);
        if (!c) continue;
        if (c->handshaking || !c->session) {
            if (now - c->created_ms >= hs_timeout) cnet_conn_close(c, CNET_H2_CANCEL);
            continue;
        }
        /* Idle: no open stream for the idle timeout (PINGs and other control frames do not count:
         * they would keep an unused connection forever). */
        if (idle_ms > 0 && !c->goaway_sent && !c->close_tick && cnet_conn_idle(c) &&
            (loop->ticks - c->stream_tick) * 1000 >= idle_ms) {
            c->goaway_sent = 1;
            nghttp2_submit_goaway(c->session, NGHTTP2_FLAG_NONE,
                                  nghttp2_session_get_last_proc_stream_id(c->session), NGHTTP2_NO_ERROR,
                                  NULL, 0);
            cnet_conn_after_work(c); /* closes once the GOAWAY is flushed */
        }
    }
    cnet_limits_tick(loop);
    if (sl == &srv->loops[0]) cnet_maybe_trim(&srv->counters, &srv->params.limits, now, &srv->last_trim_ms);
}

static void server_run(cnet_loop *loop, cnet_qitem *item) {
    cnet_cmd *c = (cnet_cmd *)item;
    if (c->type == CNET_CMD_SHUTDOWN) {
        begin_stop(loop->owner, c->grace_ms);
        cnet_cmd_free(c);
        return;
    }
    cnet_cmd_run_stream(loop, c);
}

/* Nothing a server loop queues owes its owner a callback. */
static void server_drop(cnet_loop *loop, cnet_qitem *item) { cnet_cmd_free((cnet_cmd *)item); }

static const cnet_loop_hooks server_loop_hooks = {.run = server_run, .drop = server_drop, .tick = server_tick};
