/* SPDX-License-Identifier: MIT */
/* The ISF writer's internal entry point, for tests and fuzzing. */
#ifndef ISFCARVE_ISF_WRITE_H
#define ISFCARVE_ISF_WRITE_H

#include "6-typing/isf_int.h"

/* ic_isf__write() to any byte sink (tests, fuzzing; stdout and files go through 0-base/out.c). */
IC_HIDDEN int ic_isf__write_sink(const struct ic_ctx *ctx, const struct ic_isf_input *in,
				 ic_sink_fn sink, void *arg, struct ic_isf_stats *stats);

#endif
