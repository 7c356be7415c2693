/* SPDX-License-Identifier: MIT */
/* Streaming JSON writer. Strings are escaped per RFC 8259; invalid UTF-8 becomes U+FFFD so
 * the output is always valid JSON, whatever bytes a memory image held. */
#include <inttypes.h>
#include <string.h>

#include "json.h"

void ic_json_init(struct ic_json *j, ic_sink_fn sink, void *arg, unsigned indent)
{
	memset(j, 0, offsetof(struct ic_json, buf));
	j->sink = sink;
	j->arg = arg;
	j->indent = indent;
	j->first[0] = true;
}

static void flush(struct ic_json *j)
{
	if (!j->err && j->fill) {
		int err = j->sink(j->arg, j->buf, j->fill);
		if (err)
			j->err = err < 0 ? err : -EIO;
	}
	j->fill = 0;
}

static void put(struct ic_json *j, const char *s, size_t n)
{
	if (j->err)
		return;
	j->written += n;
	while (n) {
		size_t room = sizeof(j->buf) - j->fill;
		size_t take = n < room ? n : room;
		memcpy(j->buf + j->fill, s, take);
		j->fill += take;
		s += take;
		n -= take;
		if (j->fill == sizeof(j->buf))
			flush(j);
	}
}

static void putc_(struct ic_json *j, char c)
{
	if (j->fill < sizeof(j->buf) && !j->err) {
		j->buf[j->fill++] = c;
		j->written++;
		if (j->fill == sizeof(j->buf))
			flush(j);
		return;
	}
	put(j, &c, 1);
}

static void newline(struct ic_json *j)
{
	if (!j->indent)
		return;
	static const char sp[64] = "                                                                ";
	size_t n = (size_t)j->depth * j->indent;

	putc_(j, '\n');
	for (; n > sizeof(sp); n -= sizeof(sp))
		put(j, sp, sizeof(sp));
	put(j, sp, n);
}

/* Separator before a value or key at the current depth. */
static void pre_value(struct ic_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0) {
		if (!j->first[0])
			j->err = j->err ? j->err : -EINVAL; /* two top-level values */
		j->first[0] = false;
		return;
	}
	if (!j->first[j->depth])
		putc_(j, ',');
	j->first[j->depth] = false;
	newline(j);
}

