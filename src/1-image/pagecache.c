/* SPDX-License-Identifier: MIT */
/* Decompressed-unit cache: sharded, direct-mapped, a mutex per shard; memory fixed at creation. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pagecache.h"

/*
 * Why this shape: the scanner's one pass bypasses the cache (the formats decode whole units
 * straight into its buffer: caching a stream that is never read again would only evict). Every
 * other read of part of a unit goes through it: the carvers' small, scattered reads (headers,
 * pointers, strings, page tables), which touch the same units again and again. (AVML also
 * decodes whole chunks of large reads, such as a BTF blob, straight into the caller's buffer.) A direct-mapped table split in shards keeps lookups
 * O(1) and lock contention low without an LRU list. Decoding happens outside the lock so threads
 * never wait on another thread's inflate.
 */
#define PC_SHARDS 16u

struct pc_slot {
	uint64_t key;
	bool valid;
	uint8_t *data; /* unit bytes, allocated on first use */
};

struct pc_shard {
	pthread_mutex_t lock;
	struct pc_slot *slots;
	size_t nslots;
};

struct ic_pagecache {
	size_t unit;
	struct pc_shard shard[PC_SHARDS];
};

struct ic_pagecache *ic_pagecache_new(size_t unit, size_t budget)
{
	struct ic_pagecache *pc;
	size_t per;

	if (!unit) {
		errno = EINVAL;
		return NULL;
	}
	per = budget / unit / PC_SHARDS;
	if (!per)
		per = 1;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return NULL;
	pc->unit = unit;
	for (unsigned i = 0; i < PC_SHARDS; i++) {
		pc->shard[i].slots = ic_calloc(per, sizeof(struct pc_slot));
		if (!pc->shard[i].slots || pthread_mutex_init(&pc->shard[i].lock, NULL)) {
			free(pc->shard[i].slots);
			pc->shard[i].slots = NULL;
			for (unsigned j = 0; j < i; j++) {
				pthread_mutex_destroy(&pc->shard[j].lock);
				free(pc->shard[j].slots);
			}
			free(pc);
			errno = ENOMEM;
			return NULL;
		}
		pc->shard[i].nslots = per;
	}
	return pc;
}

void ic_pagecache_free(struct ic_pagecache *pc)
{
	if (!pc)
		return;
	for (unsigned i = 0; i < PC_SHARDS; i++) {
		for (size_t s = 0; s < pc->shard[i].nslots; s++)
			free(pc->shard[i].slots[s].data);
		free(pc->shard[i].slots);
		pthread_mutex_destroy(&pc->shard[i].lock);
	}
	free(pc);
}

/* Consecutive keys go to consecutive shards, then consecutive slots: a contiguous span of up to
 * PC_SHARDS * nslots units (the whole budget) never evicts itself, which a hash did (a 4 MiB
 * BTF blob lost a quarter of its pages to collisions in a 16 MiB cache). */
static struct pc_shard *pc_shard(struct ic_pagecache *pc, uint64_t key, struct pc_slot **slot)
{
	struct pc_shard *sh = &pc->shard[key % PC_SHARDS];

	*slot = &sh->slots[(key / PC_SHARDS) % sh->nslots];
	return sh;
}

int ic_pagecache_peek(struct ic_pagecache *pc, uint64_t key, size_t off, void *dst, size_t len)
{
	struct pc_slot *slot;
	struct pc_shard *sh = pc_shard(pc, key, &slot);
	int err = -ENOENT;

	if (off > pc->unit || len > pc->unit - off)
		return -EINVAL;
	pthread_mutex_lock(&sh->lock);
	if (slot->valid && slot->key == key) {
		memcpy(dst, slot->data + off, len);
		err = 0;
	}
	pthread_mutex_unlock(&sh->lock);
	return err;
}

int ic_pagecache_read(struct ic_pagecache *pc, uint64_t key, size_t off, void *dst, size_t len,
		      ic_pagecache_fill_fn fill, void *arg)
{
	struct pc_slot *slot;
	struct pc_shard *sh = pc_shard(pc, key, &slot);
	uint8_t *tmp;
	int err;

	err = ic_pagecache_peek(pc, key, off, dst, len);
	if (err != -ENOENT)
		return err;

	tmp = malloc(pc->unit);
	if (!tmp)
		return -ENOMEM;
	err = fill(arg, key, tmp);
	if (err) {
		free(tmp);
		return err;
	}
	memcpy(dst, tmp + off, len);

	pthread_mutex_lock(&sh->lock);
	/* Keep the freshly decoded unit: swap buffers so the old one is freed outside the lock. */
	slot->valid = true;
	slot->key = key;
	{
		uint8_t *old = slot->data;

		slot->data = tmp;
		tmp = old;
	}
	pthread_mutex_unlock(&sh->lock);
	free(tmp);
	return 0;
}
