/* SPDX-License-Identifier: MIT */
/* Output sink: plain, .gz or .xz by extension; temp file + fsync + rename, or stdout for "-". */
#ifndef ISFCARVE_OUT_H
#define ISFCARVE_OUT_H

#include "internal.h"

enum ic_out_fmt {
	IC_OUT_PLAIN,
	IC_OUT_GZ,
	IC_OUT_XZ,
};

struct ic_out;

/*
 * Open path for writing. ".gz" -> gzip (zlib), ".xz" -> xz (liblzma), else plain; "-" = stdout
 * (plain). Data goes to a temp file in the target directory (mode 0644 & ~umask) that
 * ic_out__commit() fsyncs and renames over path. Refuses a path that
 * exists and is not a regular file (-EISDIR for a directory, -EINVAL otherwise).
 * Caller ends with ic_out__commit() or ic_out__abort() (both free the object).
 */
IC_HIDDEN int ic_out__open(const struct ic_ctx *ctx, const char *path, struct ic_out **out);
/* Write uncompressed bytes; -IC_ELIMIT past IC_MAX_OUTPUT_BYTES. Errors are sticky. */
IC_HIDDEN int ic_out__write(struct ic_out *out, const void *buf, size_t len);
/* An ic_sink_fn (src/0-base/json.h) over ic_out__write: arg is the struct ic_out *. */
IC_HIDDEN int ic_out__sink(void *arg, const void *buf, size_t len);
/* Finish compression, fsync, rename. On any failure the temp file is removed. Frees out. */
IC_HIDDEN int ic_out__commit(struct ic_out *out);
/* Drop everything written (removes the temp file). NULL-safe. Frees out. */
IC_HIDDEN void ic_out__abort(struct ic_out *out);
/* Uncompressed bytes written so far. */
IC_HIDDEN uint64_t ic_out__bytes(const struct ic_out *out);
/* Format chosen for a path by its extension. */
IC_HIDDEN enum ic_out_fmt ic_out_fmt_for(const char *path);

/*
 * Is the output path the same file as an input (same device and inode)? 0 = distinct or the
 * output does not exist yet, -EINVAL (with a warning naming both) when they are the same.
 */
IC_HIDDEN int ic_out_check_distinct(const struct ic_ctx *ctx, const char *out_path,
				    const char *in_path);

#endif
