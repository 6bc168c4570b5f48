/*
 * The client: connect, TLS handshake and the SETTINGS exchange happen on the caller's thread with a
 * deadline (poll); then a dedicated loop thread owns the connection. The loop stays registered until
 * cnet_client_close, so commands for a dead connection still reach it and opens get their
 * on_stream_close(CANCEL) from the loop thread. The client is its loop's owner (client_loop_hooks)
 * and its connection's (client_conn_hooks).
 */
#include "cnet_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct cnet_client {
    cnet_callbacks cb;
    cnet_loop loop;
    cnet_conn *conn;    /* loop thread only after the start; NULL once the connection is gone */
    SSL_CTX *ssl_ctx;
    atomic_int alive;
    atomic_int closed;
};

static int remaining_ms(int64_t deadline) {
    int64_t r = deadline - cnet_now_ms();
    return r < 0 ? 0 : (int)r;
}

static int wait_fd(int fd, short events, int64_t deadline) {
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
        int r = poll(&p, 1, remaining_ms(deadline));
        if (r > 0) return 0;
        if (r == 0) return -1;
        if (errno != EINTR) return -1;
    }
}

static int tcp_connect(const cnet_client_config *cfg, int64_t deadline, char *err, size_t err_len) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)cfg->port);
    int gai = getaddrinfo(cfg->host, portstr, &hints, &res);
    if (gai != 0 || !res) {
        cnet_set_err(err, err_len, "cannot resolve %s: %s", cfg->host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, last_errno = ETIMEDOUT;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            int soerr = ETIMEDOUT;
            socklen_t len = sizeof(soerr);
            if (wait_fd(fd, POLLOUT, deadline) == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
            rc = soerr ? -1 : 0;
            errno = soerr;
        }
        if (rc < 0) {
            last_errno = errno;
            close(fd);
            fd = -1;
        }
        if (remaining_ms(deadline) == 0 && fd < 0) break;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        cnet_set_err(err, err_len, "cannot connect to %s:%u: %s", cfg->host, (unsigned)cfg->port,
                     strerror(last_errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static SSL *tls_handshake(cnet_client *cl, const cnet_client_config *cfg, int fd, int64_t deadline,
                          char *err, size_t err_len) {
    const char *name = cfg->tls_server_name ? cfg->tls_server_name : cfg->host;
    SSL *ssl = SSL_new(cl->ssl_ctx);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) goto fail_msg;
    unsigned char ipbuf[16];
    int is_ip = inet_pton(AF_INET, name, ipbuf) == 1 || inet_pton(AF_INET6, name, ipbuf) == 1;
    if (!is_ip && SSL_set_tlsext_host_name(ssl, name) != 1) goto fail_msg;
    if (!cfg->tls_insecure_skip_verify) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name) : SSL_set1_host(ssl, name);
        if (ok != 1) goto fail_msg;
    }
    SSL_set_connect_state(ssl);
    for (;;) {
        ERR_clear_error();
        int r = SSL_do_handshake(ssl);
        if (r == 1) break;
        int e = SSL_get_error(ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            long v = SSL_get_verify_result(ssl);
            if (v != X509_V_OK) {
                cnet_set_err(err, err_len, "TLS certificate verification failed: %s",
                             X509_verify_cert_error_string(v));
                goto fail;
            }
            goto fail_msg;
        }
        if (wait_fd(fd, ev, deadline) < 0) {
            cnet_set_err(err, err_len, "TLS handshake timed out");
            goto fail;
        }
    }
    if (!cnet_tls_alpn_is_h2(ssl)) {
        cnet_set_err(err, err_len, "the server did not select HTTP/2 (ALPN h2)");
        goto fail;
    }
    return ssl;
fail_msg: {
    char buf[256];
    unsigned long e = ERR_peek_last_error();
    if (e) ERR_error_string_n(e, buf, sizeof(buf));
    else snprintf(buf, sizeof(buf), "connection closed");
    cnet_set_err(err, err_len, "TLS handshake failed: %s", buf);
}
fail:
    ERR_clear_error();
    SSL_free(ssl);
    return NULL;
}

static const cnet_loop_hooks client_loop_hooks;

static void on_goaway(cnet_conn *conn) { atomic_store(&((cnet_client *)conn->owner)->alive, 0); }

/* The connection left its slot: the client reads as dead before its streams hear of it. */
static void on_detached(cnet_conn *conn) {
    cnet_client *cl = conn->owner;
    cl->conn = NULL;
    atomic_store(&cl->alive, 0);
}

static const cnet_conn_hooks client_conn_hooks = {.detached = on_detached, .goaway = on_goaway};

/* Sends our preface + SETTINGS and reads until the server's SETTINGS arrive. */
static int exchange_settings(cnet_conn *conn, int64_t deadline, char *err, size_t err_len) {
    while (!conn->got_settings) {
        if (cnet_conn_flush(conn) < 0) goto broken;
        short ev = POLLIN | (conn->out_len > conn->out_off ? POLLOUT : 0);
        if (!(conn->ssl && SSL_pending(conn->ssl)) && wait_fd(conn->io.fd, ev, deadline) < 0) {
            cnet_set_err(err, err_len, "timed out waiting for the server's SETTINGS");
            return -1;
        }
        if (cnet_conn_on_readable(conn) < 0) goto broken;
    }
    if (cnet_conn_flush(conn) < 0) goto broken; /* our SETTINGS ACK */
    if (!nghttp2_session_want_read(conn->session)) goto broken;
    return 0;
broken:
    cnet_set_err(err, err_len, "the connection failed during the HTTP/2 preface");
    return -1;
}

cnet_client *cnet_client_connect(const cnet_client_config *config, const cnet_callbacks *callbacks,
                                 char *err, size_t err_len) {
    if (!config || !callbacks || !config->host) {
        cnet_set_err(err, err_len, "missing configuration");
        return NULL;
    }
    cnet_process_init();
    int64_t deadline = cnet_now_ms() + (config->connect_timeout_ms > 0 ? config->connect_timeout_ms : 10000);
    cnet_client *cl = calloc(1, sizeof(*cl));
    if (!cl) {
        cnet_set_err(err, err_len, "out of memory");
        return NULL;
    }
    cl->cb = *callbacks;
    atomic_init(&cl->alive, 0);
    atomic_init(&cl->closed, 0);
    int fd = -1;
    SSL *ssl = NULL;
    if (cnet_loop_init(&cl->loop, &client_loop_hooks, cl, err, err_len) < 0) goto fail;
    if (config->use_tls && !(cl->ssl_ctx = cnet_tls_client_ctx(config, err, err_len))) goto fail;
    if ((fd = tcp_connect(config, deadline, err, err_len)) < 0) goto fail;
    if (config->use_tls && !(ssl = tls_handshake(cl, config, fd, deadline, err, err_len))) goto fail;

    cnet_conn *conn = cnet_conn_new(fd, ssl, 0, &cl->cb, &client_conn_hooks, cl);
    if (!conn || cnet_conn_attach(conn, &cl->loop) < 0) {
        free(conn);
        cnet_set_err(err, err_len, "out of memory");
        goto fail;
    }
    fd = -1; /* owned by conn from here */
    ssl = NULL;
    cl->conn = conn;
    uint32_t window = config->initial_window_size ? config->initial_window_size : 1024 * 1024;
    if (window > NGHTTP2_MAX_WINDOW_SIZE) window = NGHTTP2_MAX_WINDOW_SIZE;
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, window},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, CNET_CLIENT_MAX_HEADER_LIST},
    };
    if (cnet_conn_start_session(conn, iv, sizeof(iv) / sizeof(iv[0])) < 0) {
        cnet_set_err(err, err_len, "cannot create the HTTP/2 session");
        goto fail;
    }
    if (exchange_settings(conn, deadline, err, err_len) < 0) goto fail;
    conn->events = EPOLLIN | (conn->out_len > conn->out_off ? EPOLLOUT : 0);
    if (cnet_loop_watch(&cl->loop, &conn->io, conn->events, 1) < 0) {
        cnet_set_err(err, err_len, "epoll: %s", strerror(errno));
        goto fail;
    }
    conn->watched = 1;
    atomic_store(&cl->alive, 1);
    if (cnet_loop_start(&cl->loop, err, err_len) < 0) goto fail;
    return cl;
