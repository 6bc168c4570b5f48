/*
 * CNet: the HTTP/2 transport core of the settlement engine.
 *
 * CNet owns sockets, TLS (OpenSSL, ALPN "h2") and nghttp2 sessions on a small set of epoll event-loop
 * threads. It knows bytes, headers and streams; it knows nothing of gRPC or Swift.
 *
 * Threading contract
 * ------------------
 * - Every callback in cnet_callbacks runs on an event-loop thread. Callbacks must not block and must
 *   not call back into CNet except through the thread-safe functions below.
 * - The functions marked "any thread" enqueue a command for the loop that owns the stream (a mutex-
 *   protected queue plus an eventfd wake-up) and return at once. Commands for a stream that has
 *   already closed are dropped silently: the owner learns of the close through on_stream_close.
 * - Buffers passed to CNet are copied before the call returns; CNet never keeps a caller's pointer.
 * - Buffers CNet passes to a callback are valid only for the duration of that callback.
 *
 * Signals: CNet sets SIGPIPE to SIG_IGN process-wide on first use (TLS writes would otherwise
 * kill the process when a peer resets its connection).
 *
 * Stream lifetime
 * ---------------
 * A stream is announced once (on_stream_open for a server stream, the caller's cnet_client_open_stream
 * for a client stream). The owner's `user_data` pointer is attached to it and handed back in every
 * later callback. on_stream_close is always the last callback for a stream and is always delivered
 * exactly once, so the owner may release user_data there.
 */
#ifndef CNET_H
#define CNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A header field. Names are lower case (HTTP/2). Neither string needs NUL termination. */
typedef struct cnet_header {
    const uint8_t *name;
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
} cnet_header;

/* Identifies a stream across threads: the loop that owns it, a connection slot with a generation
 * (so a reused slot never matches an old reference), and the HTTP/2 stream id (0 for a client stream
 * whose id is not yet known: see on_stream_opened). Plain data, safe to copy anywhere. */
typedef struct cnet_stream_ref {
    /* `loop` indexes a process-wide table of loops (servers' and clients' alike); a loop that has
     * shut down stays in the table as "gone", so late commands to it are dropped safely. */
    uint32_t loop;
    uint32_t slot;
    uint32_t generation;
    int32_t stream_id;
} cnet_stream_ref;

/* Flags for cnet_stream_submit. */
enum {
    CNET_END_STREAM = 1, /* this submission ends our side of the stream */
};

/* HTTP/2 error codes used with cnet_stream_reset (RFC 9113 section 7). */
enum {
    CNET_H2_NO_ERROR = 0x0,
    CNET_H2_PROTOCOL_ERROR = 0x1,
    CNET_H2_INTERNAL_ERROR = 0x2,
    CNET_H2_FLOW_CONTROL_ERROR = 0x3,
    CNET_H2_REFUSED_STREAM = 0x7,
    CNET_H2_CANCEL = 0x8,
    CNET_H2_ENHANCE_YOUR_CALM = 0xb,
};

/*
 * Callbacks from the loops into the owner (the RPC layer). `ctx` is cnet_callbacks.ctx.
 *
 * on_stream_open    (server) a request's header block is complete. Returns the owner's user_data
 *                   for the stream, or NULL to refuse it (CNet resets it with REFUSED_STREAM and
 *                   then delivers no further callback for it, not even on_stream_close).
 * on_stream_opened  (client) the request was submitted and has the HTTP/2 id in ref.stream_id; use
 *                   this ref for later submissions.
 * on_headers        (client) a response header block: the initial headers, or trailers when
 *                   `is_trailers` is set (also set for a trailers-only response, i.e. a header
 *                   block that ends the stream).
 * on_data           a chunk of the peer's DATA. Return how many of these bytes the owner has
 *                   consumed now (usually len); bytes not consumed keep the flow-control window
 *                   closed until the owner calls cnet_stream_consume for them.
 * on_remote_end     the peer ended its side of the stream (END_STREAM).
 * on_sent           `bytes` of DATA submitted for the stream have left its CNet buffer (were
 *                   handed to nghttp2 for framing). The owner uses it for write backpressure.
 * on_stream_close   the stream is gone. error_code is the HTTP/2 code of the RST_STREAM or
 *                   GOAWAY that closed it, or 0 when it completed normally; a connection that
 *                   died closes its streams with CNET_H2_CANCEL.
 */
