/* SPDX-License-Identifier: MIT */
/* Symbol typing: BTF VAR > symdb row for the kernel version > narrow structural rules > void. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf/isf_int.h"
#include "isfcarve/symdb.h"

struct ic_typing {
	struct ic_isf_state *s;
	uint32_t kver;
	size_t banner_len;
	bool tk_done;
	uint32_t tk_anon; /* anonymous struct {seq; timekeeper} of tk_core before tk_data */
};

/* "Linux version A.B.C..." -> KERNEL_VERSION(A,B,C); 0 when unreadable. Fallback for banners
 * ic_kver_from_banner() cannot read. */
static uint32_t kver_simple(const uint8_t *b, size_t n)
{
	static const char pre[] = "Linux version ";
	unsigned v[3] = { 0, 0, 0 }, k = 0;
	size_t i = sizeof(pre) - 1;

	if (!b || n < i || memcmp(b, pre, i))
		return 0;
	for (; i < n && k < 3; i++) {
		if (b[i] >= '0' && b[i] <= '9') {
			if (v[k] < 100000)
				v[k] = v[k] * 10 + (unsigned)(b[i] - '0');
		} else if (b[i] == '.' && k < 2) {
			k++;
		} else {
			break;
		}
	}
	return k >= 1 ? IC_KVER(v[0], v[1], v[2]) : 0;
}

int ic_typing__new(struct ic_isf_state *s, const uint8_t *banner, size_t banner_len,
		   struct ic_typing **out)
{
	struct ic_typing *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->s = s;
	t->banner_len = banner ? banner_len : 0;
	if (banner && banner_len)
		t->kver = ic_kver_from_banner((const char *)banner, banner_len);
	if (!t->kver)
		t->kver = kver_simple(banner, banner_len);
	*out = t;
	return 0;
}

void ic_typing__free(struct ic_typing *t)
{
	free(t);
}

/* tk_core before 6.13 is `static struct { seqcount_raw_spinlock_t seq; struct timekeeper
 * timekeeper; } tk_core`: the only anonymous struct with exactly these two members. */
static uint32_t find_tk_anon(struct ic_isf_state *s)
{
	const struct ic_btf *btf = s->btf;
	uint32_t found = 0;

	for (uint32_t id = 1; id <= s->nr; id++) {
		const uint32_t *r = ic_btf__rec(btf, id);

		if (ic_btf_kind(r[1]) != IC_BTF_STRUCT || r[0] || ic_btf_vlen(r[1]) != 2)
			continue;
		if (strcmp(ic_btf__str(btf, r[3]), "seq") || strcmp(ic_btf__str(btf, r[6]), "timekeeper"))
			continue;
		if (found)
			return 0; /* ambiguous: do not guess */
		found = id;
	}
	return found;
}

static int add_desc(struct ic_isf_state *s, uint32_t id, struct ic_buf *out)
{
	const char *txt;
	size_t n;
	int err = ic_isf_desc(s, id, &txt, &n);

	return err ?: ic_buf_add(out, txt, n);
}

int ic_typing__symbol(struct ic_typing *t, const char *name, struct ic_buf *out,
		      struct ic_isf_stats *st)
{
	struct ic_isf_state *s = t->s;
	uint32_t id;
	int err;

	/* linux_banner: the exact bytes are the identifier; type them as char[len]. */
	if (!strcmp(name, "linux_banner") && t->banner_len) {
		char txt[160];

		snprintf(txt, sizeof(txt),
			 "{\"count\":%zu,\"kind\":\"array\",\"subtype\":{\"kind\":\"base\",\"name\":\"char\"}}",
			 t->banner_len);
		st->typed_rule++;
		return ic_buf_add(out, txt, strlen(txt));
	}
	/* BTF VARs (per-CPU variables, or every global with pahole's global_var) are exact. */
	if (ic_strmap_get(&s->vars, name, &id)) {
		st->typed_btf++;
		return add_desc(s, id, out);
	}
	if (t->kver) {
		const char *expr = ic_symdb__lookup(t->kver, name);

		if (expr) {
			size_t mark = out->len;

			err = ic_isf_desc_expr(s, expr, out);
			if (!err) {
				st->typed_symdb++;
				return 0;
			}
			if (err != -IC_ENOTFOUND && err != -IC_EFORMAT)
				return err;
			out->len = mark;
			st->symdb_skipped++;
			pr_debug(s->ctx, "isf: symdb type '%s' of %s not in this BTF", expr, name);
		}
	}
	if (!strcmp(name, "tk_core")) {
		if (!t->tk_done) {
			t->tk_anon = find_tk_anon(s);
			t->tk_done = true;
		}
		if (ic_strmap_get(&s->utypes, "tk_data", NULL)) {
			st->typed_rule++;
			return ic_isf_desc_expr(s, "struct tk_data", out);
		}
		if (t->tk_anon) {
			st->typed_rule++;
			return add_desc(s, t->tk_anon, out);
		}
	}
	if (!strcmp(name, "kallsyms_num_syms") && t->kver) {
		/* scripts/kallsyms emits .long since 4.20, a pointer-sized value before */
		st->typed_rule++;
		return ic_isf_desc_expr(s, t->kver >= IC_KVER(4, 20, 0) ? "unsigned int"
									   : "long unsigned int", out);
	}
	st->typed_void++;
	return ic_buf_add(out, "{\"kind\":\"base\",\"name\":\"void\"}", 29);
}
