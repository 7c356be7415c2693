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


def raw_kallsyms(c, fx, src, tmp):
    """fx's image src converted to a raw image in tmp (file offset = physical address, below
    4 GiB: tests/lib/imgconv.py) with its kallsyms report from `isfcarve scan --json`:
    (raw path, the kallsyms object, {table name: (phys, size)}), or None after a failed check
    on counter c."""
    raw = os.path.join(tmp, "mem.raw")
    subprocess.run([os.environ.get("IC_PYTHON", "/usr/bin/python3"),
                    os.path.join(SRC, "tests", "lib", "imgconv.py"), src, raw, "--max-phys",
                    "0xf0000000"], check=True, capture_output=True)
    r = run("scan", "--json", "-j", "2", raw, check=False)
    c.check(r.returncode == 0, f"{fx}: scan exit {r.returncode}")
    if r.returncode:
        return None
    import json
    ks = json.loads(r.stdout)["kallsyms"]
    return raw, ks, {k: (int(v["phys"], 0), v["size"]) for k, v in ks["tables"].items()}


def kallsyms_tokens(raw, tabs):
    """The token table bytes (with one byte more), each token's offset in it, the 256 token
    strings and the kallsyms_names bytes, read from raw at the tables raw_kallsyms() gave."""
    with open(raw, "rb") as f:
        def read(at, n):
            f.seek(at)
            return f.read(n)
        tt, tsize = tabs["kallsyms_token_table"]
        ttab = read(tt, tsize + 1)
        tix = read(tabs["kallsyms_token_index"][0], 512)
        nms = read(*tabs["kallsyms_names"])
    idx = [int.from_bytes(tix[2 * i:2 * i + 2], "little") for i in range(256)]
    return ttab, idx, [ttab[idx[i]:ttab.index(0, idx[i])] for i in range(256)], nms
