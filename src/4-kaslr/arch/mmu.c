/* SPDX-License-Identifier: MIT */
/* Architecture-neutral helpers over struct ic_mmu: translate, read through the tables. */
#include <errno.h>
#include <string.h>

#include "isfcarve/arch.h"
#include "0-base/internal.h"
#include "0-base/reader.h"

int ic_mmu__init(struct ic_mmu *m, const struct ic_arch *arch, const struct ic_image *img,
		 uint64_t root, unsigned levels)
{
	if (!m || !arch || !img || levels < arch->min_levels || levels > arch->max_levels)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->arch = arch;
	m->img = img;
	m->root = root;
	m->levels = levels;
	return 0;
}

int ic_mmu__translate(const struct ic_mmu *m, uint64_t va, struct ic_xlate *out)
{
	struct ic_xlate tmp;

	if (!m || !m->arch || !m->img)
		return -EINVAL;
	return m->arch->walk(m, va, out ? out : &tmp);
}

uint64_t ic_mmu__v2p(const struct ic_mmu *m, uint64_t va)
{
	struct ic_xlate x;

	return ic_mmu__translate(m, va, &x) ? UINT64_MAX : x.phys;
}

int ic_mmu__read(const struct ic_mmu *m, uint64_t va, void *buf, size_t len)
{
	uint8_t *dst = buf;

	while (len) {
		struct ic_xlate x;
		uint64_t left, take;
		int err;

		err = ic_mmu__translate(m, va, &x);
		if (err)
			return err;
		left = x.page_size - (va & (x.page_size - 1));
		take = left < len ? left : len;
		err = ic_image__read(m->img, x.phys, dst, (size_t)take);
		if (err)
			return err;
		dst += take;
		len -= (size_t)take;
		if (len && ic_add_ovf(va, take, &va))
			return -EINVAL;
	}
	return 0;
}

int ic_mmu__read_u64(const struct ic_mmu *m, uint64_t va, uint64_t *out)
{
	uint8_t raw[8];
	int err = ic_mmu__read(m, va, raw, sizeof(raw));

	if (!err)
		*out = ic_get_le64(raw);
	return err;
}
