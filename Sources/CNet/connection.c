/*
 * A connection: socket (+ optional SSL), one nghttp2 session, its streams, and the output buffer.
 *
 * Input: read until EAGAIN, feed nghttp2_session_mem_recv (cnet_conn_recv). Output: pull frames with
 * nghttp2_session_mem_send while less than CNET_OUT_HIGH_WATER is unsent (cnet_conn_produce), write
 * them, keep the rest in conn->out and wait for EPOLLOUT. The session half (recv, produce) never
 * touches the socket, so tests drive it with bytes alone. The nghttp2 callbacks here serve both
 * servers and clients.
 *
 * The loop reaches a connection only through its cnet_io: the handler below for epoll events and
 * conn_io_ops for after-work, shutdown close and freeing. The owner (server or client) hears of a
 * connection through cnet_conn_hooks.
 */
#include "cnet_internal.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static inline int64_t conn_ticks(const cnet_conn *conn) { return conn->loop ? conn->loop->ticks : 0; }

static cnet_stream_ref stream_ref(const cnet_conn *conn, int32_t id) {
    cnet_stream_ref r = {conn->loop->id, conn->io.slot, conn->io.generation, id};
    return r;
}

/* ---- Streams ---- */

cnet_stream *cnet_stream_new(cnet_conn *conn, int32_t id) {
    cnet_stream *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->conn = conn;
    s->id = id;
    s->in_tick = s->out_tick = conn_ticks(conn);
    s->next = conn->streams;
    if (conn->streams) conn->streams->prev = s;
    conn->streams = s;
    return s;
}

void cnet_stream_free(cnet_stream *s) {
    cnet_conn *conn = s->conn;
    if (s->prev) s->prev->next = s->next;
    else conn->streams = s->next;
    if (s->next) s->next->prev = s->prev;
    while (s->head) {
        cnet_chunk *c = s->head;
        s->head = c->next;
        free(c);
    }
    if (s->queued) cnet_queued_sub(s, s->queued);
    if (s->ip_counted && conn->ip) cnet_ip_stream_close(conn->ip);
    conn->stream_tick = conn_ticks(conn);
    free(s->trailers);
    free(s->hbuf);
    free(s);
}

cnet_stream *cnet_conn_find_stream(cnet_conn *conn, int32_t id) {
    if (id <= 0) return NULL;
    cnet_stream *s = nghttp2_session_get_stream_user_data(conn->session, id);
    if (s) return s;
    /* A client request still queued in nghttp2 (e.g. waiting for MAX_CONCURRENT_STREAMS) has no
     * nghttp2 stream yet: look in our own list. */
    for (s = conn->streams; s; s = s->next)
        if (s->id == id) return s;
    return NULL;
}

/* Copies a received header field into the stream's buffer as [name_len][value_len]name value. */
static int hbuf_add(cnet_stream *s, const uint8_t *name, size_t nl, const uint8_t *value, size_t vl) {
    size_t need = 2 * sizeof(size_t) + nl + vl;
    if (s->hbuf_len + need > s->hbuf_cap) {
        size_t cap = s->hbuf_cap ? s->hbuf_cap * 2 : 1024;
        while (cap < s->hbuf_len + need) cap *= 2;
        uint8_t *b = realloc(s->hbuf, cap);
        if (!b) return -1;
        s->hbuf = b;
        s->hbuf_cap = cap;
    }
    uint8_t *p = s->hbuf + s->hbuf_len;
    memcpy(p, &nl, sizeof(size_t));
    memcpy(p + sizeof(size_t), &vl, sizeof(size_t));
    p += 2 * sizeof(size_t);
    memcpy(p, name, nl);
    memcpy(p + nl, value, vl);
    s->hbuf_len += need;
    s->hcount++;
    return 0;
}

