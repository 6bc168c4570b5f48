/*
 * Limits against hostile peers (docs/transport-limits.md): outbound memory budgets, control-frame
 * flood counters, deadlines checked on the 1 s tick, the per-address table, and returning free heap
 * to the system after peaks.
 *
 * Everything here runs on a loop thread except the per-address table (shared by a server's loops,
 * behind a mutex, touched on accept and close only; stream counts are atomics) and the process-wide
 * queued-bytes counter (an atomic).
 */
#include "cnet_internal.h"

#include <malloc.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- Resolving the configuration ---- */

static int64_t ticks_of(int ms, int def_ms) {
    if (ms < 0) return 0;
    if (ms == 0) ms = def_ms;
    return (ms + 999) / 1000;
}

static size_t bytes_of(int64_t v, size_t def) {
    if (v < 0) return 0;
    return v == 0 ? def : (size_t)v;
}

void cnet_limits_resolve(cnet_limits *l, const cnet_server_config *c, int max_connections,
                         uint32_t max_concurrent_streams) {
    memset(l, 0, sizeof(*l));
    l->preface_ticks = ticks_of(c->preface_timeout_ms, 5000);
    l->first_request_ticks = ticks_of(c->first_request_timeout_ms, 10000);
    l->stream_idle_ticks = ticks_of(c->stream_idle_timeout_ms, 60000);
    l->write_stall_ticks = ticks_of(c->write_stall_timeout_ms, 30000);
    l->max_connections = max_connections;
    l->max_connections_per_ip = c->max_connections_per_ip < 0 ? 0
        : c->max_connections_per_ip ? c->max_connections_per_ip
        : (max_connections / 4 > 0 ? max_connections / 4 : 1);
    l->reserved_connections = c->reserved_connections < 0 ? 0
        : c->reserved_connections ? c->reserved_connections : max_connections / 10;
    if (l->reserved_connections >= max_connections) l->reserved_connections = max_connections - 1;
    l->max_streams_per_ip = c->max_streams_per_ip < 0 ? 0
        : c->max_streams_per_ip ? c->max_streams_per_ip : (int)(16 * max_concurrent_streams);
    l->max_queued_per_stream = bytes_of(c->max_queued_per_stream, (size_t)8 << 20);
    l->max_queued_per_connection = bytes_of(c->max_queued_per_connection, (size_t)32 << 20);
    l->max_queued_per_process = bytes_of(c->max_queued_per_process, (size_t)512 << 20);
    l->max_control_frames_per_tick = c->max_control_frames_per_second < 0 ? 0
        : c->max_control_frames_per_second ? (unsigned)c->max_control_frames_per_second : 2000;
    l->trim_interval_ms = c->trim_interval_ms < 0 ? 0 : c->trim_interval_ms ? c->trim_interval_ms : 5000;
}

/* ---- Outbound budgets ---- */

static atomic_size_t queued_total;

size_t cnet_queued_total(void) { return atomic_load_explicit(&queued_total, memory_order_relaxed); }

void cnet_queued_add(cnet_stream *s, size_t n) {
    if (s->queued == 0) s->out_tick = s->conn->loop ? s->conn->loop->ticks : 0;
    s->queued += n;
    s->conn->queued += n;
    atomic_fetch_add_explicit(&queued_total, n, memory_order_relaxed);
}

void cnet_queued_sub(cnet_stream *s, size_t n) {
    s->queued -= n;
    s->conn->queued -= n;
    atomic_fetch_sub_explicit(&queued_total, n, memory_order_relaxed);
}

/* Frees the stream's unsent DATA (the peer will never get it). */
static void drop_chain(cnet_stream *s) {
    while (s->head) {
        cnet_chunk *c = s->head;
        s->head = c->next;
        free(c);
    }
    s->tail = NULL;
    if (s->queued) cnet_queued_sub(s, s->queued);
}

/* Ends one stream for good: its queued DATA is dropped, later submissions too. */
static void reset_stream(cnet_stream *s, uint32_t code) {
    drop_chain(s);
    free(s->trailers);
    s->trailers = NULL;
    s->end_requested = 1;
    s->doomed = 1;
    nghttp2_submit_rst_stream(s->conn->session, NGHTTP2_FLAG_NONE, s->id, code);
}

