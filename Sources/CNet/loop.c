/*
 * The epoll event loop (one thread per loop), the process-wide loop registry and the cross-thread
 * queue. A leaf (loop.h): every event, tick, queued item, dirty flush and shutdown close goes
 * through a handler pointer its owner registered; this file names no server, client or connection.
 *
 * Registry: loops are indexed by cnet_stream_ref.loop. A loop that shuts down leaves a NULL entry
 * behind (its id is never reused), so a late item finds "gone" and goes back to its poster. Posting
 * holds the registry read lock while it touches the loop, and a loop unregisters itself under the
 * write lock before it frees anything, so a poster never sees a freed loop.
 *
 * Queue: a mutex-protected singly linked list plus an eventfd. `signalled` makes a burst of
 * items cost a single eventfd write: only the poster that flips it 0 -> 1 writes, and the loop
 * clears it before it takes the list.
 */
#define _GNU_SOURCE 1
#include "loop.h"

#include <signal.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* The loop running on this thread: its own callbacks' posts need no eventfd wake-up, the loop
 * drains its queue at the end of every epoll batch anyway. */
static _Thread_local cnet_loop *current_loop;

static pthread_rwlock_t registry_lock = PTHREAD_RWLOCK_INITIALIZER;
static cnet_loop **registry;
static uint32_t registry_len, registry_cap;

