/* Internal: the allocator libmidway installs into avro-c.
 *
 * avro-c 1.11 trusts lengths from the data it decodes (a 5-byte body can
 * make it malloc 2 GiB) and leaks the buffer when the read then fails.
 * Every block avro-c allocates therefore carries a small header (its size
 * and list links), and a decode runs inside a scope:
 *
 *  - while a scope is active on a thread, a new block larger than
 *    max_single, or one that would take the bytes allocated in the scope
 *    past max_total, is refused (avro-c then fails the read with ENOMEM),
 *    and so is every new block after the first refusal;
 *  - growing an existing block (realloc) is never refused, because avro-c
 *    1.11 loses the old block and crashes later when a realloc fails
 *    (avro_raw_array_ensure_size sets data = NULL but keeps the count); the
 *    growth is counted, and once the total is past max_total every new
 *    block is refused, which stops the read at its next string;
 *  - blocks allocated in the scope and still allocated when it ends are
 *    what avro-c leaked: mw_avro_alloc_end() frees them.
 *
 * The allocator is process-global (avro_set_allocator) and must be in
 * place before avro-c allocates anything, because a block from another
 * allocator would be freed through our header: it is installed by a
 * constructor when this object file is linked, and again (a no-op) by
 * mw_avro_alloc_install(). Scopes are per thread; a scope's blocks must
 * not outlive it. */
#ifndef MIDWAY_LIB_AVRO_ALLOC_H
#define MIDWAY_LIB_AVRO_ALLOC_H

#include <stddef.h>

struct mw_avro_alloc_blk;

struct mw_avro_alloc_scope {
        /* limits, set by mw_avro_alloc_begin() */
        size_t max_single; /* largest new block granted */
        size_t max_total;  /* bytes allocated in the scope (new + growth) */
        /* statistics, updated while the scope runs */
        size_t total;            /* bytes allocated (new blocks + growth) */
        size_t largest;          /* largest new block granted */
        size_t n_alloc;          /* new blocks granted */
        size_t n_refused;        /* new blocks refused */
        size_t largest_refused;  /* largest size refused */
        size_t live_blocks;      /* blocks of the scope still allocated */
        size_t live_bytes;       /* ... and their size */
        size_t reclaimed_blocks; /* leaked blocks freed by _end() */
        size_t reclaimed_bytes;
        struct mw_avro_alloc_blk *head; /* owned: blocks of the scope */
};

/* Installs the allocator (idempotent, thread-safe). */
void mw_avro_alloc_install(void);

/* Starts a scope on the calling thread. Returns -1 if the thread is
 * already inside a scope (scopes do not nest), 0 otherwise. */
int mw_avro_alloc_begin(struct mw_avro_alloc_scope *scope, size_t max_single,
                        size_t max_total);

/* Ends the scope: frees every block of the scope that is still allocated
 * (counted in reclaimed_*). Call it only after every avro object created
 * in the scope has been destroyed. */
void mw_avro_alloc_end(struct mw_avro_alloc_scope *scope);

/* Non-zero if the scope refused a block or went past max_total. */
int mw_avro_alloc_capped(const struct mw_avro_alloc_scope *scope);

/* Blocks currently allocated through the allocator, process-wide. */
size_t mw_avro_alloc_live_blocks(void);

#endif
