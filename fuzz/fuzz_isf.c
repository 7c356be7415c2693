/* SPDX-License-Identifier: MIT */
/* Fuzz target: the C type-expression resolver (symdb rows -> ISF descriptors) over a small BTF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "6-typing/isf_int.h"
#include "isfcarve/btf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* int, unsigned long, struct s {int a; struct s *b;}, typedef s_t, anonymous struct {seq, tk} */
static const uint32_t words[] = {
	1, 1u << 24, 4, 1u << 24 | 32,             /* [1] int */
	5, 1u << 24, 8, 64,                        /* [2] unsigned long */
	19, 4u << 24 | 2, 16, 21, 1, 0, 23, 4, 64, /* [3] struct s */
	0, 2u << 24, 3,                            /* [4] ptr -> s */
	25, 8u << 24, 3,                           /* [5] typedef s_t */
	0, 4u << 24 | 2, 16, 29, 1, 0, 33, 2, 64,  /* [6] struct {seq, tk} */
};
static const char strs[] = "\0int\0unsigned long\0s\0a\0b\0s_t\0seq\0tk";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t blob[24 + sizeof(words) + sizeof(strs)];
	uint32_t hdr[6] = { 0x0001eb9fu, 24, 0, sizeof(words), sizeof(words), sizeof(strs) };
	struct ic_isf_state s;
	struct ic_btf *btf = NULL;
	struct ic_buf out = { 0 };
	char *expr;

	if (size > 4096)
		return 0;
	memcpy(blob, hdr, 24);
	memcpy(blob + 24, words, sizeof(words));
	memcpy(blob + 24 + sizeof(words), strs, sizeof(strs));
	if (ic_btf__new(NULL, blob, sizeof(blob), "fuzz", &btf))
		abort();
	expr = malloc(size + 1);
	memcpy(expr, data, size);
	expr[size] = '\0';
	if (ic_isf_state_init(&s, NULL, btf) == 0)
		ic_isf_desc_expr(&s, expr, &out);
	ic_isf_state_free(&s);
	free(out.p);
	free(expr);
	ic_btf__free(btf);
	return 0;
}
