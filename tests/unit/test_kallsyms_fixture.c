/* SPDX-License-Identifier: MIT */
/* kallsyms carver on the real fixtures (LiME 6.1 seqs backport, ELF 7.2 x86-64 and arm64) vs truth. */
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
#include "0-base/reader.h"

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

/* System.map address of name, or 0. */
static uint64_t map_addr(const char *path, const char *name)
{
	FILE *f = fopen(path, "r");
	char line[1024], nm[520], ty;
	uint64_t a, r = 0;

	if (!f)
		return 0;
	while (!r && fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNx64 " %c %519s", &a, &ty, nm) == 3 && !strcmp(nm, name))
			r = a;
	fclose(f);
	return r;
}

/* truth/slide.txt "kaslr_virtual_slide=0x..." */
static uint64_t read_slide(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	uint64_t v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "kaslr_virtual_slide=", 20))
			v = strtoull(line + 20, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

static void check_layout(const char *fx, const struct ic_kallsyms *k, const char *expect)
{
	char layout[64];

	snprintf(layout, sizeof(layout), "%s %s %s%s", ic_kallsyms__era_name(k->era),
		 ic_kallsyms__addr_enc_name(k->addr_enc), ic_kallsyms__len_enc_name(k->len_enc),
		 k->seqs_size ? " seqs" : "");
	IC_CHECK(!strcmp(layout, expect), "%s: layout %s, expected %s", fx, layout, expect);
}

static int run_fixture(const char *fx, const char *img_name, bool lime, const char *expect_layout,
		       uint64_t phys_text)
{
	char p1[4096], p2[4096], p3[4096], p4[4096];
	const char *img_path = ic_test_fixture(fx, img_name, p1, sizeof(p1));
	const char *truth_path = ic_test_fixture(fx, "truth/kallsyms", p2, sizeof(p2));
	const char *map_path = ic_test_fixture(fx, "System.map", p3, sizeof(p3));
	const char *slide_path = ic_test_fixture(fx, "truth/slide.txt", p4, sizeof(p4));
	struct ic_ctx ctx = { .print = printer, .level = IC_LOG_INFO, .threads = 2 };
	struct mapped m = { NULL, 0 };
	struct ic_range r[256];
	uint64_t off[256], slide;
	size_t nr, nt;
	struct ic_image *img = NULL, *mimg = NULL;
	struct ic_findings f, mf;
	struct tsym *truth = NULL;
	const struct ic_kallsyms *k;

	if (!img_path || !truth_path || !map_path || !slide_path)
		return ic_test_no_fixture();
	nt = load_truth(truth_path, &truth);
	IC_CHECK(nt > 1000, "truth %s: %zu symbols", truth_path, nt);
	slide = read_slide(slide_path);

	/* 1. The real pipeline: container reader, VMCOREINFO carver, kallsyms carver. */
	IC_CHECK(!ic_image__open(&ctx, img_path, &img), "open %s", img_path);
	if (!img)
		return 1;
	IC_CHECK(!ic_scan(&ctx, img, &f), "scan");
	k = f.kallsyms;
	IC_CHECK(k != NULL, "%s: kallsyms not found", fx);
	if (k) {
		struct ic_ksym ts[IC_KTAB__COUNT];
		size_t n = ic_kallsyms__table_syms(k, ts);

		check_layout(fx, k, expect_layout);
		IC_CHECK(f.vmcoreinfo && k->vmcoreinfo_agrees, "%s: VMCOREINFO does not agree", fx);
		IC_CHECK(k->have_delta && !strcmp(k->delta_source, "vmcoreinfo"), "%s: delta source", fx);
		compare(fx, k, truth, nt, true);
		/* the table symbols kallsyms never lists, at their System.map (link-time) addresses */
		IC_CHECK(n == (k->tables[IC_KTAB_RELATIVE_BASE].name ? 8u : 7u), "%s: %zu table symbols", fx, n);
		for (size_t i = 0; i < n; i++) {
			uint64_t want = map_addr(map_path, ts[i].name);

			IC_CHECK(want && ts[i].addr - slide == want,
				 "%s: %s runtime 0x%" PRIx64 " - slide 0x%" PRIx64 " != System.map 0x%" PRIx64,
				 fx, ts[i].name, ts[i].addr, slide, want);
		}
		{
			long it = ic_kallsyms__find(k, "_text");

			IC_CHECK(it >= 0 && k->syms[it].addr - k->virt_delta == phys_text,
				 "%s: phys(_text) 0x%" PRIx64 ", iomem 'Kernel code' 0x%" PRIx64, fx,
				 k->syms[it].addr - k->virt_delta, phys_text);
		}
	}

	/* 2. Structural evidence only (no VMCOREINFO): same tables, same virtual base. */
	if (k) {
		struct ic_kallsyms *k2 = NULL;

		IC_CHECK(!ic_kallsyms__decode(&ctx, img, k->anchor, NULL, &k2), "%s: structural decode", fx);
		if (k2) {
			check_layout(fx, k2, expect_layout);
			IC_CHECK(k2->have_delta && k2->virt_delta == k->virt_delta,
				 "%s: structural delta 0x%" PRIx64 " (%s) vs VMCOREINFO 0x%" PRIx64, fx,
				 k2->virt_delta, k2->delta_source ? k2->delta_source : "-", k->virt_delta);
			compare(fx, k2, truth, nt, true);
			fprintf(stderr, "%s: structural virtual base from %s\n", fx,
				k2->delta_source ? k2->delta_source : "-");
			ic_kallsyms__free(k2);
		}
	}

	/* 3. The same memory through ic_image__open_mem() (ranges over the mapped container). */
	IC_CHECK(!map_file(img_path, &m), "map %s", img_path);
	nr = m.p ? (lime ? lime_ranges(&m, r, off, 256) : elf_ranges(&m, r, off, 256)) : 0;
	IC_CHECK(nr > 0, "%s: no ranges", img_path);
	if (nr && !ic_image__open_mem(&ctx, img_path, m.p, m.len, r, off, nr, &mimg)) {
		IC_CHECK(!ic_scan(&ctx, mimg, &mf), "scan mem");
		IC_CHECK(mf.kallsyms && k && mf.kallsyms->tables[IC_KTAB_NAMES].phys ==
						 k->tables[IC_KTAB_NAMES].phys,
			 "%s: open_mem image gives other tables", fx);
		ic_findings__release(&mf);
		ic_image__free(mimg);
	}
	ic_findings__release(&f);
	ic_image__free(img);
	if (m.p)
		munmap((void *)m.p, m.len);
	free(truth);
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
	rc = run_fixture("fx-arm64-forky-7.2", "mem.elf", false, "E4 place-relative uleb128 seqs",
			 0x40200000);
	if (rc)
		return rc;
	return IC_TEST_DONE();
}
