#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""CI sample of the whole-image mutation harness (tests/scripts/mutate_images.py): a fixed seed,
the four real fixtures, two runs at a time, at most IC_MUTATE_RUNS (120) mutated images or
IC_MUTATE_BUDGET_S (150) seconds, whichever comes first (the ASan build gets through fewer;
fewer than 10 finished runs is a failure, not a pass).
Every run must end in a failure exit (2/3) with no file left, or in a right profile (symbols =
System.map, banner = truth, types = the clean profile's); no crash, no sanitizer report, no hang.
Longer runs: tests/scripts/mutate_images.py --runs N --seed S (see docs/security.md)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import icfix  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
for fx, img in (("fx-deb12-6.1", "mem.lime"), ("fx-forky-7.2", "mem.elf"),
                ("fx-arm64-forky-7.2", "mem.elf"), ("fx-la57-6.12", "mem.elf")):
    icfix.fixture(fx, img)  # skip (77) outside CI when ../shared is absent, fail inside
asan = False
try:
    with open(os.path.join(icfix.BUILD, "CMakeCache.txt")) as f:
        asan = any(ln.startswith("IC_SANITIZE:") and "address" in ln for ln in f)
except OSError:
    pass
args = [sys.executable, os.path.join(here, "mutate_images.py"), "--seed", "18", "--jobs", "2",
        "--runs", os.environ.get("IC_MUTATE_RUNS", "120"),
        "--budget", os.environ.get("IC_MUTATE_BUDGET_S", "150"), "--min-runs", "10",
        "--timeout", "180" if asan else "60"]
sys.exit(subprocess.run(args).returncode)
