/* SPDX-License-Identifier: MIT */
/* Live memory through BPF: the running kernel's RAM, where there is no /proc/kcore to read. */
/*
 * Kernels built without CONFIG_PROC_KCORE (microVMs such as Firecracker's, some hardened
 * builds) and without CONFIG_KALLSYMS_ALL gave live mode nothing to recover data symbols from.
 * Most of them have BPF: a raw tracepoint program run with BPF_PROG_TEST_RUN (Linux 5.10+) in
 * our own process may call bpf_probe_read_kernel(), which reads any kernel address and fails
 * cleanly (-EFAULT) on an unmapped one, and bpf_get_current_task(). That is enough to read RAM
 * as kcore shows it: physical address x is at P + x in the direct map, P being
 * page_offset_base (x86-64, randomized with RANDOMIZE_MEMORY) or the linear map's offset
 * (arm64). P is found, not assumed: the running task lies in the direct map, so P is at or
 * below its address and within the RAM size of it; the kernel image's first page, read through
 * the image's own mapping (kallsyms' _text), must be at P + its physical address (/proc/iomem's
 * "Kernel code"), and a second page too. Exactly one P may pass.
 *
 * The program is written here as instructions (the kernel's uapi encoding, no compiler, no
 * libbpf object): one 4 KiB array map; args[0] = address, args[1] = 0: read the page into the
 * map's value, return the helper's result; args[1] = 1: store the current task's address.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <linux/kernel-page-flags.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_live.h"
#include "image_internal.h"

#define PAGE 4096u
#define GIB (1ull << 30)
#define CACHE_SLOTS 256u
/* The kernel's ENOTSUPP (not a userspace errno): a program type without BPF_PROG_TEST_RUN. */
#define KERNEL_ENOTSUPP 524
/* x86-64 kernel text lies in the top 2 GiB (__START_KERNEL_map); arm64's below */
#define IC_X86_KERNEL_HALF 0xffffffff80000000ull

/* ---- /proc/iomem ---- */

static bool hexval(const char **p, const char *end, uint64_t *v)
{
	unsigned n = 0;

	*v = 0;
	while (*p < end && n < 17) {
		char c = **p;
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
			     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;

		if (d == 16)
			break;
		*v = *v << 4 | d;
		(*p)++;
		n++;
	}
	return n && n <= 16;
}

static int ram_cmp(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b; /* .lo first */

	return x < y ? -1 : x > y;
}

int ic_iomem_parse(const char *txt, size_t len, struct ic_iomem *io, size_t *line)
{
	const char *p = txt, *end = txt + len;
	bool any = false, nonzero = false, code = false;

	memset(io, 0, sizeof(*io));
	*line = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *name;
		size_t indent = 0, nl;
		uint64_t lo, hi;

		if (!eol)
			eol = end;
		++*line;
		while (p < eol && *p == ' ')
			p++, indent++;
		if (!hexval(&p, eol, &lo) || p >= eol || *p++ != '-' || !hexval(&p, eol, &hi) ||
		    eol - p < 3 || memcmp(p, " : ", 3) || hi < lo)
			return -IC_EFORMAT;
		name = p + 3;
		nl = (size_t)(eol - name);
		any = true;
		nonzero |= lo || hi;
		/* "System RAM", and hot-plugged "System RAM (virtio_mem)", "System RAM (kmem)"
		 * (nested under "Soft Reserved" or a dax device): all RAM the direct map holds */
		if (nl >= 10 && !memcmp(name, "System RAM", 10) && (nl == 10 || name[10] == ' ')) {
			if (io->nram == IC_MAX_IOMEM_RAM)
				return -IC_ELIMIT;
			if (hi == UINT64_MAX)
				return -IC_EFORMAT; /* [lo, hi + 1) must fit */
			io->ram[io->nram].lo = lo;
			io->ram[io->nram++].hi = hi + 1;
		} else if (indent && nl > 7 && !memcmp(name, "Kernel ", 7)) {
			/* "Kernel code", "Kernel rodata", "Kernel data", "Kernel bss" */
			if (nl == 11 && !memcmp(name, "Kernel code", 11) && !code) {
				io->code = lo;
				code = true;
			}
			if (hi != UINT64_MAX && hi + 1 > io->kernel_end)
				io->kernel_end = hi + 1;
			if (hi != UINT64_MAX && io->nkpart < IC_IOMEM_KERNEL_PARTS) {
				io->kpart[io->nkpart].lo = lo;
				io->kpart[io->nkpart++].hi = hi + 1;
			}
		}
		p = eol < end ? eol + 1 : end;
	}
	if (any && !nonzero)
		return -EACCES;
	if (!io->nram || !code || io->kernel_end <= io->code)
		return -IC_ENOTFOUND;
	/* sorted, overlapping or touching ranges merged (an image's ranges may not overlap) */
	qsort(io->ram, io->nram, sizeof(io->ram[0]), ram_cmp);
	{
		size_t n = 1;

		for (size_t i = 1; i < io->nram; i++) {
			if (io->ram[i].lo <= io->ram[n - 1].hi) {
				if (io->ram[i].hi > io->ram[n - 1].hi)
					io->ram[n - 1].hi = io->ram[i].hi;
			} else {
				io->ram[n++] = io->ram[i];
			}
		}
		io->nram = n;
	}
	return 0;
}

