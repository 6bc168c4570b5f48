/*
 * CNet internals shared by command.c, connection.c, limits.c, server.c, client.c and tls.c (loop.c
 * sees only loop.h).
 *
 * Ownership in one paragraph: a loop owns its connections (slot array), a connection owns its
 * nghttp2 session, its SSL* and its streams (a doubly linked list of cnet_stream), a stream owns
 * its outbound DATA chain and pending trailers. Commands carry copies of the caller's buffers; the
 * loop either moves them into a stream or frees them.
 */
#ifndef CNET_INTERNAL_H
#define CNET_INTERNAL_H

#define _GNU_SOURCE 1
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "cnet.h"
#include "loop.h"

#define CNET_OUT_HIGH_WATER (64 * 1024)        /* stop pulling from mem_send above this */
#define CNET_CONN_WINDOW (16 * 1024 * 1024)    /* connection-level receive window */
#define CNET_CLIENT_MAX_HEADER_LIST 65536      /* client side: response header block limit */
#define CNET_HANDSHAKE_TIMEOUT_MS 10000        /* TLS handshake (server side) */
#define CNET_RST_FLOOD_PER_TICK 1000           /* RST_STREAM frames per second before ENHANCE_YOUR_CALM */
#define CNET_CALM_LINGER_TICKS 2               /* a GOAWAY(ENHANCE_YOUR_CALM) gets this long to flush */
#define CNET_TRIM_MIN_FREE (16u << 20)         /* malloc_trim only when this much heap is free */

typedef struct cnet_conn cnet_conn;
typedef struct cnet_stream cnet_stream;
typedef struct cnet_ip cnet_ip;

/* A server's limits against hostile peers, resolved from cnet_server_config (limits.c). Timeouts
 * are in ticks (seconds), 0 = disabled; sizes in bytes, 0 = unlimited. */
typedef struct cnet_limits {
    int64_t preface_ticks, first_request_ticks, stream_idle_ticks, write_stall_ticks;
    int max_connections, max_connections_per_ip, reserved_connections, max_streams_per_ip;
    size_t max_queued_per_stream, max_queued_per_connection, max_queued_per_process;
    unsigned max_control_frames_per_tick;
    int64_t trim_interval_ms;
} cnet_limits;

/* ---- Copied header blocks ---- */

/* One allocation: the nghttp2_nv array followed by the name/value bytes it points into. */
typedef struct cnet_hblock {
    size_t count;
    nghttp2_nv *nv;
} cnet_hblock;

cnet_hblock *cnet_hblock_copy(const cnet_header *h, size_t count);

/* ---- Outbound DATA chain ---- */

typedef struct cnet_chunk {
    struct cnet_chunk *next;
    size_t len, off;
    uint8_t data[];
} cnet_chunk;

/* ---- Commands (command.c) ---- */

enum {
    CNET_CMD_SUBMIT = 1,
    CNET_CMD_RESET,
    CNET_CMD_CONSUME,
    CNET_CMD_OPEN,      /* client: open a request stream */
    CNET_CMD_SHUTDOWN,  /* server: graceful shutdown; client: close */
};

typedef struct cnet_cmd {
    cnet_qitem q;            /* first: the loop queues it */
    int type;
    int flags;
    uint32_t slot, generation;
    int32_t stream_id;
    uint32_t error_code;
    size_t bytes;            /* CONSUME */
    int grace_ms;            /* SHUTDOWN */
    cnet_hblock *headers;    /* owned */
    cnet_hblock *trailers;   /* owned */
    cnet_chunk *data;        /* owned */
    void *user_data;         /* OPEN */
} cnet_cmd;

void cnet_cmd_free(cnet_cmd *c);
/* Posts c to the loop `loop` (any thread); frees it and returns -1 if that loop is gone. */
int cnet_cmd_post(uint32_t loop, cnet_cmd *c);
cnet_cmd *cnet_cmd_new_open(const cnet_header *headers, size_t count, const uint8_t *data, size_t len,
                            int flags, void *user_data);
/* Runs a stream command (submit, reset, consume) on its loop thread; takes ownership of c. */
void cnet_cmd_run_stream(cnet_loop *loop, cnet_cmd *c);

/* ---- Streams and connections (connection.c) ---- */