void cnet_set_err(char *err, size_t err_len, const char *fmt, ...) {
    if (!err || err_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

int64_t cnet_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int registry_add(cnet_loop *loop) {
    int rc = 0;
    pthread_rwlock_wrlock(&registry_lock);
    if (registry_len == registry_cap) {
        uint32_t cap = registry_cap ? registry_cap * 2 : 16;
        cnet_loop **r = realloc(registry, cap * sizeof(*r));
        if (!r) {
            rc = -1;
            goto out;
        }
        registry = r;
        registry_cap = cap;
    }
    loop->id = registry_len;
    registry[registry_len++] = loop;
out:
    pthread_rwlock_unlock(&registry_lock);
    return rc;
}

static void registry_remove(cnet_loop *loop) {
    pthread_rwlock_wrlock(&registry_lock);
    if (loop->id < registry_len && registry[loop->id] == loop) registry[loop->id] = NULL;
    pthread_rwlock_unlock(&registry_lock);
}

int cnet_loop_post(uint32_t id, cnet_qitem *c) {
    pthread_rwlock_rdlock(&registry_lock);
    cnet_loop *loop = id < registry_len ? registry[id] : NULL;
    if (!loop) {
        pthread_rwlock_unlock(&registry_lock);
        return -1;
    }
    c->next = NULL;
    pthread_mutex_lock(&loop->qlock);
    if (loop->qtail) loop->qtail->next = c;
    else loop->qhead = c;
    loop->qtail = c;
    pthread_mutex_unlock(&loop->qlock);
    if (loop != current_loop && !atomic_exchange(&loop->signalled, 1)) {
        uint64_t one = 1;
        ssize_t n = write(loop->wake.fd, &one, sizeof(one));
        (void)n; /* EAGAIN means the counter is already non-zero: the loop wakes anyway */
    }
    pthread_rwlock_unlock(&registry_lock);
    return 0;
}

int cnet_loop_watch(cnet_loop *loop, cnet_io *io, uint32_t events, int add) {
    struct epoll_event ev = {.events = events, .data.ptr = io};
    return epoll_ctl(loop->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, io->fd, &ev);
}

void cnet_loop_unwatch(cnet_loop *loop, cnet_io *io) {
    if (io->fd >= 0) epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

void cnet_loop_tick_after(cnet_loop *loop, int64_t ms) {
    if (ms <= 0) ms = 1; /* a zero it_value would disarm the timer */
    struct itimerspec its = {.it_interval = {1, 0}, .it_value = {ms / 1000, (long)(ms % 1000) * 1000000L}};
    timerfd_settime(loop->tick.fd, 0, &its, NULL);
}

/* Takes the whole queue at once and runs it; items posted meanwhile wait for the next round. */
static void run_commands(cnet_loop *loop, int woken) {
    if (woken) {
        uint64_t v;
        ssize_t n = read(loop->wake.fd, &v, sizeof(v));
        (void)n;
        atomic_store(&loop->signalled, 0); /* before taking the list: a later post signals again */
    }
    pthread_mutex_lock(&loop->qlock);
    cnet_qitem *c = loop->qhead;
    loop->qhead = loop->qtail = NULL;
    pthread_mutex_unlock(&loop->qlock);
    while (c) {
        cnet_qitem *next = c->next;
        loop->hooks->run(loop, c);
        c = next;
    }
    /* Flush the sources the batch touched. */
    for (size_t i = 0; i < loop->ndirty; i++) {
        cnet_io *io = cnet_loop_find(loop, loop->dirty[2 * i], loop->dirty[2 * i + 1]);
        if (io) {
            io->dirty = 0;
            io->ops->after_work(loop, io);
        }
    }
    loop->ndirty = 0;
}

void cnet_loop_mark_dirty(cnet_loop *loop, cnet_io *io) {
    if (io->dirty) return;
    if (loop->ndirty == loop->dirty_cap) {
        size_t cap = loop->dirty_cap ? loop->dirty_cap * 2 : 64;
        uint32_t *d = realloc(loop->dirty, cap * 2 * sizeof(*d));
        if (!d) { /* flush right away instead */
            io->ops->after_work(loop, io);
            return;
        }
        loop->dirty = d;
        loop->dirty_cap = cap;
    }
    loop->dirty[2 * loop->ndirty] = io->slot;
    loop->dirty[2 * loop->ndirty + 1] = io->generation;
    loop->ndirty++;
    io->dirty = 1;
}

void cnet_loop_bury(cnet_loop *loop, cnet_io *io) {
    io->grave_next = loop->graveyard;
    loop->graveyard = io;
}

void cnet_loop_reap(cnet_loop *loop) {
    while (loop->graveyard) {
        cnet_io *io = loop->graveyard;
        loop->graveyard = io->grave_next;
        io->ops->destroy(io);
    }
}

static void on_wake(cnet_loop *loop, cnet_io *io, uint32_t events) { run_commands(loop, 1); }

static void on_tick(cnet_loop *loop, cnet_io *io, uint32_t events) {
    uint64_t v;
    ssize_t n = read(loop->tick.fd, &v, sizeof(v));
    (void)n;
    loop->ticks++;
    if (loop->hooks->tick) loop->hooks->tick(loop);
}

int cnet_loop_init(cnet_loop *loop, const cnet_loop_hooks *hooks, void *owner, char *err, size_t err_len) {
    memset(loop, 0, sizeof(*loop));
    loop->hooks = hooks;
    loop->owner = owner;
    loop->epfd = loop->wake.fd = loop->tick.fd = -1;
    loop->wake.handler = on_wake;
    loop->tick.handler = on_tick;
    pthread_mutex_init(&loop->qlock, NULL);
    atomic_init(&loop->signalled, 0);
    loop->epfd = epoll_create1(EPOLL_CLOEXEC);
    loop->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    loop->tick.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (loop->epfd < 0 || loop->wake.fd < 0 || loop->tick.fd < 0) {
        cnet_set_err(err, err_len, "event loop setup failed: %s", strerror(errno));
        return -1;
    }
    struct itimerspec its = {.it_interval = {1, 0}, .it_value = {1, 0}};
    if (timerfd_settime(loop->tick.fd, 0, &its, NULL) < 0 ||
        cnet_loop_watch(loop, &loop->wake, EPOLLIN, 1) < 0 ||
        cnet_loop_watch(loop, &loop->tick, EPOLLIN, 1) < 0) {
        cnet_set_err(err, err_len, "event loop setup failed: %s", strerror(errno));
        return -1;
    }
    if (registry_add(loop) < 0) {
        cnet_set_err(err, err_len, "out of memory");
        return -1;
    }
    return 0;
}

/* Closes every slot-held source and releases the queued items (the loop is unregistered). */
static void settle(cnet_loop *loop) {
    for (uint32_t i = 0; i < loop->nslots; i++)
        if (loop->slots[i]) loop->slots[i]->ops->close(loop, loop->slots[i]);
    cnet_qitem *c = loop->qhead;
    loop->qhead = loop->qtail = NULL;
    while (c) {
        cnet_qitem *next = c->next;
        loop->hooks->drop(loop, c);
        c = next;
    }
    cnet_loop_reap(loop);
}

static void *loop_main(void *arg) {
    cnet_loop *loop = arg;
    current_loop = loop;
    struct epoll_event evs[128];
    while (!loop->exit) {
        int n = epoll_wait(loop->epfd, evs, 128, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            /* A source closed earlier in this batch is buried, not yet freed: its handler sees
             * that it is closed. */
            cnet_io *io = evs[i].data.ptr;
            io->handler(loop, io, evs[i].events);
        }
        /* Items our own handlers posted (they skip the eventfd). Running them may post more;
         * after a few rounds let epoll in first by signalling ourselves. */
        for (int round = 0;; round++) {
            pthread_mutex_lock(&loop->qlock);
            int pending = loop->qhead != NULL;
            pthread_mutex_unlock(&loop->qlock);
            if (!pending) break;
            if (round == 4) {
                uint64_t one = 1;
                if (!atomic_exchange(&loop->signalled, 1) && write(loop->wake.fd, &one, sizeof(one)) < 0)
                    atomic_store(&loop->signalled, 0);
                break;
            }
            run_commands(loop, 0);
        }
        cnet_loop_reap(loop);
    }
    /* Gone: no post can reach us any more. Close what is left, then settle the queue. */
    registry_remove(loop);
    settle(loop);
    return NULL;
}

int cnet_loop_start(cnet_loop *loop, char *err, size_t err_len) {
    if (pthread_create(&loop->thread, NULL, loop_main, loop) != 0) {
        cnet_set_err(err, err_len, "cannot start loop thread");
        return -1;
    }
    loop->thread_started = 1;
    return 0;
}

void cnet_loop_destroy(cnet_loop *loop) {
    registry_remove(loop);
    settle(loop);
    free(loop->dirty);
    loop->dirty = NULL;
    if (loop->wake.fd >= 0) close(loop->wake.fd);
    if (loop->tick.fd >= 0) close(loop->tick.fd);
    if (loop->epfd >= 0) close(loop->epfd);
    loop->wake.fd = loop->tick.fd = loop->epfd = -1;
    free(loop->slots);
    free(loop->generations);
    loop->slots = NULL;
    loop->generations = NULL;
    loop->nslots = 0;
    pthread_mutex_destroy(&loop->qlock);
}

/* ---- Slots ---- */

int cnet_loop_add(cnet_loop *loop, cnet_io *io) {
    uint32_t i;
    for (i = 0; i < loop->nslots; i++)
        if (!loop->slots[i]) break;
    if (i == loop->nslots) {
        uint32_t cap = loop->nslots ? loop->nslots * 2 : 64;
        cnet_io **s = realloc(loop->slots, cap * sizeof(*s));
        if (!s) return -1;
        loop->slots = s;
        uint32_t *g = realloc(loop->generations, cap * sizeof(*g));
        if (!g) return -1;
        loop->generations = g;
        for (uint32_t j = loop->nslots; j < cap; j++) {
            s[j] = NULL;
            g[j] = 0;
        }
        loop->nslots = cap;
    }
    loop->slots[i] = io;
    io->slot = i;
    io->generation = ++loop->generations[i];
    loop->nconns++;
    return 0;
}

int cnet_loop_remove(cnet_loop *loop, cnet_io *io) {
    if (!loop->slots || io->slot >= loop->nslots || loop->slots[io->slot] != io) return 0;
    loop->slots[io->slot] = NULL;
    loop->nconns--;
    return 1;
}

cnet_io *cnet_loop_find(cnet_loop *loop, uint32_t slot, uint32_t generation) {
    if (slot >= loop->nslots) return NULL;
    cnet_io *io = loop->slots[slot];
    return io && io->generation == generation ? io : NULL;
}

/* ---- Process-wide set-up ---- */

static pthread_once_t process_once = PTHREAD_ONCE_INIT;

static void process_init(void) {
    /* OpenSSL writes to TLS sockets with write(2), which raises SIGPIPE when the peer has reset
     * the connection (even during the handshake); the default action kills the process. Ignore it
     * process-wide, as nginx does: every write path checks for EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
}

void cnet_process_init(void) { pthread_once(&process_once, process_init); }
