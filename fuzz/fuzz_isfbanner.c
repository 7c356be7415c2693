/* SPDX-License-Identifier: MIT */
/* Fuzz target: ic_symdir__read_banner and ic_symdir__read_producer (gz/xz/plain detection,
 * decoders, streaming JSON key tracker). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "isfcarve/error.h"
#include "isfcarve/symdir.h"

/* The reader takes a path (it streams files of 30-60 MB); a memfd gives the bytes one. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_ctx ctx = { 0 };
	char path[64], b64[IC_SYMDIR_B64_MAX];
	uint8_t banner[1024];
	size_t len = 0, off = 0;
	int fd = memfd_create("isf", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ic_symdir__read_banner(&ctx, path, b64, banner, &len) == 0) {
		/* A success must be a real, bounded, base64-decodable Linux banner. */
		if (len > sizeof(banner) || len < 14 || memcmp(banner, "Linux version ", 14) ||
		    strlen(b64) >= IC_SYMDIR_B64_MAX)
			__builtin_trap();
	}
	{
		/* A success is a NUL-terminated string that fits, with no JSON escape left in it. */
		char prod[64];
		int err = ic_symdir__read_producer(&ctx, path, "symdb", prod, sizeof(prod));

		if (!err && (strnlen(prod, sizeof(prod)) == sizeof(prod) || strchr(prod, '\\')))
			__builtin_trap();
		if (err && prod[0])
			__builtin_trap();
	}
	close(fd);
	return 0;
}
