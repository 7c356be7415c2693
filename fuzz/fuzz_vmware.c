/* SPDX-License-Identifier: MIT */
/* Fuzz target: the VMware reader with the input as the .vmss beside a fixed 1 MiB .vmem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isfcarve/error.h"
#include "isfcarve/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/g.vmem", dir);
	unlink(p);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char vmem[128], vmss[128];
	struct ic_ctx ctx = { 0 };
	struct ic_image *img = NULL;
	FILE *f;
	int err;

	/* one scratch directory per process (removed at exit); the .vmss is rewritten per input */
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/ic_fuzz_vmware.XXXXXX");
		if (!mkdtemp(dir))
			return 0;
		atexit(cleanup);
		snprintf(vmem, sizeof(vmem), "%s/g.vmem", dir);
		f = fopen(vmem, "wb");
		if (!f)
			return 0;
		for (unsigned i = 0; i < (1u << 20); i++)
			fputc((int)(i * 7 >> 3) & 0xff, f);
		fclose(f);
	}
	snprintf(vmem, sizeof(vmem), "%s/g.vmem", dir);
	snprintf(vmss, sizeof(vmss), "%s/g.vmss", dir);
	f = fopen(vmss, "wb");
	if (!f)
		return 0;
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	err = ic_image__open_as(&ctx, vmem, "vmware", &img);
	if (!err) {
		const struct ic_range *r = ic_image__ranges(img);
		uint8_t buf[256];

		for (size_t i = 0; i < ic_image__nranges(img); i++) {
			if (!r[i].len || (i && r[i].phys < r[i - 1].phys + r[i - 1].len))
				abort();
			/* mappable format: every range is inside the .vmem */
			if (ic_image__read(img, r[i].phys, buf, r[i].len < sizeof(buf) ? (size_t)r[i].len
											: sizeof(buf)))
				abort();
		}
	} else if (err > 0) {
		abort();
	}
	ic_image__free(img);
	unlink(vmss);
	return 0;
}
