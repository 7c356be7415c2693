/* SPDX-License-Identifier: MIT */
/* kallsyms carver on the real fixtures (LiME 6.1 with seqs backport, ELF 7.2 place-relative) vs truth. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ic_test.h"
#include "isfcarve/carver.h"
#include "isfcarve/image.h"
#include "isfcarve/kallsyms.h"
#include "isfcarve/vmcoreinfo.h"
#include "reader.h"

struct mapped {
	const uint8_t *p;
	size_t len;
};

static int map_file(const char *path, struct mapped *m)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	m->len = (size_t)st.st_size;
	m->p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	return m->p == MAP_FAILED ? -1 : 0;
}

/* The container readers live in another module; these minimal ones only serve this test. */
static size_t lime_ranges(const struct mapped *m, struct ic_range *r, uint64_t *off, size_t max)
{
	size_t n = 0, pos = 0;

	while (pos + 32 <= m->len && n < max && ic_get_le32(m->p + pos) == 0x4C694D45u) {
		uint64_t s = ic_get_le64(m->p + pos + 8), e = ic_get_le64(m->p + pos + 16);

		r[n].phys = s;
		r[n].len = e - s + 1;
		off[n] = pos + 32;
		pos += 32 + (size_t)r[n].len;
		n++;
	}
	return n;
}

static size_t elf_ranges(const struct mapped *m, struct ic_range *r, uint64_t *off, size_t max)
{
	uint64_t phoff = ic_get_le64(m->p + 0x20);
	unsigned phnum = ic_get_le16(m->p + 0x38), phes = ic_get_le16(m->p + 0x36);
	size_t n = 0;

	for (unsigned i = 0; i < phnum && n < max; i++) {
		const uint8_t *ph = m->p + phoff + (uint64_t)i * phes;

		if (ic_get_le32(ph) != 1 || !ic_get_le64(ph + 0x20)) /* PT_LOAD with file bytes */
			continue;
		r[n].phys = ic_get_le64(ph + 0x18);
		r[n].len = ic_get_le64(ph + 0x20);
		off[n] = ic_get_le64(ph + 0x08);
		n++;
	}
	return n;
}

/* VMCOREINFO from truth/vmcoreinfo.txt ("#" lines are comments of the fixture maker). */
static struct ic_vmcoreinfo *load_vmci(const char *path, char **store)
{
	FILE *f = fopen(path, "r");
	static struct ic_vmcoreinfo vi;
	static struct ic_vmcoreinfo_entry ent[512];
	char *text = calloc(1, 65536), *line;
	size_t n = 0, len;

	if (!f || !text)
		return NULL;
	len = fread(text, 1, 65535, f);
	fclose(f);
	text[len] = 0;
	for (line = strtok(text, "\n"); line && n < 512; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '=');

		if (line[0] == '#' || !eq)
			continue;
		*eq = 0;
		ent[n].key = line;
		ent[n].value = eq + 1;
		n++;
	}
	vi.entries = ent;
	vi.nentries = n;
	*store = text;
	return &vi;
}

struct tsym {
	uint64_t addr;
	char type;
	char name[520];
};

static size_t load_truth(const char *path, struct tsym **out)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n = 0, cap = 1 << 18;
	struct tsym *t = calloc(cap, sizeof(*t));

	if (!f || !t)
		return 0;
	while (fgets(line, sizeof(line), f) && n < cap) {
		if (strchr(line, '['))
			continue; /* module, bpf, ftrace symbols: not in core kallsyms */
		if (sscanf(line, "%" SCNx64 " %c %519s", &t[n].addr, &t[n].type, t[n].name) == 3)
			n++;
	}
	fclose(f);
	*out = t;
	return n;
}

static void compare(const char *what, const struct ic_kallsyms *k, const struct tsym *t, size_t nt,
		    bool addrs)
{
	size_t bad_name = 0, bad_type = 0, bad_addr = 0;

	IC_CHECK(k->nsyms == nt, "%s: %zu symbols, truth has %zu", what, k->nsyms, nt);
	for (size_t i = 0; i < k->nsyms && i < nt; i++) {
		if (strcmp(k->syms[i].name, t[i].name)) {
			if (bad_name++ < 5)
				fprintf(stderr, "%s: [%zu] name %s, truth %s\n", what, i, k->syms[i].name,
					t[i].name);
		}
		bad_type += k->syms[i].type != t[i].type;
		if (addrs && k->syms[i].addr != t[i].addr && bad_addr++ < 5)
			fprintf(stderr, "%s: [%zu] %s addr 0x%" PRIx64 ", truth 0x%" PRIx64 "\n", what, i,
				t[i].name, k->syms[i].addr, t[i].addr);
	}
	IC_CHECK(!bad_name, "%s: %zu names differ", what, bad_name);
	IC_CHECK(!bad_type, "%s: %zu types differ", what, bad_type);
	IC_CHECK(!bad_addr, "%s: %zu runtime addresses differ", what, bad_addr);
	fprintf(stderr, "%s: %zu symbols compared\n", what, nt);
}

static void printer(enum ic_log_level lvl, const char *msg, void *arg)
{
	(void)lvl;
	(void)arg;
	fprintf(stderr, "  %s\n", msg);
}

