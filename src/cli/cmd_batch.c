/* SPDX-License-Identifier: MIT */
/* isfcarve batch: profile many images, N child processes at a time, one result line per image. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <linux/limits.h> /* PATH_MAX (<limits.h> resolves to src/0-base/ic_limits.h in this tree) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "0-base/internal.h"
#include "0-base/json.h"
#include "0-base/ic_limits.h"

/*
 * Each image is profiled by a child process: fork + exec of this very binary in IMAGE mode
 * (`isfcarve IMAGE --symbols-dir DIR --report FILE [--threads T] [--force]
 * [--allow-partial -o PDIR/NAME]`), so a crash, hang or leak in one
 * image never touches the batch or the other images. The child contract (options passed, report
 * keys read) is written down in docs/workflow.md. Test hook: IC_BATCH_CHILD=PROGRAM replaces
 * the child binary (tests emulate success, failure and crashes with a shell script).
 */

/* --timeout: seconds between SIGTERM (the child cleans up) and SIGKILL. */
#define BATCH_KILL_GRACE_S 10.0

enum job_status { ST_OK, ST_INCOMPLETE, ST_FAILED, ST_CRASHED, ST_TIMEOUT };
static const char *const status_name[] = { "ok", "incomplete", "failed", "crashed", "timeout" };

struct job {
	const char *image;
	pid_t pid;
	struct timespec start;
	bool killed; /* by our --timeout */
	struct timespec killed_at; /* when --timeout sent SIGTERM (SIGKILL follows if need be) */
	bool hard; /* SIGKILL sent */
};

struct batch {
	char **images;
	size_t n, cap;
	const char *symdir;
	const char *child;
	const char *threads; /* passed on as --threads N, NULL = the child's default */
	const char *partial_dir; /* --allow-partial: where partial profiles are kept (not in symdir) */
	char partial_buf[PATH_MAX];
	bool json, force, quiet, allow_partial;
	unsigned jobs;
	double timeout; /* seconds, 0 = none */
	char workdir[PATH_MAX];
	struct ic_json *jw;
	/* summary */
	size_t cnt[5], reused, skipped; /* skipped: never started (stopped by a signal) */
	size_t partial; /* incomplete images whose partial profile was kept */
	int worst; /* exit code of the batch so far */
	sigset_t child_mask; /* the signal mask batch was started with: its children's */
	sigset_t waitset; /* what run() waits for: SIGCHLD and the stop signals */
	sigset_t stopset; /* the stop signals alone (those not ignored at the start) */
};

/* The signals that stop batch (and that it passes on to its children). */
static const int batch_stop_sigs[] = { SIGTERM, SIGINT, SIGHUP };

