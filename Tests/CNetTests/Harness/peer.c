/* The in-memory peer of the session tests (peer.h). */
#include "peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- The server's owner: records what CNet delivers ---- */

static void copy_value(char *dst, size_t cap, const cnet_header *h) {
    size_t n = h->value_len < cap - 1 ? h->value_len : cap - 1;
    memcpy(dst, h->value, n);
    dst[n] = 0;
}

static int name_is(const cnet_header *h, const char *name) {
    return h->name_len == strlen(name) && memcmp(h->name, name, h->name_len) == 0;
}

static void *on_stream_open(void *ctx, cnet_stream_ref ref, const cnet_header *headers, size_t count) {
    peer *p = ctx;
    p->opens++;
    p->last_ref = ref;
    p->header_count = count;
    for (size_t i = 0; i < count; i++) {
        if (name_is(&headers[i], ":path")) copy_value(p->path, sizeof(p->path), &headers[i]);
        if (name_is(&headers[i], "content-type")) copy_value(p->content_type, sizeof(p->content_type), &headers[i]);
        if (name_is(&headers[i], "x-test")) copy_value(p->custom, sizeof(p->custom), &headers[i]);
    }
    return p->refuse ? NULL : (void *)(intptr_t)(++p->token);
}

static size_t on_data(void *ctx, void *user_data, const uint8_t *data, size_t len) {
    peer *p = ctx;
    for (size_t i = 0; i < len && p->data_bytes + i < sizeof(p->data); i++) p->data[p->data_bytes + i] = data[i];
    p->data_bytes += len;
    return len;
}

static void on_remote_end(void *ctx, void *user_data) { ((peer *)ctx)->remote_ends++; }

static void on_stream_close(void *ctx, void *user_data, uint32_t code) {
    peer *p = ctx;
    p->stream_closes++;
    p->last_close_code = code;
}

static void conn_detached(cnet_conn *conn) { ((peer *)conn->owner)->conn = NULL; }

static void conn_released(cnet_conn *conn) {
    cnet_ip_release(((peer *)conn->owner)->ips, conn->ip);
    conn->ip = NULL;
}

static const cnet_conn_hooks peer_conn_hooks = {.detached = conn_detached, .released = conn_released};

/* The loop never runs: nothing is posted to it. */
static void loop_run(cnet_loop *loop, cnet_qitem *item) { cnet_cmd_free((cnet_cmd *)item); }
static const cnet_loop_hooks peer_loop_hooks = {.run = loop_run, .drop = loop_run};

/* ---- The client side ---- */

static int cli_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user_data) {
    peer *p = user_data;
    switch (f->hd.type) {
    case NGHTTP2_RST_STREAM:
        if (p->rsts < PEER_MAX_EVENTS) {
            p->rst_stream[p->rsts] = f->hd.stream_id;
            p->rst_code[p->rsts] = f->rst_stream.error_code;
        }
        p->rsts++;
        break;
    case NGHTTP2_GOAWAY:
        p->goaways++;
        p->goaway_code = f->goaway.error_code;
        break;
    case NGHTTP2_HEADERS: p->response_headers++; break;
    case NGHTTP2_PING:
        if (f->hd.flags & NGHTTP2_FLAG_ACK) p->pings_acked++;
        break;
    }
    return 0;
}

static int cli_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t namelen,
                      const uint8_t *value, size_t valuelen, uint8_t flags, void *user_data) {
    peer *p = user_data;
    cnet_header h = {name, namelen, value, valuelen};
    if (name_is(&h, ":status")) copy_value(p->status, sizeof(p->status), &h);
    if (name_is(&h, "grpc-status")) copy_value(p->grpc_status, sizeof(p->grpc_status), &h);
    return 0;
}

static int cli_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                    void *user_data) {
    ((peer *)user_data)->response_bytes += len;
    return 0;
}

/* A request body: the data provider's source (freed by peer_free). */
typedef struct body {
    struct body *next;
    size_t len, off;
    int end;
    uint8_t bytes[];
} body;

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                         nghttp2_data_source *source, void *user_data) {
    body *b = source->ptr;
    size_t n = b->len - b->off < length ? b->len - b->off : length;
    memcpy(buf, b->bytes + b->off, n);
    b->off += n;
    if (b->off == b->len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (!b->end) *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
    return (ssize_t)n;
}

int peer_init(peer *p, const cnet_server_config *config, uint32_t client_window, char *err, size_t len) {
    memset(p, 0, sizeof(*p));
    p->cb = (cnet_callbacks){.ctx = p, .on_stream_open = on_stream_open, .on_data = on_data,
                             .on_remote_end = on_remote_end, .on_stream_close = on_stream_close};
    if (cnet_loop_init(&p->loop, &peer_loop_hooks, p, err, len) < 0) return -1;
    cnet_server_params_resolve(&p->params, config);
    p->ips = cnet_iptable_new();
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(0x7f000001);
    cnet_ip *ip = p->ips ? cnet_ip_admit(p->ips, &p->params.limits, (struct sockaddr *)&a, 0) : NULL;
    p->conn = ip ? cnet_conn_new(-1, NULL, 1, &p->cb, &peer_conn_hooks, p) : NULL;
    if (!p->conn || cnet_conn_attach(p->conn, &p->loop) < 0) {
        cnet_set_err(err, len, "cannot create the server connection");
        return -1;
    }
    cnet_server_conn_setup(p->conn, &p->params, &p->counters, ip);
    if (cnet_conn_start_session(p->conn, p->params.settings, 3) < 0) {
        cnet_set_err(err, len, "cannot start the server session");
        return -1;
    }
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    if (nghttp2_session_callbacks_new(&cbs) != 0 || nghttp2_option_new(&opt) != 0) return -1;
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, cli_frame_recv);
    nghttp2_session_callbacks_set_on_header_callback(cbs, cli_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, cli_data);
    int rv = nghttp2_session_client_new2(&p->client, cbs, p, opt);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_option_del(opt);
    if (rv != 0) {
        cnet_set_err(err, len, "cannot create the client session");
        return -1;
    }
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, client_window}};
    nghttp2_submit_settings(p->client, NGHTTP2_FLAG_NONE, iv, 2);
    return 0;
}