fail:
    if (ssl) SSL_free(ssl);
    if (fd >= 0) close(fd);
    cnet_loop_destroy(&cl->loop); /* closes cl->conn, if any */
    SSL_CTX_free(cl->ssl_ctx);
    free(cl);
    return NULL;
}

int cnet_client_open_stream(cnet_client *client, const cnet_header *headers, size_t count,
                            const uint8_t *data, size_t len, int flags, void *user_data) {
    if (!client || atomic_load(&client->closed)) return -1;
    cnet_cmd *c = cnet_cmd_new_open(headers, count, data, len, flags, user_data);
    if (!c) return -1;
    return cnet_cmd_post(client->loop.id, c);
}

int cnet_client_is_alive(const cnet_client *client) {
    return client && !atomic_load(&((cnet_client *)client)->closed) &&
           atomic_load(&((cnet_client *)client)->alive);
}

void cnet_client_close(cnet_client *client) {
    if (!client || atomic_exchange(&client->closed, 1)) return;
    atomic_store(&client->alive, 0);
    cnet_cmd *c = calloc(1, sizeof(*c));
    if (c) {
        c->type = CNET_CMD_SHUTDOWN;
        cnet_cmd_post(client->loop.id, c);
    } else {
        client->loop.exit = 1; /* unlikely; only a wake-up makes the loop see it */
    }
    if (client->loop.thread_started) pthread_join(client->loop.thread, NULL);
    client->loop.thread_started = 0;
}