static double elapsed(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static int add_image(struct batch *b, const char *path)
{
	if (b->n >= IC_MAX_BATCH_IMAGES) {
		cli_error("batch: more than %u images (IC_MAX_BATCH_IMAGES)", IC_MAX_BATCH_IMAGES);
		return -IC_ELIMIT;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **v = realloc(b->images, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		b->images = v;
		b->cap = cap;
	}
	b->images[b->n] = strdup(path);
	if (!b->images[b->n])
		return -ENOMEM;
	b->n++;
	return 0;
}

/* One path per line; empty lines and lines starting with '#' are skipped; CR LF tolerated. */
static int read_list(struct batch *b, const char *name)
{
	FILE *f = strcmp(name, "-") ? fopen(name, "re") : stdin;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int err = 0;

	if (!f) {
		err = -errno;
		cli_error("%s: cannot open list: %s", name, strerror(-err));
		return err;
	}
	errno = 0;
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		if ((size_t)len >= PATH_MAX || strlen(line) != (size_t)len) {
			cli_error("%s:%zu: not a path (too long or contains NUL)", name, lineno);
			err = -IC_EFORMAT;
			break;
		}
		err = add_image(b, line);
	}
	if (!err && ferror(f)) {
		/* getline's errno: a directory (EISDIR) is bad input like a missing file, exit 2. */
		err = errno ? -errno : -EIO;
		cli_error("%s: cannot read list: %s", name, strerror(-err));
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return err;
}

static void job_file(const struct batch *b, size_t idx, const char *what, char *out, size_t sz)
{
	snprintf(out, sz, "%s/%zu.%s", b->workdir, idx, what);
}

/*
 * --allow-partial: the child's -o OUT, PDIR/<image file name>-<8 hex>.json.xz. The hex is
 * sha256 of the path as given, so images of the same name in different directories do not
 * collide and a rerun of the same list replaces its own files. The name part is sanitised like
 * a symbols-directory release (docs/workflow.md section 1) and cut at 64 bytes.
 */
static void partial_file(const struct batch *b, size_t idx, char *out, size_t sz)
{
	const char *path = b->images[idx], *base = strrchr(path, '/');
	uint8_t h[32];
	char hex[65], name[65];
	size_t n = 0;

	base = base && base[1] ? base + 1 : path;
	for (; base[n] && n < sizeof(name) - 1; n++) {
		char c = base[n];
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '+' || c == '-';

		name[n] = keep && !(n == 0 && c == '.') ? c : '_';
	}
	name[n] = '\0';
	ic_sha256(path, strlen(path), h);
	ic_hex(h, 4, hex);
	snprintf(out, sz, "%s/%s-%s.json.xz", b->partial_dir, name, hex);
}

/* The IMAGE argument of image idx's child: "scan", "index" or "-x" as a file name must reach
 * the child as an image, not as a subcommand or an option. */
static const char *child_image(const struct batch *b, size_t idx, char *buf, size_t sz)
{
	const char *path = b->images[idx];

	if (path[0] == '-' || !strchr(path, '/')) {
		snprintf(buf, sz, "./%s", path);
		return buf;
	}
	return path;
}

static pid_t spawn(struct batch *b, size_t idx)
{
	char report[PATH_MAX + 64], log[PATH_MAX + 64], img[PATH_MAX + 2], partial[PATH_MAX + 96];
	const char *argv[16];
	const char *path = b->images[idx];
	unsigned a = 0;
	pid_t pid;

	job_file(b, idx, "report.json", report, sizeof(report));
	job_file(b, idx, "log", log, sizeof(log));
	path = child_image(b, idx, img, sizeof(img));
	argv[a++] = b->child;
	argv[a++] = path;
	argv[a++] = "--symbols-dir";
	argv[a++] = b->symdir;
	argv[a++] = "--report";
	argv[a++] = report;
	if (b->threads) {
		argv[a++] = "--threads";
		argv[a++] = b->threads;
	}
	if (b->force)
		argv[a++] = "--force";
	if (b->allow_partial) {
		/* The child refuses an existing -o OUT without --force (which would also rebuild
		 * symbols-directory profiles): a stale partial profile of this image goes first. */
		partial_file(b, idx, partial, sizeof(partial));
		unlink(partial);
		argv[a++] = "--allow-partial";
		argv[a++] = "-o";
		argv[a++] = partial;
	}
	argv[a] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid; /* parent (or -1) */
	/* Child: stdin from /dev/null, stdout+stderr to the job log (never into our JSON Lines). */
	int in = open("/dev/null", O_RDONLY);
	int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	/* The stop signals are blocked here (run()): one batch forwarded before execv stays
	 * pending and, once unblocked with its default action, ends this child before it starts
	 * the image rather than being lost to a handler that no longer exists after execv. */
	signal(SIGPIPE, SIG_DFL);
	{
		/* batch's own mask, but the stop signals open even if batch was started with
		 * them blocked: else a child without a supervisor (IC_NO_SUPERVISOR, a test's
		 * IC_BATCH_CHILD) would never act on the one batch forwards */
		sigset_t m = b->child_mask;

		for (size_t i = 0; i < sizeof(batch_stop_sigs) / sizeof(batch_stop_sigs[0]); i++)
			if (sigismember(&b->stopset, batch_stop_sigs[i]))
				sigdelset(&m, batch_stop_sigs[i]);
		sigprocmask(SIG_SETMASK, &m, NULL);
	}
	execv(b->child, (char *const *)argv);
	dprintf(2, "isfcarve: error: cannot run %s: %s\n", b->child, strerror(errno));
	_exit(127);
}

/* The child's last "error:" line (else its last non-empty line), trimmed, for the result:
 * without "isfcarve: error: " and the image path the result line already names. */
static void child_error(const struct batch *b, size_t idx, const char *log, char *out, size_t sz)
{
	FILE *f = fopen(log, "re");
	char line[1024], img[PATH_MAX + 2];
	const char *path = child_image(b, idx, img, sizeof(img));
	size_t plen = strlen(path);

	out[0] = '\0';
	if (!f)
		return;
	bool have_err = false;

	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		bool is_err = strstr(line, "error:") != NULL;

		if (is_err || !have_err) {
			/* The result line has its own status word: not "isfcarve: error: " again. */
			const char *msg = line;

			if (!strncmp(msg, "isfcarve: ", 10))
				msg += 10;
			if (!strncmp(msg, "error: ", 7))
				msg += 7;
			else if (!strncmp(msg, "warning: ", 9))
				msg += 9;
			if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2))
				msg += plen + 2;
			snprintf(out, sz, "%s", msg);
			have_err = have_err || is_err;
		}
	}
	fclose(f);
}

