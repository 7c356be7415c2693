/* SPDX-License-Identifier: MIT */
/* Output sink: compression by extension, atomic replace via temp file + fsync + rename. */
#include <inttypes.h>
#include <fcntl.h>
#include <lzma.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "ic_limits.h"
#include "out.h"

#define OUT_SLOT (1u << 20)
#define OUT_SLOTS 4u

struct ic_out {
	const struct ic_ctx *ctx;
	enum ic_out_fmt fmt;
	int fd;
	bool is_stdout;
	char *path;
	char *tmp;
	int err;
	uint64_t bytes;
	z_stream z;
	bool z_init;
	lzma_stream x;
	bool x_init;
	uint8_t obuf[1 << 16];
	/*
	 * Files, unless ctx->threads is 1: a writer thread compresses and write()s what
	 * ic_out__write() collects in OUT_SLOTS buffers of OUT_SLOT bytes, so that compression
	 * and the kernel's copy into the page cache (tens of ms for a 15 MB ISF on a VM) overlap
	 * the rendering. Slot cur is being filled (by the caller's thread only); the queued ones
	 * from head on wait for the writer.
	 */
	bool async, done;
	unsigned cur;
	pthread_t wt;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	uint8_t *slot[OUT_SLOTS];
	size_t slot_len[OUT_SLOTS];
	unsigned head, queued;
	int werr; /* the writer's first error (under lock) */
};

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

enum ic_out_fmt ic_out_fmt_for(const char *path)
{
	if (ends_with(path, ".gz"))
		return IC_OUT_GZ;
	if (ends_with(path, ".xz"))
		return IC_OUT_XZ;
	return IC_OUT_PLAIN;
}

