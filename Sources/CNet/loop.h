/*
 * The event loop (loop.c): one epoll thread, a 1 s tick, a cross-thread queue, connection slots.
 *
 * The loop is a leaf. It knows I/O sources only as a cnet_io (an fd, a handler pointer and the
 * handler's owner) and queued work only as a cnet_qitem; it never names a server, a client or a
 * connection. Whoever creates a loop registers what the loop calls:
 *
 * - every epoll event:      io->handler(loop, io, events)
 * - every tick and item:    the loop's cnet_loop_hooks (tick, run, drop)
 * - slot-held sources:      io->ops (after_work once per command batch that marked it dirty,
 *                           close when the loop ends, destroy when a buried source is freed)
 */
#ifndef CNET_LOOP_H
#define CNET_LOOP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cnet_loop cnet_loop;
typedef struct cnet_io cnet_io;

/* Runs on the loop thread for every epoll event of io->fd. */
typedef void (*cnet_io_handler)(cnet_loop *loop, cnet_io *io, uint32_t events);

/* What the loop does to a source it holds in a slot (a connection). */
typedef struct cnet_io_ops {
    void (*after_work)(cnet_loop *loop, cnet_io *io); /* a command batch touched it: flush */
    void (*close)(cnet_loop *loop, cnet_io *io);      /* the loop is ending: close it now */
    void (*destroy)(cnet_io *io);                     /* buried earlier: free it */
} cnet_io_ops;

struct cnet_io {
    int fd;
    cnet_io_handler handler;
    void *owner;                  /* the handler's data */
    /* Slot-held sources only (cnet_loop_add). */
    const cnet_io_ops *ops;
    uint32_t slot, generation;
    int dirty;                    /* in loop->dirty */
    cnet_io *grave_next;
};

/* Queued work: anything whose first member is a cnet_qitem. */
typedef struct cnet_qitem {
    struct cnet_qitem *next;
} cnet_qitem;

typedef struct cnet_loop_hooks {
    void (*run)(cnet_loop *loop, cnet_qitem *item);  /* a posted item, on the loop thread; owns it */
    void (*drop)(cnet_loop *loop, cnet_qitem *item); /* the loop is gone: release the item */
    void (*tick)(cnet_loop *loop);                   /* once a second (after loop->ticks++); or NULL */
} cnet_loop_hooks;

struct cnet_loop {
    uint32_t id;                  /* index in the registry */
    int epfd;
    cnet_io wake;                 /* eventfd */
    cnet_io tick;                 /* timerfd, 1 s */
    pthread_t thread;
    int thread_started;
    const cnet_loop_hooks *hooks;
    void *owner;                  /* the hooks' data (a server's per-loop state, a client) */

    pthread_mutex_t qlock;        /* command queue */
    cnet_qitem *qhead, *qtail;
    atomic_int signalled;         /* an eventfd write is pending: don't write again */

    cnet_io **slots;              /* slot-held sources; NULL = free */
    uint32_t *generations;
    uint32_t nslots;
    uint32_t nconns;

    cnet_io *graveyard;           /* closed sources, destroyed after the epoll batch */
    uint32_t *dirty;              /* slot, generation pairs touched by a command batch */
    size_t ndirty, dirty_cap;

    int64_t ticks;                /* 1 s ticks since the loop started (coarse clock for limits) */
    int exit;                     /* leave the loop after this iteration */
};

int64_t cnet_now_ms(void);
void cnet_set_err(char *err, size_t err_len, const char *fmt, ...);
int cnet_loop_init(cnet_loop *loop, const cnet_loop_hooks *hooks, void *owner, char *err, size_t err_len);
int cnet_loop_start(cnet_loop *loop, char *err, size_t err_len);
/* Closes what the loop still holds, drops queued items, frees its fds; the thread must have been
 * joined. */
void cnet_loop_destroy(cnet_loop *loop);
/* Enqueues an item for the loop `id` (any thread). Returns -1 if the loop is gone: the item is
 * then still the caller's. */
int cnet_loop_post(uint32_t id, cnet_qitem *item);
int cnet_loop_watch(cnet_loop *loop, cnet_io *io, uint32_t events, int add);
void cnet_loop_unwatch(cnet_loop *loop, cnet_io *io);
/* The next tick comes after `ms` milliseconds, then every second again. */
void cnet_loop_tick_after(cnet_loop *loop, int64_t ms);
/* Slots: a source gets a slot and a generation, so a stale (slot, generation) never finds it. */
int cnet_loop_add(cnet_loop *loop, cnet_io *io);
/* Returns 1 if io held its slot (and no longer does). */
int cnet_loop_remove(cnet_loop *loop, cnet_io *io);
cnet_io *cnet_loop_find(cnet_loop *loop, uint32_t slot, uint32_t generation);
/* Calls io->ops->after_work once after the current command batch. */
void cnet_loop_mark_dirty(cnet_loop *loop, cnet_io *io);
/* A closed source stays valid until the end of the current epoll batch. */
void cnet_loop_bury(cnet_loop *loop, cnet_io *io);
void cnet_loop_reap(cnet_loop *loop);

/* Once per process, before the first socket: ignores SIGPIPE. */
void cnet_process_init(void);

#endif