static void open_(struct ic_json *j, char c)
{
	pre_value(j);
	putc_(j, c);
	if (j->depth + 1 >= IC_JSON_MAX_DEPTH) {
		j->err = j->err ? j->err : -IC_ELIMIT;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct ic_json *j, char c)
{
	bool empty;

	if (j->depth == 0) {
		j->err = j->err ? j->err : -EINVAL;
		return;
	}
	empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		newline(j);
	putc_(j, c);
}

void ic_json_obj_begin(struct ic_json *j) { open_(j, '{'); }
void ic_json_obj_end(struct ic_json *j) { close_(j, '}'); }
void ic_json_arr_begin(struct ic_json *j) { open_(j, '['); }
void ic_json_arr_end(struct ic_json *j) { close_(j, ']'); }

/* Length of a valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static bool plain(uint8_t c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Length of the run of plain ASCII (copied as is) at p. Eight bytes per step: names and keys are
 * nearly all plain, and the byte loop was the writer's largest cost. The word tests may flag a
 * plain word (then the byte loop decides), never miss a byte that needs escaping. */
static size_t plain_run(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w, q, b;

		memcpy(&w, p + i, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		if ((w & high) | ((w - ones * 0x20) & ~w & high) | ((q - ones) & ~q & high) |
		    ((b - ones) & ~b & high))
			break;
	}
	while (i < n && plain(p[i]))
		i++;
	return i;
}

static void put_escaped(struct ic_json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	putc_(j, '"');
	while (i < n) {
		uint8_t c = p[i];
		size_t l;

		if (plain(c)) {
			/* a run of plain ASCII in one copy: nearly every key and name is one */
			size_t e = i + plain_run(p + i, n - i);

			put(j, s + i, e - i);
			i = e;
			continue;
		}
		switch (c) {
		case '"': put(j, "\\\"", 2); i++; continue;
		case '\\': put(j, "\\\\", 2); i++; continue;
		case '\n': put(j, "\\n", 2); i++; continue;
		case '\r': put(j, "\\r", 2); i++; continue;
		case '\t': put(j, "\\t", 2); i++; continue;
		case '\b': put(j, "\\b", 2); i++; continue;
		case '\f': put(j, "\\f", 2); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(j, u, 6);
			i++;
			continue;
		}
		l = utf8_len(p + i, n - i);
		if (l) {
			put(j, s + i, l);
			i += l;
		} else {
			put(j, "\\ufffd", 6);
			i++;
		}
	}
	putc_(j, '"');
}

void ic_json_keyn(struct ic_json *j, const char *key, size_t len)
{
	if (j->depth == 0 || j->after_key) {
		j->err = j->err ? j->err : -EINVAL;
		return;
	}
	pre_value(j);
	put_escaped(j, key, len);
	if (j->indent)
		put(j, ": ", 2);
	else
		putc_(j, ':');
	j->after_key = true;
}

void ic_json_key(struct ic_json *j, const char *key)
{
	ic_json_keyn(j, key, strlen(key));
}

void ic_json_strn(struct ic_json *j, const char *s, size_t len)
{
	pre_value(j);
	put_escaped(j, s, len);
}

void ic_json_str(struct ic_json *j, const char *s)
{
	ic_json_strn(j, s, strlen(s));
}

void ic_json_u64(struct ic_json *j, uint64_t v)
{
	/* by hand, not snprintf: an ISF has ~100k addresses and snprintf was 5% of a run */
	static const char d2[] = "00010203040506070809101112131415161718192021222324"
				"25262728293031323334353637383940414243444546474849"
				"50515253545556575859606162636465666768697071727374"
				"75767778798081828384858687888990919293949596979899";
	char b[24];
	size_t n = sizeof(b);

	/* two digits per division: addresses have 20 */
	while (v >= 100) {
		n -= 2;
		memcpy(b + n, d2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		n -= 2;
		memcpy(b + n, d2 + 2 * v, 2);
	} else {
		b[--n] = (char)('0' + v);
	}
	pre_value(j);
	put(j, b + n, sizeof(b) - n);
}

void ic_json_i64(struct ic_json *j, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%" PRId64, v);

	pre_value(j);
	put(j, b, (size_t)n);
}

void ic_json_hex(struct ic_json *j, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "\"0x%" PRIx64 "\"", v);

	pre_value(j);
	put(j, b, (size_t)n);
}

void ic_json_bool(struct ic_json *j, bool v)
{
	pre_value(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void ic_json_null(struct ic_json *j)
{
	pre_value(j);
	put(j, "null", 4);
}

void ic_json_base64(struct ic_json *j, const uint8_t *p, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;

	pre_value(j);
	putc_(j, '"');
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], tab[v & 63] };
		put(j, o, 4);
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63], '=', '=' };
		put(j, o, 4);
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		char o[4] = { tab[v >> 18], tab[(v >> 12) & 63], tab[(v >> 6) & 63], '=' };
		put(j, o, 4);
	}
	putc_(j, '"');
}

void ic_json_raw(struct ic_json *j, const char *s, size_t len)
{
	pre_value(j);
	if (len < sizeof(j->buf)) {
		put(j, s, len);
		return;
	}
	/* a big block (a section rendered on another thread) goes to the sink as is */
	flush(j);
	if (!j->err) {
		int err = j->sink(j->arg, s, len);

		if (err)
			j->err = err < 0 ? err : -EIO;
		j->written += len;
	}
}

int ic_json_finish(struct ic_json *j)
{
	if (!j->err && (j->depth || j->after_key))
		j->err = -EINVAL;
	if (j->indent && !j->err)
		putc_(j, '\n');
	flush(j);
	return j->err;
}

int ic_sink_file(void *arg, const void *buf, size_t len)
{
	FILE *f = arg;

	return fwrite(buf, 1, len, f) == len ? 0 : -EIO;
}

void ic_json_kv_str(struct ic_json *j, const char *key, const char *s)
{
	ic_json_key(j, key);
	if (s)
		ic_json_str(j, s);
	else
		ic_json_null(j);
}

void ic_json_kv_strn(struct ic_json *j, const char *key, const char *s, size_t len)
{
	ic_json_key(j, key);
	if (s)
		ic_json_strn(j, s, len);
	else
		ic_json_null(j);
}

void ic_json_kv_u64(struct ic_json *j, const char *key, uint64_t v)
{
	ic_json_key(j, key);
	ic_json_u64(j, v);
}

void ic_json_kv_hex(struct ic_json *j, const char *key, uint64_t v)
{
	ic_json_key(j, key);
	ic_json_hex(j, v);
}

void ic_json_kv_bool(struct ic_json *j, const char *key, bool v)
{
	ic_json_key(j, key);
	ic_json_bool(j, v);
}

bool ic_json_kv_obj(struct ic_json *j, const char *key, const void *p)
{
	ic_json_key(j, key);
	if (!p) {
		ic_json_null(j);
		return false;
	}
	ic_json_obj_begin(j);
	return true;
}