/* Views of the collected fields; the array must be freed, the bytes stay in s->hbuf. */
static cnet_header *hbuf_view(cnet_stream *s) {
    cnet_header *h = calloc(s->hcount ? s->hcount : 1, sizeof(*h));
    if (!h) return NULL;
    const uint8_t *p = s->hbuf;
    for (size_t i = 0; i < s->hcount; i++) {
        memcpy(&h[i].name_len, p, sizeof(size_t));
        memcpy(&h[i].value_len, p + sizeof(size_t), sizeof(size_t));
        p += 2 * sizeof(size_t);
        h[i].name = p;
        h[i].value = p + h[i].name_len;
        p += h[i].name_len + h[i].value_len;
    }
    return h;
}

static void hbuf_reset(cnet_stream *s) {
    free(s->hbuf);
    s->hbuf = NULL;
    s->hbuf_len = s->hbuf_cap = s->hcount = s->hlist_size = 0;
    s->too_large = 0;
}

/* ---- Outbound DATA: the data provider reads from the stream's chain ---- */

static ssize_t data_read_cb(nghttp2_session *session, int32_t stream_id, uint8_t *buf, size_t length,
                            uint32_t *data_flags, nghttp2_data_source *source, void *user_data) {
    cnet_stream *s = source->ptr;
    cnet_conn *conn = user_data;
    size_t n = 0;
    while (n < length && s->head) {
        cnet_chunk *c = s->head;
        size_t k = c->len - c->off;
        if (k > length - n) k = length - n;
        memcpy(buf + n, c->data + c->off, k);
        c->off += k;
        n += k;
        cnet_queued_sub(s, k);
        if (c->off == c->len) {
            s->head = c->next;
            if (!s->head) s->tail = NULL;
            free(c);
        }
    }
    if (!s->head && s->end_requested) {
        *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        if (s->trailers) {
            /* The DATA frame goes without END_STREAM; the trailers carry it. */
            *data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            int rv = nghttp2_submit_trailer(session, stream_id, s->trailers->nv, s->trailers->count);
            free(s->trailers);
            s->trailers = NULL;
            if (rv != 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* -> RST_STREAM */
        }
    } else if (n == 0) {
        s->deferred = 1; /* resumed by the next submission */
        return NGHTTP2_ERR_DEFERRED;
    }
    if (n) s->out_tick = conn->loop->ticks;
    if (n && s->opened && conn->cb->on_sent) conn->cb->on_sent(conn->cb->ctx, s->user_data, n);
    return (ssize_t)n;
}

const nghttp2_data_provider cnet_data_provider = {.source = {.ptr = NULL}, .read_callback = data_read_cb};

void cnet_stream_apply(cnet_stream *s, cnet_hblock *headers, cnet_chunk *data, cnet_hblock *trailers,
                       int flags) {
    cnet_conn *conn = s->conn;
    if (s->end_requested || conn->close_tick) {
        /* Our side is already finished: anything more is a misuse; drop it. */
        free(headers);
        free(trailers);
        while (data) {
            cnet_chunk *n = data->next;
            free(data);
            data = n;
        }
        return;
    }
    while (data) {
        cnet_chunk *next = data->next;
        data->next = NULL;
        if (data->len == 0) {
            free(data);
        } else {
            cnet_queued_add(s, data->len);
            if (s->tail) s->tail->next = data;
            else s->head = data;
            s->tail = data;
        }
        data = next;
    }
    if (trailers) {
        s->trailers = trailers;
        s->end_requested = 1;
    }
    if (flags & CNET_END_STREAM) s->end_requested = 1;

    if (headers && conn->is_server && !s->headers_sent) {
        nghttp2_data_provider prd = cnet_data_provider;
        prd.source.ptr = s;
        int trailers_only = s->end_requested && !s->trailers && !s->head;
        int rv = nghttp2_submit_response(conn->session, s->id, headers->nv, headers->count,
                                         trailers_only ? NULL : &prd);
        s->headers_sent = 1;
        s->has_provider = !trailers_only;
        if (rv != 0) nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    } else if (conn->is_server && !s->headers_sent && s->end_requested) {
        /* Ending a response that never had headers: nothing valid can be sent. */
        nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
    }
    free(headers);
    if (cnet_outbound_check(s) < 0) return; /* the connection is being closed */
    if (s->has_provider && s->deferred && (s->head || s->end_requested)) {
        s->deferred = 0;
        nghttp2_session_resume_data(conn->session, s->id);
    }
}

/* ---- nghttp2 callbacks ---- */

static int on_begin_headers(nghttp2_session *session, const nghttp2_frame *frame, void *user_data) {
    cnet_conn *conn = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    if (conn->is_server && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        cnet_stream *s = cnet_stream_new(conn, frame->hd.stream_id);
        if (!s) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, s);
        return 0;
    }
    cnet_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (s) hbuf_reset(s);
    return 0;
}