/* ---- the direct map's base ---- */

/* Does P + phys hold the page at va (already read into want)? */
static bool dmap_match(ic_kread_fn rd, void *arg, uint64_t p, uint64_t phys, const uint8_t *want,
		       uint8_t *buf)
{
	uint64_t at;

	return !ic_add_ovf(p, phys, &at) && !rd(arg, at, buf, PAGE) && !memcmp(buf, want, PAGE);
}

int ic_dmap_find(ic_kread_fn rd, void *arg, const struct ic_iomem *io, uint64_t task_va,
		 uint64_t step, uint64_t va, uint64_t phys, uint64_t va2, uint64_t phys2,
		 uint64_t *base, uint64_t *other)
{
	uint8_t *want = malloc(2 * PAGE), *buf = malloc(PAGE);
	uint64_t found[2] = { 0, 0 }, tries = 0;
	size_t nfound = 0;
	int err;

	if (!want || !buf) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = rd(arg, va, want, PAGE)) || (err = rd(arg, va2, want + PAGE, PAGE)))
		goto out;
	/* The task is at P + t for a t in some RAM range [lo, hi): P in (task - hi, task - lo].
	 * Every candidate of every range, so that a second one is seen. */
	for (size_t r = 0; r < io->nram && nfound < 2; r++) {
		uint64_t lo = io->ram[r].lo, hi = io->ram[r].hi, low, p;

		if (task_va < lo)
			continue;
		low = task_va - lo < hi - lo ? 0 : task_va - hi + 1;
		for (p = (task_va - lo) & ~(step - 1); p >= low && nfound < 2; p -= step) {
			if (++tries > IC_MAX_BPF_DMAP_TRIES) {
				err = -IC_ELIMIT;
				goto out;
			}
			if (dmap_match(rd, arg, p, phys, want, buf) &&
			    dmap_match(rd, arg, p, phys2, want + PAGE, buf) &&
			    (!nfound || found[0] != p))
				found[nfound++] = p;
			if (p < step)
				break;
		}
	}
	*base = found[0];
	*other = found[1];
	err = nfound == 1 ? 0 : nfound ? -IC_EAMBIGUOUS : -IC_ENOTFOUND;
out:
	free(want);
	free(buf);
	return err;
}

/* ---- the BPF program ---- */

struct bpf_reader {
	int map_fd, prog_fd;
};

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

#define INSN(c, d, s, o, i)                                                                \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static int prog_load(int map_fd, int helper, char *log, size_t logsz)
{
	const struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),		/* r6 = ctx (u64 args[]) */
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 0, 0),		/* r7 = args[0]: address */
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 8, 6, 8, 0),		/* r8 = args[1]: what */
		INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),		/* key 0 on the stack */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0),		/* value found: go on */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 9, 0, 0, 0),		/* r9 = the value */
		INSN(BPF_JMP | BPF_JNE | BPF_K, 8, 0, 5, 0),		/* what != 0: the task */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 9, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, PAGE),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 7, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, helper),		/* read PAGE bytes at r7 */
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task),
		INSN(BPF_STX | BPF_MEM | BPF_DW, 9, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = IC_ARRAY_SIZE(p);
	/* the read helpers are GPL-only; the program (these lines) is offered under both */
	a.license = (uint64_t)(uintptr_t)"Dual MIT/GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)logsz;
	a.log_level = 1;
	log[0] = '\0';
	return (int)sys_bpf(BPF_PROG_LOAD, &a);
}

