/* SPDX-License-Identifier: MIT */
/* One pass over the image: chunks spread over threads, every carver sees every chunk. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "isfcarve/carver.h"
#include "isfcarve/kaslr.h"
#include "internal.h"
#include "limits.h"

struct chunk {
	uint64_t phys;
	size_t len;   /* owned bytes */
	size_t avail; /* readable bytes: len + lookahead, clipped at the range end */
};

struct scan_job {
	const struct ic_ctx *ctx;
	const struct ic_image *img;
	const struct ic_carver *const *carvers;
	unsigned ncarvers;
	struct chunk *chunks;
	size_t nchunks;
	void **states; /* [chunk][carver] */
	atomic_size_t next;
	atomic_uint_fast64_t done;
	uint64_t total;
	atomic_int err;
	size_t lookahead;
};

static void *worker(void *arg)
{
	struct scan_job *job = arg;
	uint8_t *scratch = NULL;
	bool reporter = false;

	for (;;) {
		size_t ci = atomic_fetch_add(&job->next, 1);
		const struct chunk *c;
		const uint8_t *p;

		if (ci >= job->nchunks || atomic_load(&job->err))
			break;
		if (ci == 0)
			reporter = true; /* the thread that took chunk 0 reports progress */
		c = &job->chunks[ci];
		p = ic_image__ptr(job->img, c->phys, c->avail);
		if (!p) {
			if (!scratch && !(scratch = malloc(IC_SCAN_CHUNK + job->lookahead))) {
				atomic_store(&job->err, -ENOMEM);
				break;
			}
			if (ic_image__read(job->img, c->phys, scratch, c->avail)) {
				/* Absent pages of a sparse format: nothing to scan here. */
				atomic_fetch_add(&job->done, c->len);
				continue;
			}
			p = scratch;
		}
		for (unsigned k = 0; k < job->ncarvers; k++) {
			const struct ic_carver *cv = job->carvers[k];
			int err;

			if (!cv->scan)
				continue;
			err = cv->scan(job->states[ci * job->ncarvers + k], p, c->len, c->avail, c->phys);
			if (err) {
				pr_warn(job->ctx, "scan: carver %s failed at 0x%" PRIx64 ": %s", cv->name,
					c->phys, ic_strerror(err));
				atomic_store(&job->err, err);
				break;
			}
		}
		atomic_fetch_add(&job->done, c->len);
		if (reporter && job->ctx && job->ctx->progress)
			job->ctx->progress(atomic_load(&job->done), job->total, job->ctx->progress_arg);
	}
	free(scratch);
	return NULL;
}

static int make_chunks(struct scan_job *job)
{
	const struct ic_range *r = ic_image__ranges(job->img);
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < ic_image__nranges(job->img); i++) {
		for (uint64_t off = 0; off < r[i].len; off += IC_SCAN_CHUNK) {
			struct chunk *c;
			uint64_t left = r[i].len - off;

			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				c = ic_reallocarray(job->chunks, ncap, sizeof(*c));
				if (!c)
					return -ENOMEM;
				job->chunks = c;
				cap = ncap;
			}
			c = &job->chunks[n++];
			c->phys = r[i].phys + off;
			c->len = left < IC_SCAN_CHUNK ? (size_t)left : IC_SCAN_CHUNK;
			c->avail = left < (uint64_t)c->len + job->lookahead ? (size_t)left
									     : c->len + job->lookahead;
		}
	}
	job->nchunks = n;
	return 0;
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
	job.total = ic_image__bytes(img);
	atomic_init(&job.next, 0);
	atomic_init(&job.done, 0);
	atomic_init(&job.err, 0);

	err = make_chunks(&job);
	if (err)
		goto out;
	job.states = ic_calloc(job.nchunks * job.ncarvers + 1, sizeof(void *));
	if (!job.states) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t ci = 0; ci < job.nchunks; ci++)
		for (unsigned k = 0; k < job.ncarvers; k++) {
			const struct ic_carver *cv = job.carvers[k];
			void **st = &job.states[ci * job.ncarvers + k];

			if (cv->scan_new && !(*st = cv->scan_new(ctx))) {
				err = -ENOMEM;
				goto out;
			}
		}

	nthreads = ctx && ctx->threads ? ctx->threads : ic_online_cpus();
	if (nthreads > IC_ARRAY_SIZE(tids))
		nthreads = IC_ARRAY_SIZE(tids);
	if (nthreads > job.nchunks)
		nthreads = job.nchunks ? (unsigned)job.nchunks : 1;
	for (unsigned t = 1; t < nthreads; t++) {
		if (pthread_create(&tids[t], NULL, worker, &job))
			break;
		started++;
	}
	worker(&job);
	for (unsigned t = 1; t <= started; t++)
		pthread_join(tids[t], NULL);
	err = atomic_load(&job.err);
	if (err)
		goto out;

	/* Validation, in registry order: later carvers may read earlier slots. */
	{
		void **per = ic_calloc(job.nchunks + 1, sizeof(void *));

		if (!per) {
			err = -ENOMEM;
			goto out;
		}
		for (unsigned k = 0; k < job.ncarvers; k++) {
			const struct ic_carver *cv = job.carvers[k];
			int st;

			for (size_t ci = 0; ci < job.nchunks; ci++)
				per[ci] = job.states[ci * job.ncarvers + k];
			st = cv->finish(ctx, img, per, (unsigned)job.nchunks, out);
			out->status[cv->slot] = st;
			if (st && st != -IC_ENOTFOUND)
				pr_warn(ctx, "%s: carver %s: %s", ic_image__path(img), cv->name,
					ic_strerror(st));
			else
				pr_info(ctx, "%s: carver %s: %s", ic_image__path(img), cv->name,
					st ? "nothing found" : "found");
		}
		free(per);
	}
out:
	if (job.states) {
		for (size_t ci = 0; ci < job.nchunks; ci++)
			for (unsigned k = 0; k < job.ncarvers; k++)
				if (job.carvers[k]->scan_free)
					job.carvers[k]->scan_free(job.states[ci * job.ncarvers + k]);
		free(job.states);
	}
	free(job.chunks);
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
	memset(f, 0, sizeof(*f));
}