static int on_header(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                     void *user_data) {
    cnet_conn *conn = user_data;
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    cnet_stream *s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
    if (!s) return 0;
    s->hlist_size += namelen + valuelen + 32;
    if (s->hlist_size > conn->max_header_list) {
        s->too_large = 1;
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* nghttp2 resets the stream */
    }
    /* Request trailers are not delivered (the API has none): only count them. */
    if (conn->is_server && frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    if (hbuf_add(s, name, namelen, value, valuelen) != 0) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    return 0;
}

static void server_headers_done(cnet_conn *conn, cnet_stream *s, const nghttp2_frame *frame) {
    const cnet_callbacks *cb = conn->cb;
    if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) { /* request trailers */
        if (s->opened && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && cb->on_remote_end)
            cb->on_remote_end(cb->ctx, s->user_data);
        return;
    }
    conn->got_request = 1;
    conn->stream_tick = conn->loop->ticks;
    if (conn->ip) {
        if (cnet_ip_stream_open(conn->ip, conn->limits) < 0) {
            atomic_fetch_add(&conn->counters->refused_streams, 1);
            hbuf_reset(s);
            nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_REFUSED_STREAM);
            return;
        }
        s->ip_counted = 1;
    }
    cnet_header *h = hbuf_view(s);
    void *ud = h && cb->on_stream_open ? cb->on_stream_open(cb->ctx, stream_ref(conn, s->id), h, s->hcount) : NULL;
    free(h);
    hbuf_reset(s);
    if (!ud) {
        nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_REFUSED_STREAM);
        return;
    }
    s->opened = 1;
    s->user_data = ud;
    if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && cb->on_remote_end) cb->on_remote_end(cb->ctx, ud);
}

static void client_headers_done(cnet_conn *conn, cnet_stream *s, const nghttp2_frame *frame) {
    const cnet_callbacks *cb = conn->cb;
    int end = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    cnet_header *h = hbuf_view(s);
    if (!h) {
        hbuf_reset(s);
        nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
        return;
    }
    /* Skip informational (1xx) responses: nghttp2 has validated :status already. */
    int informational = 0;
    if (!s->got_headers)
        for (size_t i = 0; i < s->hcount; i++)
            if (h[i].name_len == 7 && memcmp(h[i].name, ":status", 7) == 0 && h[i].value_len == 3 &&
                h[i].value[0] == '1')
                informational = 1;
    if (!informational || end) {
        int is_trailers = end || s->got_headers;
        s->got_headers = 1;
        if (cb->on_headers) cb->on_headers(cb->ctx, s->user_data, h, s->hcount, is_trailers);
    }
    free(h);
    hbuf_reset(s);
    if (end && cb->on_remote_end) cb->on_remote_end(cb->ctx, s->user_data);
}