static int write_all(struct ic_out *o, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(o->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void start_writer(struct ic_out *o);

/* Encoder threads for .xz: the run's thread count (-j), at most OUT_XZ_THREADS: an ISF of
 * 15-30 MB is 15-30 blocks, and each thread holds ~5 MiB of buffers. */
#define OUT_XZ_THREADS 4u
static uint32_t xz_threads(const struct ic_ctx *ctx)
{
	long n = ctx && ctx->threads ? (long)ctx->threads : sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > (long)OUT_XZ_THREADS ? OUT_XZ_THREADS : (uint32_t)n;
}

int ic_out__open(const struct ic_ctx *ctx, const char *path, struct ic_out **out)
{
	struct ic_out *o;
	struct stat st;
	const char *slash, *base;
	size_t dlen;
	int err = 0;

	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->ctx = ctx;
	o->fd = -1;
	if (!strcmp(path, "-")) {
		o->is_stdout = true;
		o->fd = STDOUT_FILENO;
		o->fmt = IC_OUT_PLAIN;
	} else {
		o->fmt = ic_out_fmt_for(path);
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
			pr_warn(ctx, "%s: output exists and is not a regular file; refusing to "
				     "overwrite it", path);
			goto fail;
		}
		o->path = strdup(path);
		slash = strrchr(path, '/');
		base = slash ? slash + 1 : path;
		dlen = slash ? (size_t)(slash - path) + 1 : 0;
		o->tmp = malloc(dlen + strlen(base) + 64);
		if (!o->path || !o->tmp) {
			err = -ENOMEM;
			goto fail;
		}
		for (int tries = 0; tries < 100; tries++) {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			snprintf(o->tmp, dlen + strlen(base) + 64, "%.*s.%.*s.tmp.%" PRId64 ".%" PRIx64,
				 (int)dlen, path, IC_TMP_NAME_KEEP, base, (int64_t)getpid(),
				 (uint64_t)(ts.tv_nsec ^ (long)tries * 7919));
			/* open() applies the umask to 0644 */
			o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (o->fd >= 0 || errno != EEXIST)
				break;
		}
		if (o->fd < 0) {
			err = -errno;
			pr_warn(ctx, "%s: cannot create temp file %s: %s", path, o->tmp,
				strerror(errno));
			free(o->tmp);
			o->tmp = NULL; /* not ours: never unlink it */
			goto fail;
		}
	}
	if (o->fmt == IC_OUT_GZ) {
		/* windowBits 15 + 16 = gzip wrapper */
		if (deflateInit2(&o->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			err = -ENOMEM;
			goto fail;
		}
		o->z_init = true;
	} else if (o->fmt == IC_OUT_XZ) {
		lzma_stream init = LZMA_STREAM_INIT;

		/*
		 * Preset 0 on liblzma's multi-threaded encoder (docs/performance.md, ".json.xz"):
		 * --symbols-dir always writes .json.xz, and preset 3 on one thread took 4 s for
		 * a 15 MB ISF that takes 0.6 s to build. The encoder cuts the input into blocks
		 * of a fixed size (1 MiB at preset 0) and compresses them on up to xz_threads()
		 * threads; the blocks do not depend on the thread count, so the file is the same
		 * bytes with -j 1 and -j 8. xz and Python's lzma read it as any .xz.
		 */
		lzma_mt mt = { .flags = 0, .threads = xz_threads(ctx), .block_size = 0,
			       .timeout = 0, .preset = 0, .check = LZMA_CHECK_CRC64 };

		o->x = init;
		if (lzma_stream_encoder_mt(&o->x, &mt) != LZMA_OK) {
			err = -ENOMEM;
			goto fail;
		}
		o->x_init = true;
	}
	if (!o->is_stdout && !(ctx && ctx->threads == 1))
		start_writer(o);
	*out = o;
	return 0;
fail:
	ic_out__abort(o);
	return err;
}

static int gz_pump(struct ic_out *o, int flush)
{
	int zr;

	do {
		o->z.next_out = o->obuf;
		o->z.avail_out = sizeof(o->obuf);
		zr = deflate(&o->z, flush);
		if (zr == Z_STREAM_ERROR)
			return -EIO;
		if (sizeof(o->obuf) - o->z.avail_out) {
			int err = write_all(o, o->obuf, sizeof(o->obuf) - o->z.avail_out);
			if (err)
				return err;
		}
	} while (o->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static int xz_pump(struct ic_out *o, lzma_action act)
{
	lzma_ret r;

	do {
		o->x.next_out = o->obuf;
		o->x.avail_out = sizeof(o->obuf);
		r = lzma_code(&o->x, act);
		if (r != LZMA_OK && r != LZMA_STREAM_END)
			return r == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
		if (sizeof(o->obuf) - o->x.avail_out) {
			int err = write_all(o, o->obuf, sizeof(o->obuf) - o->x.avail_out);
			if (err)
				return err;
		}
	} while (o->x.avail_out == 0 || (act == LZMA_FINISH && r != LZMA_STREAM_END));
	return 0;
}

/* Compress (if so) and write len bytes: the writer thread's work, or the caller's when there
 * is no writer thread. 0 or a negative error. */
static int put_bytes(struct ic_out *o, const void *buf, size_t len)
{
	int err = 0;

	switch (o->fmt) {
	case IC_OUT_PLAIN:
		err = write_all(o, buf, len);
		break;
	case IC_OUT_GZ:
		/* avail_in is uInt: feed in chunks */
		while (len && !err) {
			uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

			o->z.next_in = (Bytef *)(uintptr_t)buf;
			o->z.avail_in = n;
			err = gz_pump(o, Z_NO_FLUSH);
			buf = (const uint8_t *)buf + n;
			len -= n;
		}
		break;
	case IC_OUT_XZ:
		o->x.next_in = buf;
		o->x.avail_in = len;
		err = xz_pump(o, LZMA_RUN);
		break;
	}
	return err;
}

static void *writer(void *arg)
{
	struct ic_out *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		unsigned h;
		bool skip;
		int err;

		while (!o->queued && !o->done)
			pthread_cond_wait(&o->cv, &o->lock);
		if (!o->queued)
			break;
		h = o->head;
		skip = o->werr != 0; /* failed or aborted: drain without writing */
		pthread_mutex_unlock(&o->lock);
		err = skip ? 0 : put_bytes(o, o->slot[h], o->slot_len[h]);
		pthread_mutex_lock(&o->lock);
		if (err && !o->werr)
			o->werr = err;
		o->head = (h + 1) % OUT_SLOTS;
		o->queued--;
		pthread_cond_broadcast(&o->cv);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* Hand the slot being filled to the writer (if it holds anything); wait for a free one. */
static int queue_slot(struct ic_out *o)
{
	int err;

	pthread_mutex_lock(&o->lock);
	if (o->slot_len[o->cur]) {
		o->queued++;
		pthread_cond_broadcast(&o->cv);
	}
	while (o->queued == OUT_SLOTS && !o->werr)
		pthread_cond_wait(&o->cv, &o->lock);
	err = o->werr;
	o->cur = (o->head + o->queued) % OUT_SLOTS; /* free: neither queued nor being written */
	pthread_mutex_unlock(&o->lock);
	if (!err)
		o->slot_len[o->cur] = 0;
	return err;
}

/* Stop the writer after what is queued (all of it unless it failed); its first error. */
static int stop_writer(struct ic_out *o)
{
	int err;

	if (!o->async)
		return 0;
	pthread_mutex_lock(&o->lock);
	o->done = true;
	pthread_cond_broadcast(&o->cv);
	pthread_mutex_unlock(&o->lock);
	pthread_join(o->wt, NULL);
	o->async = false;
	err = o->werr;
	for (unsigned i = 0; i < OUT_SLOTS; i++)
		free(o->slot[i]);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->lock);
	return err;
}

static void start_writer(struct ic_out *o)
{
	for (unsigned i = 0; i < OUT_SLOTS; i++)
		if (!(o->slot[i] = malloc(OUT_SLOT)))
			goto no;
	if (pthread_mutex_init(&o->lock, NULL))
		goto no;
	if (pthread_cond_init(&o->cv, NULL)) {
		pthread_mutex_destroy(&o->lock);
		goto no;
	}
	if (pthread_create(&o->wt, NULL, writer, o)) {
		pthread_cond_destroy(&o->cv);
		pthread_mutex_destroy(&o->lock);
		goto no;
	}
	o->async = true;
	return;
no:	/* no thread is no error: the caller's thread writes */
	for (unsigned i = 0; i < OUT_SLOTS; i++) {
		free(o->slot[i]);
		o->slot[i] = NULL;
	}
}

int ic_out__write(struct ic_out *o, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (o->err)
		return o->err;
	if (len > IC_MAX_OUTPUT_BYTES - o->bytes) {
		pr_warn(o->ctx, "%s: output exceeds IC_MAX_OUTPUT_BYTES (%" PRIu64 ")",
			o->path ? o->path : "stdout", (uint64_t)IC_MAX_OUTPUT_BYTES);
		return o->err = -IC_ELIMIT;
	}
	o->bytes += len;
	if (!o->async)
		return o->err = put_bytes(o, buf, len);
	while (len) {
		unsigned cur = o->cur;
		size_t room = OUT_SLOT - o->slot_len[cur], n = len < room ? len : room;

		memcpy(o->slot[cur] + o->slot_len[cur], p, n);
		o->slot_len[cur] += n;
		p += n;
		len -= n;
		if (o->slot_len[cur] == OUT_SLOT && (o->err = queue_slot(o)))
			return o->err;
	}
	return 0;
}

int ic_out__sink(void *arg, const void *buf, size_t len)
{
	return ic_out__write(arg, buf, len);
}

uint64_t ic_out__bytes(const struct ic_out *o)
{
	return o->bytes;
}

int ic_out__commit(struct ic_out *o)
{
	int err;

	if (!o)
		return -EINVAL;
	err = o->err;
	if (o->async) {
		if (!err)
			err = queue_slot(o);
		err = stop_writer(o) ?: err;
	}
	if (!err && o->fmt == IC_OUT_GZ)
		err = gz_pump(o, Z_FINISH);
	if (!err && o->fmt == IC_OUT_XZ)
		err = xz_pump(o, LZMA_FINISH);
	if (o->is_stdout) {
		ic_out__abort(o);
		return err;
	}
	if (!err && fsync(o->fd) < 0)
		err = -errno;
	/* Renamed while still open, closed after: the temp name never exists without an open
	 * descriptor, which is how the CLI's supervisor finds (and removes) the temp files of an
	 * interrupted run (src/cli/supervise.c). */
	if (!err && rename(o->tmp, o->path) < 0)
		err = -errno;
	if (!err) {
		int fd = o->fd;

		free(o->tmp);
		o->tmp = NULL; /* nothing to remove any more */
		o->fd = -1;
		if (close(fd) < 0)
			err = -errno; /* fsync'ed already: reported, but the file is in place */
	}
	if (err)
		pr_warn(o->ctx, "%s: writing failed: %s", o->path, ic_strerror(err));
	ic_out__abort(o);
	return err;
}

void ic_out__abort(struct ic_out *o)
{
	if (!o)
		return;
	if (o->async) {
		pthread_mutex_lock(&o->lock);
		o->werr = o->werr ?: -ECANCELED; /* what is still queued is not written */
		pthread_mutex_unlock(&o->lock);
		stop_writer(o);
	}
	if (o->z_init)
		deflateEnd(&o->z);
	if (o->x_init)
		lzma_end(&o->x);
	if (o->tmp)
		unlink(o->tmp); /* before close: see ic_out__commit() */
	if (!o->is_stdout && o->fd >= 0)
		close(o->fd);
	free(o->tmp);
	free(o->path);
	free(o);
}

int ic_out_check_distinct(const struct ic_ctx *ctx, const char *out_path, const char *in_path)
{
	struct stat a, b;

	if (!out_path || !in_path || !strcmp(out_path, "-"))
		return 0;
	if (stat(out_path, &a) < 0 || stat(in_path, &b) < 0)
		return 0;
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		pr_warn(ctx, "%s: output is the same file as input %s; refusing", out_path, in_path);
		return -EINVAL;
	}
	return 0;
}
