/* SPDX-License-Identifier: MIT */
/* VMware .vmem guest RAM placed by the region map of the .vmss/.vmsn beside it. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_internal.h"
#include "0-base/ic_limits.h"
#include "0-base/reader.h"

/*
 * A .vmem is raw guest RAM, but VMware leaves out the PCI hole: for guests with RAM above
 * ~3 GiB, guest-physical = file offset only below the hole. The suspend/snapshot state file
 * (.vmss or .vmsn, same base name) says where each piece goes. Facts [vol layers/vmware.py,
 * docs: carving.md section 7]:
 *
 *   +0  u8 magic[4] (D0 BE D2 BE | D1 BA D1 BA | D2 BE D2 BE | D3 BE D3 BE; version = magic[0]&15)
 *   +4  u32 unknown | +8 u32 groupCount
 *   +12 groups: {char name[64]; u64 tag_offset; u64 unknown} (80 bytes each)
 *
 * Tags of a group, from its tag_offset, until a tag with flags = 0 and name length = 0:
 *   u8 flags (bits 7-6: number of u32 indices; bits 5-0: data length, 62/63 = long data)
 *   u8 name_len | name | u32 index[n] | data
 *   long data: two sizes (u32 each in version 0, u64 otherwise; the first is the length of the
 *   data), 2 bytes of padding, then the data.
 *
 * In group "memory": regionsCount, regionPPN[i], regionPageNum[i], regionSize[i] (4 KiB
 * pages): guest pfn PPN.. maps to .vmem page PageNum.., Size pages.
 * A state file without regions (regionsCount 0 or absent) means the .vmem is flat: we leave it
 * to the raw reader. Only the region map is read; nothing else of the state file is trusted.
 */

#define VMSS_HDR 12u
#define VMSS_GROUP 80u
#define VM_PAGE 4096u

struct region {
	uint64_t ppn, pagenum, size;
	unsigned have; /* bit 0 ppn, 1 pagenum, 2 size */
};

struct regions {
	struct region *r;
	size_t n, cap;
	uint64_t count;
	bool have_count;
};

static int region_set(struct regions *rs, uint32_t i, unsigned what, uint64_t v)
{
	if (i >= IC_MAX_RANGES)
		return -IC_ELIMIT;
	if (i >= rs->cap) {
		size_t cap = rs->cap ? rs->cap : 16;
		struct region *n;

		while (cap <= i)
			cap *= 2;
		n = ic_reallocarray(rs->r, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + rs->cap, 0, (cap - rs->cap) * sizeof(*n));
		rs->r = n;
		rs->cap = cap;
	}
	if (i >= rs->n)
		rs->n = i + 1;
	if (what == 0)
		rs->r[i].ppn = v;
	else if (what == 1)
		rs->r[i].pagenum = v;
	else
		rs->r[i].size = v;
	rs->r[i].have |= 1u << what;
	return 0;
}

static bool tag_is(const uint8_t *name, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(name, want, len);
}

/* Walk the "memory" group's tags and collect the region map. */
static int vmss_regions(const struct ic_ctx *ctx, const char *spath, const uint8_t *m, size_t size,
			struct regions *rs)
{
	struct ic_rd rd = ic_rd_init(m, size);
	const uint8_t *magic = ic_rd_bytes(&rd, 4);
	uint32_t ngroups, version;
	uint64_t tags = UINT64_MAX;

