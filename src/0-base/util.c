/* SPDX-License-Identifier: MIT */
/* Logging through the context callback, error strings, version, checked allocation. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

void ic_log(const struct ic_ctx *ctx, enum ic_log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!ctx || !ctx->print || lvl > ctx->level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->print(lvl, buf, ctx->print_arg);
}

size_t ic_banner_release(const char *b, size_t n, const char **rel)
{
	static const char pfx[] = "Linux version ";
	size_t l = 0;

	*rel = NULL;
	if (!b || n <= sizeof(pfx) - 1 || memcmp(b, pfx, sizeof(pfx) - 1))
		return 0;
	*rel = b + sizeof(pfx) - 1;
	n -= sizeof(pfx) - 1;
	while (l < n && (*rel)[l] != ' ' && (*rel)[l] != '\t' && (*rel)[l] != '\n' && (*rel)[l])
		l++;
	return l;
}

const char *ic_strerror(int err)
{
	static const char *const msgs[] = {
		[IC_EFORMAT - IC_ERRNO__START] = "malformed input",
		[IC_ETRUNC - IC_ERRNO__START] = "truncated input",
		[IC_ENOTFOUND - IC_ERRNO__START] = "not found",
		[IC_ELIMIT - IC_ERRNO__START] = "input exceeds a size limit",
		[IC_EUNSUPP - IC_ERRNO__START] = "unsupported input",
		[IC_EPLACEHOLDER - IC_ERRNO__START] = "placeholder System.map",
		[IC_EINCOMPLETE - IC_ERRNO__START] = "incomplete result",
		[IC_EAMBIGUOUS - IC_ERRNO__START] = "ambiguous input",
	};

	if (err < 0)
		err = -err;
	if (err > IC_ERRNO__START && err < IC_ERRNO__END && msgs[err - IC_ERRNO__START])
		return msgs[err - IC_ERRNO__START];
	return strerror(err);
}

uint64_t ic_hash_seed(void)
{
	uint64_t s = 0;
	int local;

	/* getrandom(2) without blocking; if it is not there (old kernel, seccomp), the clock and
	 * an address (ASLR) still make the seed hard to guess from outside the process */
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = ic_mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)(uintptr_t)&local);
	}
	return s;
}

const char *ic_version(void)
{
	return IC_VERSION_STRING;
}

void *ic_reallocarray(void *p, size_t n, size_t size)
{
	size_t total;

	if (ic_mul_ovf(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total ? total : 1);
}

void *ic_calloc(size_t n, size_t size)
{
	size_t total;

	if (ic_mul_ovf(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return calloc(1, total ? total : 1);
}

unsigned ic_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > 256 ? 256u : (unsigned)n;
}

void ic_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}