void cnet_client_free(cnet_client *client) {
    if (!client) return;
    cnet_client_close(client);
    cnet_loop_destroy(&client->loop);
    SSL_CTX_free(client->ssl_ctx);
    free(client);
}

/* ---- On the loop ---- */

static void run_open(cnet_loop *loop, cnet_cmd *c) {
    cnet_client *cl = loop->owner;
    cnet_conn *conn = cl->conn;
    const cnet_callbacks *cb = &cl->cb;
    cnet_stream *s = conn && !conn->closed ? cnet_stream_new(conn, 0) : NULL;
    if (!s) {
        if (cb->on_stream_close) cb->on_stream_close(cb->ctx, c->user_data, CNET_H2_CANCEL);
        cnet_cmd_free(c);
        return;
    }
    s->opened = 1;
    s->headers_sent = 1;
    s->user_data = c->user_data;
    s->head = s->tail = c->data;
    if (c->data) cnet_queued_add(s, c->data->len); /* one chunk (cnet_cmd_new_open) */
    c->data = NULL;
    s->end_requested = (c->flags & CNET_END_STREAM) != 0;
    s->has_provider = s->head || !s->end_requested;
    nghttp2_data_provider prd = cnet_data_provider;
    prd.source.ptr = s;
    int32_t id = nghttp2_submit_request(conn->session, NULL, c->headers->nv, c->headers->count,
                                        s->has_provider ? &prd : NULL, s);
    if (id < 0) {
        void *ud = s->user_data;
        cnet_stream_free(s);
        if (cb->on_stream_close) cb->on_stream_close(cb->ctx, ud, CNET_H2_INTERNAL_ERROR);
    } else {
        s->id = id;
        cnet_stream_ref ref = {loop->id, conn->io.slot, conn->io.generation, id};
        if (cb->on_stream_opened) cb->on_stream_opened(cb->ctx, s->user_data, ref);
        cnet_loop_mark_dirty(loop, &conn->io);
    }
    cnet_cmd_free(c);
}

static void run_close(cnet_loop *loop) {
    cnet_conn *conn = ((cnet_client *)loop->owner)->conn;
    if (conn && !conn->closed) {
        nghttp2_submit_goaway(conn->session, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(conn->session), NGHTTP2_NO_ERROR,
                              NULL, 0);
        cnet_conn_flush(conn); /* best effort */
        cnet_conn_close(conn, CNET_H2_CANCEL);
    }
    loop->exit = 1;
}

static void client_run(cnet_loop *loop, cnet_qitem *item) {
    cnet_cmd *c = (cnet_cmd *)item;
    switch (c->type) {
    case CNET_CMD_OPEN: run_open(loop, c); return;
    case CNET_CMD_SHUTDOWN:
        run_close(loop);
        cnet_cmd_free(c);
        return;
    default: cnet_cmd_run_stream(loop, c); return;
    }
}

/* The loop is going away: an accepted open owes its owner an on_stream_close. */
static void client_drop(cnet_loop *loop, cnet_qitem *item) {
    cnet_cmd *c = (cnet_cmd *)item;
    const cnet_callbacks *cb = &((cnet_client *)loop->owner)->cb;
    if (c->type == CNET_CMD_OPEN && cb->on_stream_close) cb->on_stream_close(cb->ctx, c->user_data, CNET_H2_CANCEL);
    cnet_cmd_free(c);
}

static const cnet_loop_hooks client_loop_hooks = {.run = client_run, .drop = client_drop};
