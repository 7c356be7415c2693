"""Shared helpers for tests/scripts/*.py: fixture paths, running the CLI, skipping rules."""
import os
import subprocess
import sys

SRC = os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("IC_BIN", "isfcarve")
BUILD = os.environ.get("IC_BUILD", ".")


def skip(msg):
    """Exit 77 (skip) outside CI, fail in CI: fixtures must be there."""
    print("skip:", msg, file=sys.stderr)
    sys.exit(1 if os.environ.get("CI") else 77)


def fixture(fx, name):
    """Path of a decompressed shared fixture file."""
    r = subprocess.run(["bash", os.path.join(SRC, "tests/lib/fixture.sh"), fx, name],
                       capture_output=True, text=True)
    if r.returncode == 77:
        skip(r.stderr.strip())
    if r.returncode:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


def run(*args, check=True, **kw):
    r = subprocess.run([BIN, *args], capture_output=True, **kw)
    if check and r.returncode:
        raise RuntimeError(f"isfcarve {' '.join(args)} exited {r.returncode}: {r.stderr[-2000:]!r}")
    return r


class Counter:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, msg, ok=None):
        """Count cond; print msg as a failure, or ok (if given) as what passed."""
        if cond:
            self.passed += 1
            if ok:
                print("ok:", ok)
        else:
            self.failed += 1
            print("FAIL:", msg, file=sys.stderr)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        sys.exit(1 if self.failed else 0)


def system_map(fx):
    """{name: link-time address} of a fixture's System.map (the last of a duplicated name)."""
    link = {}
    with open(fixture(fx, "System.map")) as f:
        for ln in f:
            a, _t, n = ln.split()[:3]
            link[n] = int(a, 16)
    return link


def slide(fx):
    """The fixture's true KASLR virtual slide (truth/slide.txt)."""
    with open(fixture(fx, "truth/slide.txt")) as f:
        for ln in f:
            if ln.startswith("kaslr_virtual_slide="):
                return int(ln.split("=")[1].split()[0], 16)
    raise RuntimeError(f"{fx}: no kaslr_virtual_slide in truth/slide.txt")