	ic_rd_le32(&rd);
	ngroups = ic_rd_le32(&rd);
	if (rd.err) {
		pr_warn(ctx, "%s: vmware state file header (12 bytes) is truncated", spath);
		return -IC_ETRUNC;
	}
	if (memcmp(magic, "\xd0\xbe\xd2\xbe", 4) && memcmp(magic, "\xd1\xba\xd1\xba", 4) &&
	    memcmp(magic, "\xd2\xbe\xd2\xbe", 4) && memcmp(magic, "\xd3\xbe\xd3\xbe", 4)) {
		pr_warn(ctx, "%s: offset 0: magic %02x %02x %02x %02x is not a VMware state file", spath,
			magic[0], magic[1], magic[2], magic[3]);
		return -IC_EFORMAT;
	}
	version = magic[0] & 0xfu;
	if (ngroups > IC_MAX_VMSS_GROUPS) {
		pr_warn(ctx, "%s: offset 8: %" PRIu32 " groups exceed IC_MAX_VMSS_GROUPS", spath, ngroups);
		return -IC_ELIMIT;
	}
	for (uint32_t g = 0; g < ngroups; g++) {
		const uint8_t *name = ic_rd_bytes(&rd, 64);
		uint64_t off = ic_rd_le64(&rd);

		ic_rd_le64(&rd);
		if (rd.err) {
			pr_warn(ctx, "%s: group %" PRIu32 " at offset 0x%x is truncated", spath, g,
				VMSS_HDR + g * VMSS_GROUP);
			return -IC_ETRUNC;
		}
		if (!memcmp(name, "memory", 7))
			tags = off;
	}
	if (tags == UINT64_MAX) {
		pr_info(ctx, "%s: no \"memory\" group: no region map", spath);
		return 0;
	}
	if (tags > size) {
		pr_warn(ctx, "%s: \"memory\" group tags at 0x%" PRIx64 " lie past the end of the file",
			spath, tags);
		return -IC_ETRUNC;
	}
	ic_rd_seek(&rd, (size_t)tags);
	for (uint32_t t = 0;; t++) {
		size_t at = rd.off;
		uint8_t flags = ic_rd_u8(&rd), nlen = ic_rd_u8(&rd);
		const uint8_t *name;
		uint32_t idx[3] = { 0, 0, 0 };
		unsigned nidx = flags >> 6 & 3, dlen = flags & 0x3f;
		uint64_t v = 0;
		int err = 0;

		if (!rd.err && !flags && !nlen)
			break;
		if (t >= IC_MAX_VMSS_TAGS) {
			pr_warn(ctx, "%s: more than IC_MAX_VMSS_TAGS tags in group \"memory\"", spath);
			return -IC_ELIMIT;
		}
		name = ic_rd_bytes(&rd, nlen);
		for (unsigned k = 0; k < nidx; k++)
			idx[k < 3 ? k : 2] = ic_rd_le32(&rd);
		if (dlen >= 62) {
			unsigned w = version == 0 ? 4 : 8;
			uint64_t len = w == 4 ? ic_rd_le32(&rd) : ic_rd_le64(&rd);

			ic_rd_skip(&rd, w + 2u); /* second size, then 2 bytes of padding */
			if (!rd.err && len > ic_rd_left(&rd))
				rd.err = -IC_ETRUNC;
			else
				ic_rd_skip(&rd, (size_t)len);
		} else {
			const uint8_t *d = ic_rd_bytes(&rd, dlen);

			for (unsigned k = 0; d && k < dlen && k < 8; k++)
				v |= (uint64_t)d[k] << (8 * k);
		}
		if (rd.err) {
			pr_warn(ctx, "%s: tag at offset 0x%zx runs past the end of the file", spath, at);
			return -IC_ETRUNC;
		}
		if (dlen >= 62 || dlen == 0 || dlen > 8)
			continue;
		if (nidx == 0 && tag_is(name, nlen, "regionsCount")) {
			rs->count = v;
			rs->have_count = true;
		} else if (nidx == 1 && tag_is(name, nlen, "regionPPN")) {
			err = region_set(rs, idx[0], 0, v);
		} else if (nidx == 1 && tag_is(name, nlen, "regionPageNum")) {
			err = region_set(rs, idx[0], 1, v);
		} else if (nidx == 1 && tag_is(name, nlen, "regionSize")) {
			err = region_set(rs, idx[0], 2, v);
		}
		if (err) {
			pr_warn(ctx, "%s: tag at offset 0x%zx: region index %" PRIu32 ": %s", spath, at,
				idx[0], ic_strerror(err));
			return err;
		}
	}
	return 0;
}

/* Map the companion state file (read-only); NULL if absent. */
static const uint8_t *map_companion(const char *path, size_t *size)
{
	struct stat st;
	void *m;
	/* O_NONBLOCK: a FIFO named like the state file must not hang the open (refused below). */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	return m;
}

static int vmware_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	size_t plen = strlen(img->path), msize = 0;
	struct regions rs = { 0 };
	const uint8_t *m = NULL;
	char *spath;
	int err = 0;

	if (plen < 5 || strcasecmp(img->path + plen - 5, ".vmem")) {
		pr_debug(ctx, "%s: not named *.vmem", img->path);
		return -EPROTO;
	}
	spath = malloc(plen + 1);
	if (!spath)
		return -ENOMEM;
	memcpy(spath, img->path, plen + 1);
	memcpy(spath + plen - 5, ".vmss", 5);
	m = map_companion(spath, &msize);
	if (!m) {
		memcpy(spath + plen - 5, ".vmsn", 5);
		m = map_companion(spath, &msize);
	}
	if (!m) {
		pr_info(ctx, "%s: no .vmss/.vmsn beside it: read as raw (right only for guests whose RAM"
			" ends below the PCI hole)", img->path);
		free(spath);
		return -EPROTO;
	}
	err = vmss_regions(ctx, spath, m, msize, &rs);
	if (!err && (!rs.have_count || !rs.count)) {
		pr_info(ctx, "%s: %s has no memory regions: the .vmem is flat (raw)", img->path, spath);
		err = -EPROTO;
	}
	if (!err && rs.count != rs.n) {
		pr_warn(ctx, "%s: regionsCount %" PRIu64 " but %zu regions described", spath, rs.count,
			rs.n);
		err = -IC_EFORMAT;
	}
	for (size_t i = 0; !err && i < rs.n; i++) {
		const struct region *r = &rs.r[i];
		uint64_t phys, off, len;

		if (r->have != 7 || ic_mul_ovf(r->ppn, (uint64_t)VM_PAGE, &phys) ||
		    ic_mul_ovf(r->pagenum, (uint64_t)VM_PAGE, &off) ||
		    ic_mul_ovf(r->size, (uint64_t)VM_PAGE, &len)) {
			pr_warn(ctx, "%s: region %zu: incomplete or out-of-range (PPN 0x%" PRIx64
				", PageNum 0x%" PRIx64 ", Size 0x%" PRIx64 ")", spath, i, r->ppn,
				r->pagenum, r->size);
			err = -IC_EFORMAT;
			break;
		}
		err = ic_image_add_range(img, phys, len, off);
	}
	munmap((void *)m, msize);
	free(rs.r);
	free(spath);
	return err;
}

const struct ic_image_fmt ic_fmt_vmware = {
	.name = "vmware",
	.probe = vmware_probe,
};