void cnet_conn_calm(cnet_conn *conn, uint32_t code) {
    if (conn->close_tick || !conn->session) return;
    nghttp2_session_terminate_session(conn->session, code);
    for (cnet_stream *s = conn->streams; s; s = s->next) {
        drop_chain(s);
        s->end_requested = 1;
    }
    conn->close_tick = (conn->loop ? conn->loop->ticks : 0) + CNET_CALM_LINGER_TICKS;
}

int cnet_outbound_check(cnet_stream *s) {
    cnet_conn *c = s->conn;
    const cnet_limits *l = c->limits;
    if (!l || s->queued == 0) return 0;
    if (l->max_queued_per_connection && c->queued > l->max_queued_per_connection) {
        atomic_fetch_add(&c->counters->budget_resets, 1);
        cnet_conn_calm(c, NGHTTP2_ENHANCE_YOUR_CALM);
        return -1;
    }
    if ((l->max_queued_per_stream && s->queued > l->max_queued_per_stream) ||
        (l->max_queued_per_process && cnet_queued_total() > l->max_queued_per_process)) {
        atomic_fetch_add(&c->counters->budget_resets, 1);
        reset_stream(s, NGHTTP2_ENHANCE_YOUR_CALM);
    }
    return 0;
}

/* ---- Control-frame floods ---- */

void cnet_control_frame(cnet_conn *conn, uint8_t type) {
    const cnet_limits *l = conn->limits;
    if (!l || conn->close_tick) return;
    int flood = 0;
    if (type == NGHTTP2_RST_STREAM && ++conn->rst_count > CNET_RST_FLOOD_PER_TICK) flood = 1;
    if (l->max_control_frames_per_tick && ++conn->ctl_count > l->max_control_frames_per_tick) flood = 1;
    if (flood) {
        atomic_fetch_add(&conn->counters->flood_goaways, 1);
        cnet_conn_calm(conn, NGHTTP2_ENHANCE_YOUR_CALM);
    }
}

/* ---- Deadlines ---- */

/* 1 if the connection was closed. */
static int conn_deadlines(cnet_conn *c, int64_t now) {
    const cnet_limits *l = c->limits;
    cnet_counters *k = c->counters;
    if (c->close_tick && now >= c->close_tick) {
        cnet_conn_close(c, CNET_H2_CANCEL);
        return 1;
    }
    c->rst_count = c->ctl_count = 0;
    if (c->close_tick) return 0;
    /* Strict comparisons: a tick is a second, so a deadline of T fires between T and T+1 s. */
    if (l->preface_ticks && !c->got_settings && now - c->session_tick > l->preface_ticks) {
        atomic_fetch_add(&k->timeouts, 1);
        cnet_conn_close(c, CNET_H2_CANCEL);
        return 1;
    }
    if (l->write_stall_ticks && c->out_len > c->out_off && now - c->out_tick > l->write_stall_ticks) {
        atomic_fetch_add(&k->timeouts, 1);
        cnet_conn_close(c, CNET_H2_CANCEL);
        return 1;
    }
    if (l->first_request_ticks && !c->got_request && now - c->accept_tick > l->first_request_ticks) {
        atomic_fetch_add(&k->timeouts, 1);
        cnet_conn_calm(c, NGHTTP2_NO_ERROR);
        return 0;
    }
    for (cnet_stream *s = c->streams; s; s = s->next) {
        if (!s->opened || s->doomed || s->id <= 0) continue;
        if (l->write_stall_ticks && s->head && now - s->out_tick > l->write_stall_ticks) {
            atomic_fetch_add(&k->timeouts, 1);
            reset_stream(s, NGHTTP2_ENHANCE_YOUR_CALM);
        } else if (l->stream_idle_ticks && s->unconsumed == 0 && now - s->in_tick > l->stream_idle_ticks &&
                   nghttp2_session_get_stream_remote_close(c->session, s->id) == 0) {
            atomic_fetch_add(&k->timeouts, 1);
            reset_stream(s, NGHTTP2_CANCEL);
        }
    }
    return 0;
}

