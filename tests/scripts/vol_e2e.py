#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Volatility 3 end to end on one real fixture (run by tests/scripts/test_vol_*.py).

  vol_e2e.py FIXTURE IMAGE [--reuse] [--la57]

The vendored Volatility 3 release (../shared/vendor/volatility3-2.11.0.tar.xz, unpacked once into
the build tree) runs with Debian's python3 (this interpreter).  Checked, against the fixture's truth:
  stock   vol.py -s S (S = `isfcarve IMAGE --symbols-dir S`), fresh cache:
          linux.pslist = truth/ps, linux.lsmod = truth/modules, linux.sockstat = truth/netstat
  ext     vol.py -p volatility3/ -s EMPTY, fresh cache: the extension's automagic runs isfcarve;
          linux.pslist prints the same as the stock run (and EMPTY now holds the profile)
  --reuse a second extension run prints the same without starting isfcarve ($ISFCARVE is a
          stub that records being called)
(isfcarve missing or failing: test_vol_errors.py, on a small synthetic file.)
  --la57  5-level image: the stock run is the control (no process at all: Volatility 2.11 walks
          5-level tables as 4-level); through the extension pslist, lsmod and sockstat = truth
Documented differences from truth (docs/volatility.md): the `ps` that collected truth/ps has
exited before the dump; a LiME image also holds LiME's `insmod` and the `lime` module.
The kdump fixture is not run: Volatility 2.11 has no kdump-compressed layer.

Cost (Volatility is slow, ~10-40 s per run on 256 MiB): each fresh cache validates the ISF against
Volatility's JSON schema once (the slow part of a cold run).  The extension's fresh cache is
seeded with the stock cache's valid_isf.hashcache only - the list of ISF hashes already validated,
which isfcarve's byte-identical profile matches - so the identifier cache (what the automagic and
the stackers look at) is still empty and the automagic path is exercised for real.
"""
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

VOL_RELEASE = "volatility3-2.11.0"
EXT = os.path.join(icfix.SRC, "volatility3")


def volatility():
    """vol.py of the vendored release, unpacked once into the build tree (atomic rename)."""
    shared = os.environ.get("IC_SHARED") or os.path.join(icfix.SRC, "..", "shared")
    tarball = os.path.join(shared, "vendor", VOL_RELEASE + ".tar.xz")
    dest = os.path.join(icfix.BUILD, VOL_RELEASE)
    if not os.path.exists(os.path.join(dest, "vol.py")):
        if not os.path.exists(tarball):
            icfix.skip(f"{tarball} not found")
        tmp = tempfile.mkdtemp(dir=icfix.BUILD, prefix=".vol-unpack-")
        with tarfile.open(tarball) as t:
            t.extractall(tmp)
        try:
            os.rename(os.path.join(tmp, VOL_RELEASE), dest)
        except OSError:
            if not os.path.exists(os.path.join(dest, "vol.py")):  # not a lost race
                raise
        shutil.rmtree(tmp, ignore_errors=True)
    return os.path.join(dest, "vol.py")


class Vol:
    def __init__(self, image, work):
        self.vol = volatility()
        self.image = image
        self.work = work
        self.times = []

    def cache(self, name, seed_from=None):
        path = os.path.join(self.work, name)
        os.makedirs(path)
        if seed_from:
            src = os.path.join(seed_from, "valid_isf.hashcache")
            if os.path.exists(src):
                shutil.copy(src, path)
        return path

    def run(self, plugin, symbols, cache, ext=False, env=None, quiet=True):
        argv = [sys.executable, self.vol] + (["-q"] if quiet else []) + [
            "-r", "csv", "--cache-path", cache, "-s", symbols, "-f", self.image]
        if ext:
            argv[2:2] = ["-p", EXT]  # after vol.py
        argv.append(plugin)
        # no __pycache__ written into the source tree's volatility3/ folder
        e = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
        t0, u0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run(argv, capture_output=True, text=True, env=e, timeout=900)
        u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        dt, cpu = time.monotonic() - t0, (u1.ru_utime - u0.ru_utime) + (u1.ru_stime - u0.ru_stime)
        self.times.append((plugin + (" ext" if ext else ""), dt, cpu))
        print(f"  {plugin}{' (extension)' if ext else ''}: exit {r.returncode}, "
              f"{dt:.1f}s wall, {cpu:.1f}s CPU", flush=True)
        if r.returncode:
            print(r.stderr[-3000:], file=sys.stderr)
        self.stdout = r.stdout
        return r.returncode, rows(r.stdout), r.stderr


def rows(csv_text):
    """Volatility's CSV renderer output -> list of dicts (the banner line is skipped)."""
    import csv
    lines = [ln for ln in csv_text.splitlines() if ln and not ln.startswith("Volatility 3")]
    return list(csv.DictReader(lines))