/* Run the program: what 0 reads the page holding va and copies len bytes from va (not past
 * that page); what 1 stores the running task's address (len <= 8). */
static int bpf_run(const struct bpf_reader *r, uint64_t va, uint64_t what, void *buf, size_t len)
{
	uint64_t in = what ? 0 : va & (PAGE - 1), args[2] = { va - in, what };
	uint32_t key = 0;
	uint8_t page[PAGE];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)r->prog_fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	if (sys_bpf(BPF_PROG_TEST_RUN, &a))
		return errno == KERNEL_ENOTSUPP || errno == EINVAL || errno == EOPNOTSUPP ?
		       -EOPNOTSUPP : -errno;
	if (a.test.retval)
		return (int32_t)a.test.retval < 0 ? (int32_t)a.test.retval : -EIO;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)r->map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)page;
	if (sys_bpf(BPF_MAP_LOOKUP_ELEM, &a))
		return -errno;
	if (len > PAGE - in)
		return -EINVAL;
	memcpy(buf, page + in, len);
	return 0;
}

static void bpf_close(struct bpf_reader *r)
{
	if (r->prog_fd >= 0)
		close(r->prog_fd);
	if (r->map_fd >= 0)
		close(r->map_fd);
	r->prog_fd = r->map_fd = -1;
}

/* The verifier's reason: the last line of its log that is not its closing statistics. */
static void log_reason(char *log, size_t logsz)
{
	char *end, *line;

	log[logsz - 1] = '\0';
	end = log + strlen(log);
	while (end > log) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		line = end;
		while (line > log && line[-1] != '\n')
			line--;
		if (strncmp(line, "processed ", 10) && strncmp(line, "verification time", 17)) {
			memmove(log, line, strlen(line) + 1);
			return;
		}
		*line = '\0';
		end = line;
	}
}

/* Map and program; -EPERM / -EOPNOTSUPP with the reason in why. */
static int bpf_open(struct bpf_reader *r, char *why, size_t whysz)
{
	static const int helpers[] = { BPF_FUNC_probe_read_kernel, BPF_FUNC_probe_read };
	char log[8192];
	union bpf_attr a;
	int err = 0;

	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };

	r->map_fd = r->prog_fd = -1;
	/* Before 5.11 BPF maps and programs count against RLIMIT_MEMLOCK (64 KiB on Debian 11's
	 * 5.10, shared with systemd's own programs): raised first, as libbpf does (a failure
	 * leaves it; the map or program then says EPERM) */
	(void)setrlimit(RLIMIT_MEMLOCK, &inf);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = PAGE;
	a.max_entries = 1;
	r->map_fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (r->map_fd < 0) {
		err = -errno;
		snprintf(why, whysz, "BPF map: %s%s", ic_strerror(err), err == -EPERM ?
			 " (needs root, or CAP_BPF and CAP_PERFMON)" : "");
		return err == -EPERM ? -EPERM : -EOPNOTSUPP;
	}
	/* bpf_probe_read_kernel (5.5+), else the older bpf_probe_read */
	for (size_t i = 0; i < IC_ARRAY_SIZE(helpers) && r->prog_fd < 0; i++) {
		r->prog_fd = prog_load(r->map_fd, helpers[i], log, sizeof(log));
		err = r->prog_fd < 0 ? -errno : 0;
		if (err == -EPERM || err == -EACCES)
			break;
	}
	if (r->prog_fd < 0) {
		log_reason(log, sizeof(log));
		/* lockdown (integrity or confidentiality) takes the read helpers away: the
		 * verifier then knows no such function */
		snprintf(why, whysz, "BPF program: %s%s%s%.200s", ic_strerror(err),
			 err == -EPERM ? " (needs root, or CAP_BPF and CAP_PERFMON)" :
			 strstr(log, "unknown func") ? " (kernel reads not allowed: kernel lockdown?)"
			 : "", log[0] ? ": " : "", log);
		bpf_close(r);
		return err == -EPERM || err == -EACCES || strstr(log, "unknown func") ? -EPERM
										 : -EOPNOTSUPP;
	}
	return 0;
}