void cnet_limits_tick(cnet_loop *loop) {
    int64_t now = loop->ticks;
    for (uint32_t i = 0; i < loop->nslots; i++) {
        cnet_conn *c = loop->slots[i] ? cnet_conn_of(loop->slots[i]) : NULL;
        if (!c || !c->limits || c->handshaking || !c->session) continue;
        if (!conn_deadlines(c, now)) cnet_conn_after_work(c);
    }
}

/* ---- Returning memory ---- */

int cnet_maybe_trim(cnet_counters *k, const cnet_limits *l, int64_t now_ms, int64_t *last_trim_ms) {
    if (!l->trim_interval_ms || now_ms - *last_trim_ms < l->trim_interval_ms) return 0;
    if (!atomic_exchange(&k->closed_since_trim, 0)) return 0;
    *last_trim_ms = now_ms;
    struct mallinfo2 mi = mallinfo2();
    if (mi.fordblks < CNET_TRIM_MIN_FREE) return 0;
    malloc_trim(0);
    atomic_fetch_add(&k->trims, 1);
    return 1;
}

/* ---- Per-address table ---- */

#define IP_BUCKETS 4096

struct cnet_ip {
    cnet_ip *next;
    uint8_t key[16];      /* IPv6, or IPv4 as ::ffff:a.b.c.d */
    int conns;            /* under the table lock */
    atomic_int streams;
};

struct cnet_iptable {
    pthread_mutex_t lock;
    cnet_ip *buckets[IP_BUCKETS];
};

cnet_iptable *cnet_iptable_new(void) {
    cnet_iptable *t = calloc(1, sizeof(*t));
    if (t) pthread_mutex_init(&t->lock, NULL);
    return t;
}

void cnet_iptable_free(cnet_iptable *t) {
    if (!t) return;
    for (size_t i = 0; i < IP_BUCKETS; i++)
        while (t->buckets[i]) {
            cnet_ip *e = t->buckets[i];
            t->buckets[i] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static void ip_key(const struct sockaddr *sa, uint8_t key[16]) {
    memset(key, 0, 16);
    if (!sa) return;
    if (sa->sa_family == AF_INET) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
}

static size_t ip_hash(const uint8_t key[16]) {
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++) h = (h ^ key[i]) * 16777619u;
    return h % IP_BUCKETS;
}

cnet_ip *cnet_ip_admit(cnet_iptable *t, const cnet_limits *l, const struct sockaddr *addr, int total) {
    uint8_t key[16];
    ip_key(addr, key);
    size_t b = ip_hash(key);
    pthread_mutex_lock(&t->lock);
    cnet_ip *e = t->buckets[b];
    while (e && memcmp(e->key, key, 16) != 0) e = e->next;
    int have = e ? e->conns : 0;
    int ok = total < l->max_connections &&
             (!l->max_connections_per_ip || have < l->max_connections_per_ip) &&
             (have == 0 || total < l->max_connections - l->reserved_connections);
    if (ok && !e && (e = calloc(1, sizeof(*e))) != NULL) {
        memcpy(e->key, key, 16);
        atomic_init(&e->streams, 0);
        e->next = t->buckets[b];
        t->buckets[b] = e;
    }
    if (ok && e) e->conns++;
    pthread_mutex_unlock(&t->lock);
    return ok ? e : NULL;
}

void cnet_ip_release(cnet_iptable *t, cnet_ip *ip) {
    if (!ip) return;
    size_t b = ip_hash(ip->key);
    pthread_mutex_lock(&t->lock);
    if (--ip->conns == 0) {
        cnet_ip **pp = &t->buckets[b];
        while (*pp && *pp != ip) pp = &(*pp)->next;
        if (*pp) *pp = ip->next;
        free(ip);
    }
    pthread_mutex_unlock(&t->lock);
}

int cnet_ip_stream_open(cnet_ip *ip, const cnet_limits *l) {
    if (!l->max_streams_per_ip) {
        atomic_fetch_add_explicit(&ip->streams, 1, memory_order_relaxed);
        return 0;
    }
    if (atomic_fetch_add_explicit(&ip->streams, 1, memory_order_relaxed) >= l->max_streams_per_ip) {
        atomic_fetch_sub_explicit(&ip->streams, 1, memory_order_relaxed);
        return -1;
    }
    return 0;
}

void cnet_ip_stream_close(cnet_ip *ip) { atomic_fetch_sub_explicit(&ip->streams, 1, memory_order_relaxed); }
