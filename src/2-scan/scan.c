/* SPDX-License-Identifier: MIT */
/* One pass over the image: batches spread over threads, every carver sees every byte while it is hot. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/carver.h"
#include "isfcarve/kaslr.h"
#include "0-base/internal.h"
#include "0-base/ic_limits.h"
#include "1-image/image_internal.h"

/*
 * Work is cut in three levels:
 *  - piece: [phys, phys+len) inside one range, with `avail` readable bytes (len + lookahead,
 *    clipped at the end of the physically contiguous run of ranges). A piece whose lookahead
 *    would cross into the next (adjacent) range is split so that only its last `lookahead`
 *    bytes are copied into a small buffer; everything else is scanned in place in the mmap.
 *    Formats that decode read every piece through that buffer, SCAN_STEP bytes at a time.
 *  - batch: consecutive pieces worth about IC_SCAN_CHUNK bytes, in ascending phys order. Each
 *    batch has one state per carver, so states stay in phys order and their number is bounded
 *    by bytes / IC_SCAN_CHUNK + ranges, never by a count of tiny ranges times carvers.
 *  - block: SCAN_BLOCK bytes of a piece handed to every carver in turn, so the bytes are still
 *    in L2 when the second carver looks at them.
 */
#define SCAN_BLOCK (64u << 10)

struct piece {
	uint64_t phys;
	size_t len;
	size_t avail;
	bool copy; /* avail crosses a range boundary: read it through ic_image__read */
};

struct batch {
	size_t first, n;
	uint64_t bytes;
};

struct scan_job {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	const struct ic_carver *const *carvers;
	unsigned ncarvers;
	struct piece *pieces;
	size_t npieces, pcap;
	struct batch *batches;
	size_t nbatches, bcap;
	void **states; /* [batch][carver] */
	atomic_size_t next;
	atomic_uint_fast64_t done;
	uint64_t total;
	atomic_int err;
	size_t lookahead;
};

/* Every carver over [p, p + len) in SCAN_BLOCK blocks; avail bytes are readable at p. */
static int scan_blocks(struct scan_job *job, void *const *st, const uint8_t *p, uint64_t phys,
		       size_t len, size_t avail)
{
	for (size_t off = 0; off < len; off += SCAN_BLOCK) {
		size_t n = len - off < SCAN_BLOCK ? len - off : SCAN_BLOCK;

		for (unsigned k = 0; k < job->ncarvers; k++) {
			const struct ic_carver *cv = job->carvers[k];
			int err;

			if (!cv->scan)
				continue;
			err = cv->scan(st[k], p + off, n, avail - off, phys + off);
			if (err) {
				pr_warn(job->ctx, "%s: scan: carver %s failed at phys 0x%" PRIx64 ": %s",
					ic_image__path(job->img), cv->name, phys + off, ic_strerror(err));
				return err;
			}
		}
	}
	return 0;
}

/*
 * A piece that must be read (compressed formats; a mapped range's tail whose lookahead crosses
 * into the next range): decoded SCAN_STEP bytes at a time into buf (scan_buf_size() bytes, small
 * enough to stay in the L2 cache), each block scanned as soon as it and its lookahead are there.
 * Decoding a whole 8 MiB piece first left its start in DRAM by the time the carvers read it.
 * Reads stay SCAN_STEP-aligned from the piece's start, so they cover whole compression units.
 * A read that fails (a corrupt chunk or page: the reader has warned) costs only the blocks
 * whose bytes or lookahead it held; the rest of the piece is still scanned. 0, or a negative
 * error.
 */
#define SCAN_STEP (256u << 10)

static size_t scan_buf_size(const struct scan_job *job)
{
	return SCAN_STEP + SCAN_BLOCK + job->lookahead;
}