struct report_info {
	char release[256];
	char profile[PATH_MAX];
	char missing[512]; /* "missing": what an incomplete profile lacks */
	int reused; /* -1 unknown */
	bool partial; /* profile.partial: the profile is a partial one (-o only) */
	bool valid;
	bool loaded; /* the report parsed as an object */
	bool kernel; /* the scan found a piece of a Linux kernel (banner, BTF, kallsyms, VMCOREINFO) */
};

static void copy_str(json_t *obj, const char *key, char *out, size_t sz)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	if (json_is_string(v))
		snprintf(out, sz, "%s", json_string_value(v));
}

static void read_report(const char *path, struct report_info *ri)
{
	struct stat st;
	json_error_t jerr;
	json_t *root, *kernel, *profile, *reused, *partial;
	static const char *const pieces[] = { "banner", "btf", "kallsyms", "vmcoreinfo" };

	memset(ri, 0, sizeof(*ri));
	ri->reused = -1;
	/* Bounded before parsing: a runaway child must not make us load gigabytes. */
	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > IC_MAX_REPORT_BYTES)
		return;
	root = json_load_file(path, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return;
	}
	ri->loaded = true;
	for (unsigned i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		ri->kernel = ri->kernel || json_is_object(json_object_get(root, pieces[i]));
	copy_str(root, "missing", ri->missing, sizeof(ri->missing));
	kernel = json_object_get(root, "kernel");
	profile = json_object_get(root, "profile");
	copy_str(json_is_object(kernel) ? kernel : NULL, "release", ri->release, sizeof(ri->release));
	copy_str(json_is_object(profile) ? profile : NULL, "path", ri->profile, sizeof(ri->profile));
	reused = json_is_object(profile) ? json_object_get(profile, "reused") : NULL;
	if (json_is_boolean(reused))
		ri->reused = json_is_true(reused);
	partial = json_is_object(profile) ? json_object_get(profile, "partial") : NULL;
	ri->partial = json_is_true(partial);
	ri->valid = ri->profile[0] != '\0';
	json_decref(root);
}

