/* SPDX-License-Identifier: MIT */
/* Fuzz target: the same-kernel check (ic_same_kernel__check) over crafted banner/BTF/kallsyms/VMCOREINFO findings. */
#include "fuzz_solver_common.h"
#include "isfcarve/same_kernel.h"
#include "../carvers/kernel_pa.h"

/*
 * Input: fuzz_solver_common.h. The check reads only the findings, so the memory is used for
 * one thing: the banner text at banner_phys ("Linux version <release> ..."), from which the
 * release comes, as the banner carver takes it. What the carvers would compute from the other
 * findings is computed here the same way (release = OSRELEASE, banner phys = kallsyms'
 * linux_banner, BTF at __start_BTF or inside the image span, virt - phys delta from
 * linux_banner), so a seed cut from a real fixture is one consistent kernel; the link_text
 * field is not used by the check and holds knobs that flip each of those facts, so mutation
 * reaches every contradiction:
 *
 *   bit 0  flip release_matches_vmcoreinfo      bits 2-5   add to banner releases (1 + n)
 *   bit 1  flip at_kallsyms_banner              bits 6-9   add to BTF distinct (1 + n)
 *   bit 12 flip kallsyms vmcoreinfo_agrees      bits 10-11 BTF evidence: computed, or one of three
 *   bit 13 drop kallsyms' virt - phys delta     bits 16-63 added to the delta
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const evidence_names[] = { "kallsyms __start_BTF", "kallsyms _text.._end",
					      "VMCOREINFO image span" };

/* The release the banner carver would take from the text at phys, or "" (nothing readable). */
static void banner_release(const struct ic_image *img, uint64_t phys, char *rel, size_t n)
{
	static const char prefix[] = "Linux version ";
	char text[14 + IC_UTS_LEN];
	size_t len = 0;

	rel[0] = '\0';
	memset(text, 0, sizeof(text));
	/* read byte by byte: the banner may end at a range end */
	while (len < sizeof(text) - 1 && !ic_image__read(img, phys + len, text + len, 1))
		len++;
	if (len < sizeof(prefix) || memcmp(text, prefix, sizeof(prefix) - 1))
		return;
	for (size_t i = sizeof(prefix) - 1, o = 0; i < len && o + 1 < n; i++, o++) {
		if (text[i] == ' ' || text[i] == '\0')
			break;
		rel[o] = text[i];
		rel[o + 1] = '\0';
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ic_ctx ctx = fzs_ctx();
	const char *osrel;
	uint64_t knobs, pa, lo, hi;
	struct fzs s;

	if (fzs_parse(&ctx, data, size, &s))
		goto out;
	knobs = s.link_text;
	osrel = s.f.vmcoreinfo ? ic_vmcoreinfo__get(s.f.vmcoreinfo, "OSRELEASE") : NULL;
	if (s.ks) {
		long ib = ic_kallsyms__find(s.ks, "linux_banner");

		s.ks->vmcoreinfo_agrees = (s.f.vmcoreinfo &&
					   ic_vmcoreinfo__get(s.f.vmcoreinfo, "SYMBOL(kallsyms_names)")) ^
					  !!(knobs & (1u << 12));
		if (!s.ks->addr_is_phys && ib >= 0 && s.f.banner && !(knobs & (1u << 13))) {
			s.ks->have_delta = true;
			s.ks->virt_delta = s.ks->syms[ib].addr - s.banner.phys + (knobs >> 16);
			s.ks->delta_source = "linux_banner";
		}
	}
	if (s.f.banner) {
		banner_release(s.img, s.banner.phys, s.banner.release, sizeof(s.banner.release));
		s.banner.release_matches_vmcoreinfo = (osrel && !strcmp(osrel, s.banner.release)) ^ (knobs & 1);
		s.banner.at_kallsyms_banner = (!ic_ksym_pa(s.ks, "linux_banner", &pa) && pa == s.banner.phys) ^
					      !!(knobs & 2);
		s.banner.releases = 1 + (unsigned)(knobs >> 2 & 15);
	}
	if (s.f.btf) {
		unsigned ev = (unsigned)(knobs >> 10 & 3);

		if (ev)
			s.btf.evidence = evidence_names[ev - 1];
		else if (!ic_ksym_pa(s.ks, "__start_BTF", &pa) && pa == s.btf.phys)
			s.btf.evidence = evidence_names[0];
		else if (!ic_ksym_image_span(s.ks, &lo, &hi) && s.btf.phys >= lo && s.btf.phys < hi)
			s.btf.evidence = evidence_names[1];
		else if (s.f.vmcoreinfo && !ic_vmcoreinfo__image_span(s.f.vmcoreinfo, &lo, &hi) &&
			 s.btf.phys >= lo && s.btf.phys < hi)
			s.btf.evidence = evidence_names[2];
		s.btf.distinct = 1 + (unsigned)(knobs >> 6 & 15);
	}
	ic_same_kernel__check(&ctx, s.img, &s.f);
	{
		const struct ic_same_kernel *sk = &s.f.same_kernel;
		struct ic_same_kernel first = *sk;

		if (sk->n > IC_SAME_KERNEL_MAX_EVIDENCE || !memchr(sk->problem, 0, sizeof(sk->problem)))
			abort();
		if (sk->mixed != !!sk->problem[0])
			abort();
		for (unsigned i = 0; i < sk->n; i++)
			if (!sk->evidence[i] || !sk->evidence[i][0])
				abort();
		/* a pure function of the findings: a second call gives the same verdict */
		ic_same_kernel__check(&ctx, s.img, &s.f);
		if (first.mixed != sk->mixed || first.n != sk->n || strcmp(first.problem, sk->problem))
			abort();
	}
out:
	fzs_free(&s);
	return 0;
}