static int scan_decoded(struct scan_job *job, void *const *st, const struct piece *pc, uint8_t *buf)
{
	size_t cap = scan_buf_size(job), base = 0, have = 0; /* buf[0] = piece byte base */
	size_t bad_end = 0;                                  /* blocks before it touch a bad read */

	for (size_t off = 0; off < pc->len; off += SCAN_BLOCK) {
		size_t len = pc->len - off < SCAN_BLOCK ? pc->len - off : SCAN_BLOCK;
		size_t need = pc->avail - off < len + job->lookahead ? pc->avail : off + len + job->lookahead;
		int err;

		while (off >= bad_end && base + have < need) {
			size_t left = pc->avail - (base + have), n = left < SCAN_STEP ? left : SCAN_STEP;

			if (have + n > cap) {
				/* keep this block's bytes on: < SCAN_BLOCK + lookahead of them */
				have = base + have - off;
				memmove(buf, buf + (off - base), have);
				base = off;
			}
			if (ic_image__read_stream(job->img, pc->phys + base + have, buf + have, n)) {
				bad_end = base + have + n; /* go on after it, still SCAN_STEP-aligned */
				base = bad_end;
				have = 0;
				break;
			}
			have += n;
		}
		if (off < bad_end)
			continue;
		err = scan_blocks(job, st, buf + (off - base), pc->phys + off, len, base + have - off);
		if (err)
			return err;
	}
	return 0;
}

/* Scan batch bi with all carvers. 0 or a negative error. */
static int run_batch(struct scan_job *job, size_t bi, uint8_t *buf)
{
	const struct batch *b = &job->batches[bi];
	void *const *st = &job->states[bi * job->ncarvers];

	for (size_t i = b->first; i < b->first + b->n; i++) {
		const struct piece *pc = &job->pieces[i];
		const uint8_t *p = pc->copy ? NULL : ic_image__ptr(job->img, pc->phys, pc->avail);
		int err = p ? scan_blocks(job, st, p, pc->phys, pc->len, pc->avail)
			    : scan_decoded(job, st, pc, buf);

		if (err)
			return err;
	}
	atomic_fetch_add(&job->done, b->bytes);
	return 0;
}

/* Take batches until none is left. With report set (the calling thread only), report
 * progress after each batch. */
static void work(struct scan_job *job, bool report)
{
	uint8_t *buf = malloc(scan_buf_size(job));

	if (!buf) {
		atomic_store(&job->err, -ENOMEM);
		return;
	}
	for (;;) {
		size_t bi = atomic_fetch_add(&job->next, 1);
		int err;

		if (bi >= job->nbatches || atomic_load(&job->err))
			break;
		err = run_batch(job, bi, buf);
		if (err) {
			atomic_store(&job->err, err);
			break;
		}
		if (report)
			job->ctx->progress(atomic_load(&job->done), job->total, job->ctx->progress_arg);
	}
	free(buf);
}

static void *worker(void *arg)
{
	work(arg, false);
	return NULL;
}

static int add_piece(struct scan_job *job, uint64_t phys, size_t len, size_t avail, bool copy)
{
	struct piece *pc;
	struct batch *b;

	if (job->npieces == job->pcap) {
		size_t cap = job->pcap ? job->pcap * 2 : 64;

		pc = ic_reallocarray(job->pieces, cap, sizeof(*pc));
		if (!pc)
			return -ENOMEM;
		job->pieces = pc;
		job->pcap = cap;
	}
	job->pieces[job->npieces] = (struct piece){ phys, len, avail, copy };
	/* Open a new batch when there is none or the last one is full. */
	b = job->nbatches ? &job->batches[job->nbatches - 1] : NULL;
	if (!b || b->bytes >= IC_SCAN_CHUNK) {
		if (job->nbatches == job->bcap) {
			size_t cap = job->bcap ? job->bcap * 2 : 64;

			b = ic_reallocarray(job->batches, cap, sizeof(*b));
			if (!b)
				return -ENOMEM;
			job->batches = b;
			job->bcap = cap;
		}
		b = &job->batches[job->nbatches++];
		*b = (struct batch){ job->npieces, 0, 0 };
	}
	b->n++;
	b->bytes += len;
	job->npieces++;
	return 0;
}