static void finish_job(struct batch *b, size_t idx, const struct job *j, int wstatus)
{
	char report[PATH_MAX + 64], log[PATH_MAX + 64], err[1024] = "", partial[PATH_MAX + 96];
	struct report_info ri;
	enum job_status st;
	int code = -1, sig = 0, rc;
	bool not_linux = false;
	double secs = elapsed(&j->start);

	job_file(b, idx, "report.json", report, sizeof(report));
	job_file(b, idx, "log", log, sizeof(log));
	read_report(report, &ri);
	if (WIFSIGNALED(wstatus)) {
		sig = WTERMSIG(wstatus);
		st = j->killed ? ST_TIMEOUT : ST_CRASHED;
		if (j->killed)
			snprintf(err, sizeof(err), "killed after %.0f s (--timeout)", b->timeout);
		else
			snprintf(err, sizeof(err), "killed by signal %d (%s)", sig, strsignal(sig));
	} else {
		code = WEXITSTATUS(wstatus);
		if (code == EXIT_OK) {
			st = ST_OK;
			if (!ri.valid || ri.partial) {
				/* Success without the promised report breaks the contract: count it failed. */
				st = ST_FAILED;
				snprintf(err, sizeof(err), "exit 0 but no valid report (profile.path missing)");
			}
		} else if (code == EXIT_INCOMPLETE) {
			/* Exit 3 is "incomplete" only when the scan found a kernel at all; an image with
			 * no banner, BTF, kallsyms or VMCOREINFO is not a Linux memory image (failed). */
			st = ST_INCOMPLETE;
			child_error(b, idx, log, err, sizeof(err));
			if (!ri.loaded) {
				st = ST_FAILED;
				snprintf(err, sizeof(err), "exit 3 but no valid report");
			} else if (!ri.kernel) {
				st = ST_FAILED;
				not_linux = true;
				snprintf(err, sizeof(err), "no Linux kernel found (no banner, BTF, "
					 "kallsyms or VMCOREINFO)");
			} else if (!ri.missing[0]) {
				/* A child without the "missing" key: its error line says it. */
				snprintf(ri.missing, sizeof(ri.missing), "%.*s",
					 (int)sizeof(ri.missing) - 1, err[0] ? err : "exit 3");
			}
			if (st == ST_INCOMPLETE && !ri.valid)
				ri.partial = false;
		} else {
			st = ST_FAILED;
			child_error(b, idx, log, err, sizeof(err));
			if (!err[0])
				snprintf(err, sizeof(err), "exit %d", code);
		}
	}
	unlink(report);
	unlink(log);
	/* --allow-partial: a complete profile also went to -o OUT (a copy of the published one),
	 * and a failed child may have left one; only an incomplete image's partial profile stays. */
	if (b->allow_partial) {
		partial_file(b, idx, partial, sizeof(partial));
		if (!(st == ST_INCOMPLETE && ri.partial))
			unlink(partial);
	}
	if (st != ST_INCOMPLETE)
		ri.missing[0] = '\0';
	if (st == ST_INCOMPLETE && !ri.partial)
		ri.profile[0] = '\0'; /* nothing was written (no --allow-partial) */

	b->cnt[st]++;
	if (st == ST_INCOMPLETE && ri.partial)
		b->partial++;
	if (st == ST_OK && ri.reused == 1)
		b->reused++;
	/* Batch exit: 4 if any crash/timeout/internal, else 2 if any input/usage failure, else 3 if
	 * any incomplete, else 0. */
	rc = st == ST_OK ? EXIT_OK : st == ST_INCOMPLETE ? EXIT_INCOMPLETE
		: st == ST_FAILED && (code == EXIT_USAGE || code == EXIT_INPUT || not_linux) ? EXIT_INPUT
		: EXIT_INTERNAL;
	if (rc == EXIT_INTERNAL || (rc == EXIT_INPUT && b->worst != EXIT_INTERNAL) ||
	    (rc == EXIT_INCOMPLETE && b->worst == EXIT_OK))
		b->worst = rc;

	if (b->json) {
		char num[64];
		struct ic_json *w = b->jw;
		bool have_profile = ri.profile[0] && st <= ST_INCOMPLETE;

		ic_json_init(w, ic_sink_file, stdout, 0);
		ic_json_obj_begin(w);
		ic_json_kv_str(w, "path", b->images[idx]);
		ic_json_kv_str(w, "status", status_name[st]);
		ic_json_key(w, "exit");
		code >= 0 ? ic_json_u64(w, (uint64_t)code) : ic_json_null(w);
		ic_json_key(w, "signal");
		sig ? ic_json_u64(w, (uint64_t)sig) : ic_json_null(w);
		ic_json_kv_str(w, "release", ri.release[0] ? ri.release : NULL);
		ic_json_kv_str(w, "profile", have_profile ? ri.profile : NULL);
		ic_json_key(w, "reused");
		have_profile && ri.reused >= 0 ? ic_json_bool(w, ri.reused) : ic_json_null(w);
		ic_json_key(w, "partial");
		have_profile ? ic_json_bool(w, ri.partial) : ic_json_null(w);
		ic_json_kv_str(w, "missing", ri.missing[0] ? ri.missing : NULL);
		ic_json_key(w, "seconds");
		snprintf(num, sizeof(num), "%.3f", secs);
		ic_json_raw(w, num, strlen(num));
		ic_json_kv_str(w, "error", err[0] ? err : NULL);
		ic_json_obj_end(w);
		ic_json_finish(w);
		fputc('\n', stdout);
	} else if (st == ST_OK) {
		printf("%-10s %s -> %s [%s]%s %.1fs\n", status_name[st], b->images[idx], ri.profile,
		       ri.release[0] ? ri.release : "?", ri.reused == 1 ? " reused" : "", secs);
	} else if (st == ST_INCOMPLETE) {
		printf("%-10s %s [%s]: missing: %s; %s%s %.1fs\n", status_name[st], b->images[idx],
		       ri.release[0] ? ri.release : "?", ri.missing,
		       ri.profile[0] ? "partial profile -> " : "no profile written",
		       ri.profile, secs);
	} else {
		printf("%-10s %s: %s %.1fs\n", status_name[st], b->images[idx], err, secs);
	}
	fflush(stdout);
}

