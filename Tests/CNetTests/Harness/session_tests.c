/*
 * Session tests: a CNet server connection's nghttp2 session driven with bytes alone (peer.h). Each
 * names the peer's misbehaviour it plays and checks what the server does about it; the honest path
 * is checked next to each limit, so a limit that refuses everything fails too.
 */
#include "cnet_test_harness.h"
#include "peer.h"

#include <stdlib.h>
#include <string.h>

#define SETUP(cfg, window)                                                                       \
    peer *p = calloc(1, sizeof(peer));                                                           \
    if (!p) return -1;                                                                           \
    if (peer_init(p, (cfg), (window), err, err_len) < 0) goto fail

#define TEARDOWN()                                                                               \
    peer_free(p);                                                                                \
    free(p);                                                                                     \
    return 0;                                                                                    \
fail:                                                                                            \
    peer_free(p);                                                                                \
    free(p);                                                                                     \
    return -1

#define DEFAULT_WINDOW 65535

static const uint8_t grpc_message[] = {0, 0, 0, 0, 3, 'a', 'b', 'c'}; /* 5-byte prefix + "abc" */

/* The owner's side of a stream, as the RPC layer's submissions reach it on the loop: response
 * headers, `data_len` bytes of DATA, trailers, all optional. */
static int respond(peer *p, int32_t id, int headers, size_t data_len, int trailers, int flags) {
    cnet_stream *s = peer_server_stream(p, id);
    if (!s) return -1;
    const cnet_header h[] = {{(const uint8_t *)":status", 7, (const uint8_t *)"200", 3},
                             {(const uint8_t *)"content-type", 12, (const uint8_t *)"application/grpc", 16}};
    const cnet_header t[] = {{(const uint8_t *)"grpc-status", 11, (const uint8_t *)"0", 1}};
    cnet_chunk *c = NULL;
    if (data_len) {
        c = malloc(sizeof(*c) + data_len);
        if (!c) return -1;
        c->next = NULL;
        c->len = data_len;
        c->off = 0;
        memset(c->data, 'r', data_len);
    }
    cnet_stream_apply(s, headers ? cnet_hblock_copy(h, 2) : NULL, c, trailers ? cnet_hblock_copy(t, 1) : NULL,
                      flags);
    return 0;
}

/* The honest path: a gRPC request reaches the owner with its path, headers and message, and the
 * owner's response, message and trailers reach the client. */
int cnet_test_session_valid_request(char *err, size_t err_len) {
    cnet_server_config cfg = {0};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    int32_t id = peer_request(p, "/settlement.v1.Test/Echo", grpc_message, sizeof(grpc_message), 1, 0);
    CHECK(id == 1, "stream id %d", id);
    CHECK(peer_pump(p) == 0, "request");
    CHECK(p->opens == 1, "on_stream_open calls: %d", p->opens);
    CHECK(strcmp(p->path, "/settlement.v1.Test/Echo") == 0, "path %s", p->path);
    CHECK(strcmp(p->content_type, "application/grpc") == 0, "content-type %s", p->content_type);
    CHECK(strcmp(p->custom, "hello") == 0, "x-test %s", p->custom);
    CHECK(p->data_bytes == sizeof(grpc_message) && memcmp(p->data, grpc_message, sizeof(grpc_message)) == 0,
          "DATA: %zu bytes", p->data_bytes);
    CHECK(p->remote_ends == 1, "on_remote_end calls: %d", p->remote_ends);
    CHECK(p->last_ref.stream_id == 1 && p->last_ref.loop == p->loop.id, "stream ref");
    CHECK(p->rsts == 0 && p->goaways == 0, "rst %d goaway %d", p->rsts, p->goaways);
    CHECK(respond(p, id, 1, 8, 1, CNET_END_STREAM) == 0, "stream gone");
    CHECK(peer_pump(p) == 0, "response");
    CHECK(strcmp(p->status, "200") == 0 && strcmp(p->grpc_status, "0") == 0, "status %s grpc-status %s",
          p->status, p->grpc_status);
    CHECK(p->response_bytes == 8, "response DATA %zu", p->response_bytes);
    CHECK(p->stream_closes == 1 && p->last_close_code == 0, "close %d code %u", p->stream_closes,
          p->last_close_code);
    CHECK(p->conn && p->conn->streams == NULL, "stream freed, connection alive");
    TEARDOWN();
}