struct cnet_stream {
    cnet_stream *prev, *next;     /* conn->streams */
    cnet_conn *conn;
    int32_t id;
    void *user_data;
    int opened;                   /* announced to the owner: on_stream_close is owed */
    int headers_sent;             /* response/request HEADERS submitted */
    int has_provider;             /* a data provider is attached */
    int deferred;                 /* the provider returned NGHTTP2_ERR_DEFERRED */
    int end_requested;            /* END_STREAM (maybe via trailers) after the chain */
    int got_headers;              /* client: final response headers delivered */
    int too_large;                /* header block exceeded the limit */
    cnet_chunk *head, *tail;      /* outbound DATA */
    cnet_hblock *trailers;        /* pending trailers */
    size_t unconsumed;            /* received bytes not yet returned to the window */
    size_t queued;                /* bytes in the outbound DATA chain */
    int64_t in_tick;              /* loop tick of the last frame received on the stream */
    int64_t out_tick;             /* loop tick the chain last made progress (or became non-empty) */
    int ip_counted;               /* counted in the client address's open streams */
    int doomed;                   /* reset by a limit: no further deadline applies */
    /* Header collection: copied "name\0value" fields into one growable buffer. */
    uint8_t *hbuf;
    size_t hbuf_len, hbuf_cap;
    size_t hlist_size;            /* sum of name+value+32 */
    size_t hcount;
};

/* What a connection's owner (server or client) hears of it, and the server's TLS step. */
typedef struct cnet_conn_hooks {
    void (*detached)(cnet_conn *conn);  /* left its loop slot; its streams are failed next */
    void (*released)(cnet_conn *conn);  /* its streams are gone */
    void (*goaway)(cnet_conn *conn);    /* the peer sent GOAWAY */
    int (*handshake)(cnet_conn *conn);  /* one TLS step: 1 done, 0 in progress, -1 failed */
} cnet_conn_hooks;

struct cnet_conn {
    cnet_io io;                   /* first; io.owner is the connection */
    cnet_loop *loop;              /* set by cnet_conn_attach */
    const cnet_callbacks *cb;     /* the transport's owner (RPC layer) */
    const cnet_conn_hooks *hooks; /* may be NULL, as may each hook */
    void *owner;                  /* the hooks' data */
    int is_server;
    SSL *ssl;
    int handshaking;
    int read_wants_write;         /* SSL_read needs the socket writable (TLS post-handshake) */
    nghttp2_session *session;
    uint8_t *out;                 /* unsent output: out[out_off..out_len) */
    size_t out_off, out_len, out_cap;
    uint32_t events;              /* registered epoll events */
    int watched;                  /* registered with the loop's epoll */
    int goaway_sent;              /* idle GOAWAY already queued */
    cnet_stream *streams;
    size_t max_header_list;
    int64_t created_ms, last_io_ms;
    unsigned rst_count;           /* RST_STREAMs received this tick */
    unsigned ctl_count;           /* control frames received this tick */
    const cnet_limits *limits;    /* server connections; NULL on a client */
    cnet_ip *ip;                  /* the client address's entry (server) */
    size_t queued;                /* outbound DATA queued across the streams */
    int64_t accept_tick, session_tick, stream_tick, out_tick;
    int got_request;              /* a request's headers arrived */
    int64_t close_tick;           /* >0: close at this tick (GOAWAY already queued) */
    int closed;                   /* dead: waiting to be freed */
    int got_settings;             /* the peer's SETTINGS arrived */
    struct cnet_counters *counters; /* server connections: the server's statistics */
};

/* The connection whose io this is. */
static inline cnet_conn *cnet_conn_of(cnet_io *io) { return (cnet_conn *)io->owner; }

nghttp2_session_callbacks *cnet_session_callbacks(void);
cnet_conn *cnet_conn_new(int fd, SSL *ssl, int is_server, const cnet_callbacks *cb,
                         const cnet_conn_hooks *hooks, void *owner);
/* Gives the connection a slot of `loop` (not yet watched). */
int cnet_conn_attach(cnet_conn *conn, cnet_loop *loop);
/* The live connection in (slot, generation) of loop, or NULL. */
cnet_conn *cnet_conn_find(cnet_loop *loop, uint32_t slot, uint32_t generation);
/* Creates the nghttp2 session and queues our SETTINGS. */
int cnet_conn_start_session(cnet_conn *conn, const nghttp2_settings_entry *iv, size_t niv);
/* The session without the socket: feeds received bytes to nghttp2 (-1: the session is unusable
 * or the connection closed), and frames pending output into conn->out up to CNET_OUT_HIGH_WATER
 * (-1: the session failed). Sockets and tests alike go through these two. */
int cnet_conn_recv(cnet_conn *conn, const uint8_t *data, size_t len);
int cnet_conn_produce(cnet_conn *conn);
/* Non-blocking read/flush. Return -1 when the connection must be closed. A connection without a
 * socket (fd -1) reads nothing and keeps its output in conn->out. */
