/* SPDX-License-Identifier: MIT */
/* Profile naming and the symbols-directory layout shared by hosts that profile the same kernels. */
#ifndef ISFCARVE_SYMDIR_H
#define ISFCARVE_SYMDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isfcarve/common.h"

/*
 * Layout: DIR/linux/<release>-<12 hex>.json.xz. vol.py -s DIR searches DIR recursively and
 * matches by banner, so the name only has to be unique per kernel identity and stable:
 *   release = the word after "Linux version " in the banner, sanitised to [A-Za-z0-9._+-]
 *             (anything else becomes '_', at most IC_SYMDIR_RELEASE_MAX bytes, no leading '.')
 *   hash    = the first 12 hex digits of
 *             sha256("isfcarve-profile-v1\0" || banner text || BTF sha256 (32 raw bytes)),
 *             where "banner text" excludes a trailing "\n" and NULs, so callers that hold the
 *             banner with or without linux_banner's "\n\0" get the same name.
 * Same name => same kernel identity => (isfcarve is deterministic) same content, which is why
 * concurrent publishers may race harmlessly: each writes a temp file in the target directory
 * and rename(2)s it over the name; readers only ever see one complete file.
 */
#define IC_SYMDIR_RELEASE_MAX 64u
#define IC_SYMDIR_HASH_HEX 12u
/* release + '-' + hash + ".json.xz" + NUL */
#define IC_SYMDIR_NAME_MAX (IC_SYMDIR_RELEASE_MAX + 1 + IC_SYMDIR_HASH_HEX + 8 + 1)
#define IC_SYMDIR_SUBDIR "linux"
#define IC_SYMDIR_EXT ".json.xz"

struct ic_profile_id {
	char release[IC_SYMDIR_RELEASE_MAX + 1]; /* sanitised; "unknown" if the banner has none */
	char hash[IC_SYMDIR_HASH_HEX + 1];
	char name[IC_SYMDIR_NAME_MAX];           /* "<release>-<hash>.json.xz" */
};

/*
 * Compute the identity of a kernel from its banner ("Linux version ...", the exact bytes; a
 * trailing "\n\0" is ignored) and the sha256 of its BTF blob. btf_sha256 may be NULL for
 * profiles built without BTF (then 32 zero bytes are hashed). Returns 0, or -EINVAL when the
 * banner is empty or longer than IC_MAX_BANNER_LEN.
 */
IC_API int ic_profile_id__compute(struct ic_profile_id *id, const uint8_t *banner, size_t banner_len,
				  const uint8_t btf_sha256[32]);

/*
 * out = "DIR/linux/<id->name>". Returns 0 or -ENAMETOOLONG when it does not fit in out_sz.
 */
IC_API int ic_symdir__path(const char *dir, const struct ic_profile_id *id, char *out,
			   size_t out_sz);

/*
 * Create DIR and DIR/linux if needed (mode 0777 & ~umask, so a group-writable umask makes a
 * shared directory), then fill out with the profile path. *exists tells whether a regular,
 * non-empty file is already there (reuse it unless the user forces a rebuild).
 */
IC_API int ic_symdir__prepare(const struct ic_ctx *ctx, const char *dir,
			      const struct ic_profile_id *id, char *out, size_t out_sz,
			      bool *exists);

/*
 * Optional serialisation of identical kernels: an exclusive flock(2) on
 * DIR/linux/.<name>.lock (created if needed). Blocks until it is ours; *fd receives the lock
 * descriptor for ic_symdir__unlock(). Correctness never depends on it (publishing is atomic);
 * it only saves the second producer the work: after locking, check again whether the profile
 * exists. ic_symdir__unlock() removes the lock file while still holding the lock, and a
 * locker retries when the file it locked is no longer the one at the path, so no lock file
 * stays behind and the removal never lets two holders in.
 */
IC_API int ic_symdir__lock(const struct ic_ctx *ctx, const char *dir,
			   const struct ic_profile_id *id, int *fd);
IC_API void ic_symdir__unlock(int fd);

/*
 * Atomically place a copy of the finished file src at dst (for example an ISF written with -o,
 * published into the shared symbols directory): copy into a temp file in dst's directory,
 * fsync, chmod 0644 & ~umask, rename over dst. Nothing but dst (or nothing) is left behind.
 */
IC_API int ic_symdir__publish(const struct ic_ctx *ctx, const char *src, const char *dst);

/*
 * Read the identifier Volatility 3 uses for a Linux ISF, symbols.linux_banner.constant_data
 * (base64 text, copied verbatim into b64), from a .json, .json.gz or .json.xz file
 * (compression detected from the magic bytes). The file is stream-scanned, never parsed into
 * a tree, and always read to its end: the value counts only if the file is whole (the data
 * ends where the JSON root value ends, whitespace aside; one gzip or xz stream, read to its
 * end, its check verified, nothing after it). Returns 0, -IC_ENOTFOUND when the ISF has no
 * banner, -IC_EFORMAT for broken JSON/compression, bytes after the root value or after the
 * stream, or an invalid base64 value, -IC_ETRUNC for a file cut short, -IC_ELIMIT when the
 * value exceeds the banner ceiling, or -errno.
 * The decoded banner goes to banner/banner_len when banner is non-NULL (room for
 * IC_MAX_BANNER_LEN bytes).
 */
#define IC_SYMDIR_B64_MAX (((1024u + 2) / 3) * 4 + 1) /* base64 of IC_MAX_BANNER_LEN + NUL */
IC_API int ic_symdir__read_banner(const struct ic_ctx *ctx, const char *path,
				  char b64[IC_SYMDIR_B64_MAX], uint8_t *banner, size_t *banner_len);

/*
 * Read symbols.NAME.address for each of names[0..n) from an ISF (.json, .json.gz, .json.xz),
 * stream-scanned and read whole like ic_symdir__read_banner() (the first copy of each counts):
 * have[i] says whether names[i] was there with a plain unsigned address (addrs[i]). Used to
 * check a stored profile against this run's own evidence before reusing it. 0,
 * -IC_EFORMAT, -IC_ETRUNC, -IC_ELIMIT, -ENOMEM, -errno.
 */
IC_API int ic_symdir__read_addrs(const struct ic_ctx *ctx, const char *path,
				 const char *const *names, size_t n, uint64_t *addrs, bool *have);

/*
 * Read the string metadata.producer.<key> of an ISF ("version", "symdb" ...), stream-scanned
 * and read whole like ic_symdir__read_banner(), into out (NUL-terminated).
 * 0, -IC_ENOTFOUND (no such key), -ENOSPC (longer than out_sz - 1), -IC_EFORMAT (an escape
 * other than "\/" in it, malformed JSON), -IC_ELIMIT (the file beyond a reader's limit:
 * nesting, size, or this value longer than IC_SYMDIR_B64_MAX), -IC_ETRUNC, -ENOMEM, -errno.
 */
IC_API int ic_symdir__read_producer(const struct ic_ctx *ctx, const char *path, const char *key,
				    char *out, size_t out_sz);

#endif