/* A peer that does not speak HTTP/2 (an HTTP/1.1 request): the session refuses the bytes, which
 * closes the connection on a socket. */
int cnet_test_session_bad_preface(char *err, size_t err_len) {
    cnet_server_config cfg = {0};
    SETUP(&cfg, DEFAULT_WINDOW);
    static const char http1[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(peer_send_raw(p, http1, sizeof(http1) - 1) < 0, "an HTTP/1.1 request was accepted");
    CHECK(p->opens == 0, "on_stream_open calls: %d", p->opens);
    TEARDOWN();
}

/* The owner refuses a stream (on_stream_open returns NULL, as the RPC layer does under its own
 * limits): RST_STREAM(REFUSED_STREAM), no further callback for it, the connection carries on. */
int cnet_test_session_owner_refusal(char *err, size_t err_len) {
    cnet_server_config cfg = {0};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    p->refuse = 1;
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 1, 0) == 1, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    int i = peer_rst_index(p, 1);
    CHECK(i >= 0 && p->rst_code[i] == NGHTTP2_REFUSED_STREAM, "RST_STREAM(REFUSED_STREAM) on stream 1");
    CHECK(p->data_bytes == 0 && p->remote_ends == 0 && p->stream_closes == 0,
          "callbacks after a refusal: data %zu end %d close %d", p->data_bytes, p->remote_ends, p->stream_closes);
    p->refuse = 0;
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 1, 0) == 3, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->opens == 2 && p->data_bytes == sizeof(grpc_message), "the next request: opens %d data %zu",
          p->opens, p->data_bytes);
    TEARDOWN();
}

/* A header block larger than SETTINGS_MAX_HEADER_LIST_SIZE (memory held per stream): the stream
 * is reset before the owner hears of it; a block under the limit still passes. */