def truth(fx, name):
    with open(icfix.fixture(fx, "truth/" + name), encoding="utf-8", errors="replace") as f:
        return f.read()


# ---- expected values from truth ----

def truth_ps(fx):
    """{pid: (ppid, comm candidates)} from busybox ps; the collecting `ps` is dropped."""
    out = {}
    for ln in truth(fx, "ps").splitlines()[1:]:
        m = re.match(r"\s*(\d+)\s+(\d+)\s+\S+\s+(.*)$", ln)
        if not m:
            continue
        pid, ppid, cmd = int(m.group(1)), int(m.group(2)), m.group(3)
        if cmd.startswith("{ps}"):
            continue  # exited before the dump (testdata README)
        if cmd.startswith("["):
            name = cmd[1:].rstrip("]")  # kernel thread; ps may append "-<workqueue>"
        elif cmd.startswith("{"):
            name = cmd[1:cmd.index("}")]
        else:
            name = os.path.basename(cmd.split()[0])
        out[pid] = (ppid, name)
    return out


def check_pslist(c, label, got, fx, lime):
    want = truth_ps(fx)
    seen = {}
    for r in got:
        seen[int(r["PID"])] = (int(r["PPID"]), r["COMM"])
    if lime:  # LiME is loaded by insmod, which runs while the image is written
        seen = {p: v for p, v in seen.items() if not (v[1] == "insmod" and p not in want)}
    c.check(set(seen) == set(want),
            f"{label}: pids differ: extra {sorted(set(seen) - set(want))}, "
            f"missing {sorted(set(want) - set(seen))}")
    bad = [(p, seen[p], want[p]) for p in set(seen) & set(want)
           if seen[p][0] != want[p][0]
           or not (want[p][1].startswith(seen[p][1]) or seen[p][1].startswith(want[p][1][:15]))]
    c.check(not bad, f"{label}: ppid/comm differ (pid, got, truth): {bad[:5]}")
    c.check(len(want) > 30, f"{label}: truth/ps too short to mean anything")


def check_lsmod(c, label, got, fx, lime):
    want = set()
    for ln in truth(fx, "modules").splitlines():
        f = ln.split()
        if len(f) >= 2:
            want.add((f[0], int(f[1])))
    have = {(r["Name"], int(r["Size"])) for r in got}
    if lime:
        have = {m for m in have if m[0] != "lime"}
    c.check(want and have == want, f"{label}: modules {sorted(have)} != truth {sorted(want)}")


def _split_hostport(s):
    host, _, port = s.rpartition(":")
    return host, (0 if port == "*" else int(port))


# Volatility 2.11 on 7.x kernels prints "::" as the peer of an IPv6 TCP socket (the established
# ::ffff:127.0.0.1 one); dwarf2json's profile of the same kernel prints the same (measured, see
# docs/volatility.md), so it is Volatility's reading, not the profile.  Only that, only there.
V6_PEER_UNREAD = {"fx-forky-7.2"}


def check_sockstat(c, label, got, fx):
    tcp_want, unix_want = set(), set()
    for ln in truth(fx, "netstat").splitlines():
        f = ln.split()
        if f and f[0] == "tcp" and len(f) >= 6:
            tcp_want.add(_split_hostport(f[3]) + _split_hostport(f[4]) + (f[5],))
        elif f and f[0] == "unix":
            # unix  RefCnt [ flags ] Type State I-Node Path: netstat's State for a bound
            # datagram socket is not Volatility's; type, inode and path are compared
            m = re.search(r"\]\s+(\S+)\s+(?:\S+\s+)?(\d+)\s+(\S+)$", ln)
            if m:
                unix_want.add((m.group(1), int(m.group(2)), m.group(3)))
    tcp, unix = set(), set()
    for r in got:
        if r["Proto"] == "TCP":
            tcp.add((r["Source Addr"], int(r["Source Port"]), r["Destination Addr"],
                     int(r["Destination Port"]), r["State"]))
        elif r["Family"] == "AF_UNIX" and r["Source Addr"].startswith("/"):
            unix.add((r["Type"], int(r["Source Port"]), r["Source Addr"]))
    if fx in V6_PEER_UNREAD:
        def fill_peer(t):
            # an IPv6 socket whose peer Volatility left "::": take the truth's peer if the local
            # end, peer port and state agree with exactly one truth line
            if t[2] != "::" or t[3] == 0 or ":" not in t[0]:
                return t
            same = [w for w in tcp_want if (w[0], w[1], w[3], w[4]) == (t[0], t[1], t[3], t[4])]
            return same[0] if len(same) == 1 else t
        tcp = {fill_peer(t) for t in tcp}
    c.check(tcp_want and tcp == tcp_want, f"{label}: tcp {sorted(tcp)} != truth {sorted(tcp_want)}")
    c.check(unix_want and unix_want <= unix,
            f"{label}: unix {sorted(unix)} lacks truth {sorted(unix_want - unix)}")


