/*
 * loop.c by itself: sources, hooks and items defined here, no server, client or connection. Waits
 * are on conditions (a generous bound only turns a hang into a failure).
 */
#define _GNU_SOURCE 1
#include "../../../Sources/CNet/loop.h"
#include "cnet_test_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define HANG_GUARD_S 30

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            char m_[200];                                                                        \
            snprintf(m_, sizeof(m_), __VA_ARGS__);                                               \
            cnet_set_err(err, err_len, "%s:%d: %s (%s)", __FILE__, __LINE__, m_, #cond);         \
            goto fail;                                                                           \
        }                                                                                        \
    } while (0)

enum { ITEM_MARK = 1, ITEM_EXIT, ITEM_PLAIN };

typedef struct item {
    cnet_qitem q;
    int kind;
} item;

/* A source held in a slot (what a connection is to the loop). */
typedef struct source {
    cnet_io io;
    int after_work, closed, destroyed;
} source;

typedef struct state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    cnet_loop loop;
    source src;
    int handler_calls, handler_on_loop_thread, owner_ok;
    uint32_t handler_events;
    int runs, runs_on_loop_thread, drops, ticks;
    int64_t tick_value;
} state;

static void notify(state *s) {
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* Waits until *counter >= want; 0 when it got there. */
static int wait_for(state *s, const int *counter, int want) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += HANG_GUARD_S;
    pthread_mutex_lock(&s->lock);
    int rc = 0;
    while (*counter < want && rc == 0) rc = pthread_cond_timedwait(&s->cond, &s->lock, &deadline);
    int ok = *counter >= want;
    pthread_mutex_unlock(&s->lock);
    return ok ? 0 : -1;
}

static int on_loop_thread(cnet_loop *loop) { return pthread_equal(pthread_self(), loop->thread); }

static void pipe_handler(cnet_loop *loop, cnet_io *io, uint32_t events) {
    state *s = io->owner;
    char buf[16];
    while (read(io->fd, buf, sizeof(buf)) > 0) {
    }
    pthread_mutex_lock(&s->lock);
    s->handler_calls++;
    s->handler_events |= events;
    s->handler_on_loop_thread = on_loop_thread(loop);
    s->owner_ok = loop == &s->loop;
    notify(s);
}

static void src_after_work(cnet_loop *loop, cnet_io *io) {
    state *s = loop->owner;
    pthread_mutex_lock(&s->lock);
    ((source *)io->owner)->after_work++;
    notify(s);
}

static void src_close(cnet_loop *loop, cnet_io *io) {
    ((source *)io->owner)->closed++;
    cnet_loop_remove(loop, io);
    cnet_loop_bury(loop, io);
}

static void src_destroy(cnet_io *io) { ((source *)io->owner)->destroyed++; }

static const cnet_io_ops src_ops = {.after_work = src_after_work, .close = src_close, .destroy = src_destroy};

static void run(cnet_loop *loop, cnet_qitem *q) {
    state *s = loop->owner;
    item *it = (item *)q;
    if (it->kind == ITEM_MARK) { /* twice: still one after_work for the batch */
        cnet_loop_mark_dirty(loop, &s->src.io);
        cnet_loop_mark_dirty(loop, &s->src.io);
    }
    if (it->kind == ITEM_EXIT) loop->exit = 1;
    pthread_mutex_lock(&s->lock);
    s->runs++;
    s->runs_on_loop_thread += on_loop_thread(loop);
    free(it);
    notify(s);
}

static void drop(cnet_loop *loop, cnet_qitem *q) {
    state *s = loop->owner;
    s->drops++;
    free(q);
}

static void tick(cnet_loop *loop) {
    state *s = loop->owner;
    pthread_mutex_lock(&s->lock);
    s->ticks++;
    s->tick_value = loop->ticks;
    notify(s);
}

static const cnet_loop_hooks hooks = {.run = run, .drop = drop, .tick = tick};

static state *state_new(char *err, size_t err_len) {
    state *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (cnet_loop_init(&s->loop, &hooks, s, err, err_len) < 0) {
        free(s);
        return NULL;
    }
    s->src.io = (cnet_io){.fd = -1, .owner = &s->src, .ops = &src_ops};
    return s;
}

static int post(cnet_loop *loop, int kind) {
    item *it = calloc(1, sizeof(*it));
    if (!it) return -1;
    it->kind = kind;
    if (cnet_loop_post(loop->id, &it->q) < 0) {
        free(it);
        return -1;
    }
    return 0;
}

/* Stops a started loop through an item and joins it. */
static int stop(state *s) {
    if (!s->loop.thread_started) return 0;
    int rc = post(&s->loop, ITEM_EXIT);
    pthread_join(s->loop.thread, NULL);
    s->loop.thread_started = 0;
    return rc;
}