/* ---- the image ---- */

struct cache_slot {
	uint64_t page; /* virtual page address; 0: empty */
};

struct bpf_live {
	struct bpf_reader r;
	uint64_t base;      /* the direct map: virtual = base + physical */
	int kpf_fd;         /* /proc/kpageflags, -1 when it cannot be read */
	uint64_t kpf_page;  /* the kernel's page size: kpageflags has one entry per page */
	bool window;        /* the kernel image window: an unreadable page is an error there */
	pthread_mutex_t mu; /* one map value: every read is serialized */
	struct cache_slot tag[CACHE_SLOTS];
	uint8_t *data;
	bool warned;
};

static int kread(void *arg, uint64_t va, void *buf, size_t len)
{
	return bpf_run(arg, va, 0, buf, len);
}

/*
 * Pages kcore would not read either (it gives zeros): hardware-poisoned, offline (a balloon's,
 * virtio-mem's unplugged parts) or without a struct page. Their flags from /proc/kpageflags;
 * without it every page is read (the meminfo check in the opener stands in for poison).
 */
static bool page_skipped(const struct bpf_live *b, uint64_t pa)
{
	uint64_t flags;

	if (b->kpf_fd < 0 || pread(b->kpf_fd, &flags, 8, (off_t)(pa / b->kpf_page * 8)) != 8)
		return false;
	return flags & (1ull << KPF_HWPOISON | 1ull << KPF_OFFLINE | 1ull << KPF_NOPAGE);
}

/*
 * A page at a time through the cache. An unreadable page reads as zeros, as kcore gives it
 * (-EFAULT, -ERANGE: not mapped; a skipped page), said once; what else fails stops the read.
 */
static int live_read(const struct ic_image *img, size_t ri, uint64_t off, void *buf, size_t len)
{
	struct bpf_live *b = img->priv;
	uint8_t *dst = buf;
	uint64_t pa, va;
	int err = 0;

	if (ic_add_ovf(img->ranges[ri].phys, off, &pa) || ic_add_ovf(b->base, pa, &va) ||
	    va > UINT64_MAX - len)
		return -IC_ETRUNC;
	pthread_mutex_lock(&b->mu);
	while (len) {
		uint64_t pg = va & ~(uint64_t)(PAGE - 1), in = va - pg;
		size_t slot = (size_t)((pg >> 12) * 0x9e3779b97f4a7c15ull >> 56) % CACHE_SLOTS;
		uint8_t *d = b->data + slot * PAGE;
		size_t n = PAGE - in < len ? PAGE - in : len;

		if (b->tag[slot].page != pg) {
			int e = page_skipped(b, pg - b->base) ? -EFAULT : bpf_run(&b->r, pg, 0, d, PAGE);

			b->tag[slot].page = 0;
			/* zeros for a page of RAM kcore would give as zeros; in the kernel image
			 * itself a missing page would let a rule settle on another word: an error */
			if ((e == -EFAULT || e == -ERANGE) && !b->window) {
				if (!b->warned)
					pr_warn(img->ctx, "%s: physical 0x%" PRIx64 ": not readable, read "
						"as zeros as kcore gives it (later pages not reported)",
						img->path, pg - b->base);
				b->warned = true;
				memset(d, 0, PAGE);
			} else if (e) {
				err = e;
				break;
			}
			b->tag[slot].page = pg;
		}
		memcpy(dst, d + in, n);
		dst += n;
		va += n;
		len -= n;
	}
	pthread_mutex_unlock(&b->mu);
	return err;
}