int cnet_conn_on_readable(cnet_conn *conn);
int cnet_conn_flush(cnet_conn *conn);
/* Flushes and closes the connection if it is finished or broken. */
void cnet_conn_after_work(cnet_conn *conn);
void cnet_conn_set_events(cnet_conn *conn, uint32_t events);
/* Closes the socket, fails open streams with `error_code`, frees everything. */
void cnet_conn_close(cnet_conn *conn, uint32_t error_code);
int cnet_conn_idle(const cnet_conn *conn);
cnet_stream *cnet_stream_new(cnet_conn *conn, int32_t id);
void cnet_stream_free(cnet_stream *s);
cnet_stream *cnet_conn_find_stream(cnet_conn *conn, int32_t id);
/* Moves the buffers of a submission into the stream and submits what can be submitted. */
void cnet_stream_apply(cnet_stream *s, cnet_hblock *headers, cnet_chunk *data, cnet_hblock *trailers,
                       int flags);
extern const nghttp2_data_provider cnet_data_provider;

/* ---- Limits (limits.c) ---- */

void cnet_limits_resolve(cnet_limits *l, const cnet_server_config *config, int max_connections,
                         uint32_t max_concurrent_streams);
/* Outbound DATA accounting: bytes entering (+) or leaving (-) a stream's chain. */
void cnet_queued_add(cnet_stream *s, size_t n);
void cnet_queued_sub(cnet_stream *s, size_t n);
size_t cnet_queued_total(void);
/* After a submission: enforces the outbound budgets. Returns -1 if the connection was closed. */
int cnet_outbound_check(cnet_stream *s);
/* A control frame arrived: counts it, answers a flood with GOAWAY(ENHANCE_YOUR_CALM). */
void cnet_control_frame(cnet_conn *conn, uint8_t type);
/* GOAWAY(code) now, close for good after CNET_CALM_LINGER_TICKS whatever the peer does. */
void cnet_conn_calm(cnet_conn *conn, uint32_t code);
/* Once a second on every server loop: deadlines of every connection and stream. */
void cnet_limits_tick(cnet_loop *loop);

/* Per-address table of a server (limits.c). */
typedef struct cnet_iptable cnet_iptable;
cnet_iptable *cnet_iptable_new(void);
void cnet_iptable_free(cnet_iptable *t);
/* Admits a connection from addr (or refuses it: NULL). `total` is the server's connection count
 * before this one. */
cnet_ip *cnet_ip_admit(cnet_iptable *t, const cnet_limits *l, const struct sockaddr *addr, int total);
void cnet_ip_release(cnet_iptable *t, cnet_ip *ip);
/* A new request stream from ip: 0 admitted (counted), -1 over the per-address stream limit. */
int cnet_ip_stream_open(cnet_ip *ip, const cnet_limits *l);
void cnet_ip_stream_close(cnet_ip *ip);

/* Server statistics, updated by connections (server.c). */
typedef struct cnet_counters {
    atomic_llong refused_connections, refused_streams, timeouts, budget_resets, flood_goaways, trims;
    atomic_int closed_since_trim;
} cnet_counters;
/* On one loop's tick: malloc_trim when connections closed since the last look, at most once per
 * trim interval, and only if enough heap is free. Returns 1 when it trimmed. */
int cnet_maybe_trim(cnet_counters *k, const cnet_limits *l, int64_t now_ms, int64_t *last_trim_ms);

/* ---- Server (server.c) ---- */

/* What a server derives from its configuration for every connection. */
typedef struct cnet_server_params {
    nghttp2_settings_entry settings[3];
    uint32_t max_header_list;
    int max_connections;
    int idle_timeout_ms;
    cnet_limits limits;
} cnet_server_params;

void cnet_server_params_resolve(cnet_server_params *p, const cnet_server_config *config);
/* Makes an accepted, attached connection a server connection (limits, counters, client address,
 * clocks). Its session starts with cnet_conn_start_session(conn, p->settings, 3), after TLS. */
void cnet_server_conn_setup(cnet_conn *conn, const cnet_server_params *p, cnet_counters *counters,
                            cnet_ip *ip);

/* ---- TLS (tls.c) ---- */

SSL_CTX *cnet_tls_server_ctx(const char *cert, const char *key, char *err, size_t err_len);
SSL_CTX *cnet_tls_client_ctx(const cnet_client_config *cfg, char *err, size_t err_len);
/* Returns 1 if ALPN selected "h2". */
int cnet_tls_alpn_is_h2(SSL *ssl);

#endif