static void summary(struct batch *b, double secs)
{
	if (b->json) {
		char num[64];
		struct ic_json *w = b->jw;
		static const char *const keys[] = { "ok", "incomplete", "failed", "crashed", "timeout" };

		ic_json_init(w, ic_sink_file, stdout, 0);
		ic_json_obj_begin(w);
		ic_json_key(w, "summary");
		ic_json_obj_begin(w);
		ic_json_kv_u64(w, "images", b->n);
		for (unsigned i = 0; i < 5; i++)
			ic_json_kv_u64(w, keys[i], b->cnt[i]);
		ic_json_kv_u64(w, "reused", b->reused);
		ic_json_kv_u64(w, "partial", b->partial);
		ic_json_kv_u64(w, "skipped", b->skipped);
		ic_json_key(w, "seconds");
		snprintf(num, sizeof(num), "%.3f", secs);
		ic_json_raw(w, num, strlen(num));
		ic_json_kv_u64(w, "exit", (uint64_t)b->worst);
		ic_json_obj_end(w);
		ic_json_obj_end(w);
		ic_json_finish(w);
		fputc('\n', stdout);
	} else if (!b->quiet) {
		printf("batch: %zu images: %zu ok (%zu reused), %zu incomplete (%zu partial), %zu failed, "
		       "%zu crashed, %zu timed out in %.1fs\n", b->n, b->cnt[ST_OK], b->reused,
		       b->cnt[ST_INCOMPLETE], b->partial, b->cnt[ST_FAILED], b->cnt[ST_CRASHED],
		       b->cnt[ST_TIMEOUT], secs);
	}
	fflush(stdout);
}

/*
 * SIGINT/SIGTERM/SIGHUP to batch (Ctrl-C, scancel, a dropped session): stop starting images,
 * pass the signal on to our running children, report them, clean up. The signals (and
 * SIGCHLD) stay blocked for the whole run and are taken with sigtimedwait(), so none can slip
 * in between a check and a wait, and no handler or global is needed. A stop signal batch was
 * started with ignored (nohup's SIGHUP) stays ignored. SIGCHLD is set to its default: one
 * inherited as ignored would have the kernel reap our children unseen.
 */
static void block_signals(struct batch *b, sigset_t *waitset)
{
	struct sigaction sa;

	sigemptyset(&b->stopset);
	for (size_t i = 0; i < sizeof(batch_stop_sigs) / sizeof(batch_stop_sigs[0]); i++)
		if (!sigaction(batch_stop_sigs[i], NULL, &sa) && sa.sa_handler != SIG_IGN)
			sigaddset(&b->stopset, batch_stop_sigs[i]);
	*waitset = b->stopset;
	sigaddset(waitset, SIGCHLD);
	signal(SIGCHLD, SIG_DFL);
	/* A reader that goes away (`batch --json | head -1`) is a stop, not a silent death that
	 * leaves the children running and the work directory behind: see out_closed(). */
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, waitset, &b->child_mask);
}

/* Our standard output can no longer be written (EPIPE: the reader is gone; or a full disk). */
static bool out_closed(void)
{
	return ferror(stdout) != 0;
}