/* The reader's state, once its mutex is made (NULL-safe). */
static void bpf_live_free(struct bpf_live *b)
{
	if (!b)
		return;
	bpf_close(&b->r);
	if (b->kpf_fd >= 0)
		close(b->kpf_fd);
	pthread_mutex_destroy(&b->mu);
	free(b->data);
	free(b);
}

static void live_free_priv(struct ic_image *img)
{
	bpf_live_free(img->priv);
}

static int live_probe(const struct ic_ctx *ctx, struct ic_image *img)
{
	(void)ctx;
	(void)img;
	return -EPROTO; /* never detected: only ic_image__open_bpf_live() builds one */
}

static const struct ic_image_fmt ic_fmt_bpf_live = {
	.name = "bpf",
	.probe = live_probe,
	.read = live_read,
	.free_priv = live_free_priv,
};

/* A whole small file of /proc or /sys (their st_size says nothing) into buf; its length. */
static ssize_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return n == cap ? -IC_ELIMIT : (ssize_t)n;
}

/* kB of a /proc/meminfo field ("Unaccepted:       0 kB"); 0 when absent. */
static uint64_t meminfo_kb(const char *txt, const char *key)
{
	const char *p = strstr(txt, key);

	return p && (p == txt || p[-1] == '\n') ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/*
 * Memory that a read may not touch at all, which BPF (unlike kcore) cannot tell page by page
 * while it looks for the direct map: unaccepted memory of a confidential guest (TDX, SEV-SNP:
 * touching it kills the guest) and known hardware-poisoned pages (arm64 keeps them mapped: a
 * read is a synchronous external abort). With either, BPF is not used.
 */
static int memory_unsafe(const char *meminfo_path, char *why, size_t whysz)
{
	char *txt = malloc(1u << 16);
	ssize_t n = txt ? slurp(meminfo_path, txt, (1u << 16) - 1) : -ENOMEM;
	uint64_t un, hw;

	if (n < 0) {
		free(txt);
		return n == -ENOMEM ? -ENOMEM : 0; /* no meminfo: nothing known against */
	}
	txt[n] = '\0';
	un = meminfo_kb(txt, "Unaccepted:");
	hw = meminfo_kb(txt, "HardwareCorrupted:");
	free(txt);
	if (!un && !hw)
		return 0;
	snprintf(why, whysz, "%s says %" PRIu64 " kB %s: reading RAM through BPF could touch it",
		 meminfo_path, un ? un : hw, un ? "of unaccepted memory (a confidential guest)" :
		 "hardware-corrupted");
	return -EPERM;
}

/* The VMCOREINFO note through /sys/kernel/vmcoreinfo ("<phys hex> <size hex>"), when there:
 * the same note kcore's PT_NOTE carries, for the carver's cross-checks. The size is the whole
 * buffer, zeros after the note: the notes end at the first all-zero header. Absent or
 * unreadable is not an error (a kernel without CONFIG_VMCORE_INFO has none). */
static int add_vmcoreinfo(struct ic_image *img, struct bpf_live *b, const char *path)
{
	char txt[128], *e;
	ssize_t n = slurp(path, txt, sizeof(txt) - 1);
	uint64_t pa, size, used = 0;
	uint8_t *note;
	int err = 0;

	if (n <= 0)
		return 0;
	txt[n] = '\0';
	errno = 0;
	pa = strtoull(txt, &e, 16);
	size = strtoull(e, &e, 16);
	if (errno || !size || size > IC_MAX_NOTES_BYTES || pa > UINT64_MAX - size ||
	    (*e && *e != '\n')) {
		pr_warn(img->ctx, "%s: not \"<address> <size>\" in hex: note not read", path);
		return 0;
	}
	note = malloc((size_t)size);
	if (!note)
		return -ENOMEM;
	/* page by page: each run reads within one page */
	for (uint64_t off = 0; off < size && !err;) {
		uint64_t va, piece;

		if (ic_add_ovf(pa + off, b->base, &va)) {
			err = -IC_ETRUNC;
			break;
		}
		piece = PAGE - (va & (PAGE - 1));
		piece = piece < size - off ? piece : size - off;
		err = bpf_run(&b->r, va, 0, note + off, (size_t)piece);
		off += piece;
	}
	while (!err && size - used >= 12) { /* 4-byte aligned notes, as the kernel writes them */
		uint32_t nsz, dsz, type;
		uint64_t len;

		memcpy(&nsz, note + used, 4);
		memcpy(&dsz, note + used + 4, 4);
		memcpy(&type, note + used + 8, 4);
		len = 12 + ic_align_up(nsz, 4) + ic_align_up(dsz, 4);
		if ((!nsz && !dsz && !type) || len > size - used)
			break;
		used += len;
	}
	if (err)
		pr_warn(img->ctx, "%s: the note at physical 0x%" PRIx64 " is unreadable: %s", path, pa,
			ic_strerror(err));
	else if (used)
		err = ic_image_add_notes(img, note, (size_t)used, "VMCOREINFO", pa, "physical address");
	free(note);
	return err == -ENOMEM ? err : 0;
}

/*
 * The direct-map search reads, for each wrong candidate, some RAM page it cannot name: one a
 * balloon or virtio-mem took away (offline: reading it may stop the guest) or a poisoned one
 * must not be among them. /proc/kpageflags says, for every page of RAM (1 s for 24 GiB here);
 * any such page, or more RAM than IC_MAX_KPF_SCAN_BYTES of flags cover, refuses BPF. Without
 * kpageflags (CONFIG_PROC_PAGE_MONITOR off) nothing is known against: searched.
 */
static int offline_pages(const struct bpf_live *b, const struct ic_iomem *io, const char *path,
			 char *why, size_t whysz)
{
	uint64_t *buf, total = 0, bad = 0;
	int err = 0;

	if (b->kpf_fd < 0)
		return 0;
	for (size_t i = 0; i < io->nram; i++)
		total += (io->ram[i].hi - io->ram[i].lo) / b->kpf_page * 8;
	if (total > IC_MAX_KPF_SCAN_BYTES) {
		snprintf(why, whysz, "%" PRIu64 " MiB of %s to check for offline or poisoned pages "
			 "(more than %u): too much RAM to search the direct map safely", total >> 20,
			 path, IC_MAX_KPF_SCAN_BYTES >> 20);
		return -EPERM;
	}
	buf = malloc(1u << 20);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < io->nram && !bad && !err; i++) {
		uint64_t pfn = io->ram[i].lo / b->kpf_page, end = io->ram[i].hi / b->kpf_page;

		while (pfn < end && !bad) {
			uint64_t n = end - pfn < (1u << 17) ? end - pfn : (1u << 17);
			ssize_t got = pread(b->kpf_fd, buf, (size_t)n * 8, (off_t)(pfn * 8));

			/* the kernel serves whole entries up to its last dumpable page: less is a
			 * page not covered (hot-added above it) or not kpageflags at all */
			if (got < 8) {
				err = got < 0 ? -errno : -IC_ETRUNC;
				break;
			}
			for (size_t j = 0; j < (size_t)got / 8; j++)
				/* a whole memory block offline reads as no page, not offline */
				bad += !!(buf[j] & (1ull << KPF_HWPOISON | 1ull << KPF_OFFLINE |
						    1ull << KPF_NOPAGE));
			pfn += (uint64_t)got / 8;
		}
	}
	free(buf);
	if (!err && !bad)
		return 0;
	if (err)
		snprintf(why, whysz, "%s: %s before the end of RAM: offline or poisoned pages cannot "
			 "be ruled out for the direct-map search", path, ic_strerror(err));
	else
		snprintf(why, whysz, "%s: offline (balloon, virtio-mem, an offline memory block) or "
			 "hardware-poisoned pages in RAM: the direct-map search could read them", path);
	return -EPERM;
}

