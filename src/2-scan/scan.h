/* SPDX-License-Identifier: MIT */
/* The scan engine, below the carvers: it runs whatever carvers it is given (through the
 * struct ic_carver interface alone) and knows none of them by name. The registry's
 * ic_scan() (carvers/registry.c) passes the real list; tests may pass their own. */
#ifndef ISFCARVE_SCAN_H
#define ISFCARVE_SCAN_H

#include "isfcarve/carver.h"
#include "0-base/internal.h"

/*
 * One parallel pass over every range of img, each chunk to every carver of the NULL-ended
 * list carvers, then their prepare()/finish() in list order (later carvers may read earlier
 * slots). out is zeroed first; each carver's slot status is set. 0 or a negative error
 * (-ENOMEM, -EINVAL, -IC_ELIMIT, a read error); the caller releases out either way.
 */
IC_HIDDEN int ic_scan__carvers(const struct ic_ctx *ctx, const struct ic_image *img,
			       const struct ic_carver *const *carvers, struct ic_findings *out);

#endif
