/* midway: capped, leak-reclaiming allocator for avro-c (see avro_alloc.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <avro.h>

#include "avro_alloc.h"

/* Header in front of every block. Untracked blocks (allocated outside a
 * scope) have scope == NULL and unused links. */
struct mw_avro_alloc_blk {
        size_t size;                       /* usable bytes after the header */
        struct mw_avro_alloc_scope *scope; /* borrowed; NULL: not tracked */
        struct mw_avro_alloc_blk *prev;    /* links in scope->head */
        struct mw_avro_alloc_blk *next;
};

/* Keeps the user part of a block aligned like malloc's. */
union hdr {
        struct mw_avro_alloc_blk blk;
        max_align_t align;
};

#define HDRLEN sizeof(union hdr)

static _Thread_local struct mw_avro_alloc_scope *cur_scope;
static atomic_size_t live_blocks;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static union hdr *
hdr_of(void *ptr)
{
        return (union hdr *)ptr - 1;
}

static void
scope_link(struct mw_avro_alloc_scope *scope, union hdr *h)
{
        h->blk.scope = scope;
        h->blk.prev = NULL;
        h->blk.next = scope->head;
        if (scope->head)
                scope->head->prev = &h->blk;
        scope->head = &h->blk;
        scope->live_blocks++;
        scope->live_bytes += h->blk.size;
}

static void
scope_unlink(struct mw_avro_alloc_scope *scope, union hdr *h)
{
        if (h->blk.prev)
                h->blk.prev->next = h->blk.next;
        else
                scope->head = h->blk.next;
        if (h->blk.next)
                h->blk.next->prev = h->blk.prev;
        h->blk.prev = NULL;
        h->blk.next = NULL;
        scope->live_blocks--;
        scope->live_bytes -= h->blk.size;
}

static int
scope_refuses(struct mw_avro_alloc_scope *scope, size_t nsize)
{
        if (scope->n_refused > 0 || nsize > scope->max_single ||
            scope->total >= scope->max_total ||
            nsize > scope->max_total - scope->total) {
                scope->n_refused++;
                if (nsize > scope->largest_refused)
                        scope->largest_refused = nsize;
                return 1;
        }
        return 0;
}

static void *
blk_new(size_t nsize)
{
        struct mw_avro_alloc_scope *scope = cur_scope;
        union hdr *h;

        if (nsize > SIZE_MAX - HDRLEN)
                return NULL;
        if (scope && scope_refuses(scope, nsize))
                return NULL;
        h = malloc(HDRLEN + nsize);
        if (!h)
                return NULL;
        h->blk.size = nsize;
        h->blk.scope = NULL;
        h->blk.prev = NULL;
        h->blk.next = NULL;
        if (scope) {
                scope_link(scope, h);
                scope->total += nsize;
                scope->n_alloc++;
                if (nsize > scope->largest)
                        scope->largest = nsize;
        }
        atomic_fetch_add(&live_blocks, 1);
        return h + 1;
}

/* Never refused for a tracked block (see avro_alloc.h); the growth is
 * counted against the scope's total. */
static void *
blk_resize(void *ptr, size_t nsize)
{
        union hdr *h = hdr_of(ptr), *n;
        struct mw_avro_alloc_scope *scope = h->blk.scope;
        size_t osize = h->blk.size;

        if (nsize > SIZE_MAX - HDRLEN)
                return NULL;
        if (scope)
                scope_unlink(scope, h);
        n = realloc(h, HDRLEN + nsize);
        if (!n) {
                if (scope)
                        scope_link(scope, h);
                return NULL;
        }
        n->blk.size = nsize;
        if (scope) {
                scope_link(scope, n);
                if (nsize > osize)
                        scope->total += nsize - osize;
        }
        return n + 1;
}

static void
blk_free(void *ptr)
{
        union hdr *h;

        if (!ptr)
                return;
        h = hdr_of(ptr);
        if (h->blk.scope)
                scope_unlink(h->blk.scope, h);
        atomic_fetch_sub(&live_blocks, 1);
        free(h);
}

/* avro_allocator_t. osize is ignored: avro-c does not always pass the
 * size it allocated (avro_str_free, wrapped buffers), the header knows. */
static void *
avro_alloc_cb(void *user_data, void *ptr, size_t osize, size_t nsize)
{
        (void)user_data;
        (void)osize;
        if (nsize == 0) {
                blk_free(ptr);
                return NULL;
        }
        if (!ptr)
                return blk_new(nsize);
        return blk_resize(ptr, nsize);
}

static void
install(void)
{
        avro_set_allocator(avro_alloc_cb, NULL);
}

void
mw_avro_alloc_install(void)
{
        pthread_once(&install_once, install);
}

/* Before main(), so that nothing can allocate through avro-c's default
 * allocator first. */
__attribute__((constructor)) static void
install_early(void)
{
        mw_avro_alloc_install();
}

int
mw_avro_alloc_begin(struct mw_avro_alloc_scope *scope, size_t max_single,
                    size_t max_total)
{
        if (cur_scope)
                return -1;
        *scope = (struct mw_avro_alloc_scope){0};
        scope->max_single = max_single;
        scope->max_total = max_total;
        cur_scope = scope;
        return 0;
}

void
mw_avro_alloc_end(struct mw_avro_alloc_scope *scope)
{
        struct mw_avro_alloc_blk *b, *next;

        for (b = scope->head; b; b = next) {
                next = b->next;
                scope->live_blocks--;
                scope->live_bytes -= b->size;
                scope->reclaimed_blocks++;
                scope->reclaimed_bytes += b->size;
                atomic_fetch_sub(&live_blocks, 1);
                free(b); /* the header is the start of the block */
        }
        scope->head = NULL;
        if (cur_scope == scope)
                cur_scope = NULL;
}

int
mw_avro_alloc_capped(const struct mw_avro_alloc_scope *scope)
{
        return scope->n_refused > 0 || scope->total > scope->max_total;
}

size_t
mw_avro_alloc_live_blocks(void)
{
        return atomic_load(&live_blocks);
}