int ic_bpf_live_place(ic_kread_fn rd, void *arg, const struct ic_iomem *io, uint64_t task,
		      const uint64_t *anchors, size_t nanchors, uint64_t *base, uint64_t *other,
		      struct ic_kcore_text *text)
{
	bool arm64 = anchors[0] < IC_X86_KERNEL_HALF, found = false;
	struct ic_kcore_text t;
	uint64_t b = 0, o = 0;
	int err = -IC_ENOTFOUND;

	/* arm64 KASAN tags (SW_TAGS, MTE) ride in bits 63..56 of a slab pointer: the linear map
	 * itself is untagged (0xff) */
	if (arm64)
		task |= 0xffull << 56;
	for (size_t i = 0; i < nanchors; i++) {
		/* an anchor (_stext) is where "Kernel code" starts, _text at or below it */
		if (!anchors[i] || anchors[i] & (PAGE - 1) || anchors[i] < anchors[0] ||
		    anchors[i] - anchors[0] > io->code || (i && anchors[i] == anchors[0]))
			continue;
		/* x86-64 aligns page_offset_base to 1 GiB (PUD); arm64's linear map offset is a
		 * multiple of ARM64_MEMSTART_ALIGN, 2 MiB or more */
		err = ic_dmap_find(rd, arg, io, task, arm64 ? IC_BPF_DMAP_STEP : GIB, anchors[i],
				   io->code, anchors[i] + (1u << 20), io->code + (1u << 20), &b, &o);
		if (err == -IC_EAMBIGUOUS) {
			*base = b;
			*other = o;
		}
		if (err == -IC_EAMBIGUOUS || err == -ENOMEM || err == -IC_ELIMIT)
			return err;
		/* the anchor itself unreadable (arm64 6.1 unmaps the 64 KiB below _stext) or
		 * not at "Kernel code": the next one. Every anchor is tried: only one of them
		 * starts "Kernel code", a base another one finds is a copy's */
		if (err)
			continue;
		if (found && b != *base) {
			*other = b;
			return -IC_EAMBIGUOUS;
		}
		if (!found) {
			*base = b;
			t.vaddr = anchors[0];
			t.phys = io->code - (anchors[i] - anchors[0]);
			t.len = io->kernel_end - t.phys;
		}
		found = true;
	}
	if (found)
		*text = t;
	return found ? 0 : err;
}

