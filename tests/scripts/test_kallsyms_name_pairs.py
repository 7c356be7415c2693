#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One byte of kallsyms_names that renames a symbol into a name that still sorts where the old
one did: the name-order check (6.2+) cannot see it, and before it gave a profile with exit 0
and one name not in System.map (issue 18, D2; the whole-image mutation harness found 27 such in
200 runs on kallsyms_names). When the symbol is one of a pair the kernel makes by name (here an
exported function X, which has __ksymtab_X), the partner is left alone: carvers/kallsyms/
name_pairs.c refuses the copy, exit 3, the error naming the lone name, no output file.

On fx-forky-7.2 (E4, with seqs_of_names) and fx-deb12-6.1 (E2, seqs backport), converted to raw:
the names are decoded here from the tables `isfcarve scan --json` locates; among the exported
functions, the first whose name has a one-letter token that can become the next letter while
the name stays between its neighbours in sorted order is changed.

And D1 in order: on fx-deb12-6.1 the token "writ" of kallsyms_token_table made "wrjt" (found by
the mutation harness) renames 1,713 names alike (write -> wrjte), pairs together and in order:
exit 0 with 1,713 wrong names before. The BTF's FUNC names then miss kallsyms, each with the
same one-character change: carvers/same_kernel.c refuses (exit 3, naming 'i' into 'j'), also with
--allow-partial, where the line says damaged kernel pieces rather than a mix of kernels, and
`scan` says `kernel: DAMAGED` (`same_kernel.damaged` in --json)."""
import bisect
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", "."), "tests", "lib"))
import icfix  # noqa: E402

FIXTURES = (("fx-forky-7.2", "mem.elf"), ("fx-deb12-6.1", "mem.lime"))


def decode(nms, nsize, tokstr, uleb):
    """[(name, [(byte offset in kallsyms_names, token)])] in table order."""
    out, p = [], 0
    while p < nsize:
        ln, hdr = nms[p], 1
        if ln & 0x80 and uleb:
            ln, hdr = (ln & 0x7f) | nms[p + 1] << 7, 2
        toks = [(j, nms[j]) for j in range(p + hdr, p + hdr + ln)]
        out.append((b"".join(tokstr[t] for _, t in toks)[1:].decode("latin-1"), toks))
        p += hdr + ln
    return out


def main():
    c = icfix.Counter()
    for fx, name in FIXTURES:
        src = icfix.fixture(fx, name)
        with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
            got = icfix.raw_kallsyms(c, fx, src, tmp)
            if not got:
                continue
            raw, ks, tabs = got
            tt = tabs["kallsyms_token_table"][0]
            names_at, nsize = tabs["kallsyms_names"]
            _, idx, tokstr, nms = icfix.kallsyms_tokens(raw, tabs)
            single = {tokstr[i][0]: i for i in range(256) if len(tokstr[i]) == 1}
            table = decode(nms, nsize, tokstr, "uleb128" in ks["layout"])
            names = {n for n, _ in table}
            order = sorted(names)
            pick = None
            for n, toks in table:
                if "." in n or "__ksymtab_" + n not in names:
                    continue
                i = bisect.bisect_left(order, n)
                lo = order[i - 1] if i else ""
                hi = order[i + 1] if i + 1 < len(order) else "\x7f"
                for j, t in reversed(toks[1:]):
                    s = tokstr[t]
                    if len(s) != 1 or not (0x61 <= s[0] <= 0x79) or s[0] + 1 not in single:
                        continue
                    new = [single[s[0] + 1] if k == j else tk for k, tk in toks]
                    d = b"".join(tokstr[x] for x in new)[1:].decode("latin-1")
                    if lo <= d <= hi and d not in names:
                        pick = (n, d, names_at + j, single[s[0] + 1])
                        break
                if pick:
                    break
            c.check(pick is not None, f"{fx}: no exported function to rename in order (premise)")
            if not pick:
                continue
            old_name, new_name, at, val = pick
            with open(raw, "r+b") as f:
                f.seek(at)
                f.write(bytes([val]))
            out = os.path.join(tmp, "bad.json")
            r = icfix.run(raw, "-o", out, check=False)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 3 and not os.path.exists(out) and "out of name order" not in err
                    and f"'__ksymtab_{old_name}' without '{old_name}'" in err,
                    f"{fx}: {old_name} -> {new_name} (in order, byte at {at:#x}): exit {r.returncode}, "
                    f"written {os.path.exists(out)}: {err[-500:]!r}",
                    f"{fx}: {old_name} -> {new_name} (still in name order): refused, the lone "
                    f"__ksymtab_{old_name} named")
            if fx != "fx-deb12-6.1":
                continue
            with open(raw, "r+b") as f:  # undo the name byte
                f.seek(at)
                f.write(nms[at - names_at:at - names_at + 1])
            # the harness's token: "writ" (its users: write, writeback ... all kept in order)
            it = next((i for i in range(256) if tokstr[i] == b"writ"), None)
            c.check(it is not None and b"wrjt" not in tokstr, f"{fx}: no token 'writ' (premise)")
            if it is None:
                continue
            with open(raw, "r+b") as f:
                f.seek(tt + idx[it] + 2)
                f.write(b"j")
            r = icfix.run(raw, "-o", out, check=False)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 3 and not os.path.exists(out) and "out of name order" not in err
                    and "kallsyms names renamed" in err and "with 'i' changed into 'j'" in err,
                    f"{fx}: token 'writ' -> 'wrjt': exit {r.returncode}, written {os.path.exists(out)}: "
                    f"{err[-500:]!r}", f"{fx}: token 'writ' -> 'wrjt' (1,713 names, in order): refused, "
                    f"the BTF's FUNC names seen renamed 'i' into 'j'")
            # --allow-partial writes nothing either, and says damage, not two kernels
            r = icfix.run(raw, "-o", out, "--allow-partial", check=False)
            err = r.stderr.decode(errors="replace")
            c.check(r.returncode == 3 and not os.path.exists(out)
                    and "a profile from damaged kernel pieces is refused even with --allow-partial" in err
                    and "mixing kernels" not in err,
                    f"{fx}: 'wrjt' --allow-partial: exit {r.returncode}, written {os.path.exists(out)}: "
                    f"{err[-500:]!r}", f"{fx}: 'wrjt' --allow-partial: refused as damage, nothing written")
            r = icfix.run("scan", "--json", raw, check=False)
            sk = json.loads(r.stdout).get("same_kernel", {}) if r.stdout else {}
            txt = icfix.run("scan", raw, check=False).stdout.decode(errors="replace")
            c.check(sk.get("ok") is False and sk.get("damaged") is True
                    and "kallsyms names renamed" in (sk.get("problem") or "")
                    and "kernel:     DAMAGED: kallsyms names renamed" in txt,
                    f"{fx}: 'wrjt' scan: same_kernel {sk}, text {txt[-300:]!r}",
                    f"{fx}: 'wrjt' scan: same_kernel.damaged true, 'kernel: DAMAGED'")
    c.finish()


if __name__ == "__main__":
    main()