static int make_pieces(struct scan_job *job)
{
	const struct ic_range *r = ic_image__ranges(job->img);
	size_t nr = ic_image__nranges(job->img);
	const uint64_t la = job->lookahead;

	uint64_t run_end = 0;
	size_t run_last = 0; /* index of the last range of the current run */

	for (size_t i = 0; i < nr; i++) {
		uint64_t rend = r[i].phys + r[i].len;

		/* End of the physically contiguous run this range belongs to: lookahead may go
		 * there. Found once per run, so a million adjacent ranges stay linear. */
		if (i == 0 || i > run_last) {
			run_last = i;
			run_end = rend;
			while (run_last + 1 < nr && r[run_last + 1].phys == run_end) {
				run_last++;
				run_end = r[run_last].phys + r[run_last].len;
			}
		}
		for (uint64_t off = 0; off < r[i].len;) {
			uint64_t phys = r[i].phys + off, left = r[i].len - off;
			uint64_t len = left < IC_SCAN_CHUNK ? left : IC_SCAN_CHUNK;
			uint64_t avail = run_end - phys < len + la ? run_end - phys : len + la;
			int err;

			if (phys + avail > rend && run_end > rend) {
				/* The lookahead crosses into the next range. Scan all but the last `la`
				 * bytes in place, then those bytes alone through a copy. */
				if (len > la) {
					len -= la;
					avail = len + la;
					err = add_piece(job, phys, (size_t)len, (size_t)avail, false);
				} else {
					err = add_piece(job, phys, (size_t)len, (size_t)avail, true);
				}
			} else {
				err = add_piece(job, phys, (size_t)len, (size_t)avail, false);
			}
			if (err)
				return err;
			off += len;
		}
	}
	return 0;
}

/*
 * finish() of every carver, in registry order. The prepare() steps (the costly parts that need
 * no other carver's slot: carver.h) run meanwhile on a second thread, in registry order too, so
 * a carver's validation overlaps the finish() of those before it.
 */
struct prep_job {
	struct scan_job *job;
	void **per;  /* [carver][batch] states */
	void **prep; /* [carver] prepare() results */
};

static void *prep_thread(void *arg)
{
	struct prep_job *pj = arg;
	struct scan_job *job = pj->job;

	for (unsigned k = 0; k < job->ncarvers; k++)
		if (job->carvers[k]->prepare)
			pj->prep[k] = job->carvers[k]->prepare(job->ctx, job->img,
							       &pj->per[k * job->nbatches],
							       (unsigned)job->nbatches);
	return NULL;
}

static int finish_all(struct scan_job *job, struct ic_findings *out)
{
	const struct ic_ctx *ctx = job->ctx;
	struct prep_job pj = { .job = job };
	bool any_prep = false, threaded = false, joined = false;
	pthread_t pt;
	int err = 0;

	pj.per = ic_calloc((size_t)job->ncarvers * job->nbatches + 1, sizeof(void *));
	pj.prep = ic_calloc(job->ncarvers + 1, sizeof(void *));
	if (!pj.per || !pj.prep) {
		err = -ENOMEM;
		goto out;
	}
	for (unsigned k = 0; k < job->ncarvers; k++) {
		any_prep |= job->carvers[k]->prepare != NULL;
		for (size_t bi = 0; bi < job->nbatches; bi++)
			pj.per[k * job->nbatches + bi] = job->states[bi * job->ncarvers + k];
	}
	/* one thread asked for: no second one (each prepare() then runs just before its finish()) */
	if (any_prep && !(ctx && ctx->threads == 1))
		threaded = !pthread_create(&pt, NULL, prep_thread, &pj);
	for (unsigned k = 0; k < job->ncarvers; k++) {
		const struct ic_carver *cv = job->carvers[k];
		void *const *per = &pj.per[k * job->nbatches];
		void *prep = NULL;
		int st;

		if (cv->prepare && threaded && !joined) {
			pthread_join(pt, NULL);
			joined = true;
		}
		if (cv->prepare)
			prep = threaded ? pj.prep[k] : cv->prepare(ctx, job->img, per, (unsigned)job->nbatches);
		pj.prep[k] = NULL; /* finish() owns it now */
		st = cv->finish(ctx, job->img, per, (unsigned)job->nbatches, prep, out);
		out->status[cv->slot] = st;
		if (st && st != -IC_ENOTFOUND)
			pr_warn(ctx, "%s: carver %s: %s", ic_image__path(job->img), cv->name,
				ic_strerror(st));
		else
			pr_info(ctx, "%s: carver %s: %s", ic_image__path(job->img), cv->name,
				st ? "nothing found" : "found");
	}
out:
	if (threaded && !joined)
		pthread_join(pt, NULL);
	free(pj.per);
	free(pj.prep);
	return err;
}