int ic_image__open_bpf_live(const struct ic_ctx *ctx, const struct ic_bpf_live_paths *paths,
			    const uint64_t *anchors, size_t nanchors, uint64_t lo, uint64_t hi,
			    uint64_t *base_io, struct ic_kcore_text *text, struct ic_image **out,
			    char *why, size_t whysz)
{
	struct ic_image *img = NULL;
	struct ic_iomem *io = malloc(sizeof(*io));
	struct bpf_live *b = NULL;
	char *txt = malloc(IC_MAX_IOMEM_BYTES), dummy[8];
	uint64_t task = 0, base = 0, other = 0;
	size_t line;
	ssize_t n;
	int err;

	*out = NULL;
	memset(text, 0, sizeof(*text));
	if (!why) {
		why = dummy;
		whysz = sizeof(dummy);
	}
	why[0] = '\0';
	if (!io || !txt) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = memory_unsafe(paths->meminfo, why, whysz)))
		goto fail;
	n = slurp(paths->iomem, txt, IC_MAX_IOMEM_BYTES);
	if (n < 0) {
		err = (int)n;
		snprintf(why, whysz, "%s: %s", paths->iomem, ic_strerror(err));
		goto fail;
	}
	err = ic_iomem_parse(txt, (size_t)n, io, &line);
	if (err == -IC_EFORMAT)
		snprintf(why, whysz, "%s: line %zu: not \"<start>-<end> : <name>\"", paths->iomem, line);
	else if (err)
		snprintf(why, whysz, "%s: %s", paths->iomem, err == -EACCES ?
			 "every address is 0 (readable only by root)" : err == -IC_ENOTFOUND ?
			 "no \"System RAM\" or \"Kernel code\"" : ic_strerror(err));
	if (err)
		goto fail;
	b = calloc(1, sizeof(*b));
	if (!b || !(b->data = malloc((size_t)CACHE_SLOTS * PAGE)) || pthread_mutex_init(&b->mu, NULL)) {
		if (b)
			free(b->data);
		free(b);
		b = NULL;
		err = -ENOMEM;
		goto out;
	}
	b->kpf_fd = open(paths->kpageflags, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	{
		struct stat st;

		if (b->kpf_fd >= 0 && (fstat(b->kpf_fd, &st) || !S_ISREG(st.st_mode))) {
			close(b->kpf_fd); /* a FIFO or device planted there is not kpageflags */
			b->kpf_fd = -1;
		}
	}
	b->kpf_page = sysconf(_SC_PAGESIZE) > 0 ? (uint64_t)sysconf(_SC_PAGESIZE) : PAGE;
	b->window = lo < hi;
	if (!*base_io && (err = offline_pages(b, io, paths->kpageflags, why, whysz)))
		goto fail;
	if ((err = bpf_open(&b->r, why, whysz)))
		goto fail;
	if (*base_io) { /* the base found by an earlier open: checked, not searched again */
		uint8_t p1[PAGE], p2[PAGE];

		base = *base_io;
		text->vaddr = anchors[0];
		err = -IC_ENOTFOUND;
		for (size_t i = 0; i < nanchors && err; i++) {
			uint64_t d = anchors[i] - anchors[0];

			if (anchors[i] && !(anchors[i] & (PAGE - 1)) && anchors[i] >= anchors[0] &&
			    d <= io->code && !kread(&b->r, anchors[i], p1, PAGE) &&
			    !kread(&b->r, base + io->code, p2, PAGE) && !memcmp(p1, p2, PAGE)) {
				text->phys = io->code - d;
				text->len = io->kernel_end - text->phys;
				err = 0;
			}
		}
		if (err)
			snprintf(why, whysz, "the direct map at 0x%" PRIx64 " no longer holds the "
				 "kernel image", base);
	} else if ((err = bpf_run(&b->r, 0, 1, &task, sizeof(task)))) {
		snprintf(why, whysz, "BPF test run: %s%s", ic_strerror(err), err == -EOPNOTSUPP ?
			 " (raw tracepoint programs are test-run from Linux 5.10)" : "");
	} else {
		err = ic_bpf_live_place(kread, &b->r, io, task, anchors, nanchors, &base, &other,
					text);
		if (err == -IC_EAMBIGUOUS)
			snprintf(why, whysz, "the direct map is at 0x%" PRIx64 " or 0x%" PRIx64
				 ": copies of the kernel image in RAM", base, other);
		else if (err)
			snprintf(why, whysz, "no direct map holds the kernel image (task at 0x%" PRIx64
				 ", Kernel code at physical 0x%" PRIx64 ")%s%s", task, io->code,
				 err == -IC_ENOTFOUND ? "" : ": ",
				 err == -IC_ENOTFOUND ? "" : ic_strerror(err));
	}
	if (err) {
		if (err != -ENOMEM && err != -IC_EAMBIGUOUS)
			err = -IC_ENOTFOUND;
		goto fail;
	}
	b->base = *base_io = base;
	img = calloc(1, sizeof(*img));
	if (!img || !(img->path = strdup("live memory (BPF)"))) {
		free(img);
		img = NULL;
		err = -ENOMEM;
		goto out;
	}
	img->fd = -1;
	img->ctx = ctx;
	img->fmt = &ic_fmt_bpf_live;
	img->priv = b;
	b = NULL; /* img owns it */
	for (size_t i = 0; i < io->nram && !err; i++) {
		uint64_t s = io->ram[i].lo, e = io->ram[i].hi;

		if (lo < hi) {
			s = s > lo ? s : lo;
			e = e < hi ? e : hi;
		}
		if (s < e)
			err = ic_image_add_range(img, s, e - s, 0);
	}
	if (!err)
		err = ic_image_finish_ranges(img);
	if (!err)
		err = add_vmcoreinfo(img, img->priv, paths->vmcoreinfo);
	if (err)
		goto out;
	pr_info(ctx, "%s: direct map at 0x%" PRIx64 "%s, %zu RAM ranges, %" PRIu64 " bytes; _text at "
		"physical 0x%" PRIx64, img->path, base, task ? " (found below the running task)" : "",
		img->nranges, img->bytes, text->phys);
	goto out;
fail:
	pr_info(ctx, "live memory through BPF: %s", why);
out:
	bpf_live_free(b);
	free(io);
	free(txt);
	if (err)
		ic_image__free(img);
	else
		*out = img;
	return err;
}
