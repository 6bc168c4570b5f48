/*
 * An in-memory HTTP/2 peer for the session tests: a CNet server connection without a socket
 * (fd -1, attached to a loop that never runs) and an nghttp2 client session playing the remote
 * side. Bytes move between them only when a test pumps them, so a test decides exactly what the
 * server has seen when it checks what the server did.
 */
#ifndef CNET_TEST_PEER_H
#define CNET_TEST_PEER_H

#include "../../../Sources/CNet/cnet_internal.h"

#include <stdio.h>

#define PEER_MAX_EVENTS 64

typedef struct peer {
    /* The server side. */
    cnet_loop loop;               /* initialised, never started: ticks are advanced by hand */
    cnet_server_params params;
    cnet_counters counters;
    cnet_iptable *ips;
    cnet_conn *conn;              /* NULL once the server closed the connection */
    cnet_callbacks cb;
    int refuse;                   /* on_stream_open refuses (returns NULL) */
    int recv_failed;              /* cnet_conn_recv reported an unusable session */
    /* What the server's owner heard (the cnet_callbacks). */
    int opens, remote_ends, stream_closes;
    size_t data_bytes;
    uint8_t data[256];            /* the first bytes of DATA delivered */
    char path[128], content_type[64], custom[64];
    size_t header_count;
    cnet_stream_ref last_ref;
    uint32_t last_close_code;
    /* The client side. */
    nghttp2_session *client;
    int rsts;                     /* RST_STREAM frames the client received */
    int32_t rst_stream[PEER_MAX_EVENTS];
    uint32_t rst_code[PEER_MAX_EVENTS];
    int goaways;
    uint32_t goaway_code;
    int response_headers;         /* HEADERS frames received */
    char status[8], grpc_status[8];
    size_t response_bytes;
    int pings_acked;
    int token;                    /* distinct user_data for streams */
    struct body *bodies;          /* request bodies (the client's data sources) */
} peer;

/* Sets up both sides with `config` (zeroed fields are the server defaults). `client_window` is the
 * client's SETTINGS_INITIAL_WINDOW_SIZE (a hostile peer that reads nothing sends 0). */
int peer_init(peer *p, const cnet_server_config *config, uint32_t client_window, char *err, size_t len);
void peer_free(peer *p);
/* Client -> server: everything the client session has queued. -1 if the server refused the bytes. */
int peer_send(peer *p);
/* Server -> client: everything the server session has queued. */
int peer_recv(peer *p);
/* Both ways until neither side has anything to say. */
int peer_pump(peer *p);
/* Raw bytes straight into the server session (for input the nghttp2 client would never write). */
int peer_send_raw(peer *p, const void *bytes, size_t len);
/* One loop tick, as the server's loop would run it: ticks++ then the limits' deadlines. */
void peer_tick(peer *p);
/* Submits a gRPC-like request; returns the stream id (< 0 on error). `end` ends the stream. */
int32_t peer_request(peer *p, const char *path, const uint8_t *body, size_t len, int end,
                     size_t extra_header_bytes);
/* The server stream behind an open request (for responses from the owner's side). */
cnet_stream *peer_server_stream(peer *p, int32_t id);
/* Index of the first RST_STREAM the client received for stream id, or -1. */
int peer_rst_index(const peer *p, int32_t id);

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            char m_[200];                                                                        \
            snprintf(m_, sizeof(m_), __VA_ARGS__);                                               \
            cnet_set_err(err, err_len, "%s:%d: %s (%s)", __FILE__, __LINE__, m_, #cond);         \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

#endif