int ic_scan(const struct ic_ctx *ctx, const struct ic_image *img, struct ic_findings *out)
{
	struct scan_job job;
	pthread_t tids[256];
	unsigned nthreads, started = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	memset(&job, 0, sizeof(job));
	job.ctx = ctx;
	job.img = img;
	job.carvers = ic_carvers;
	for (; ic_carvers[job.ncarvers]; job.ncarvers++) {
		if (ic_carvers[job.ncarvers]->lookahead > job.lookahead)
			job.lookahead = ic_carvers[job.ncarvers]->lookahead;
		out->status[ic_carvers[job.ncarvers]->slot] = -IC_ENOTFOUND;
	}
	if (job.lookahead > IC_SCAN_CHUNK)
		return -EINVAL; /* a carver bug: lookahead must fit the copy buffer */
	job.total = ic_image__bytes(img);
	atomic_init(&job.next, 0);
	atomic_init(&job.done, 0);
	atomic_init(&job.err, 0);

	err = make_pieces(&job);
	if (err)
		goto out;
	if (job.nbatches > UINT32_MAX) {
		pr_warn(ctx, "%s: too many scan batches (%zu)", ic_image__path(img), job.nbatches);
		err = -IC_ELIMIT;
		goto out;
	}
	job.states = ic_calloc(job.nbatches * job.ncarvers + 1, sizeof(void *));
	if (!job.states) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t bi = 0; bi < job.nbatches; bi++)
		for (unsigned k = 0; k < job.ncarvers; k++) {
			const struct ic_carver *cv = job.carvers[k];
			void **st = &job.states[bi * job.ncarvers + k];

			if (cv->scan_new && !(*st = cv->scan_new(ctx))) {
				err = -ENOMEM;
				goto out;
			}
		}

	nthreads = ctx && ctx->threads ? ctx->threads : ic_online_cpus();
	if (nthreads > IC_ARRAY_SIZE(tids))
		nthreads = IC_ARRAY_SIZE(tids);
	if (nthreads > job.nbatches)
		nthreads = job.nbatches ? (unsigned)job.nbatches : 1;
	for (unsigned t = 1; t < nthreads; t++) {
		if (pthread_create(&tids[t], NULL, worker, &job))
			break;
		started++;
	}
	/* The calling thread works too, and is the one that reports progress (common.h). */
	work(&job, ctx && ctx->progress);
	for (unsigned t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	err = atomic_load(&job.err);
	if (err)
		goto out;
	if (ctx && ctx->progress)
		ctx->progress(job.total, job.total, ctx->progress_arg);

	/* Validation, in registry order: later carvers may read earlier slots. */
	err = finish_all(&job, out);
	if (err)
		goto out;
	/* Do the pieces belong to one kernel? (carvers/same_kernel.c) */
	ic_same_kernel__check(ctx, img, out);
out:
	if (job.states) {
		for (size_t bi = 0; bi < job.nbatches; bi++)
			for (unsigned k = 0; k < job.ncarvers; k++)
				if (job.carvers[k]->scan_free)
					job.carvers[k]->scan_free(job.states[bi * job.ncarvers + k]);
		free(job.states);
	}
	free(job.pieces);
	free(job.batches);
	return err;
}

void ic_findings__release(struct ic_findings *f)
{
	if (!f)
		return;
	for (unsigned k = 0; ic_carvers[k]; k++)
		if (ic_carvers[k]->free_finding)
			ic_carvers[k]->free_finding(f);
	ic_kaslr__free(f->kaslr); /* the KASLR stage's slot (src/kaslr/kaslr_findings.c) */
	free(f->recovered);        /* src/5-symbols/recover/ */
	memset(f, 0, sizeof(*f));
}
