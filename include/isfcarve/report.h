/* SPDX-License-Identifier: MIT */
/* Findings -> JSON: the object `isfcarve scan --json` prints and `isfcarve IMAGE --report FILE` writes. */
#ifndef ISFCARVE_REPORT_H
#define ISFCARVE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "isfcarve/carver.h"

/*
 * Shape (extra keys may be added; addresses are "0x..." strings, counts numbers, absent = null):
 *   {"image": {"path", "format", "ranges", "bytes", "file_size"},
 *    "banner": {"text", "phys", "copies", ...} | null,
 *    "btf": {"phys", "size", "sha256", "types", "candidates", ...} | null,
 *    "vmcoreinfo": {"phys", "osrelease", "kerneloffset", "entries", ...} | null,
 *    "kallsyms": ... | null, "kaslr": ... | null,
 *    "status": {"<carver>": "found" | "not found" | "<error>"}}
 * The kallsyms and kaslr values are written by their owners' functions once those exist
 * (report.c: one call each, marked); until then they are null.
 * indent 0 = compact. Returns 0 or a negative error from writing.
 */
IC_API int ic_report__write_json(const struct ic_image *img, const struct ic_findings *f, FILE *out,
				 unsigned indent);

/*
 * The image pipeline's outcome, appended to the report by ic_report__write_json_ex() as
 *   "kernel":  {"release": "<as in the banner>", "banner": "<linux_banner text>"} | null,
 *   "profile": {"path", "name", "reused": bool, "partial": bool} | null,
 *   "missing": "<what is missing; what to supply>" | null
 * (docs/workflow.md section 3: what isfcarve batch reads). Start with sz = sizeof(...).
 */
struct ic_report_result {
	size_t sz;
	const uint8_t *banner;     /* exact linux_banner bytes; NULL = "kernel": null */
	size_t banner_len;
	const char *profile_path;  /* NULL = "profile": null (nothing written or reused) */
	const char *profile_name;  /* file name part; NULL = basename of profile_path */
	bool reused;
	bool partial;              /* the profile is incomplete (--allow-partial, never published) */
	const char *missing;       /* ic_profile.missing when incomplete; NULL/"" = "missing": null */
};
IC_API int ic_report__write_json_ex(const struct ic_image *img, const struct ic_findings *f,
				    const struct ic_report_result *r, FILE *out, unsigned indent);

#endif