void peer_free(peer *p) {
    if (p->conn) cnet_conn_close(p->conn, CNET_H2_CANCEL);
    cnet_loop_destroy(&p->loop);
    cnet_iptable_free(p->ips);
    nghttp2_session_del(p->client);
    while (p->bodies) {
        body *b = p->bodies;
        p->bodies = b->next;
        free(b);
    }
}

int peer_send_raw(peer *p, const void *bytes, size_t len) {
    if (!p->conn || p->recv_failed) return -1;
    if (cnet_conn_recv(p->conn, bytes, len) < 0) {
        p->recv_failed = 1;
        return -1;
    }
    return 0;
}

/* Bytes moved, or -1. */
static ssize_t send_some(peer *p) {
    size_t moved = 0;
    for (;;) {
        const uint8_t *d;
        ssize_t n = nghttp2_session_mem_send(p->client, &d);
        if (n < 0) return -1;
        if (n == 0) return (ssize_t)moved;
        if (peer_send_raw(p, d, (size_t)n) < 0) return -1;
        moved += (size_t)n;
    }
}

static ssize_t recv_some(peer *p) {
    size_t moved = 0;
    for (;;) {
        if (!p->conn) return (ssize_t)moved;
        if (cnet_conn_produce(p->conn) < 0) return -1;
        size_t n = p->conn->out_len - p->conn->out_off;
        if (n == 0) return (ssize_t)moved;
        ssize_t r = nghttp2_session_mem_recv(p->client, p->conn->out + p->conn->out_off, n);
        p->conn->out_off = p->conn->out_len = 0; /* "written" */
        if (r < 0) return -1;
        moved += n;
    }
}

int peer_send(peer *p) { return send_some(p) < 0 ? -1 : 0; }
int peer_recv(peer *p) { return recv_some(p) < 0 ? -1 : 0; }

int peer_pump(peer *p) {
    for (;;) {
        ssize_t a = send_some(p);
        if (a < 0) return -1;
        ssize_t b = recv_some(p);
        if (b < 0) return -1;
        if (a == 0 && b == 0) return 0;
    }
}

void peer_tick(peer *p) {
    p->loop.ticks++;
    cnet_limits_tick(&p->loop);
}

int32_t peer_request(peer *p, const char *path, const uint8_t *data, size_t len, int end, size_t extra) {
    char *pad = NULL;
    nghttp2_nv nv[8];
    size_t n = 0;
#define NV(k, v) nv[n++] = (nghttp2_nv){(uint8_t *)(k), (uint8_t *)(v), strlen(k), strlen(v), NGHTTP2_NV_FLAG_NONE}
    NV(":method", "POST");
    NV(":scheme", "http");
    NV(":path", path);
    NV(":authority", "localhost");
    NV("content-type", "application/grpc");
    NV("te", "trailers");
    NV("x-test", "hello");
#undef NV
    if (extra) {
        pad = malloc(extra);
        if (!pad) return -1;
        memset(pad, 'a', extra);
        nv[n++] = (nghttp2_nv){(uint8_t *)"x-pad", (uint8_t *)pad, 5, extra, NGHTTP2_NV_FLAG_NONE};
    }
    int32_t id;
    if (data) {
        body *b = malloc(sizeof(*b) + len);
        if (!b) return -1;
        b->len = len;
        b->off = 0;
        b->end = end;
        memcpy(b->bytes, data, len);
        b->next = p->bodies;
        p->bodies = b;
        nghttp2_data_provider prd = {.source = {.ptr = b}, .read_callback = body_read};
        id = nghttp2_submit_request(p->client, NULL, nv, n, &prd, NULL);
    } else {
        id = nghttp2_submit_headers(p->client, end ? NGHTTP2_FLAG_END_STREAM : NGHTTP2_FLAG_NONE, -1, NULL,
                                    nv, n, NULL);
    }
    free(pad);
    return id;
}

cnet_stream *peer_server_stream(peer *p, int32_t id) { return p->conn ? cnet_conn_find_stream(p->conn, id) : NULL; }

int peer_rst_index(const peer *p, int32_t id) {
    for (int i = 0; i < p->rsts && i < PEER_MAX_EVENTS; i++)
        if (p->rst_stream[i] == id) return i;
    return -1;
}
