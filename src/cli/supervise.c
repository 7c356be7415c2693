/* SPDX-License-Identifier: MIT */
/* Run supervisor: an interrupted run (SIGINT, SIGTERM, SIGHUP) leaves no unfinished file. */
/*
 * Ctrl-C, `timeout`, scancel or a dropped session at any moment leave no unfinished file
 * behind (docs/cli.md, "Interrupted runs"; docs/security.md).
 *
 * Every file isfcarve writes goes through a temp file in the target directory that is renamed
 * over the final name when complete (0-base/out.c, symdir.c's publish): ".NAME.tmp.*". A
 * signal handler cannot know those names (the library makes them and keeps no globals), and a
 * thread that cleans up while the others go on creating files can always miss one. So the
 * modes that write run as two processes: this one (the supervisor, which the user and the
 * shell see) forks the worker, which does all the work with the stop signals blocked. On a
 * stop signal the supervisor
 *   1. freezes the worker (SIGSTOP: every thread stops between two system calls, so a file
 *      is either not created yet or created and open),
 *   2. reads the worker's open files (/proc/PID/fd): its temp files are exactly those named
 *      ".*.tmp.*" open for writing (out.c and publish rename a finished file before they
 *      close it, so a temp name is never on disk without its descriptor),
 *   3. removes them, kills the worker (SIGKILL) and reaps it,
 *   4. removes the worker's symbols-directory lock files (".NAME.lock", symdir.c) by the
 *      lock protocol: only under the lock and only if still the same file,
 *   5. removes the worker's temp directories (extract's ".NAME.tmp.PID.HEX", with the files in
 *      them): found in the directories the worker holds open (extract opens the one it makes
 *      its temp directory in before the mkdir), by the worker's PID in the name,
 *   6. dies of the same signal (exit status 128 + N to the shell).
 * Otherwise it waits and exits as the worker did. A stop signal ignored at start (nohup, a
 * background job) stays ignored.
 *
 * Inputs are mapped: one truncated while the run reads it (a copy still being made, a dump
 * rotated away) raises SIGBUS in the thread touching a page past its new end. The worker's
 * handler hands the faulting address to the supervisor (SIGUSR1 by sigqueue) and waits; the
 * supervisor freezes it, finds the file and offset in /proc/PID/maps, removes the unfinished
 * files as for a stop signal, says "FILE: changed while it was read ..." and exits 2 (an input
 * error, not a crash). Not covered: SIGKILL of the supervisor (the worker dies with it,
 * PR_SET_PDEATHSIG, and its temp files stay) and a crash of the worker (reported, exit by
 * the same signal). IC_NO_SUPERVISOR=1 runs without it (debuggers).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h> /* PATH_MAX (<limits.h> resolves to src/0-base/ic_limits.h in this tree) */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP };

/* Die of sig as the worker did (or as the user asked), without a core of this small process. */
static void die_of(int sig)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t one;

	fflush(NULL);
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, sig);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	raise(sig);
	_exit(128 + sig); /* a signal that does not end a process by default (none of ours) */
}

/* The worker's exit status, passed on. */
static void finish(int st)
{
	if (WIFEXITED(st))
		exit(WEXITSTATUS(st));
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		/* SIGPIPE: `isfcarve -o - ... | head` ends so, silently, as one process would. */
		if (sig != SIGPIPE)
			fprintf(stderr, "isfcarve: error: the run was killed by signal %d (%s)%s\n",
				sig, strsignal(sig), sig == SIGKILL ? ": out of memory?" : "");
		die_of(sig);
	}
	exit(EXIT_INTERNAL);
}

/* Is the worker's descriptor fd open for writing? (/proc/PID/fdinfo/FD "flags:", octal.) */
static bool fd_writable(pid_t pid, const char *fd)
{
	char path[320], line[128];
	FILE *f;
	bool w = false;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, fd);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long flags;

		if (sscanf(line, "flags: %lo", &flags) == 1) {
			w = (flags & O_ACCMODE) != O_RDONLY;
			break;
		}
	}
	fclose(f);
	return w;
}

/* ".NAME.tmp.REST": the temp files of out.c (".NAME.tmp.PID.HEX") and publish (".NAME.tmp.XXXXXX"). */
static bool temp_name(const char *base)
{
	const char *t = base[0] == '.' ? strstr(base + 1, ".tmp.") : NULL;

	return t && t > base + 1 && t[5];
}

