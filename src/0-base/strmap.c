/* SPDX-License-Identifier: MIT */
/* The one name -> u32 map of the library: open addressing, seeded, grown at half full. */
/*
 * Keys are borrowed (the caller keeps the names alive). Names come from input (kallsyms, BTF,
 * System.map), hence ic_hash_str() with a per-map seed; the map doubles before it is half full,
 * so a probe always meets an empty slot and a lookup cannot loop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int ic_strmap_init(struct ic_strmap *m, size_t expect)
{
	size_t cap = 64;

	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
	if (expect > SIZE_MAX / 4 / sizeof(*m->keys))
		return -ENOMEM;
	while (cap < expect * 2)
		cap *= 2;
	m->keys = ic_calloc(cap, sizeof(*m->keys));
	m->vals = ic_calloc(cap, sizeof(*m->vals));
	m->cap = cap;
	m->seed = ic_hash_seed(); /* the names are input: ic_hash_str() */
	if (!m->keys || !m->vals) {
		ic_strmap_free(m);
		return -ENOMEM;
	}
	return 0;
}

void ic_strmap_free(struct ic_strmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->cap = m->n = 0;
}

static int strmap_grow(struct ic_strmap *m)
{
	struct ic_strmap nm;
	int err = ic_strmap_init(&nm, m->cap);

	if (err)
		return err;
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			ic_strmap_add(&nm, m->keys[i], m->vals[i]);
	ic_strmap_free(m);
	*m = nm;
	return 0;
}

int ic_strmap_add(struct ic_strmap *m, const char *key, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		int err = strmap_grow(m);
		if (err)
			return err;
	}
	for (i = ic_hash_str(key, m->seed) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key))
			return 0;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 1;
}

void ic_strmap_set(struct ic_strmap *m, const char *key, uint32_t val)
{
	if (!m->cap)
		return;
	for (size_t i = ic_hash_str(key, m->seed) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key)) {
			m->vals[i] = val;
			return;
		}
}

bool ic_strmap_get(const struct ic_strmap *m, const char *key, uint32_t *val)
{
	if (!m->cap)
		return false;
	for (size_t i = ic_hash_str(key, m->seed) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key)) {
			if (val)
				*val = m->vals[i];
			return true;
		}
	return false;
}