int cnet_test_session_header_list_limit(char *err, size_t err_len) {
    cnet_server_config cfg = {.max_header_list_size = 4096};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    CHECK(peer_request(p, "/a/b", NULL, 0, 1, 5000) == 1, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(peer_rst_index(p, 1) >= 0, "no RST_STREAM for an oversized header block");
    CHECK(p->opens == 0, "the owner saw the oversized request");
    CHECK(peer_request(p, "/a/b", NULL, 0, 1, 3000) == 3, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->opens == 1 && peer_rst_index(p, 3) < 0, "a block under the limit: opens %d", p->opens);
    CHECK(p->goaways == 0, "the connection was ended");
    TEARDOWN();
}

/* HEADERS written by hand, for a peer that ignores what nghttp2's client would respect. The
 * fields are literal and never indexed, so the server's HPACK state is left as it was. */
static int raw_headers(peer *p, int32_t id, int end) {
    nghttp2_hd_deflater *d;
    if (nghttp2_hd_deflate_new(&d, 4096) != 0) return -1;
    nghttp2_nv nv[] = {
#define NV(k, v) {(uint8_t *)(k), (uint8_t *)(v), sizeof(k) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NO_INDEX}
        NV(":method", "POST"), NV(":scheme", "http"), NV(":path", "/a/b"), NV(":authority", "localhost"),
        NV("content-type", "application/grpc"),
#undef NV
    };
    uint8_t frame[512];
    ssize_t n = nghttp2_hd_deflate_hd(d, frame + 9, sizeof(frame) - 9, nv, sizeof(nv) / sizeof(nv[0]));
    nghttp2_hd_deflate_del(d);
    if (n < 0) return -1;
    frame[0] = 0;
    frame[1] = (uint8_t)(n >> 8);
    frame[2] = (uint8_t)n;
    frame[3] = NGHTTP2_HEADERS;
    frame[4] = NGHTTP2_FLAG_END_HEADERS | (end ? NGHTTP2_FLAG_END_STREAM : 0);
    frame[5] = (uint8_t)(id >> 24);
    frame[6] = (uint8_t)(id >> 16);
    frame[7] = (uint8_t)(id >> 8);
    frame[8] = (uint8_t)id;
    return peer_send_raw(p, frame, 9 + (size_t)n);
}

/* More open streams than SETTINGS_MAX_CONCURRENT_STREAMS, from a peer that acknowledged the
 * limit: the excess stream never reaches the owner and the connection ends (PROTOCOL_ERROR). */
int cnet_test_session_concurrent_stream_limit(char *err, size_t err_len) {
    cnet_server_config cfg = {.max_concurrent_streams = 2};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake (the client acknowledges the server's SETTINGS)");
    CHECK(raw_headers(p, 1, 0) == 0 && raw_headers(p, 3, 0) == 0, "two streams within the limit");
    CHECK(p->opens == 2, "opens %d", p->opens);
    raw_headers(p, 5, 0); /* the third: refused */
    CHECK(p->opens == 2, "a third concurrent stream reached the owner");
    CHECK(peer_recv(p) == 0, "recv");
    CHECK(p->goaways == 1 && p->goaway_code == NGHTTP2_PROTOCOL_ERROR,
          "the third stream: goaways %d code %u", p->goaways, p->goaway_code);
    TEARDOWN();
}

/* One client address holding more open streams than max_streams_per_ip: the excess stream gets
 * RST_STREAM(REFUSED_STREAM) and is counted; once a stream closes a new one is admitted again. */
int cnet_test_session_per_address_stream_limit(char *err, size_t err_len) {
    cnet_server_config cfg = {.max_streams_per_ip = 2};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    for (int i = 0; i < 3; i++) CHECK(peer_request(p, "/a/b", NULL, 0, 0, 0) == 1 + 2 * i, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->opens == 2, "opens %d (limit 2)", p->opens);
    int i = peer_rst_index(p, 5);
    CHECK(i >= 0 && p->rst_code[i] == NGHTTP2_REFUSED_STREAM, "RST_STREAM(REFUSED_STREAM) on stream 5");
    CHECK(atomic_load(&p->counters.refused_streams) == 1, "refused_streams %lld",
          (long long)atomic_load(&p->counters.refused_streams));
    nghttp2_submit_rst_stream(p->client, NGHTTP2_FLAG_NONE, 1, NGHTTP2_CANCEL);
    CHECK(peer_request(p, "/a/b", NULL, 0, 0, 0) == 7, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->opens == 3 && peer_rst_index(p, 7) < 0, "a stream after one closed: opens %d", p->opens);
    TEARDOWN();
}

typedef void (*control_sender)(peer *p);
static void send_ping(peer *p) { nghttp2_submit_ping(p->client, NGHTTP2_FLAG_NONE, NULL); }
static void send_settings(peer *p) { nghttp2_submit_settings(p->client, NGHTTP2_FLAG_NONE, NULL, 0); }

/* Control frames past max_control_frames_per_second within one tick: GOAWAY(ENHANCE_YOUR_CALM),
 * and the connection is closed for good CNET_CALM_LINGER_TICKS later. Exactly the limit per tick,
 * in two consecutive ticks, passes. */
static int control_flood(control_sender send, const char *what, char *err, size_t err_len) {
    cnet_server_config cfg = {.max_control_frames_per_second = 10};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    peer_tick(p); /* a fresh second: the handshake's SETTINGS and ACK no longer count */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 10; i++) send(p);
        CHECK(peer_pump(p) == 0, "pump");
        CHECK(p->goaways == 0, "%s: 10 in a second (the limit) ended the connection", what);
        peer_tick(p);
    }
    for (int i = 0; i < 11; i++) send(p);
    peer_pump(p);
    CHECK(p->goaways == 1 && p->goaway_code == NGHTTP2_ENHANCE_YOUR_CALM, "%s: 11 in a second: goaways %d code %u",
          what, p->goaways, p->goaway_code);
    CHECK(atomic_load(&p->counters.flood_goaways) == 1, "flood_goaways");
    for (int i = 0; i < CNET_CALM_LINGER_TICKS && p->conn; i++) peer_tick(p);
    CHECK(p->conn == NULL, "%s: the connection outlived its GOAWAY", what);
    TEARDOWN();
}

int cnet_test_session_ping_flood(char *err, size_t err_len) { return control_flood(send_ping, "PING", err, err_len); }

int cnet_test_session_settings_flood(char *err, size_t err_len) {
    return control_flood(send_settings, "SETTINGS", err, err_len);
}

