#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Never a silently wrong profile: BTF names damaged into other valid names (issue 18), on
fx-forky-7.2's real image (its BTF found in mem.elf by its bytes, as test_trust_btf.py does).

1. the string "comm" renamed "comx": struct task_struct loses the member Volatility reads;
2. the NUL between two identifier strings replaced by "_": the second name now points into
   the middle of the joined string (libbpf's dedup never writes that);
3. a string renamed into another string the section already holds (one character changed):
   stored twice (libbpf's dedup stores each once).
Each validates and gave exit 0 with the damaged names in the profile before the checks; each
must now end in exit 3, no file, the evidence named.
"""
import os
import re
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402
import imgconv  # noqa: E402

REQUIRED = {b"comm", b"next", b"prev", b"pid", b"tasks", b"name", b"list", b"mm", b"state"}


def strings(blob):
    _m, _v, _f, hl, _to, _tl, so, sl = struct.unpack_from("<HBBIIIII", blob, 0)
    s = blob[hl + so:hl + so + sl]
    out, i = [], 0
    while i < len(s):
        j = s.index(b"\0", i)
        out.append((hl + so + i, s[i:j]))
        i = j + 1
    return out


def ident(b):
    return bool(re.fullmatch(rb"[A-Za-z_][A-Za-z0-9_]*", b))


def main():
    c = icfix.Counter()
    fx = "fx-forky-7.2"
    src = icfix.fixture(fx, "mem.elf")
    own = open(icfix.fixture(fx, "truth/btf_vmlinux"), "rb").read()
    at = imgconv.find_copy(src, own)
    c.check(at > 0, "no whole copy of the kernel's BTF in mem.elf")
    if at <= 0:
        c.finish()
    strs = strings(own)
    have = {s for _o, s in strs}
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    img = os.path.join(tmp, "m.elf")
    out = os.path.join(tmp, "p.json")
    shutil.copyfile(src, img)

    def run(what, off, new, want):
        old = own[off:off + len(new)]
        with open(img, "r+b") as f:
            f.seek(at + off)
            f.write(new)
        if os.path.exists(out):
            os.unlink(out)
        r = icfix.run(img, "-o", out, check=False)
        err = r.stderr.decode(errors="replace")
        c.check(r.returncode == 3 and not os.path.exists(out),
                f"{what}: exit {r.returncode}, written {os.path.exists(out)} (want 3, none): {err[-500:]!r}")
        c.check("BTF (image) is damaged" in err and want in err, f"{what}: evidence {want!r} not named: {err[-500:]!r}")
        with open(img, "r+b") as f:
            f.seek(at + off)
            f.write(old)

    # 1. a member Volatility reads renamed
    off = next(o for o, s in strs if s == b"comm")
    c.check(b"comx" not in have, "comx already a string")
    run("comm -> comx", off, b"comx", "struct task_struct has no member comm")
    # 2. a NUL lost between two names (neither one Volatility's, both identifiers)
    for (o1, s1), (o2, s2) in zip(strs, strs[1:]):
        if ident(s1) and ident(s2) and s1 not in REQUIRED and s2 not in REQUIRED and len(s1) > 6:
            break
    run(f"{s1.decode()}\\0{s2.decode()} -> {s1.decode()}_{s2.decode()}", o1 + len(s1), b"_",
        "points into the middle of the string")
    # 3. a name renamed into another existing one: one character changed
    by_len = {}
    for o, s in strs:
        if ident(s) and len(s) > 8 and s not in REQUIRED:
            by_len.setdefault(len(s), []).append((o, s))
    pair = None
    for _n, group in sorted(by_len.items()):
        seen = {}
        for o, s in group:
            for i in range(len(s)):
                key = s[:i] + b"?" + s[i + 1:]
                if key in seen and seen[key][1] != s:
                    pair = (o, s, seen[key][1])
                    break
                seen[key] = (o, s)
            if pair:
                break
        if pair:
            break
    c.check(pair is not None, "no two strings one character apart")
    if pair:
        o, s, t = pair
        run(f"{s.decode()} -> {t.decode()}", o, t, "is stored twice")
    shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
