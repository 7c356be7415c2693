/* SPDX-License-Identifier: MIT */
/* Export macro, version and the context object every library call takes. */
#ifndef ISFCARVE_COMMON_H
#define ISFCARVE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(ISFCARVE_BUILDING)
#define IC_API __attribute__((visibility("default")))
#else
#define IC_API
#endif

#define IC_VERSION_MAJOR 0
#define IC_VERSION_MINOR 1
#define IC_VERSION_PATCH 0
#define IC_VERSION_STRING "0.1.0"

enum ic_log_level {
	IC_LOG_WARN = 0,
	IC_LOG_INFO = 1,
	IC_LOG_DEBUG = 2,
};

/* The library never prints: every diagnostic goes through this callback.
 * msg is one line without the trailing newline. */
typedef void (*ic_print_fn)(enum ic_log_level level, const char *msg, void *arg);

/* Explicit run state instead of globals. Zero-initialised = silent, threads = online CPUs. */
struct ic_ctx {
	ic_print_fn print;     /* NULL: discard messages */
	void *print_arg;
	enum ic_log_level level; /* messages above this level are not formatted at all */
	unsigned threads;      /* scan threads; 0 = online CPUs */
	/* Progress of long scans: done/total bytes. NULL = none. Called from one thread. */
	void (*progress)(uint64_t done, uint64_t total, void *arg);
	void *progress_arg;
};

IC_API const char *ic_version(void);

#endif
