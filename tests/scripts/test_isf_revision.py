#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The output revision (IC_ISF_REVISION, include/isfcarve/isf.h) is raised whenever the profiles
change. A symbols dir reuses a stored profile only if it was made at this build's version,
revision and symdb table (test_symdir_stale.py): a fix that changes the output without raising
the revision would never reach the profiles a lab has already stored.

The fixtures' profiles, in IMAGE mode and in --btf/--map mode, are hashed with
metadata.producer left out (it holds the revision itself) and compared with
tests/golden/isf-revision.txt, which records the digests and the revision they were made at:
  - a digest differs and the revision is the golden one: fail, "raise IC_ISF_REVISION";
  - the revision differs from the golden one: fail, "run this test with --update";
  - --update rewrites the golden file, but refuses while a digest differs at the old revision.
--dwarf profiles are not covered: the debug vmlinux is not in ../shared (docs/workflow.md)."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", "..")),
                                "tests", "lib"))
import icfix  # noqa: E402

GOLDEN = os.path.join(icfix.SRC, "tests", "golden", "isf-revision.txt")
# our writer's producer object: one line, no nested objects (src/7-isf/isf.c write_metadata)
PRODUCER = re.compile(rb'"producer":\{"name":"isfcarve",[^{}]*\}')
REVISION = re.compile(rb'"revision":"([0-9]+)"')


def cases():
    """(name, argv) of every profile the digest covers."""
    out = []
    for fx, img in (("fx-deb12-6.1", "mem.lime"), ("fx-forky-7.2", "mem.elf"),
                    ("fx-la57-6.12", "mem.elf"), ("fx-arm64-forky-7.2", "mem.elf")):
        out.append((f"{fx}/{img}", [icfix.fixture(fx, img)]))
    # the kdump reader, and recovery by structure (a kernel without CONFIG_KALLSYMS_ALL)
    out.append(("fx-deb12-6.1-kdump/vmcore.kdump", [icfix.fixture("fx-deb12-6.1-kdump", "vmcore.kdump")]))
    for fx, img in (("fx-deb12-6.1", "mem.lime"), ("fx-forky-7.2", "mem.elf")):
        out.append((f"{fx}/{img} --withhold-data-syms", [icfix.fixture(fx, img), "--withhold-data-syms"]))
    fx = "fx-forky-7.2"
    with open(icfix.fixture(fx, "truth/version")) as f:
        banner = f.read().rstrip("\n")
    out.append((f"{fx} --btf truth/btf_vmlinux --map System.map",
                ["--btf", icfix.fixture(fx, "truth/btf_vmlinux"), "--map", icfix.fixture(fx, "System.map"),
                 "--banner", banner]))
    return out


def digest(argv, tmp):
    """(sha256 of the ISF without its producer object, the revision it records). The ISF names
    its input files as given (metadata.linux): each is given by its base name, a link in tmp,
    so the digest does not depend on where the fixtures were unpacked."""
    for name in os.listdir(tmp):
        os.unlink(os.path.join(tmp, name))
    args = []
    for a in argv:
        if os.path.isfile(a):
            os.symlink(os.path.abspath(a), os.path.join(tmp, os.path.basename(a)))
            a = os.path.basename(a)
        args.append(a)
    out = os.path.join(tmp, "p.json")
    icfix.run(*args, "-o", "p.json", "-q", cwd=tmp)
    with open(out, "rb") as f:
        data = f.read()
    found = PRODUCER.findall(data)
    if len(found) != 1:
        raise RuntimeError(f"{len(found)} producer objects in the ISF of {argv}")
    rev = REVISION.search(found[0])
    if not rev:
        raise RuntimeError(f"no revision in {found[0]!r}")
    return hashlib.sha256(PRODUCER.sub(b'"producer":{}', data)).hexdigest(), int(rev.group(1))


def read_golden():
    rev, digests = None, {}
    if not os.path.exists(GOLDEN):
        return rev, digests
    with open(GOLDEN) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("revision "):
                rev = int(line.split()[1])
            else:
                h, name = line.split(" ", 1)
                digests[name] = h
    return rev, digests


def write_golden(rev, digests):
    tmp = GOLDEN + ".tmp"
    with open(tmp, "w") as f:
        f.write("# The fixtures' profiles, metadata.producer left out (sha256), and the output revision\n"
                "# (IC_ISF_REVISION) they were made at. Checked by tests/scripts/test_isf_revision.py;\n"
                "# rewritten by it with --update, after IC_ISF_REVISION was raised.\n")
        f.write(f"revision {rev}\n")
        for name, h in digests.items():
            f.write(f"{h} {name}\n")
    os.replace(tmp, GOLDEN)


def main():
    update = "--update" in sys.argv[1:]
    c = icfix.Counter()
    grev, gold = read_golden()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    now, revs = {}, set()
    try:
        for name, argv in cases():
            h, rev = digest(argv, tmp)
            now[name] = h
            revs.add(rev)
            print(f"{'same' if gold.get(name) == h else 'CHANGED'}: {name}: {h[:16]} (revision {rev})")
    except (RuntimeError, subprocess.SubprocessError) as e:
        c.check(False, str(e))
        c.finish()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.check(len(revs) == 1, f"profiles record different revisions: {sorted(revs)}")
    rev = min(revs)
    changed = sorted(n for n in now if gold.get(n) != now[n])
    bump = ("the profiles of %s changed, but IC_ISF_REVISION is still %d: raise it in "
            "include/isfcarve/isf.h (stored profiles are rebuilt only then), then run "
            "tests/scripts/test_isf_revision.py --update" % (", ".join(changed), rev))
    if update:
        if changed and rev == grev:
            print("refused:", bump, file=sys.stderr)
            sys.exit(1)
        write_golden(rev, now)
        print(f"{GOLDEN}: revision {rev}, {len(now)} digests")
        sys.exit(0)
    c.check(not (changed and rev == grev), bump)
    c.check(rev == grev, f"this build writes output revision {rev}, {GOLDEN} was made at {grev}: "
                         "run tests/scripts/test_isf_revision.py --update from the build directory")
    c.check(set(now) == set(gold), f"golden names {sorted(gold)} are not the cases {sorted(now)}")
    c.finish()


if __name__ == "__main__":
    main()
