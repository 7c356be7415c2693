/* SPDX-License-Identifier: MIT */
/* Live mode: linux_banner placed from this kernel's vmlinux or vmlinuz, by its exact bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "isfcarve/live.h"
#include "isfcarve/symbols.h"
#include "isfcarve/vmlinux.h"

/* Where distributions put this kernel's image, most useful first: an uncompressed ELF with
 * sections (debug packages), then the boot image. The release goes between the two parts. */
static const char *const places[][2] = {
	{ "/usr/lib/debug/boot/vmlinux-", "" },
	{ "/usr/lib/debug/lib/modules/", "/vmlinux" },
	{ "/boot/vmlinux-", "" },
	{ "/boot/vmlinuz-", "" },
};

/* linux_banner in one file: 0 and its link-time address, or a negative error (logged). */
static int from_file(const struct ic_ctx *ctx, const struct ic_live *l, const char *path,
		     uint64_t *addr)
{
	struct ic_blob b;
	struct ic_vmlinux *v = NULL;
	uint8_t *elf = NULL;
	const uint8_t *data;
	size_t len;
	unsigned hits = 0;
	/* /usr/lib/debug's vmlinux is the debug one: the DWARF reader's ceiling (mapped) */
	int err = ic_blob__load(NULL, path, IC_MAX_DWARF_FILE_BYTES, &b);

	if (err) {
		if (err != -ENOENT)
			pr_warn(ctx, "%s: %s", path, ic_strerror(err));
		return err;
	}
	data = b.data;
	len = b.len;
	if (!ic_vmlinux__is_elf(data, len)) {
		err = ic_vmlinuz__extract(ctx, data, len, path, &elf, &len);
		if (err)
			goto out;
		data = elf;
	}
	err = ic_vmlinux__open(ctx, data, len, path, &v);
	if (err)
		goto out;
	err = ic_vmlinux__find(v, l->banner, l->banner_len, addr, &hits);
	if (err == -IC_ELIMIT)
		pr_warn(ctx, "%s: its allocated sections overlap, adding up to more than twice the "
			"file: not a vmlinux, not searched", path);
	else if (err == -IC_ENOTFOUND)
		pr_warn(ctx, "%s: does not hold this kernel's banner (%s + NUL): another build",
			path, l->version_path);
	else if (!err && hits != 1) {
		pr_warn(ctx, "%s: this kernel's banner is there %u times: linux_banner is ambiguous",
			path, hits);
		err = -IC_EAMBIGUOUS;
	}
out:
	ic_vmlinux__free(v);
	free(elf);
	ic_blob__release(&b);
	return err;
}

int ic_live__place_banner(const struct ic_ctx *ctx, struct ic_live *l, const char *root,
			  char *used, size_t used_len)
{
	const struct ic_sym *have = ic_symtab__find(l->syms, "linux_banner");
	char path[4096];
	size_t rl;
	int err = -ENOENT;

	if (!root)
		root = "";
	rl = strlen(root);
	while (rl && root[rl - 1] == '/')
		rl--;
	for (size_t i = 0; i < IC_ARRAY_SIZE(places); i++) {
		uint64_t addr = 0;
		int e;

		snprintf(path, sizeof(path), "%.*s%s%s%s", (int)rl, root, places[i][0], l->release,
			 places[i][1]);
		e = from_file(ctx, l, path, &addr);
		if (e == -ENOMEM)
			return e;
		if (e) {
			if (err == -ENOENT)
				err = e; /* the first real problem is the one worth reporting */
			continue;
		}
		if (used)
			snprintf(used, used_len, "%s", path);
		if (have) {
			/* Recovered through kcore already: two independent ways must agree. */
			if (have->addr != addr) {
				pr_warn(ctx, "%s: linux_banner at link-time 0x%" PRIx64 ", but recovered "
					"through /proc/kcore at 0x%" PRIx64 ": the evidence disagrees",
					path, addr, have->addr);
				return -IC_EINCOMPLETE;
			}
			pr_info(ctx, "live: linux_banner at 0x%" PRIx64 " agrees with %s", addr, path);
			return 0;
		}
		err = ic_symtab__add(l->syms, addr, 'D', "linux_banner", strlen("linux_banner"),
				     IC_SYM_RECOVERED);
		if (err)
			return err;
		pr_info(ctx, "live: linux_banner at link-time 0x%" PRIx64 ", where %s holds this "
			"kernel's banner", addr, path);
		return 0;
	}
	return err;
}
