#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a command; print "WALL CPU MAXRSS_KiB PEAK_ANON_KiB" on one line (stdout of the command
is discarded, its stderr kept).

  runstat.py CMD [ARG...]

WALL is the process's wall time, CPU its user + system time (wait4's rusage), MAXRSS the peak
resident set (it counts the pages of a mapped image: page cache, not memory the run owns), and
PEAK_ANON the highest RssAnon of /proc/PID/status, summed over the process and its descendants
(isfcarve's supervisor does the work in a child, src/cli/supervise.c), seen while polling every
10 ms: the heap, stacks and anonymous mappings, i.e. what the run itself allocated. A peak shorter than the poll
interval can be missed; the heap of these runs grows and stays, so the figure is the plateau.
"""
import os
import subprocess
import sys
import time


def anon_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_anon_kib(pid):
    """RssAnon of pid and every descendant (via /proc/PID/task/*/children)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        q = todo.pop()
        if q in seen:
            continue
        seen.add(q)
        total += anon_kib(q)
        try:
            for t in os.listdir(f"/proc/{q}/task"):
                with open(f"/proc/{q}/task/{t}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return total


def main():
    t0 = time.perf_counter()
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
    peak = 0
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, tree_anon_kib(p.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - t0
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status):
        print(f"runstat: failed ({status:#x}): {' '.join(sys.argv[1:])}", file=sys.stderr)
        sys.exit(1)
    print(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.3f} {ru.ru_maxrss} {peak}")


if __name__ == "__main__":
    main()
