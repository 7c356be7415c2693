#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The Volatility extension when isfcarve cannot help: one clear line, then Volatility's own error.

A 4 MiB synthetic file holds a Linux banner and nothing else (so Volatility is quick):
  * $ISFCARVE names no file (and PATH has no isfcarve): one line naming ISFCARVE;
  * the real isfcarve fails on it (no BTF, no kallsyms): one line quoting isfcarve's error;
  * a fake `isfcarve` that prints progress on its terminal and publishes nothing: no profile,
    one line; its progress reaches Volatility's progress line (the pseudo-terminal path).
Each time Volatility then prints its own "Unsatisfied requirement" error and exits non-zero.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vol_e2e  # noqa: E402
icfix = vol_e2e.icfix


def main():
    c = icfix.Counter()
    work = tempfile.mkdtemp(dir=icfix.BUILD, prefix="vol-errors-")
    image = os.path.join(work, "fake.raw")
    data = bytearray(4 << 20)
    banner = b"Linux version 9.9.9-isfcarve-test (t@t) (gcc) #1 SMP\n\x00"
    data[0x10000:0x10000 + len(banner)] = banner
    with open(image, "wb") as f:
        f.write(data)
    v = vol_e2e.Vol(image, work)

    fake = os.path.join(work, "fake-isfcarve")
    with open(fake, "w") as f:
        # draws like isfcarve does on a terminal, then fails
        f.write("#!/bin/sh\n[ -t 2 ] || { echo 'isfcarve: error: stderr is not a terminal' >&2; exit 4; }\n"
                "printf '\\rscanning:  50%% (2 / 4 MiB)' >&2\nprintf '\\rscanning: 100%% (4 / 4 MiB)\\r\\033[K' >&2\n"
                "echo 'isfcarve: error: fake: nothing here' >&2\nexit 2\n")
    os.chmod(fake, 0o755)

    cases = [
        ("missing", os.path.join(work, "no-such-isfcarve"), "ISFCARVE="),
        ("failing", icfix.BIN, "isfcarve: error:"),
        ("fake", fake, "fake: nothing here"),
    ]
    for name, binary, want in cases:
        symdir = os.path.join(work, "sym-" + name)
        code, got, err = v.run("linux.pslist", symdir, v.cache("cache-" + name), ext=True,
                               env={"ISFCARVE": binary, "PATH": "/usr/bin:/bin"},
                               quiet=(name != "fake"))
        hint = [ln for ln in err.splitlines() if "isfcarve:" in ln and "WARNING" in ln]
        c.check(len(hint) == 1 and want in hint[0], f"{name}: hint lines {hint}")
        c.check(code != 0 and "Unsatisfied requirement" in v.stdout,
                f"{name}: exit {code}, not Volatility's own error: {v.stdout[:300]!r}")
        c.check(not os.path.isdir(os.path.join(symdir, "linux")) or
                not os.listdir(os.path.join(symdir, "linux")), f"{name}: a profile appeared")
        if name == "fake":
            # (how the fake's writes are split into reads decides which marks arrive together;
            # each one is passed on)
            c.check(re.search(r"Progress:\s+(50|100)\.00\s+isfcarve: scanning", err),
                    f"fake: progress not passed on: {err[-400:]!r}")
    vol_e2e.shutil.rmtree(work, ignore_errors=True)
    c.finish()


main()
