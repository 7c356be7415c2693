/* SPDX-License-Identifier: MIT */
/* isfcarve error vocabulary: negative errno, or negative IC_E* (base 4000). */
#ifndef ISFCARVE_ERROR_H
#define ISFCARVE_ERROR_H

#include "isfcarve/common.h"

/* Library functions return 0 or a negative code: -errno (EIO, ENOMEM, EINVAL ...)
 * or -IC_E*. -EPROTO from a format probe means "definitely not this format". */
enum ic_errno {
	IC_ERRNO__START = 4000,
	IC_EFORMAT,      /* input is malformed (bad magic, bad field, walk off the end) */
	IC_ETRUNC,       /* input ends before a structure it announces */
	IC_ENOTFOUND,    /* the thing looked for is not in the input (not fatal by itself) */
	IC_ELIMIT,       /* an input-driven size exceeds a ceiling from src/0-base/ic_limits.h */
	IC_EUNSUPP,      /* well-formed but unsupported (format version, kind, arch) */
	IC_EPLACEHOLDER, /* Debian's placeholder System.map */
	IC_EINCOMPLETE,  /* a needed piece is missing; a partial result may exist */
	IC_EAMBIGUOUS,   /* several candidates and no evidence to choose */
	IC_ERRNO__END,
};

/* Static string for a code (accepts negative or positive values). */
IC_API const char *ic_strerror(int err);

#endif
