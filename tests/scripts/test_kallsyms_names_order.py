#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Damage to kallsyms names must end in a refusal, never in a profile with wrong names.

Issue 18, D1 and D2. One flipped bit in kallsyms_token_table renames every symbol that uses
that token (thousands); one changed byte in kallsyms_names renames one symbol. Both decode
cleanly (the bytes stay printable, the markers still fit), so before the name-order check the
profile came out with exit 0 and names that are not in System.map.

kallsyms_seqs_of_names (6.2+, and backported to Debian's 6.1) lists the symbols in name order;
the decoder now checks that the names it expanded really are in that order. Here, on
fx-deb12-6.1 (E2, seqs backport), fx-forky-7.2 and fx-arm64-forky-7.2 (E4) converted to raw
(file offset = physical address):
  - the undamaged image gives a profile (exit 0) whose every symbol name is in System.map;
  - a token of kallsyms_token_table with one bit flipped (still a printable character),
  - one byte of a name in kallsyms_names changed (a character token replaced by the next one),
each give exit 3 and an error naming the names that are out of order, and no output file.
Fails on the binary before the check: every damaged image gave exit 0 (1,501 / 3,654 / 3,246
names not in System.map for the token bit, 1 for the name byte).

Tables are located with `isfcarve scan --json` on the undamaged image (the kallsyms report)."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

FIXTURES = (("fx-deb12-6.1", "mem.lime"), ("fx-forky-7.2", "mem.elf"),
            ("fx-arm64-forky-7.2", "mem.elf"))


def sysmap_names(path):
    names = set()
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 3:
                names.add(p[2])
    return names


def profile(c, what, img, out):
    r = icfix.run("-f", "-j", "2", img, "-o", out, check=False)
    return r


def token_bit(m, tt, size):
    """Offset and new value of one byte inside a multi-letter token, one bit flipped, that
    stays a lower-case letter: the table keeps its shape, the token's text changes."""
    toks, start = [], tt
    for i in range(tt, tt + size + 1):
        if m[i] == 0:
            toks.append((start, bytes(m[start:i])))
            start = i + 1
    # a long token used by many names: the first of >= 4 lower-case letters
    for at, t in toks:
        if len(t) >= 4 and t.isalpha() and t.islower():
            b = t[1] ^ 0x01
            if 0x61 <= b <= 0x7a:
                return at + 1, b, t
    raise RuntimeError("no suitable token")


def main():
    c = icfix.Counter()
    tmpd = os.environ.get("TMPDIR")
    for fx, name in FIXTURES:
        src = icfix.fixture(fx, name)
        smap = sysmap_names(icfix.fixture(fx, "System.map"))
        with tempfile.TemporaryDirectory(dir=tmpd) as tmp:
            got = icfix.raw_kallsyms(c, fx, src, tmp)
            if not got:
                continue
            raw, ks, tabs = got
            c.check("kallsyms_seqs_of_names" in tabs, f"{fx}: no seqs_of_names found (premise)")

            # the undamaged image: a profile, every kallsyms name in System.map
            out = os.path.join(tmp, "good.json")
            r = profile(c, fx, raw, out)
            c.check(r.returncode == 0, f"{fx}: undamaged: exit {r.returncode} {r.stderr[-300:]!r}")
            if r.returncode == 0:
                syms = json.load(open(out))["symbols"]
                missing = [s for s in syms if s not in smap]
                c.check(len(missing) < 10, f"{fx}: undamaged: {len(missing)} names not in "
                        f"System.map: {missing[:5]}")
                print(f"ok: {fx}: undamaged: {len(syms)} symbols, {len(missing)} not in System.map")

            def read(at, n):
                with open(raw, "rb") as f:
                    f.seek(at)
                    return f.read(n)

            tt, tsize = tabs["kallsyms_token_table"]
            names, nsize = tabs["kallsyms_names"]
            ttab, idx, tokstr, nms = icfix.kallsyms_tokens(raw, tabs)

            # D1: one bit of one token
            at, val, tok = token_bit(ttab, 0, tsize)
            at += tt
            # D2: one byte of a name: beyond the 40,000th entry of kallsyms_names, a token byte
            # (not a length) that stands for a single lower-case letter, replaced by the token
            # of the next letter
            single = {tokstr[i][0]: i for i in range(256) if len(tokstr[i]) == 1}
            p, i, at2, val2 = 0, 0, None, None
            while p < nsize and at2 is None:
                ln, hdr = nms[p], 1
                if ln & 0x80 and "uleb128" in ks["layout"]:
                    ln, hdr = (ln & 0x7f) | nms[p + 1] << 7, 2
                if i > 40000:
                    for j in range(p + hdr + 2, p + hdr + ln):
                        t = tokstr[nms[j]]
                        if len(t) == 1 and 0x61 <= t[0] <= 0x79 and t[0] + 1 in single:
                            at2, val2 = names + j, single[t[0] + 1]
                            break
                p += hdr + ln
                i += 1
            c.check(at2 is not None, f"{fx}: no name byte to change (premise)")
            for what, pos, new, where in (("D1 token bit", at, val, f"token {tok!r} at {at:#x}"),
                                          ("D2 name byte", at2, val2, f"name byte at {at2:#x}")):
                if pos is None:
                    continue
                old = read(pos, 1)
                with open(raw, "r+b") as f:  # patched in place, restored after the run
                    f.seek(pos)
                    f.write(bytes([new]))
                out = os.path.join(tmp, "bad.json")
                r = profile(c, fx, raw, out)
                with open(raw, "r+b") as f:
                    f.seek(pos)
                    f.write(old)
                err = r.stderr.decode(errors="replace")
                wrong = []
                if r.returncode == 0 and os.path.exists(out):
                    wrong = [s for s in json.load(open(out))["symbols"] if s not in smap]
                c.check(r.returncode == 3, f"{fx}: {what} ({where}): exit {r.returncode}, "
                        f"{len(wrong)} names not in System.map, e.g. {wrong[:3]}")
                c.check(not os.path.exists(out), f"{fx}: {what}: output written")
                c.check("out of name order" in err, f"{fx}: {what}: no evidence in the error: "
                        f"{err[-400:]!r}")
                if r.returncode == 3:
                    print(f"ok: {fx}: {what} ({where}): refused: "
                          f"{[ln for ln in err.splitlines() if 'order' in ln][:1]}")
                if os.path.exists(out):
                    os.unlink(out)
    c.finish()


if __name__ == "__main__":
    main()