/* A stop signal already pending (taken now, not at the next wait): 0 if none. */
static int pending_stop(const struct batch *b)
{
	static const struct timespec now = { 0, 0 };
	siginfo_t si;
	int sig = sigtimedwait(&b->stopset, &si, &now);

	return sig > 0 ? sig : 0;
}

/* What a stop for a closed output passes on: the first stop signal the children take. */
static int forward_sig(const struct batch *b)
{
	for (size_t i = 0; i < sizeof(batch_stop_sigs) / sizeof(batch_stop_sigs[0]); i++)
		if (sigismember(&b->stopset, batch_stop_sigs[i]))
			return batch_stop_sigs[i];
	return SIGTERM;
}

/* Reap every child that has ended; false on a wait error other than "none ended yet". */
static bool reap(struct batch *b, struct job *run, const size_t *slot_idx, size_t *active)
{
	for (;;) {
		int wst;
		pid_t pid = waitpid(-1, &wst, WNOHANG);

		if (pid == 0)
			return true;
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			/* ECHILD with jobs still counted active: they were reaped behind our back. */
			return errno == ECHILD && !*active;
		}
		for (unsigned s = 0; s < b->jobs; s++)
			if (run[s].pid == pid) {
				finish_job(b, slot_idx[s], &run[s], wst);
				run[s].pid = 0;
				(*active)--;
				break;
			}
	}
}

/* --timeout: SIGTERM our own overdue children by pid (the child's supervisor removes its
 * unfinished files, src/cli/supervise.c), and SIGKILL one that is still there
 * BATCH_KILL_GRACE_S later. */
static void kill_overdue(const struct batch *b, struct job *run)
{
	for (unsigned s = 0; s < b->jobs; s++) {
		if (run[s].pid <= 0)
			continue;
		if (!run[s].killed && elapsed(&run[s].start) > b->timeout) {
			kill(run[s].pid, SIGTERM);
			run[s].killed = true;
			clock_gettime(CLOCK_MONOTONIC, &run[s].killed_at);
		} else if (run[s].killed && !run[s].hard &&
			   elapsed(&run[s].killed_at) > BATCH_KILL_GRACE_S) {
			kill(run[s].pid, SIGKILL);
			run[s].hard = true;
		}
	}
}