static bool lock_name(const char *base)
{
	size_t n = strlen(base);

	return base[0] == '.' && n > 6 && !strcmp(base + n - 5, ".lock");
}

/* A lock file of symdir.c's protocol, left by a dead holder: removed only under the lock (a
 * waiter that locked the old file notices it is gone and takes the new one) and only if the
 * path still names the file locked. Held by someone else: theirs to remove. */
static void remove_lock(const char *path)
{
	struct stat a, b;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return;
	if (!flock(fd, LOCK_EX | LOCK_NB) && !fstat(fd, &a) && !stat(path, &b) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		unlink(path);
	close(fd);
}

#define MAX_LOCKS 16
#define MAX_DIRS 16

/* Step 5 for one directory the worker held open: its entries ".NAME.tmp.PID.*" that are
 * directories (this worker's PID: no other live process's) go, with the files in them. */
static unsigned remove_temp_dirs(const char *dir, pid_t pid)
{
	char mark[32];
	unsigned removed = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	snprintf(mark, sizeof(mark), ".tmp.%d.", (int)pid);
	while ((de = readdir(d))) {
		struct stat st;
		const char *t = de->d_name[0] == '.' ? strstr(de->d_name + 1, mark) : NULL;
		int fd;
		DIR *in;
		struct dirent *e;

		if (!t || t == de->d_name + 1 || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		in = fd >= 0 ? fdopendir(fd) : NULL;
		if (!in) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(in)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
			    !unlinkat(dirfd(in), e->d_name, 0))
				removed++;
		closedir(in);
		if (!unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR))
			removed++;
	}
	closedir(d);
	return removed;
}

/* Is the worker stopped now? (/proc/PID/stat, the state after the command's ")".) */
static bool is_stopped(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
}

/* Step 1: SIGSTOP until the worker is stopped. A SIGCONT from elsewhere (timeout(1) sends one
 * right after its SIGTERM) discards a pending SIGSTOP, so it is sent again until it holds.
 * false when the worker ended by itself meanwhile (it cleaned up after itself; it is reaped
 * then, its wait status in *ended if not NULL). */
static bool freeze(pid_t pid, int *ended)
{
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	for (unsigned i = 0; i < 1000; i++) {
		int st;
		pid_t r;

		kill(pid, SIGSTOP);
		r = waitpid(pid, &st, WUNTRACED | WNOHANG);
		if (r == pid && !WIFSTOPPED(st)) {
			if (ended)
				*ended = st;
			return false;
		}
		if ((r == pid && WIFSTOPPED(st)) || is_stopped(pid))
			return true;
		nanosleep(&nap, NULL);
	}
	return true; /* not stoppable for 10 s (uninterruptible I/O): look at it anyway */
}

/* Steps 1-4 of the header comment. Returns how many unfinished files were removed; *blind
 * when there was no /proc/PID/fd to look at (the files, if any, are still there). */
static unsigned stop_worker(pid_t pid, bool *blind)
{
	char dir[64], link[320], path[PATH_MAX], locks[MAX_LOCKS][PATH_MAX], dirs[MAX_DIRS][PATH_MAX];
	unsigned removed = 0, nlocks = 0, ndirs = 0;
	struct stat st_dir;
	struct dirent *de;
	DIR *d;
	int st;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	for (unsigned pass = 0; pass < 5; pass++) {
		if (!freeze(pid, NULL))
			return removed;
		nlocks = ndirs = 0;
		d = opendir(dir);
		if (!d) {
			/* no /proc here: nothing can be looked at, and is_stopped() could never
			 * say the worker holds still (each pass would wait 10 s in freeze()) */
			*blind = true;
			break;
		}
		while ((de = readdir(d))) {
			const char *base;
			ssize_t n;

			if (de->d_name[0] == '.')
				continue;
			snprintf(link, sizeof(link), "%s/%s", dir, de->d_name);
			n = readlink(link, path, sizeof(path) - 1);
			if (n <= 0 || path[0] != '/')
				continue; /* pipes, sockets, anonymous files */
			path[n] = '\0';
			if (n > 10 && !strcmp(path + n - 10, " (deleted)"))
				continue;
			base = strrchr(path, '/') + 1;
			if (temp_name(base) && fd_writable(pid, de->d_name)) {
				if (!unlink(path))
					removed++;
			} else if (lock_name(base) && nlocks < MAX_LOCKS) {
				memcpy(locks[nlocks++], path, (size_t)n + 1);
			} else if (ndirs < MAX_DIRS && !stat(path, &st_dir) && S_ISDIR(st_dir.st_mode)) {
				memcpy(dirs[ndirs++], path, (size_t)n + 1);
			}
		}
		closedir(d);
		/* Still stopped: nothing was created behind our back while we looked. */
		if (is_stopped(pid))
			break;
	}
	kill(pid, SIGKILL);
	kill(pid, SIGCONT);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (unsigned i = 0; i < nlocks; i++)
		remove_lock(locks[i]);
	for (unsigned i = 0; i < ndirs; i++)
		removed += remove_temp_dirs(dirs[i], pid);
	return removed;
}