static int on_frame_recv(nghttp2_session *session, const nghttp2_frame *frame, void *user_data) {
    cnet_conn *conn = user_data;
    cnet_stream *s;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
        s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
        if (!s || s->too_large) return 0;
        s->in_tick = conn_ticks(conn);
        if (conn->is_server) server_headers_done(conn, s, frame);
        else if (s->opened) client_headers_done(conn, s, frame);
        break;
    case NGHTTP2_DATA:
        s = nghttp2_session_get_stream_user_data(session, frame->hd.stream_id);
        if (s && s->opened && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && conn->cb->on_remote_end)
            conn->cb->on_remote_end(conn->cb->ctx, s->user_data);
        break;
    case NGHTTP2_SETTINGS:
        if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) conn->got_settings = 1;
        cnet_control_frame(conn, frame->hd.type);
        break;
    case NGHTTP2_WINDOW_UPDATE:
    case NGHTTP2_PRIORITY:
    case NGHTTP2_PING:
        cnet_control_frame(conn, frame->hd.type);
        break;
    case NGHTTP2_GOAWAY:
        if (conn->hooks && conn->hooks->goaway) conn->hooks->goaway(conn);
        break;
    case NGHTTP2_RST_STREAM:
        cnet_control_frame(conn, frame->hd.type);
        break;
    }
    return 0;
}

static int on_data_chunk_recv(nghttp2_session *session, uint8_t flags, int32_t stream_id,
                              const uint8_t *data, size_t len, void *user_data) {
    cnet_conn *conn = user_data;
    cnet_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!s || !s->opened) { /* nobody wants it: give the window back at once */
        nghttp2_session_consume(session, stream_id, len);
        return 0;
    }
    s->in_tick = conn->loop->ticks;
    const cnet_callbacks *cb = conn->cb;
    size_t n = cb->on_data ? cb->on_data(cb->ctx, s->user_data, data, len) : len;
    if (n > len) n = len;
    s->unconsumed += len - n;
    if (n) nghttp2_session_consume(session, stream_id, n);
    return 0;
}

static int on_frame_send(nghttp2_session *session, const nghttp2_frame *frame, void *user_data) {
    cnet_conn *conn = user_data;
    /* A server that ends its response before the request ended must follow with
     * RST_STREAM(NO_ERROR) (RFC 9113 8.1); nghttp2 1.52 does not do it by itself. */
    if (conn->is_server && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
        (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) == 0)
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    return 0;
}

static int on_stream_close(nghttp2_session *session, int32_t stream_id, uint32_t error_code,
                           void *user_data) {
    cnet_conn *conn = user_data;
    cnet_stream *s = nghttp2_session_get_stream_user_data(session, stream_id);
    if (!s) return 0;
    nghttp2_session_set_stream_user_data(session, stream_id, NULL);
    /* Bytes the owner never consumed still hold the connection window: return them. */
    if (s->unconsumed) nghttp2_session_consume_connection(session, s->unconsumed);
    const cnet_callbacks *cb = conn->cb;
    if (s->opened && cb->on_stream_close) cb->on_stream_close(cb->ctx, s->user_data, error_code);
    cnet_stream_free(s);
    return 0;
}

static pthread_once_t callbacks_once = PTHREAD_ONCE_INIT;
static nghttp2_session_callbacks *shared_callbacks;

static void make_callbacks(void) {
    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs) != 0) return;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
    shared_callbacks = cbs;
}

nghttp2_session_callbacks *cnet_session_callbacks(void) {
    pthread_once(&callbacks_once, make_callbacks);
    return shared_callbacks;
}

/* ---- Connection lifecycle and I/O ---- */

static void conn_io_handler(cnet_loop *loop, cnet_io *io, uint32_t events);
static void conn_io_after_work(cnet_loop *loop, cnet_io *io) { cnet_conn_after_work(cnet_conn_of(io)); }
static void conn_io_close(cnet_loop *loop, cnet_io *io) { cnet_conn_close(cnet_conn_of(io), CNET_H2_CANCEL); }
static void conn_io_destroy(cnet_io *io) { free(cnet_conn_of(io)); }

static const cnet_io_ops conn_io_ops = {
    .after_work = conn_io_after_work, .close = conn_io_close, .destroy = conn_io_destroy};

cnet_conn *cnet_conn_new(int fd, SSL *ssl, int is_server, const cnet_callbacks *cb,
                         const cnet_conn_hooks *hooks, void *owner) {
    cnet_conn *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->io.fd = fd;
    c->io.handler = conn_io_handler;
    c->io.owner = c;
    c->io.ops = &conn_io_ops;
    c->cb = cb;
    c->hooks = hooks;
    c->owner = owner;
    c->ssl = ssl;
    c->is_server = is_server;
    c->created_ms = c->last_io_ms = cnet_now_ms();
    c->max_header_list = CNET_CLIENT_MAX_HEADER_LIST;
    return c;
}

