/* SPDX-License-Identifier: MIT */
/* isfcarve command line: options, exit codes, message helpers and the mode entry points. */
#ifndef ISFCARVE_CLI_H
#define ISFCARVE_CLI_H

#include <stdbool.h>
#include <sys/types.h>

#include "isfcarve/isfcarve.h"

/* Documented exit codes (docs/cli.md). main() never returns anything else. */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_INPUT = 2,      /* input unreadable, unsupported or invalid */
	EXIT_INCOMPLETE = 3, /* profile written (--allow-partial) but something is missing */
	EXIT_INTERNAL = 4,
};

/* Options common to every subcommand. */
struct cli_common {
	int verbose; /* -v count */
	bool quiet;  /* -q */
};

/* Everything the profile modes take; later modes (IMAGE) reuse it. */
struct cli_opts {
	struct cli_common common;
	const char *output;      /* -o OUT; "-" = stdout */
	const char *btf;         /* --btf FILE: ELF vmlinux or raw BTF (by magic) */
	const char *map;         /* --map FILE: System.map */
	const char *dwarf;       /* --dwarf FILE: debug vmlinux, types from its DWARF (not with --btf) */
	const char *banner;      /* --banner STR as typed (NULL = read linux_banner) */
	bool live;               /* --live, or no input at all */
	const char *live_root;   /* --live-root DIR / $IC_LIVE_ROOT (tests): prefix of live paths */
	const char *image;       /* positional IMAGE: raw-image mode */
	const char *image_format; /* $IC_IMAGE_FORMAT (tests): IMAGE mode's format, e.g. kcore-live */
	const char *report;      /* --report FILE (IMAGE mode) */
	bool allow_partial;      /* --allow-partial (IMAGE mode) */
	bool withhold_data_syms; /* --withhold-data-syms (tests: kallsyms as without KALLSYMS_ALL) */
	bool live_memory_bpf;    /* IC_LIVE_MEMORY=bpf (tests): live recovery reads through BPF */
	unsigned threads;        /* --threads N; 0 = online CPUs */
	bool force;              /* --force: overwrite an existing OUT; rebuild a symbols-dir profile */
	const char *symbols_dir; /* --symbols-dir DIR (IMAGE mode): publish to DIR/linux/<name> */
	const char *btf_dir;     /* --btf-dir DIR (IMAGE mode): BTFHub tree, file of the banner's release */
	bool withhold_btf;       /* --withhold-btf (tests: the image's BTF as if absent) */
};

/* Map a library error to an exit code. */
int cli_exit_for(int err);
/* The one error line for the option getopt_long() just refused (its return value c: ':' a
 * missing argument, else '?'), with the shortopts and longopts it was given (shortopts led by
 * ':', opterr 0): "CMD: unknown option '-x' (see CMD --help)", "option '--force' takes no
 * argument ('--force=1')", "ambiguous option '--t' (--timeout, --threads)", "option '-j' needs
 * an argument"; cmd NULL for the profile modes. Returns EXIT_USAGE. */
struct option;
int cli_option_error(const char *cmd, int c, char *const *argv, const char *shortopts,
		     const struct option *longopts);
/* Library message printer: "isfcarve: warning: ..." on stderr, honouring -v/-q. The latest
 * warning is held back so that cli_fail() can use it as the one-line error. */
void cli_print(enum ic_log_level lvl, const char *msg, void *arg);
/* Print a held-back warning now (call before a step whose failure must not reuse it). */
void cli_flush(void);
/* Process-wide malloc settings (memtune.c). Call once, first thing in main(). */
void cli_tune_memory(void);
/* Populate 64 MiB of heap on a background thread (memtune.c): for the modes that read an image.
 * bench/decode_floor.c calls both too. */
void cli_populate_heap(void);
/* Run the rest of this process as a worker under a supervisor that removes the worker's
 * unfinished files when SIGINT/SIGTERM/SIGHUP stop the run (supervise.c). Returns in the
 * worker (or unsupervised, when it cannot fork); the supervisor never returns. */
int cli_supervise(void);
/* SIGBUS (an input file truncated while mapped) as an input error: exit 2 with one line, not a
 * crash. Under a supervisor the worker hands the fault to it (which names the file and offset
 * and removes unfinished files); unsupervised it says so itself. cli_supervise() installs it;
 * main() for the commands that run without one. */