/* Rapid reset: open a stream, reset it, again and again. Past CNET_RST_FLOOD_PER_TICK RST_STREAM
 * frames in a tick the server ends the connection with GOAWAY(ENHANCE_YOUR_CALM), even with the
 * general control-frame limit disabled. */
int cnet_test_session_rst_flood(char *err, size_t err_len) {
    cnet_server_config cfg = {.max_control_frames_per_second = -1};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    for (int i = 0; i <= CNET_RST_FLOOD_PER_TICK; i++) {
        int32_t id = peer_request(p, "/a/b", NULL, 0, 0, 0);
        CHECK(id > 0, "submit %d", i);
        peer_send(p); /* the HEADERS leave before the reset is submitted */
        nghttp2_submit_rst_stream(p->client, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
        peer_pump(p);
        if (i < CNET_RST_FLOOD_PER_TICK) CHECK(p->goaways == 0, "ended after %d resets", i + 1);
    }
    CHECK(p->opens == CNET_RST_FLOOD_PER_TICK + 1, "opens %d", p->opens);
    CHECK(p->goaways == 1 && p->goaway_code == NGHTTP2_ENHANCE_YOUR_CALM, "goaways %d code %u", p->goaways,
          p->goaway_code);
    CHECK(atomic_load(&p->counters.flood_goaways) == 1, "flood_goaways (CNet's own limit)");
    TEARDOWN();
}

/* A peer that opens no flow-control window (reads nothing) while the owner keeps submitting:
 * past max_queued_per_stream the stream gets RST_STREAM(ENHANCE_YOUR_CALM) and its queued DATA
 * is freed; the connection carries on. */
int cnet_test_session_stream_budget(char *err, size_t err_len) {
    cnet_server_config cfg = {.max_queued_per_stream = 1000};
    SETUP(&cfg, 0);
    CHECK(peer_pump(p) == 0, "handshake");
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 1, 0) == 1, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(respond(p, 1, 1, 600, 0, 0) == 0, "respond");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->response_headers == 1 && p->response_bytes == 0 && p->rsts == 0, "600 queued: headers %d bytes %zu",
          p->response_headers, p->response_bytes);
    CHECK(p->conn->queued == 600, "queued %zu", p->conn->queued);
    CHECK(respond(p, 1, 0, 600, 0, 0) == 0, "respond");
    CHECK(peer_pump(p) == 0, "pump");
    int i = peer_rst_index(p, 1);
    CHECK(i >= 0 && p->rst_code[i] == NGHTTP2_ENHANCE_YOUR_CALM, "1200 queued: no RST_STREAM(ENHANCE_YOUR_CALM)");
    CHECK(atomic_load(&p->counters.budget_resets) == 1, "budget_resets");
    CHECK(p->conn && p->conn->queued == 0, "the queued DATA was not freed");
    CHECK(p->goaways == 0, "the connection was ended");
    TEARDOWN();
}

/* The same across streams: past max_queued_per_connection the whole connection ends with
 * GOAWAY(ENHANCE_YOUR_CALM), its DATA is freed, and it is closed after the linger ticks. */
int cnet_test_session_connection_budget(char *err, size_t err_len) {
    cnet_server_config cfg = {.max_queued_per_stream = 1000, .max_queued_per_connection = 1500};
    SETUP(&cfg, 0);
    CHECK(peer_pump(p) == 0, "handshake");
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 1, 0) == 1, "submit");
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 1, 0) == 3, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(respond(p, 1, 1, 800, 0, 0) == 0, "respond");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->goaways == 0 && p->conn->queued == 800, "800 queued ended the connection");
    CHECK(respond(p, 3, 1, 800, 0, 0) == 0, "respond");
    peer_pump(p);
    CHECK(p->goaways == 1 && p->goaway_code == NGHTTP2_ENHANCE_YOUR_CALM, "1600 queued: goaways %d code %u",
          p->goaways, p->goaway_code);
    CHECK(atomic_load(&p->counters.budget_resets) == 1, "budget_resets");
    CHECK(p->conn && p->conn->queued == 0, "the queued DATA was not freed");
    for (int i = 0; i < CNET_CALM_LINGER_TICKS && p->conn; i++) peer_tick(p);
    CHECK(p->conn == NULL && p->stream_closes == 2, "closed %d, stream closes %d", p->conn == NULL,
          p->stream_closes);
    TEARDOWN();
}