int cnet_conn_attach(cnet_conn *conn, cnet_loop *loop) {
    if (cnet_loop_add(loop, &conn->io) < 0) return -1;
    conn->loop = loop;
    return 0;
}

cnet_conn *cnet_conn_find(cnet_loop *loop, uint32_t slot, uint32_t generation) {
    cnet_io *io = cnet_loop_find(loop, slot, generation);
    return io ? cnet_conn_of(io) : NULL;
}

int cnet_conn_start_session(cnet_conn *conn, const nghttp2_settings_entry *iv, size_t niv) {
    nghttp2_session_callbacks *cbs = cnet_session_callbacks();
    nghttp2_option *opt;
    if (!cbs || nghttp2_option_new(&opt) != 0) return -1;
    nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_option_set_no_closed_streams(opt, 1);
    int rv = conn->is_server ? nghttp2_session_server_new2(&conn->session, cbs, conn, opt)
                             : nghttp2_session_client_new2(&conn->session, cbs, conn, opt);
    nghttp2_option_del(opt);
    if (rv != 0) {
        conn->session = NULL;
        return -1;
    }
    if (nghttp2_submit_settings(conn->session, NGHTTP2_FLAG_NONE, iv, niv) != 0 ||
        nghttp2_session_set_local_window_size(conn->session, NGHTTP2_FLAG_NONE, 0, CNET_CONN_WINDOW) != 0)
        return -1;
    return 0;
}