/* Where the SIGBUS handler sends the fault: the supervisor's PID, 0 when there is none. Set once
 * before the handler is installed; the CLI's, not the library's (which keeps no globals). */
static volatile sig_atomic_t sigbus_to; /* a pid_t (an int) */

/* Async-signal-safe: the fault's address in hex into buf (16 digits), for the unsupervised line. */
static void hex16(char *buf, uintptr_t v)
{
	for (int i = 15; i >= 0; i--, v >>= 4)
		buf[i] = "0123456789abcdef"[v & 15];
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code != BUS_ADRERR) {
		/* not a page past a file's end: kill(1) (si_code <= 0), a hardware memory
		 * error, an alignment fault: a crash as without this handler */
		signal(SIGBUS, SIG_DFL);
		raise(SIGBUS);
		return;
	}
	if (sigbus_to) {
		union sigval v = { .sival_ptr = si->si_addr };

		/* the supervisor stops, cleans up after and kills this process: wait for it */
		if (!sigqueue((pid_t)sigbus_to, SIGUSR1, v))
			for (;;)
				pause();
	}
	{
		static const char a[] = "isfcarve: error: an input file changed while it was read "
					"(SIGBUS at 0x";
		static const char b[] = "; truncated while mapped?)\n";
		char h[16];

		hex16(h, (uintptr_t)si->si_addr);
		if (write(STDERR_FILENO, a, sizeof(a) - 1) < 0 || write(STDERR_FILENO, h, 16) < 0 ||
		    write(STDERR_FILENO, b, sizeof(b) - 1) < 0)
			(void)sig;
		_exit(EXIT_INPUT);
	}
}

void cli_catch_sigbus(pid_t supervisor)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigbus_to = supervisor;
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

/* The file the worker had mapped at addr, and the offset in it, from /proc/PID/maps (read while
 * the worker is frozen). false when no file mapping holds it. */
static bool mapped_file(pid_t pid, uintptr_t addr, char *path, size_t cap, unsigned long long *off,
			bool *deleted)
{
	char maps[64], *line = NULL;
	size_t linecap = 0;
	FILE *f;
	bool found = false;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return false;
	/* getline: a path with newlines is shown escaped (\012), longer than PATH_MAX */
	while (!found && getline(&line, &linecap, f) > 0) {
		unsigned long long lo, hi, pgoff;
		size_t l;
		int n = 0;

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &pgoff, &n) < 3 || !n ||
		    addr < lo || addr >= hi || line[n] != '/')
			continue;
		line[strcspn(line, "\n")] = '\0';
		l = strlen(line + n);
		*deleted = l > 10 && !strcmp(line + n + l - 10, " (deleted)");
		if (*deleted)
			line[n + l - 10] = '\0';
		snprintf(path, cap, "%s", line + n);
		*off = pgoff + (addr - lo);
		found = true;
	}
	free(line);
	fclose(f);
	return found;
}