def main(args):
    fx, image_name = args[0], args[1]
    reuse, la57 = "--reuse" in args, "--la57" in args
    lime = image_name.endswith(".lime")
    image = icfix.fixture(fx, image_name)
    c = icfix.Counter()
    work = tempfile.mkdtemp(dir=icfix.BUILD, prefix=f"vol-{fx}-")
    v = Vol(image, work)
    print(f"{fx}: {os.path.basename(image)} with {VOL_RELEASE}", flush=True)

    # The image-only profile, by the CLI, as docs/volatility.md's second way in.
    symdir = os.path.join(work, "symbols")
    r = icfix.run(image, "--symbols-dir", symdir, "-q", check=False)
    c.check(r.returncode == 0, f"isfcarve exit {r.returncode}: {r.stderr[-800:]!r}")

    stock = v.cache("cache-stock")
    code, ps_stock, err = v.run("linux.pslist", symdir, stock)
    c.check(code == 0, f"stock pslist exit {code}")
    if la57:
        # Control: stock Volatility cannot walk 5-level tables (if it ever can, this says so).
        c.check(len(ps_stock) == 0, f"stock pslist on 5-level listed {len(ps_stock)} tasks")
    else:
        check_pslist(c, "stock pslist", ps_stock, fx, lime)
        code, got, _ = v.run("linux.lsmod", symdir, stock)
        check_lsmod(c, "stock lsmod", got, fx, lime)
        code, got, _ = v.run("linux.sockstat", symdir, stock)
        check_sockstat(c, "stock sockstat", got, fx)

    # The extension: empty symbols dir, fresh identifier cache -> the automagic runs isfcarve.
    empty = os.path.join(work, "empty-symbols")
    os.makedirs(empty)
    ext_cache = v.cache("cache-ext", seed_from=stock)
    env = {"ISFCARVE": icfix.BIN}
    code, ps_ext, err = v.run("linux.pslist", empty, ext_cache, ext=True, env=env)
    made = os.listdir(os.path.join(empty, "linux")) if os.path.isdir(os.path.join(empty, "linux")) else []
    c.check(any(n.endswith(".json.xz") for n in made), f"extension made no profile in {empty}: {err[-800:]}")
    c.check(code == 0, f"extension pslist exit {code}")
    check_pslist(c, "extension pslist", ps_ext, fx, lime)
    if not la57:
        c.check(ps_ext == ps_stock, "extension pslist output differs from the stock run's")
    else:
        code, got, _ = v.run("linux.lsmod", empty, ext_cache, ext=True, env=env)
        check_lsmod(c, "extension lsmod (5-level)", got, fx, lime)
        code, got, _ = v.run("linux.sockstat", empty, ext_cache, ext=True, env=env)
        check_sockstat(c, "extension sockstat (5-level)", got, fx)

    if reuse:
        # Second run: the profile is in the symbols dir and the cache; isfcarve must not start.
        marker = os.path.join(work, "isfcarve-called")
        stub = os.path.join(work, "isfcarve-stub")
        with open(stub, "w") as f:
            f.write(f"#!/bin/sh\ntouch '{marker}'\nexit 4\n")
        os.chmod(stub, 0o755)
        code, ps_again, _ = v.run("linux.pslist", empty, ext_cache, ext=True, env={"ISFCARVE": stub})
        c.check(not os.path.exists(marker), "second extension run started isfcarve again")
        c.check(code == 0 and ps_again == ps_ext, "second extension run printed something else")

    print(f"  total: {sum(t[1] for t in v.times):.1f}s wall, {sum(t[2] for t in v.times):.1f}s CPU "
          "in vol.py (+ isfcarve)")
    shutil.rmtree(work, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
