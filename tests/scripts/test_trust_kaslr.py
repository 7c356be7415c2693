#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Never a silently wrong profile, KASLR part (issue 18 D4, D8), on real fixtures.

D4: a VMCOREINFO KERNELOFFSET edited by +0x200000 (same length) in one of the two copies of
fx-forky-7.2 must be outvoted by independent evidence (link _text = __START_KERNEL_map +
CONFIG_PHYSICAL_START): exit 0 and every symbol = System.map, whichever copy is damaged. Every
copy edited (fx-forky-7.2, fx-deb12-6.1): exit 3 naming the evidence, no output.
D8: a profile in --symbols-dir whose symbols are 2 MiB off (same banner and BTF, so same name)
must not be reused by a clean image: rebuilt, then reused.
"""
import json
import lzma
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

KO = b"KERNELOFFSET="


def ko_copies(path):
    """File offsets of the hex value of every KERNELOFFSET= line inside a VMCOREINFO text."""
    data = open(path, "rb").read()
    out = []
    for m in re.finditer(re.escape(KO) + rb"([0-9a-f]+)\n", data):
        if b"OSRELEASE=" in data[max(0, m.start() - 4096):m.start()]:
            out.append((m.start(1), m.group(1)))
    return out


def patch(path, copies, which, delta):
    """Add delta to the value of the copies listed in which (same length), or restore them."""
    with open(path, "r+b") as f:
        for i, (off, val) in enumerate(copies):
            v = val if i not in which else b"%0*x" % (len(val), int(val, 16) + delta)
            assert len(v) == len(val)
            f.seek(off)
            f.write(v)


def system_map(fx):
    """System.map's names that occur once (static names repeat: any of them may be taken)."""
    out, seen = {}, set()
    for line in open(icfix.fixture(fx, "System.map")):
        a, _t, n = line.split()[:3]
        if n in seen:
            out.pop(n, None)
        else:
            out[n] = int(a, 16)
        seen.add(n)
    return out


def wrong_symbols(isf, smap):
    """Symbols of the ISF whose address is not System.map's (names in both)."""
    return [n for n, s in isf["symbols"].items() if n in smap and s.get("address") != smap[n]]


def load(path):
    with (lzma.open(path, "rt") if path.endswith(".xz") else open(path)) as f:
        return json.load(f)


