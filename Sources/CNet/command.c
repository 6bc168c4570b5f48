/*
 * Commands: the thread-safe stream API (submit, reset, consume) builds a command holding copies of
 * the caller's buffers and posts it to the owning loop; the loop runs it against the connection
 * slot named by the ref. A stale generation or an unknown stream drops the command. The server and
 * the client register the loop hooks that run commands (their own kinds, then these stream ones).
 */
#include "cnet_internal.h"

#include <stdlib.h>
#include <string.h>

cnet_hblock *cnet_hblock_copy(const cnet_header *h, size_t count) {
    size_t bytes = 0;
    for (size_t i = 0; i < count; i++) {
        if (h[i].name_len > SIZE_MAX / 4 || h[i].value_len > SIZE_MAX / 4) return NULL;
        bytes += h[i].name_len + h[i].value_len;
    }
    if (count > SIZE_MAX / (2 * sizeof(nghttp2_nv))) return NULL;
    cnet_hblock *b = malloc(sizeof(*b) + count * sizeof(nghttp2_nv) + bytes + 1);
    if (!b) return NULL;
    b->count = count;
    b->nv = (nghttp2_nv *)(b + 1);
    uint8_t *p = (uint8_t *)(b->nv + count);
    for (size_t i = 0; i < count; i++) {
        nghttp2_nv *nv = &b->nv[i];
        if (h[i].name_len) memcpy(p, h[i].name, h[i].name_len);
        nv->name = p;
        nv->namelen = h[i].name_len;
        p += h[i].name_len;
        if (h[i].value_len) memcpy(p, h[i].value, h[i].value_len);
        nv->value = p;
        nv->valuelen = h[i].value_len;
        p += h[i].value_len;
        nv->flags = NGHTTP2_NV_FLAG_NONE;
    }
    return b;
}

static void chain_free(cnet_chunk *c) {
    while (c) {
        cnet_chunk *next = c->next;
        free(c);
        c = next;
    }
}

void cnet_cmd_free(cnet_cmd *c) {
    if (!c) return;
    free(c->headers);
    free(c->trailers);
    chain_free(c->data);
    free(c);
}

static cnet_chunk *chunk_copy(const uint8_t *data, size_t len) {
    if (len > SIZE_MAX - sizeof(cnet_chunk)) return NULL;
    cnet_chunk *ch = malloc(sizeof(*ch) + len);
    if (!ch) return NULL;
    ch->next = NULL;
    ch->len = len;
    ch->off = 0;
    if (len) memcpy(ch->data, data, len);
    return ch;
}

int cnet_cmd_post(uint32_t loop, cnet_cmd *c) {
    if (cnet_loop_post(loop, &c->q) == 0) return 0;
    cnet_cmd_free(c);
    return -1;
}

/* Builds a command; the copies happen here, on the caller's thread. NULL on allocation failure. */
static cnet_cmd *cmd_new(int type, const cnet_stream_ref *ref) {
    cnet_cmd *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    c->type = type;
    if (ref) {
        c->slot = ref->slot;
        c->generation = ref->generation;
        c->stream_id = ref->stream_id;
    }
    return c;
}

cnet_cmd *cnet_cmd_new_open(const cnet_header *headers, size_t count, const uint8_t *data,
                            size_t len, int flags, void *user_data) {
    cnet_cmd *c = cmd_new(CNET_CMD_OPEN, NULL);
    if (!c) return NULL;
    c->flags = flags;
    c->user_data = user_data;
    c->headers = cnet_hblock_copy(headers, count);
    if (!c->headers) goto fail;
    if (data && len) {
        c->data = chunk_copy(data, len);
        if (!c->data) goto fail;
    }
    return c;
fail:
    cnet_cmd_free(c);
    return NULL;
}

void cnet_stream_submit(const cnet_stream_ref *ref, const cnet_header *headers, size_t header_count,
                        const uint8_t *data, size_t len, const cnet_header *trailers,
                        size_t trailer_count, int flags) {
    if (!ref) return;
    cnet_cmd *c = cmd_new(CNET_CMD_SUBMIT, ref);
    if (!c) goto oom;
    c->flags = flags;
    if (headers && !(c->headers = cnet_hblock_copy(headers, header_count))) goto oom;
    if (data && len && !(c->data = chunk_copy(data, len))) goto oom;
    if (trailers && !(c->trailers = cnet_hblock_copy(trailers, trailer_count))) goto oom;
    cnet_cmd_post(ref->loop, c);
    return;
oom:
    /* Fail closed: a submission that cannot be copied resets the stream instead. */
    cnet_cmd_free(c);
    cnet_stream_reset(ref, CNET_H2_INTERNAL_ERROR);
}

void cnet_stream_reset(const cnet_stream_ref *ref, uint32_t error_code) {
    if (!ref) return;
    cnet_cmd *c = cmd_new(CNET_CMD_RESET, ref);
    if (!c) return; /* nothing sane left to do */
    c->error_code = error_code;
    cnet_cmd_post(ref->loop, c);
}

void cnet_stream_consume(const cnet_stream_ref *ref, size_t bytes) {
    if (!ref || bytes == 0) return;
    cnet_cmd *c = cmd_new(CNET_CMD_CONSUME, ref);
    if (!c) return;
    c->bytes = bytes;
    cnet_cmd_post(ref->loop, c);
}

/* ---- On the loop thread ---- */

void cnet_cmd_run_stream(cnet_loop *loop, cnet_cmd *c) {
    cnet_conn *conn = cnet_conn_find(loop, c->slot, c->generation);
    cnet_stream *s = conn && !conn->closed ? cnet_conn_find_stream(conn, c->stream_id) : NULL;
    if (!s || !s->opened) {
        cnet_cmd_free(c);
        return;
    }
    switch (c->type) {
    case CNET_CMD_SUBMIT:
        cnet_stream_apply(s, c->headers, c->data, c->trailers, c->flags);
        c->headers = c->trailers = NULL;
        c->data = NULL;
        break;
    case CNET_CMD_RESET:
        nghttp2_submit_rst_stream(conn->session, NGHTTP2_FLAG_NONE, s->id, c->error_code);
        break;
    case CNET_CMD_CONSUME: {
        size_t n = c->bytes < s->unconsumed ? c->bytes : s->unconsumed;
        if (n) {
            s->unconsumed -= n;
            nghttp2_session_consume(conn->session, s->id, n);
        }
        break;
    }
    }
    cnet_loop_mark_dirty(loop, &conn->io);
    cnet_cmd_free(c);
}