/* >0 bytes read, 0 would block, -1 EOF or error. */
static ssize_t conn_read(cnet_conn *c, uint8_t *buf, size_t len) {
    if (c->io.fd < 0) return 0; /* no socket: driven in memory */
    if (c->ssl) {
        ERR_clear_error();
        int n = SSL_read(c->ssl, buf, (int)len);
        c->read_wants_write = 0;
        if (n > 0) return n;
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_WRITE) c->read_wants_write = 1; /* retried on EPOLLOUT */
        return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
    }
    for (;;) {
        ssize_t n = recv(c->io.fd, buf, len, 0);
        if (n > 0) return n;
        if (n == 0) return -1;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

/* >0 bytes written, 0 would block, -1 error. */
static ssize_t conn_write(cnet_conn *c, const uint8_t *buf, size_t len) {
    if (c->io.fd < 0) return 0; /* no socket: the output stays in c->out */
    if (c->ssl) {
        ERR_clear_error();
        int n = SSL_write(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
        if (n > 0) return n;
        int e = SSL_get_error(c->ssl, n);
        return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
    }
    for (;;) {
        ssize_t n = send(c->io.fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    }
}

void cnet_conn_set_events(cnet_conn *c, uint32_t ev) {
    if (!c->watched || c->events == ev) return;
    c->events = ev;
    cnet_loop_watch(c->loop, &c->io, ev, 0);
}

static int out_append(cnet_conn *c, const uint8_t *p, size_t n) {
    if (c->out_len == c->out_off) c->out_tick = conn_ticks(c); /* the write-stall clock starts */
    if (c->out_off) { /* compact */
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 16384;
        while (cap < c->out_len + n) cap *= 2;
        uint8_t *b = realloc(c->out, cap);
        if (!b) return -1;
        c->out = b;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
    return 0;
}

int cnet_conn_produce(cnet_conn *c) {
    if (!c->session) return 0;
    while (c->out_len - c->out_off < CNET_OUT_HIGH_WATER) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(c->session, &p);
        if (n < 0) return -1;
        if (n == 0) break;
        /* Coalesce frames: one write per batch, not per frame. */
        if (out_append(c, p, (size_t)n) != 0) return -1;
    }
    return 0;
}

int cnet_conn_flush(cnet_conn *c) {
    if (!c->session) return 0;
    for (;;) {
        if (cnet_conn_produce(c) < 0) return -1;
        size_t pending = c->out_len - c->out_off;
        if (pending == 0) break;
        ssize_t w = conn_write(c, c->out + c->out_off, pending);
        if (w < 0) return -1;
        if (w == 0) {
            cnet_conn_set_events(c, EPOLLIN | EPOLLOUT);
            return 0;
        }
        c->last_io_ms = cnet_now_ms();
        c->out_tick = conn_ticks(c);
        c->out_off += (size_t)w;
        if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
    }
    cnet_conn_set_events(c, EPOLLIN | (c->read_wants_write ? EPOLLOUT : 0));
    return 0;
}

int cnet_conn_recv(cnet_conn *c, const uint8_t *data, size_t len) {
    /* Bad preface, flood, callback failure: the session is unusable. */
    if (nghttp2_session_mem_recv(c->session, data, len) < 0) return -1;
    return c->closed ? -1 : 0;
}

int cnet_conn_on_readable(cnet_conn *c) {
    uint8_t buf[32768];
    for (;;) {
        ssize_t n = conn_read(c, buf, sizeof(buf));
        if (n < 0) return -1;
        if (n == 0) return 0;
        c->last_io_ms = cnet_now_ms();
        if (cnet_conn_recv(c, buf, (size_t)n) < 0) return -1;
    }
}

void cnet_conn_after_work(cnet_conn *c) {
    if (c->closed || !c->session) return;
    if (cnet_conn_flush(c) < 0) {
        cnet_conn_close(c, CNET_H2_CANCEL);
        return;
    }
    /* Finished (GOAWAY exchanged and no stream left, or fatal error): close once flushed. */
    if (!nghttp2_session_want_read(c->session) && !nghttp2_session_want_write(c->session) &&
        c->out_len == c->out_off)
        cnet_conn_close(c, CNET_H2_CANCEL);
}

static void conn_io_handler(cnet_loop *loop, cnet_io *io, uint32_t events) {
    cnet_conn *c = cnet_conn_of(io);
    if (c->closed) return; /* closed earlier in this epoll batch: buried, not yet freed */
    if (c->handshaking) {
        int r = c->hooks->handshake(c);
        if (r < 0) cnet_conn_close(c, CNET_H2_CANCEL);
        if (r <= 0) return;
    }
    /* TLS may need to read on EPOLLOUT (and the reverse), so TLS always tries both. */
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) || c->ssl) {
        if (cnet_conn_on_readable(c) < 0) {
            cnet_conn_close(c, CNET_H2_CANCEL);
            return;
        }
    }
    cnet_conn_after_work(c);
}

int cnet_conn_idle(const cnet_conn *c) { return c->streams == NULL; }

void cnet_conn_close(cnet_conn *c, uint32_t error_code) {
    if (c->closed) return;
    c->closed = 1;
    cnet_loop *loop = c->loop;
    /* Leave the slot first, so the client reads as dead before its streams hear of it. */
    if (loop && cnet_loop_remove(loop, &c->io) && c->hooks && c->hooks->detached) c->hooks->detached(c);
    /* nghttp2_session_del calls no callback: fail the owner's streams ourselves. */
    while (c->streams) {
        cnet_stream *s = c->streams;
        if (c->session && s->id > 0) nghttp2_session_set_stream_user_data(c->session, s->id, NULL);
        if (s->opened && c->cb->on_stream_close) c->cb->on_stream_close(c->cb->ctx, s->user_data, error_code);
        cnet_stream_free(s);
    }
    if (c->hooks && c->hooks->released) c->hooks->released(c);
    nghttp2_session_del(c->session);
    c->session = NULL;
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->io.fd >= 0) {
        if (c->watched) cnet_loop_unwatch(loop, &c->io);
        close(c->io.fd);
        c->io.fd = -1;
    }
    free(c->out);
    c->out = NULL;
    if (loop && c->watched) cnet_loop_bury(loop, &c->io);
    else free(c);
}