/* The worker's SIGBUS (cli_catch_sigbus()): name the file that changed, clean up, exit 2. */
static void worker_sigbus(pid_t pid, uintptr_t addr)
{
	char path[PATH_MAX], how[96];
	unsigned long long off = 0;
	bool blind = false, known, deleted = false;
	unsigned removed;
	struct stat st;
	int ended;

	if (!freeze(pid, &ended))
		finish(ended); /* it ended meanwhile (killed, or exited): as it ended, not this */
	known = mapped_file(pid, addr, path, sizeof(path), &off, &deleted);
	removed = stop_worker(pid, &blind);
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	snprintf(how, sizeof(how), "%u unfinished file%s removed", removed, removed == 1 ? "" : "s");
	if (blind)
		snprintf(how, sizeof(how), "without /proc unfinished files (.NAME.tmp.*) may remain");
	if (!known)
		fprintf(stderr, "isfcarve: error: an input file changed while it was read (SIGBUS at "
			"0x%llx: truncated while the run had it mapped?); %s\n",
			(unsigned long long)addr, how);
	else if (deleted || stat(path, &st))
		fprintf(stderr, "isfcarve: error: %s: changed while it was read: no page at offset "
			"0x%llx (the file was then replaced or removed); %s\n", path, off, how);
	else if (off >= (unsigned long long)st.st_size)
		fprintf(stderr, "isfcarve: error: %s: changed while it was read: offset 0x%llx is "
			"past its end now (%lld bytes; truncated while the run had it mapped?); "
			"%s\n", path, off, (long long)st.st_size, how);
	else
		fprintf(stderr, "isfcarve: error: %s: changed while it was read: no page at offset "
			"0x%llx (the file is %lld bytes now: cut short and written again?); %s\n",
			path, off, (long long)st.st_size, how);
	exit(EXIT_INPUT);
}

int cli_supervise(void)
{
	const char *off = getenv("IC_NO_SUPERVISOR");
	sigset_t stop, waitset, old;
	struct sigaction sa;
	pid_t parent = getpid(), pid;
	bool any = false;

	cli_catch_sigbus(0); /* unsupervised until the fork below */
	if (off && *off && strcmp(off, "0"))
		return -1;
	sigemptyset(&stop);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		if (!sigaction(stop_sigs[i], NULL, &sa) && sa.sa_handler != SIG_IGN) {
			sigaddset(&stop, stop_sigs[i]);
			any = true;
		}
	if (!any)
		return -1; /* every stop signal ignored: nothing can interrupt the run */
	waitset = stop;
	sigaddset(&waitset, SIGCHLD);
	sigaddset(&waitset, SIGUSR1); /* the worker's SIGBUS, handed over */
	signal(SIGCHLD, SIG_DFL); /* not SIG_IGN (inherited): the worker must stay waitable */
	sigprocmask(SIG_BLOCK, &waitset, &old);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1; /* run unsupervised rather than not at all */
	}
	if (pid == 0) {
		/* The worker: the stop signals stay blocked (the supervisor acts on them); it
		 * dies with the supervisor rather than run on unseen. */
		sigset_t chld;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		if (!sigismember(&old, SIGCHLD))
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(EXIT_INTERNAL);
		cli_catch_sigbus(parent);
		return -1;
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&waitset, &si), st;

		if (sig < 0)
			continue; /* EINTR (a stop signal not in the set, e.g. SIGCONT) */
		if (sig == SIGUSR1) {
			/* only the worker's own hand-over (sigqueue); another SIGUSR1 is ignored */
			if (si.si_code == SI_QUEUE && si.si_pid == pid)
				worker_sigbus(pid, (uintptr_t)si.si_value.sival_ptr);
			continue;
		}
		if (sig == SIGCHLD) {
			pid_t r = waitpid(pid, &st, WNOHANG);

			if (r == pid && !WIFSTOPPED(st) && !WIFCONTINUED(st))
				finish(st);
			continue;
		}
		bool blind = false;
		unsigned removed = stop_worker(pid, &blind);

		if (isatty(STDERR_FILENO))
			fputs("\r\033[K", stderr); /* the worker's progress line */
		if (blind)
			fprintf(stderr, "isfcarve: error: interrupted by signal %d (%s); without "
				"/proc the run's unfinished files cannot be found: some may remain "
				"(.NAME.tmp.*)\n", sig, strsignal(sig));
		else
			fprintf(stderr, "isfcarve: error: interrupted by signal %d (%s); %u unfinished "
				"file%s removed\n", sig, strsignal(sig), removed,
				removed == 1 ? "" : "s");
		die_of(sig);
	}
}