static void state_free(state *s) {
    if (!s) return;
    if (s->loop.thread_started) stop(s);
    cnet_loop_destroy(&s->loop);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* A pipe registered with its handler and owner: readable data runs the handler on the loop thread
 * with that owner, and nothing else. */
int cnet_test_loop_io_handler(char *err, size_t err_len) {
    int fds[2] = {-1, -1};
    state *s = state_new(err, err_len);
    if (!s) return -1;
    CHECK(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
    cnet_io pio = {.fd = fds[0], .handler = pipe_handler, .owner = s};
    CHECK(cnet_loop_watch(&s->loop, &pio, EPOLLIN, 1) == 0, "watch");
    CHECK(cnet_loop_start(&s->loop, err, err_len) == 0, "start");
    CHECK(write(fds[1], "x", 1) == 1, "write");
    CHECK(wait_for(s, &s->handler_calls, 1) == 0, "the handler never ran");
    CHECK(s->handler_events & EPOLLIN, "events %#x", s->handler_events);
    CHECK(s->handler_on_loop_thread && s->owner_ok, "thread %d loop %d", s->handler_on_loop_thread, s->owner_ok);
    CHECK(write(fds[1], "y", 1) == 1, "write");
    CHECK(wait_for(s, &s->handler_calls, 2) == 0, "the handler ran once only");
    CHECK(stop(s) == 0, "stop");
    close(fds[0]);
    close(fds[1]);
    state_free(s);
    return 0;
fail:
    state_free(s);
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
    return -1;
}

/* Items posted from another thread run on the loop thread in order; a source marked dirty (twice)
 * by a batch gets exactly one after_work; a source that left its slot gets none. */
int cnet_test_loop_post_and_dirty(char *err, size_t err_len) {
    state *s = state_new(err, err_len);
    if (!s) return -1;
    CHECK(cnet_loop_add(&s->loop, &s->src.io) == 0, "add");
    CHECK(cnet_loop_find(&s->loop, s->src.io.slot, s->src.io.generation) == &s->src.io, "find");
    CHECK(cnet_loop_find(&s->loop, s->src.io.slot, s->src.io.generation + 1) == NULL, "a stale generation found");
    CHECK(cnet_loop_start(&s->loop, err, err_len) == 0, "start");
    CHECK(post(&s->loop, ITEM_MARK) == 0, "post");
    CHECK(wait_for(s, &s->src.after_work, 1) == 0, "no after_work");
    CHECK(post(&s->loop, ITEM_PLAIN) == 0 && post(&s->loop, ITEM_PLAIN) == 0, "post");
    CHECK(wait_for(s, &s->runs, 3) == 0, "items not run: %d", s->runs);
    CHECK(s->runs_on_loop_thread == 3, "items off the loop thread");
    CHECK(s->src.after_work == 1, "after_work %d (expected once)", s->src.after_work);
    CHECK(stop(s) == 0, "stop");
    CHECK(s->src.closed == 1 && s->src.destroyed == 1, "on exit: closed %d destroyed %d", s->src.closed,
          s->src.destroyed);
    state_free(s);
    return 0;
fail:
    state_free(s);
    return -1;
}

/* The tick hook runs with the loop's tick count advanced. */
int cnet_test_loop_tick_hook(char *err, size_t err_len) {
    state *s = state_new(err, err_len);
    if (!s) return -1;
    cnet_loop_tick_after(&s->loop, 1);
    CHECK(cnet_loop_start(&s->loop, err, err_len) == 0, "start");
    CHECK(wait_for(s, &s->ticks, 1) == 0, "no tick");
    CHECK(s->tick_value >= 1, "loop->ticks %lld", (long long)s->tick_value);
    state_free(s);
    return 0;
fail:
    state_free(s);
    return -1;
}

/* A loop that ends (never started, here) closes the sources it holds through their ops, drops the
 * queued items through the drop hook, and refuses later posts, leaving the item to the poster. */
int cnet_test_loop_shutdown(char *err, size_t err_len) {
    state *s = state_new(err, err_len);
    if (!s) return -1;
    uint32_t id = s->loop.id;
    CHECK(cnet_loop_add(&s->loop, &s->src.io) == 0, "add");
    CHECK(post(&s->loop, ITEM_PLAIN) == 0 && post(&s->loop, ITEM_MARK) == 0, "post");
    cnet_loop_destroy(&s->loop);
    CHECK(s->drops == 2 && s->runs == 0, "drops %d runs %d", s->drops, s->runs);
    CHECK(s->src.closed == 1 && s->src.destroyed == 1, "closed %d destroyed %d", s->src.closed, s->src.destroyed);
    item late = {.kind = ITEM_PLAIN};
    CHECK(cnet_loop_post(id, &late.q) == -1, "a post to a gone loop was accepted");
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return 0;
fail:
    state_free(s);
    return -1;
}