void cli_catch_sigbus(pid_t supervisor);
/* Fill a context from the common options. */
void cli_ctx_init(struct ic_ctx *ctx, const struct cli_common *c);
/* "isfcarve: error: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library call failed with err: print one error line -- the library's own message (it names
 * the file and offset/line) if it logged one, else fmt -- and return the exit code for err. */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse the profile-mode command line (argv[0] is the program or "profile").
 * Returns -1 when parsing succeeded, else the exit code to return (0 after --help/--version). */
int cli_parse_opts(int argc, char **argv, struct cli_opts *o);
/* -o OUT must not be an input (image, --btf, --map, --report) nor an existing non-regular file.
 * -1 when fine, else the exit code (EXIT_USAGE) after printing the error (src/cli/out_guard.c). */
int cli_check_output_target(const struct cli_opts *o);
/* OUT is a name vol.py finds (*.json, *.json.gz, *.json.xz) or "-". */
bool cli_output_name_ok(const char *out);
/* -o OUT as a file, before any input is read (exit 1 on a mistake): cli_check_output_target(),
 * not a directory, an existing OUT replaced only with --force, its directory exists and is
 * writable. -1 when fine (also for no OUT or "-"), else the exit code after the error line. */
int cli_check_output_file(const struct cli_opts *o);
/* A profile's -o OUT: a name vol.py finds (else --force), then cli_check_output_file(). */
int cli_check_output(const struct cli_opts *o);
/* --symbols-dir DIR before the scan: DIR/linux, or the nearest part of it that exists, is a
 * writable directory. -1 when fine (or no DIR), else the exit code after the error line. */
int cli_check_symbols_dir(const struct cli_opts *o);
/* --report FILE before any input is read (exit 1): not an input, not OUT (even one that does not
 * exist yet), not a non-file, in a writable directory; `--report -` not with `-o -`. */
int cli_check_report(const struct cli_opts *o);

struct ic_blob;
struct ic_symtab;
struct ic_vmlinux;
/* --map FILE (System.map or kallsyms text): *blob holds the text (ic_blob__release), *syms a new
 * table (ic_symtab__free). -1 when fine, else the exit code after the one error line. */
int cli_load_map(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		 struct ic_symtab **syms);
/* --btf FILE: an ELF vmlinux's .BTF (*vm set; ic_vmlinux__free) or raw BTF (*vm stays NULL);
 * *data and *len point into *blob or *vm. -1 when fine, else the exit code after the error line. */
int cli_load_btf(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		 struct ic_vmlinux **vm, const uint8_t **data, size_t *len);
/* The same, and BTFHub's <release>.btf.tar.xz too (unpacked into *blob); release (cap bytes)
 * gets the release its name claims ("" when none: see ic_extbtf__release_of). */
int cli_load_btf_ex(struct ic_ctx *ctx, const char *path, struct ic_blob *blob,
		    struct ic_vmlinux **vm, const uint8_t **data, size_t *len, char *release,
		    size_t cap);

/* --dwarf FILE: the debug vmlinux's DWARF converted to raw BTF (*btf, malloc'd: free()), and the
 * file as a vmlinux (*blob, *vm) to read linux_banner from. With banner non-NULL, *banner is the
 * linux_banner the DWARF places (pointing into *vm), NULL when unreadable. -1 when fine, else the
 * exit code after the error line. */
int cli_load_dwarf(struct ic_ctx *ctx, const char *path, uint8_t **btf, size_t *len,
		   struct ic_blob *blob, struct ic_vmlinux **vm, const uint8_t **banner,
		   size_t *banner_len);

/* Subcommands: argv[0] is the subcommand name (or "isfcarve" for the default profile mode). */
int cmd_profile(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_extract(int argc, char **argv); /* cmd_extract.c (needs libbpf) */

/* Modes of cmd_profile. */
int cli_profile_files(const struct cli_opts *o); /* --btf/--map (cmd_profile.c) */
int cli_profile_live(const struct cli_opts *o);  /* --live (cmd_profile.c) */
int cli_profile_image(const struct cli_opts *o); /* IMAGE (cmd_image.c) */

#endif