static int run_fixture(const char *fx, const char *img_name, bool lime, const char *expect_layout,
		       uint64_t expect_delta_text)
{
	char p1[4096], p2[4096], p3[4096];
	const char *img_path = ic_test_fixture(fx, img_name, p1, sizeof(p1));
	const char *truth_path = ic_test_fixture(fx, "truth/kallsyms", p2, sizeof(p2));
	const char *vmci_path = ic_test_fixture(fx, "truth/vmcoreinfo.txt", p3, sizeof(p3));
	struct ic_ctx ctx = { .print = printer, .level = IC_LOG_INFO, .threads = 2 };
	struct mapped m = { NULL, 0 };
	struct ic_range r[256];
	uint64_t off[256];
	size_t nr;
	struct ic_image *img = NULL;
	struct ic_findings f;
	struct tsym *truth = NULL;
	size_t nt;
	char layout[64], *vtext = NULL;
	struct ic_vmcoreinfo *vi;

	if (!img_path || !truth_path || !vmci_path)
		return ic_test_no_fixture();
	IC_CHECK(!map_file(img_path, &m), "map %s", img_path);
	nr = lime ? lime_ranges(&m, r, off, 256) : elf_ranges(&m, r, off, 256);
	IC_CHECK(nr > 0, "%s: no ranges", img_path);
	IC_CHECK(!ic_image__open_mem(&ctx, img_path, m.p, m.len, r, off, nr, &img), "open_mem");
	nt = load_truth(truth_path, &truth);
	IC_CHECK(nt > 1000, "truth %s: %zu symbols", truth_path, nt);

	/* 1. Structural path only (the scan's VMCOREINFO slot is empty here). */
	IC_CHECK(!ic_scan(&ctx, img, &f), "scan");
	IC_CHECK(f.kallsyms != NULL, "%s: kallsyms not found", fx);
	if (f.kallsyms) {
		const struct ic_kallsyms *k = f.kallsyms;

		snprintf(layout, sizeof(layout), "%s %s %s%s", ic_kallsyms__era_name(k->era),
			 ic_kallsyms__addr_enc_name(k->addr_enc), ic_kallsyms__len_enc_name(k->len_enc),
			 k->seqs_size ? " seqs" : "");
		IC_CHECK(!strcmp(layout, expect_layout), "%s: layout %s, expected %s", fx, layout,
			 expect_layout);
		IC_CHECK(k->have_delta && !k->addr_is_phys, "%s: virtual base not derived", fx);
		compare(fx, k, truth, nt, true);
		if (k->have_delta) {
			long it = ic_kallsyms__find(k, "_text");

			IC_CHECK(it >= 0 && k->syms[it].addr - k->virt_delta == expect_delta_text,
				 "%s: phys(_text) 0x%" PRIx64 ", iomem says 0x%" PRIx64, fx,
				 k->syms[it].addr - k->virt_delta, expect_delta_text);
		}
		fprintf(stderr, "%s: structural: %s, delta from %s\n", fx, layout,
			k->delta_source ? k->delta_source : "-");
	}

	/* 2. With VMCOREINFO: the SYMBOL(kallsyms_*) must name exactly the tables we found. */
	vi = load_vmci(vmci_path, &vtext);
	IC_CHECK(vi && vi->nentries > 10, "vmcoreinfo %s", vmci_path);
	if (f.kallsyms && vi) {
		struct ic_kallsyms *k2 = NULL;
		uint64_t v;

		IC_CHECK(!ic_kallsyms__decode(&ctx, img, f.kallsyms->anchor, vi, &k2), "decode with vi");
		if (k2) {
			IC_CHECK(k2->vmcoreinfo_agrees, "%s: VMCOREINFO disagrees", fx);
			IC_CHECK(k2->virt_delta == f.kallsyms->virt_delta,
				 "%s: delta vmcoreinfo 0x%" PRIx64 " vs structural 0x%" PRIx64, fx,
				 k2->virt_delta, f.kallsyms->virt_delta);
			compare(fx, k2, truth, nt, true);
			for (size_t i = 0; i < vi->nentries; i++)
				if (!strcmp(vi->entries[i].key, "SYMBOL(kallsyms_token_table)")) {
					v = strtoull(vi->entries[i].value, NULL, 16);
					IC_CHECK(k2->tables[IC_KTAB_TOKEN_TABLE].virt == v,
						 "token_table virt 0x%" PRIx64 " vs 0x%" PRIx64,
						 k2->tables[IC_KTAB_TOKEN_TABLE].virt, v);
				}
			ic_kallsyms__free(k2);
		}
	}
	ic_findings__release(&f);
	ic_image__free(img);
	munmap((void *)m.p, m.len);
	free(truth);
	free(vtext);
	return 0;
}

int main(void)
{
	int rc;

	rc = run_fixture("fx-deb12-6.1", "mem.lime", true, "E2 abs-percpu short seqs", 0xa600000);
	if (rc)
		return rc;
	rc = run_fixture("fx-forky-7.2", "mem.elf", false, "E4 place-relative uleb128 seqs", 0xa200000);
	if (rc)
		return rc;
	return IC_TEST_DONE();
}