typedef struct cnet_callbacks {
    void *ctx;
    void *(*on_stream_open)(void *ctx, cnet_stream_ref ref, const cnet_header *headers, size_t count);
    void (*on_stream_opened)(void *ctx, void *user_data, cnet_stream_ref ref);
    void (*on_headers)(void *ctx, void *user_data, const cnet_header *headers, size_t count,
                       int is_trailers);
    size_t (*on_data)(void *ctx, void *user_data, const uint8_t *data, size_t len);
    void (*on_remote_end)(void *ctx, void *user_data);
    void (*on_sent)(void *ctx, void *user_data, size_t bytes);
    void (*on_stream_close)(void *ctx, void *user_data, uint32_t error_code);
} cnet_callbacks;

typedef struct cnet_server cnet_server;

/* Limits and settings. Zero in any field means "the default" shown in brackets. */
typedef struct cnet_server_config {
    const char *host;                 /* address to bind, numeric IPv4/IPv6 or a name ["0.0.0.0"] */
    uint16_t port;                    /* 0 picks a free port: see cnet_server_port */
    int loops;                        /* event-loop threads, each with its own SO_REUSEPORT listener
                                         [number of online CPUs] */
    int max_connections;              /* across all loops; past it new connections are closed [10000] */
    uint32_t max_concurrent_streams;  /* SETTINGS_MAX_CONCURRENT_STREAMS [100] */
    uint32_t max_header_list_size;    /* SETTINGS_MAX_HEADER_LIST_SIZE; larger blocks reset the stream
                                         [16384] */
    uint32_t initial_window_size;     /* per-stream receive window [1 MiB] */
    int idle_timeout_ms;              /* a connection with no open stream for this long gets GOAWAY
                                         and is closed; PINGs and other control frames do not count
                                         as activity [300000]; negative disables */
    const char *tls_cert_file;        /* PEM certificate chain; NULL for cleartext h2c */
    const char *tls_key_file;         /* PEM private key */

    /* Limits against hostile peers (docs/transport-limits.md). Zero means the default in brackets;
     * a negative value disables the limit. Timeouts are checked once a second. */
    int preface_timeout_ms;           /* the client's connection preface and SETTINGS, counted from
                                         the end of the TLS handshake (from accept for h2c); else the
                                         connection is closed [5000] */
    int first_request_timeout_ms;     /* the first request's headers, counted from accept; else
                                         GOAWAY and close [10000] */
    int stream_idle_timeout_ms;       /* a stream whose request side is still open and that receives
                                         nothing for this long (while its window is open) gets
                                         RST_STREAM(CANCEL) [60000] */
    int write_stall_timeout_ms;       /* a stream with DATA queued that the peer's flow control lets
                                         no byte of through for this long gets
                                         RST_STREAM(ENHANCE_YOUR_CALM); a connection whose socket
                                         takes nothing for this long is closed [30000] */
    int max_connections_per_ip;       /* connections from one client address [max_connections / 4] */
    int reserved_connections;         /* the last N of max_connections only admit addresses that
                                         hold no connection yet [max_connections / 10] */
    int max_streams_per_ip;           /* open streams across one address's connections; past it
                                         new streams get RST_STREAM(REFUSED_STREAM)
                                         [16 x max_concurrent_streams] */
    int64_t max_queued_per_stream;    /* outbound DATA queued for one stream, bytes; past it
                                         RST_STREAM(ENHANCE_YOUR_CALM) [8 MiB] */
    int64_t max_queued_per_connection;/* outbound DATA queued across a connection's streams; past it
                                         GOAWAY(ENHANCE_YOUR_CALM) and close [32 MiB] */
    int64_t max_queued_per_process;   /* outbound DATA queued across all connections; past it the
                                         stream whose submission crossed it is reset
                                         (ENHANCE_YOUR_CALM) [512 MiB] */
    int max_control_frames_per_second;/* WINDOW_UPDATE, PRIORITY, PING, SETTINGS and RST_STREAM frames
                                         received per connection per second (together); past it
                                         GOAWAY(ENHANCE_YOUR_CALM) and close [2000] */
    int trim_interval_ms;             /* after connections closed, return free heap to the system
                                         (malloc_trim) at most this often, when more than 16 MiB
                                         is free [5000] */
} cnet_server_config;

/* Counters of one server, for metrics and tests (approximate: read without locks). */
typedef struct cnet_server_stats {
    int64_t connections;              /* open now */
    int64_t refused_connections;      /* closed at accept: global, per-address or reserve limit */
    int64_t refused_streams;          /* per-address stream limit */
    int64_t timeouts;                 /* preface, first request, idle stream, write stall */
    int64_t budget_resets;            /* streams or connections ended by an outbound budget */
    int64_t flood_goaways;            /* connections ended for control-frame floods */
    int64_t trims;                    /* malloc_trim calls */
    int64_t queued_bytes;             /* outbound DATA queued now, process-wide */
} cnet_server_stats;

