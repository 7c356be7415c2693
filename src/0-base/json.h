/* SPDX-License-Identifier: MIT */
/* Streaming JSON writer: exact unsigned 64-bit integers (jansson cannot), escaping, commas. */
#ifndef ISFCARVE_JSON_H
#define ISFCARVE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "internal.h"

/* Byte sink: returns 0 or a negative error (which becomes sticky in the writer). */
typedef int (*ic_sink_fn)(void *arg, const void *buf, size_t len);

#define IC_JSON_MAX_DEPTH 64

/*
 * Usage: ic_json_init(&j, sink, arg, indent); ic_json_obj_begin(&j); ic_json_key(&j, "a");
 * ic_json_u64(&j, 1); ic_json_obj_end(&j); err = ic_json_finish(&j);
 * Errors (sink failures, misuse) are sticky and reported by ic_json_finish().
 * Output is buffered; ic_json_finish() flushes. indent 0 = compact.
 */
struct ic_json {
	ic_sink_fn sink;
	void *arg;
	int err;
	unsigned indent;
	unsigned depth;
	bool first[IC_JSON_MAX_DEPTH]; /* no element written yet at this depth */
	bool after_key;
	size_t fill;
	uint64_t written;
	char buf[65536];
};

IC_HIDDEN void ic_json_init(struct ic_json *j, ic_sink_fn sink, void *arg, unsigned indent);
IC_HIDDEN int ic_json_finish(struct ic_json *j);

IC_HIDDEN void ic_json_obj_begin(struct ic_json *j);
IC_HIDDEN void ic_json_obj_end(struct ic_json *j);
IC_HIDDEN void ic_json_arr_begin(struct ic_json *j);
IC_HIDDEN void ic_json_arr_end(struct ic_json *j);
IC_HIDDEN void ic_json_key(struct ic_json *j, const char *key);
/* len-counted key (may contain NUL-free arbitrary bytes). */
IC_HIDDEN void ic_json_keyn(struct ic_json *j, const char *key, size_t len);
IC_HIDDEN void ic_json_str(struct ic_json *j, const char *s);
IC_HIDDEN void ic_json_strn(struct ic_json *j, const char *s, size_t len);
IC_HIDDEN void ic_json_u64(struct ic_json *j, uint64_t v);
IC_HIDDEN void ic_json_i64(struct ic_json *j, int64_t v);
IC_HIDDEN void ic_json_bool(struct ic_json *j, bool v);
IC_HIDDEN void ic_json_null(struct ic_json *j);
/* "0x..." lowercase hex string, the house form for addresses in reports. */
IC_HIDDEN void ic_json_hex(struct ic_json *j, uint64_t v);
/* Base64 (RFC 4648, padded) of bytes, as a JSON string. */
IC_HIDDEN void ic_json_base64(struct ic_json *j, const uint8_t *p, size_t len);
/* Raw, already valid JSON text. */
IC_HIDDEN void ic_json_raw(struct ic_json *j, const char *s, size_t len);

/* "key": value in one call, for the flat objects of reports. _str/_strn with NULL write null;
 * ic_json_kv_obj writes "key": null and returns false for a NULL p, else opens the object
 * (close it with ic_json_obj_end) and returns true. */
IC_HIDDEN void ic_json_kv_str(struct ic_json *j, const char *key, const char *s);
IC_HIDDEN void ic_json_kv_strn(struct ic_json *j, const char *key, const char *s, size_t len);
IC_HIDDEN void ic_json_kv_u64(struct ic_json *j, const char *key, uint64_t v);
IC_HIDDEN void ic_json_kv_hex(struct ic_json *j, const char *key, uint64_t v);
IC_HIDDEN void ic_json_kv_bool(struct ic_json *j, const char *key, bool v);
IC_HIDDEN bool ic_json_kv_obj(struct ic_json *j, const char *key, const void *p);

/* Convenience sink writing to a FILE*. */
IC_HIDDEN int ic_sink_file(void *arg, const void *buf, size_t len);

#endif