/* A peer that opens a stream and then sends nothing more (holding a stream slot and the owner's
 * resources): RST_STREAM(CANCEL) once stream_idle_timeout has passed, not before. */
int cnet_test_session_stream_idle_deadline(char *err, size_t err_len) {
    cnet_server_config cfg = {.stream_idle_timeout_ms = 1000};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 0, 0) == 1, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->opens == 1, "opens");
    peer_tick(p);
    CHECK(peer_pump(p) == 0 && p->rsts == 0, "reset after one tick (deadline 1 s)");
    peer_tick(p);
    CHECK(peer_pump(p) == 0, "pump");
    int i = peer_rst_index(p, 1);
    CHECK(i >= 0 && p->rst_code[i] == NGHTTP2_CANCEL, "no RST_STREAM(CANCEL) for an idle stream");
    CHECK(atomic_load(&p->counters.timeouts) == 1, "timeouts");
    CHECK(p->stream_closes == 1, "the owner heard of the close: %d", p->stream_closes);
    TEARDOWN();
}

/* A peer whose flow control lets no byte through while DATA waits (slow-read): the stream gets
 * RST_STREAM(ENHANCE_YOUR_CALM) after write_stall_timeout. */
int cnet_test_session_write_stall_deadline(char *err, size_t err_len) {
    cnet_server_config cfg = {.write_stall_timeout_ms = 1000};
    SETUP(&cfg, 0);
    CHECK(peer_pump(p) == 0, "handshake");
    CHECK(peer_request(p, "/a/b", grpc_message, sizeof(grpc_message), 1, 0) == 1, "submit");
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(respond(p, 1, 1, 100, 0, 0) == 0, "respond");
    CHECK(peer_pump(p) == 0, "pump");
    peer_tick(p);
    CHECK(peer_pump(p) == 0 && p->rsts == 0, "reset after one tick (deadline 1 s)");
    peer_tick(p);
    CHECK(peer_pump(p) == 0, "pump");
    int i = peer_rst_index(p, 1);
    CHECK(i >= 0 && p->rst_code[i] == NGHTTP2_ENHANCE_YOUR_CALM, "no RST_STREAM(ENHANCE_YOUR_CALM) for a stall");
    CHECK(atomic_load(&p->counters.timeouts) == 1, "timeouts");
    TEARDOWN();
}

/* A peer that completes the preface and then never sends a request (an idle connection held
 * open): GOAWAY(NO_ERROR) after first_request_timeout, closed after the linger ticks. */
int cnet_test_session_first_request_deadline(char *err, size_t err_len) {
    cnet_server_config cfg = {.first_request_timeout_ms = 1000};
    SETUP(&cfg, DEFAULT_WINDOW);
    CHECK(peer_pump(p) == 0, "handshake");
    peer_tick(p);
    CHECK(peer_pump(p) == 0 && p->goaways == 0, "GOAWAY after one tick (deadline 1 s)");
    peer_tick(p);
    CHECK(peer_pump(p) == 0, "pump");
    CHECK(p->goaways == 1 && p->goaway_code == NGHTTP2_NO_ERROR, "goaways %d code %u", p->goaways, p->goaway_code);
    CHECK(atomic_load(&p->counters.timeouts) == 1, "timeouts");
    for (int i = 0; i < CNET_CALM_LINGER_TICKS && p->conn; i++) peer_tick(p);
    CHECK(p->conn == NULL, "the connection outlived its GOAWAY");
    TEARDOWN();
}

/* A peer that connects and sends nothing (slowloris): closed once preface_timeout has passed. */
int cnet_test_session_preface_deadline(char *err, size_t err_len) {
    cnet_server_config cfg = {.preface_timeout_ms = 1000};
    SETUP(&cfg, DEFAULT_WINDOW);
    peer_tick(p);
    CHECK(p->conn != NULL, "closed after one tick (deadline 1 s)");
    peer_tick(p);
    CHECK(p->conn == NULL, "a silent connection outlived the preface deadline");
    CHECK(atomic_load(&p->counters.timeouts) == 1, "timeouts");
    TEARDOWN();
}