static int run(struct batch *b)
{
	struct job *run = calloc(b->jobs, sizeof(*run));
	struct timespec t0;
	size_t next = 0, active = 0;
	size_t *slot_idx = calloc(b->jobs, sizeof(*slot_idx));
	sigset_t waitset;
	int stop = 0; /* the stop signal taken, or SIGPIPE when our output was closed */
	int err = 0;
	bool forwarded = false;

	if (!run || !slot_idx) {
		free(run);
		free(slot_idx);
		return -ENOMEM;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	waitset = b->waitset;
	while ((next < b->n && !stop) || active) {
		if (stop && !forwarded) {
			for (unsigned s = 0; s < b->jobs; s++)
				if (run[s].pid > 0)
					kill(run[s].pid, stop == SIGPIPE ? forward_sig(b) : stop);
			forwarded = true;
		}
		/* Fill free slots. */
		for (unsigned s = 0; s < b->jobs && next < b->n && !stop; s++) {
			if (run[s].pid > 0)
				continue;
			/* one that came in meanwhile (while a result was written, a child
			 * started): no further image starts */
			if ((stop = pending_stop(b)))
				break;
			run[s].image = b->images[next];
			run[s].killed = false;
			run[s].hard = false;
			clock_gettime(CLOCK_MONOTONIC, &run[s].start);
			run[s].pid = spawn(b, next);
			if (run[s].pid < 0) {
				/* fork failed: report this image as failed, keep going with the rest. */
				cli_error("batch: %s: cannot fork: %s", b->images[next], strerror(errno));
				run[s].pid = 0;
				finish_job(b, next, &run[s], 4 << 8);
				next++;
				continue;
			}
			slot_idx[s] = next++;
			active++;
		}
		size_t before = active;

		if (!reap(b, run, slot_idx, &active)) {
			err = -errno;
			cli_error("batch: waitpid: %s", strerror(errno));
			break;
		}
		if (!stop && out_closed())
			stop = SIGPIPE;
		if (active != before || !active || (stop && !forwarded))
			continue; /* a slot is free, all is done, or a stop to pass on */
		if (b->timeout > 0)
			kill_overdue(b, run);

		/* Sleep until a child ends or a stop signal comes; with --timeout, at most 50 ms. */
		struct timespec nap = { 0, 50 * 1000 * 1000 };
		siginfo_t si;
		int sig = b->timeout > 0 ? sigtimedwait(&waitset, &si, &nap) : sigwaitinfo(&waitset, &si);

		if (sig > 0 && sig != SIGCHLD && !stop)
			stop = sig;
	}
	if (err) {
		/* Cannot track the children any more: stop them rather than leave them running,
		 * and drop their job files so the work directory can go. */
		for (unsigned s = 0; s < b->jobs; s++)
			if (run[s].pid > 0) {
				char f[PATH_MAX + 64];

				kill(run[s].pid, SIGTERM);
				job_file(b, slot_idx[s], "log", f, sizeof(f));
				unlink(f);
				job_file(b, slot_idx[s], "report.json", f, sizeof(f));
				unlink(f);
			}
	} else if (stop) {
		b->skipped = b->n - next;
		if (stop == SIGPIPE)
			cli_error("batch: stopped: writing standard output failed (its reader is "
				  "gone?); %zu of %zu images not started", b->skipped, b->n);
		else
			cli_error("batch: stopped by signal %d (%s); %zu of %zu images not started",
				  stop, strsignal(stop), b->skipped, b->n);
		b->worst = EXIT_INTERNAL;
	}
	/* The stop signals stay blocked: a second Ctrl-C now must not end batch before its work
	 * directory is removed. */
	if (!err)
		summary(b, elapsed(&t0));
	free(run);
	free(slot_idx);
	return err;
}

static void usage(FILE *f)
{
	fputs("usage: isfcarve batch [-j N] [--symbols-dir DIR] [--json] [--force] [--timeout SEC]\n"
	      "                      [--threads T] [--allow-partial [--partial-dir PDIR]] [-q]\n"
	      "                      IMAGE... | --from FILE | -\n"
	      "  Profile every IMAGE into DIR/linux/ (default DIR: ./symbols), N at a time, each in its\n"
	      "  own process. Identical kernels share one profile. --from FILE / '-': one path a line.\n"
	      "  --allow-partial keeps incomplete profiles in PDIR (default DIR.partial), never in DIR.\n"
	      "  Status: ok, incomplete (a kernel was found, something is missing), failed (not a\n"
	      "  Linux image, unreadable), crashed, timeout.\n"
	      "  Exit: 0 all ok; 3 some incomplete; 2 some failed on input; 4 some crashed/timed out.\n",
	      f);
}

enum { OPT_SYMDIR = 256, OPT_JSON, OPT_FORCE, OPT_FROM, OPT_TIMEOUT, OPT_THREADS, OPT_PARTIAL,
       OPT_PARTIAL_DIR };

/* mkdir DIR unless it exists; its real path into out. */
static int make_dir(const char *dir, char *out)
{
	if (mkdir(dir, 0777) && errno != EEXIST) {
		cli_error("batch: cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!realpath(dir, out)) {
		cli_error("batch: %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* --allow-partial: PDIR exists and is not inside DIR (vol.py -s DIR searches recursively and
 * would pick the partial profiles up; and the next image of that kernel must not reuse one). */
static int prepare_partial_dir(struct batch *b)
{
	char sym[PATH_MAX], part[PATH_MAX];
	size_t n;

	if (!b->partial_dir) {
		if (snprintf(b->partial_buf, sizeof(b->partial_buf), "%s.partial", b->symdir) >=
		    (int)sizeof(b->partial_buf)) {
			cli_error("batch: --symbols-dir path too long");
			return EXIT_USAGE;
		}
		b->partial_dir = b->partial_buf;
	}
	if (!*b->partial_dir) {
		cli_error("batch: --partial-dir must not be empty");
		return EXIT_USAGE;
	}
	if (make_dir(b->symdir, sym) || make_dir(b->partial_dir, part))
		return EXIT_USAGE;
	n = strlen(sym);
	if (!strncmp(part, sym, n) && (part[n] == '/' || part[n] == '\0' || !strcmp(sym, "/"))) {
		cli_error("batch: --partial-dir %s is inside --symbols-dir %s (Volatility would find "
			  "the partial profiles there)", b->partial_dir, b->symdir);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_batch(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "symbols-dir", required_argument, NULL, OPT_SYMDIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "allow-partial", no_argument, NULL, OPT_PARTIAL },
		{ "partial-dir", required_argument, NULL, OPT_PARTIAL_DIR },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct batch b = { .symdir = "symbols", .jobs = 1 };
	char *end;
	int c, err = 0, rc;

	opterr = 0; /* one line of ours, as the profile modes, not getopt's + the usage */
	optind = 1;
	while (!err && (c = getopt_long(argc, argv, ":j:qvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'j': {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > IC_MAX_BATCH_JOBS) {
				cli_error("batch: -j wants 1..%u, not '%s'", IC_MAX_BATCH_JOBS, optarg);
				return EXIT_USAGE;
			}
			b.jobs = (unsigned)v;
			break;
		}
		case OPT_SYMDIR: b.symdir = optarg; break;
		case OPT_JSON: b.json = true; break;
		case OPT_FORCE: b.force = true; break;
		case OPT_PARTIAL: b.allow_partial = true; break;
		case OPT_PARTIAL_DIR: b.partial_dir = optarg; break;
		case OPT_FROM: err = read_list(&b, optarg); break;
		case OPT_TIMEOUT:
			b.timeout = strtod(optarg, &end);
			if (*end || !(b.timeout > 0)) {
				cli_error("batch: --timeout wants seconds > 0, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_THREADS: {
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v > IC_MAX_BATCH_JOBS) {
				cli_error("batch: --threads wants 0..%u, not '%s'", IC_MAX_BATCH_JOBS, optarg);
				return EXIT_USAGE;
			}
			b.threads = optarg;
			break;
		}
		case 'q': b.quiet = true; break;
		case 'v': break;
		case 'h': usage(stdout); return EXIT_OK;
		default:
			return cli_option_error("batch", c, argv, ":j:qvh", lopts);
		}
	}
	for (int i = optind; !err && i < argc; i++)
		err = !strcmp(argv[i], "-") ? read_list(&b, "-") : add_image(&b, argv[i]);
	if (err) {
		rc = err == -IC_ELIMIT || err == -IC_EFORMAT ? EXIT_USAGE : cli_exit_for(err);
		goto out;
	}
	if (!b.n) {
		cli_error("batch: no images given");
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!*b.symdir) {
		cli_error("batch: --symbols-dir must not be empty");
		rc = EXIT_USAGE;
		goto out;
	}
	if (b.partial_dir && !b.allow_partial) {
		cli_error("batch: --partial-dir goes with --allow-partial");
		rc = EXIT_USAGE;
		goto out;
	}
	if (b.allow_partial) {
		rc = prepare_partial_dir(&b);
		if (rc >= 0)
			goto out;
	}
	b.child = getenv("IC_BATCH_CHILD"); /* test hook, see docs/workflow.md */
	if (!b.child || !*b.child)
		b.child = "/proc/self/exe";
	b.jw = malloc(sizeof(*b.jw));
	/* Before the work directory exists: a stop from here on is taken by run(), which removes
	 * it; one before leaves nothing behind. */
	block_signals(&b, &b.waitset);
	snprintf(b.workdir, sizeof(b.workdir), "%s/isfcarve-batch.XXXXXX",
		 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!b.jw || !mkdtemp(b.workdir)) {
		cli_error("batch: cannot create work directory %s: %s", b.workdir, strerror(errno));
		rc = EXIT_INTERNAL;
		goto out;
	}
	err = run(&b);
	rmdir(b.workdir);
	rc = err ? EXIT_INTERNAL : b.worst;
out:
	for (size_t i = 0; i < b.n; i++)
		free(b.images[i]);
	free(b.images);
	free(b.jw);
	return rc;
}