def main():
    c = icfix.Counter()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    try:
        run_forky(c, tmp)
        run_deb12(c, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


def run_forky(c, tmp):
    fx = "fx-forky-7.2"
    src = icfix.fixture(fx, "mem.elf")
    smap = system_map(fx)
    img = os.path.join(tmp, "forky.elf")
    shutil.copyfile(src, img)
    copies = ko_copies(img)
    c.check(len(copies) == 2, f"{fx}: want 2 VMCOREINFO KERNELOFFSET copies, found {len(copies)}")
    out = os.path.join(tmp, "p.json")
    rep = os.path.join(tmp, "r.json")
    # One damaged copy, each in turn: the intact one wins, and the report says why.
    for i in range(len(copies)):
        patch(img, copies, {i}, 0x200000)
        r = icfix.run(img, "-o", out, "--report", rep, "--force", check=False)
        c.check(r.returncode == 0, f"copy {i} damaged: exit {r.returncode}: {r.stderr[-800:]!r}")
        if r.returncode == 0:
            bad = wrong_symbols(load(out), smap)
            c.check(not bad, f"copy {i} damaged: {len(bad)} symbols not System.map's, e.g. {bad[:3]}")
            ev = {e["check"]: e for e in load(rep)["kaslr"]["evidence"]}
            c.check(ev.get("vmcoreinfo:copies", {}).get("ok") is True,
                    f"copy {i} damaged: no vmcoreinfo:copies evidence: {sorted(ev)}")
            c.check(ev.get("link:_text", {}).get("ok") is True, f"copy {i}: link:_text {ev.get('link:_text')}")
    # Every copy damaged alike: nothing independent agrees: exit 3, evidence named, no file.
    patch(img, copies, set(range(len(copies))), 0x200000)
    os.path.exists(out) and os.unlink(out)
    r = icfix.run(img, "-o", out, "--report", rep, check=False)
    err = r.stderr.decode(errors="replace")
    c.check(r.returncode == 3, f"every copy damaged: exit {r.returncode} (want 3): {err[-800:]!r}")
    c.check("slide is in doubt" in err and "CONFIG_PHYSICAL_START" in err,
            f"every copy damaged: message does not name the evidence: {err[-800:]!r}")
    c.check(not os.path.exists(out), "every copy damaged: a profile was written")
    if os.path.exists(rep):
        k = load(rep)["kaslr"]
        ev = {e["check"]: e for e in k["evidence"]}
        c.check(ev.get("link:_text", {}).get("ok") is False, f"report: link:_text {ev.get('link:_text')}")
        c.check("KERNELOFFSET" in (k.get("doubt") or ""), f"report: kaslr.doubt {k.get('doubt')!r}")
    # Even with --allow-partial no symbols are written from a slide in doubt.
    r = icfix.run(img, "-o", out, "--allow-partial", check=False)
    c.check(r.returncode == 3 and not os.path.exists(out),
            f"--allow-partial: exit {r.returncode}, written {os.path.exists(out)}")
    # ... and nothing reaches a symbols dir.
    sd = os.path.join(tmp, "sd")
    r = icfix.run(img, "--symbols-dir", sd, check=False)
    listed = [n for n in os.listdir(os.path.join(sd, "linux")) if n.endswith(".json.xz")] \
        if os.path.isdir(os.path.join(sd, "linux")) else []
    c.check(r.returncode == 3 and not listed, f"symbols dir: exit {r.returncode}, holds {listed}")
    patch(img, copies, set(), 0)
    os.unlink(img)

    # D8: a wrong profile under the right name (2 MiB off, as the damaged image made it).
    r = icfix.run(src, "--symbols-dir", sd, check=False)
    c.check(r.returncode == 0, f"clean image into the symbols dir: exit {r.returncode}")
    names = [n for n in os.listdir(os.path.join(sd, "linux")) if n.endswith(".json.xz")]
    c.check(len(names) == 1, f"symbols dir holds {names}")
    if len(names) != 1:
        return
    path = os.path.join(sd, "linux", names[0])
    isf = load(path)
    for s in isf["symbols"].values():
        if s.get("address", 0) >= 0xffffffff80000000:
            s["address"] -= 0x200000
    with lzma.open(path, "wt", preset=0) as f:
        json.dump(isf, f, separators=(",", ":"), sort_keys=True)
    del isf
    r = icfix.run(src, "--symbols-dir", sd, check=False)
    err = r.stderr.decode(errors="replace")
    c.check(r.returncode == 0 and "(reused)" not in err,
            f"wrong stored profile was reused: exit {r.returncode}: {err[-600:]!r}")
    c.check("not reused" in err and "_text" in err, f"no warning naming the disagreement: {err[-600:]!r}")
    bad = wrong_symbols(load(path), smap)
    c.check(not bad, f"symbols dir still holds {len(bad)} wrong symbols, e.g. {bad[:3]}")
    r = icfix.run(src, "--symbols-dir", sd, check=False)
    c.check(r.returncode == 0 and b"(reused)" in r.stderr, "the rebuilt profile is not reused")


def run_deb12(c, tmp):
    fx = "fx-deb12-6.1"
    img = os.path.join(tmp, "deb12.lime")
    shutil.copyfile(icfix.fixture(fx, "mem.lime"), img)
    copies = ko_copies(img)
    c.check(len(copies) >= 2, f"{fx}: {len(copies)} KERNELOFFSET copies")
    patch(img, copies, set(range(len(copies))), 0x200000)
    out = os.path.join(tmp, "d.json")
    r = icfix.run(img, "-o", out, check=False)
    c.check(r.returncode == 3 and not os.path.exists(out),
            f"{fx}: every copy damaged: exit {r.returncode}, written {os.path.exists(out)}: "
            f"{r.stderr[-600:]!r}")
    os.unlink(img)


if __name__ == "__main__":
    main()
