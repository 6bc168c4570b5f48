/*
 * CNet internals shared by loop.c, command.c, connection.c, server.c, client.c and tls.c.
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

#define CNET_OUT_HIGH_WATER (64 * 1024)        /* stop pulling from mem_send above this */
#define CNET_CONN_WINDOW (16 * 1024 * 1024)    /* connection-level receive window */
#define CNET_CLIENT_MAX_HEADER_LIST 65536      /* client side: response header block limit */
#define CNET_HANDSHAKE_TIMEOUT_MS 10000        /* TLS handshake (server side) */
#define CNET_RST_FLOOD_PER_TICK 1000           /* RST_STREAM frames per second before ENHANCE_YOUR_CALM */
#define CNET_CALM_LINGER_TICKS 2               /* a GOAWAY(ENHANCE_YOUR_CALM) gets this long to flush */
#define CNET_TRIM_MIN_FREE (16u << 20)         /* malloc_trim only when this much heap is free */

typedef struct cnet_loop cnet_loop;
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
    struct cnet_cmd *next;
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
cnet_cmd *cnet_cmd_new_open(const cnet_header *headers, size_t count, const uint8_t *data, size_t len,
                            int flags, void *user_data);
/* Runs one command on its loop thread; takes ownership of c. */
void cnet_cmd_run(cnet_loop *loop, cnet_cmd *c);
/* The loop is going away: release c, telling the owner where a callback is owed. */
void cnet_cmd_drop(cnet_loop *loop, cnet_cmd *c);

/* ---- Event loop (loop.c) ---- */

enum { CNET_IO_WAKE = 1, CNET_IO_TICK, CNET_IO_LISTEN, CNET_IO_CONN };

typedef struct cnet_io {
    int kind;
    int fd;
} cnet_io;

struct cnet_loop {
    uint32_t id;                  /* index in the registry */
    int epfd;
    cnet_io wake;                 /* eventfd */
    cnet_io tick;                 /* timerfd, 1 s */
    cnet_io listen;               /* server: SO_REUSEPORT listener, fd -1 when closed */
    pthread_t thread;
    int thread_started;
    const cnet_callbacks *cb;

    pthread_mutex_t qlock;        /* command queue */
    cnet_cmd *qhead, *qtail;
    atomic_int signalled;         /* an eventfd write is pending: don't write again */

    cnet_conn **slots;            /* connection slots; NULL = free */
    uint32_t *generations;
    uint32_t nslots;
    uint32_t nconns;

    cnet_server *server;          /* server loop, or NULL */
    struct cnet_client *client;   /* client loop, or NULL */

    cnet_conn *graveyard;         /* closed connections, freed after the epoll batch */
    uint32_t *dirty;              /* slot, generation pairs touched by a command batch */
    size_t ndirty, dirty_cap;

    int64_t ticks;                /* 1 s ticks since the loop started (coarse clock for limits) */
    int stopping;                 /* graceful shutdown in progress */
    int64_t stop_deadline_ms;
    int exit;                     /* leave the loop after this iteration */
};

int64_t cnet_now_ms(void);
int cnet_loop_init(cnet_loop *loop, const cnet_callbacks *cb, char *err, size_t err_len);
int cnet_loop_start(cnet_loop *loop, char *err, size_t err_len);
/* Frees the loop's fds and any queued commands; the thread must have been joined. */
void cnet_loop_destroy(cnet_loop *loop);
/* Enqueues a command for the loop `id` (any thread). Returns -1 (command freed) if the loop is gone. */
int cnet_loop_post(uint32_t id, cnet_cmd *c);
int cnet_loop_watch(cnet_loop *loop, cnet_io *io, uint32_t events, int add);
/* Slot management. */
int cnet_loop_add_conn(cnet_loop *loop, cnet_conn *conn);
void cnet_loop_remove_conn(cnet_loop *loop, cnet_conn *conn);
cnet_conn *cnet_loop_find_conn(cnet_loop *loop, uint32_t slot, uint32_t generation);
/* Remembers a connection a command touched, to flush it after the batch. */
void cnet_loop_mark_dirty(cnet_loop *loop, cnet_conn *conn);
/* A closed connection's struct stays valid until the end of the current epoll batch. */
void cnet_loop_bury(cnet_loop *loop, cnet_conn *conn);
void cnet_loop_reap(cnet_loop *loop);

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

struct cnet_conn {
    cnet_io io;
    cnet_loop *loop;              /* NULL while a client connects on the caller's thread */
    uint32_t slot, generation;
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
    int dirty;                    /* in loop->dirty */
    cnet_conn *grave_next;
    int got_settings;             /* client: the server's SETTINGS arrived */
    void (*on_goaway)(cnet_conn *conn);
};

nghttp2_session_callbacks *cnet_session_callbacks(void);
cnet_conn *cnet_conn_new(int fd, SSL *ssl, int is_server);
/* Creates the nghttp2 session and queues our SETTINGS. */
int cnet_conn_start_session(cnet_conn *conn, const nghttp2_settings_entry *iv, size_t niv);
/* Non-blocking read/flush. Return -1 when the connection must be closed. */
int cnet_conn_on_readable(cnet_conn *conn);
int cnet_conn_flush(cnet_conn *conn);
/* Reacts to epoll events; closes the connection on error or completion. */
void cnet_conn_on_event(cnet_conn *conn, uint32_t events);
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
cnet_counters *cnet_conn_counters(cnet_conn *conn);
/* On one loop's tick: malloc_trim when connections closed since the last look, at most once per
 * trim interval, and only if enough heap is free. Returns 1 when it trimmed. */
int cnet_maybe_trim(cnet_counters *k, const cnet_limits *l, int64_t now_ms, int64_t *last_trim_ms);

/* ---- Server (server.c) ---- */

void cnet_server_on_accept(cnet_loop *loop);
void cnet_server_loop_tick(cnet_loop *loop);
void cnet_server_begin_stop(cnet_loop *loop, int grace_ms);
void cnet_server_conn_closed(cnet_loop *loop);
/* The connection is gone (its streams freed): releases its client address's entry. */
void cnet_server_conn_released(cnet_loop *loop, cnet_conn *conn);
int cnet_server_handshake(cnet_conn *conn);

/* ---- Client (client.c) ---- */

void cnet_client_conn_closed(cnet_loop *loop);
void cnet_client_run_open(cnet_loop *loop, cnet_cmd *c);
void cnet_client_run_close(cnet_loop *loop);

/* ---- TLS (tls.c) ---- */

SSL_CTX *cnet_tls_server_ctx(const char *cert, const char *key, char *err, size_t err_len);
SSL_CTX *cnet_tls_client_ctx(const cnet_client_config *cfg, char *err, size_t err_len);
/* Returns 1 if ALPN selected "h2". */
int cnet_tls_alpn_is_h2(SSL *ssl);

void cnet_set_err(char *err, size_t err_len, const char *fmt, ...);

/* Once per process, before the first socket: ignores SIGPIPE (loop.c). */
void cnet_process_init(void);

#endif