void cnet_server_get_stats(const cnet_server *server, cnet_server_stats *out);

/*
 * Creates the listeners and starts the loop threads. On failure returns NULL and writes a message
 * (no secrets) into err (err_len bytes, NUL-terminated).
 */
cnet_server *cnet_server_start(const cnet_server_config *config, const cnet_callbacks *callbacks,
                               char *err, size_t err_len);

/* The bound port (useful with port 0). */
uint16_t cnet_server_port(const cnet_server *server);

/*
 * Graceful shutdown, any thread: stop accepting, send GOAWAY on every connection, let open streams
 * finish for up to grace_ms, then close what is left (on_stream_close with CNET_H2_CANCEL) and join
 * the loop threads. Blocks the caller until done; never call it from a callback.
 */
void cnet_server_shutdown(cnet_server *server, int grace_ms);

/* Frees a server after cnet_server_shutdown. */
void cnet_server_free(cnet_server *server);

/* Number of currently open connections (approximate; for metrics). */
int cnet_server_connection_count(const cnet_server *server);

/* ---- Client ---------------------------------------------------------------------------------- */

typedef struct cnet_client_config {
    const char *host;                 /* peer host (numeric or name) */
    uint16_t port;
    int use_tls;                      /* TLS with ALPN h2; otherwise h2c with prior knowledge */
    const char *tls_ca_file;          /* PEM bundle to verify the peer; NULL: system default paths */
    const char *tls_server_name;      /* SNI and name to verify; NULL: host */
    int tls_insecure_skip_verify;     /* tests only: accept any certificate */
    uint32_t initial_window_size;     /* [1 MiB] */
    int connect_timeout_ms;           /* [10000] */
} cnet_client_config;

typedef struct cnet_client cnet_client;

/*
 * Connects (blocking the caller until the TCP connect, the TLS handshake and the exchange of
 * SETTINGS prefaces are done or failed) and starts the connection's loop thread. Never call it
 * from a Swift cooperative-pool thread: it blocks. Returns NULL with a message in err on failure.
 */
cnet_client *cnet_client_connect(const cnet_client_config *config, const cnet_callbacks *callbacks,
                                 char *err, size_t err_len);

/*
 * Any thread: opens a request stream with the given headers (pseudo-headers first), and optionally
 * a first DATA chunk and CNET_END_STREAM. user_data comes back in on_stream_opened (with the ref to
 * use for later submissions) and every later callback; on_stream_close always follows, also when
 * the connection is already gone (then it comes with CNET_H2_CANCEL, on the client's loop thread
 * like every callback, never on the caller's thread). Returns 0, or -1 if the client is closed
 * (then no callback comes).
 */
int cnet_client_open_stream(cnet_client *client, const cnet_header *headers, size_t count,
                            const uint8_t *data, size_t len, int flags, void *user_data);

/* True while the connection is usable (not closed, no GOAWAY received). Any thread. */
int cnet_client_is_alive(const cnet_client *client);

/* Closes the connection (GOAWAY), fails open streams with CNET_H2_CANCEL, joins its thread.
 * Blocks; never call it from a callback. */
void cnet_client_close(cnet_client *client);

/* Frees a client after cnet_client_close. */
void cnet_client_free(cnet_client *client);

/* ---- Streams (server or client), any thread ---------------------------------------------------- */

/*
 * Submits, in this order, any of: a header block (headers != NULL; the response headers on a server
 * stream, which must come first), DATA (data != NULL), and trailers (trailers != NULL, which end the
 * stream). CNET_END_STREAM without trailers ends the stream after the DATA, or, with headers and no
 * data, sends the headers with END_STREAM (a trailers-only response). DATA is queued and sent as the
 * peer's flow-control window allows; on_sent reports its progress. On a server, queued DATA counts
 * against the outbound budgets of cnet_server_config (the owner's backpressure keeps it well below
 * them; a peer that stops reading is what crosses them).
 */
void cnet_stream_submit(const cnet_stream_ref *ref, const cnet_header *headers, size_t header_count,
                        const uint8_t *data, size_t len, const cnet_header *trailers,
                        size_t trailer_count, int flags);

/* Resets the stream with RST_STREAM(error_code). */
void cnet_stream_reset(const cnet_stream_ref *ref, uint32_t error_code);

/* Returns `bytes` of received DATA to the peer's flow-control window (see on_data). */
void cnet_stream_consume(const cnet_stream_ref *ref, size_t bytes);

#ifdef __cplusplus
}
#endif
#endif /* CNET_H */
