"""Fake live roots (IC_LIVE_ROOT) built from a fixture's truth, for the live-mode tests.

A root holds what live mode reads on a running machine: proc/kallsyms (truth/kallsyms, or only
its text lines, as a kernel without CONFIG_KALLSYMS_ALL lists them), sys/kernel/btf/vmlinux,
proc/version, boot/config-<release> and proc/kcore (tests/lib/kcoreconv.py's copy of the
fixture's image). The tests then hide, edit or damage parts of it."""
import lzma
import os
import shutil
import subprocess

import icfix

PY = os.environ.get("IC_PYTHON", "/usr/bin/python3")
SHARED = os.environ.get("IC_SHARED", os.path.join(icfix.SRC, "..", "shared"))
CONV = os.path.join(icfix.SRC, "tests", "lib", "kcoreconv.py")


class Root:
    """The paths of one fake root and the truth it was built from."""

    def __init__(self, fx, img, path):
        self.fx, self.img, self.path = fx, img, path
        self.tdir = os.path.join(SHARED, "testdata", fx, "truth")
        self.kallsyms = os.path.join(path, "proc/kallsyms")
        self.kcore = os.path.join(path, "proc/kcore")
        self.btf = os.path.join(path, "sys/kernel/btf/vmlinux")
        self.version_file = os.path.join(path, "proc/version")
        self.version = b""
        self.release = ""
        self.config = ""
        self.text_names = set()  # with text_only: the names a text-only kallsyms still lists


def text_only(kall):
    """truth/kallsyms (bytes) as a kernel without CONFIG_KALLSYMS_ALL lists it: the t/T lines.
    Also returns the vmlinux names IMAGE mode's --withhold-data-syms keeps (t, T, w, W)."""
    lines, names = [], set()
    for line in kall.splitlines(keepends=True):
        a = line.split()
        if len(a) >= 3 and a[1] in (b"t", b"T", b"w", b"W"):
            if a[1] in (b"t", b"T"):
                lines.append(line)
            if len(a) == 3:
                names.add(a[2].decode())
    return b"".join(lines), names


def make(fx, img, path, text=False):
    """Build a fake root for fixture fx at path (removed first); skip when the truth is missing.
    text: proc/kallsyms holds only the text symbols (Root.text_names: their names)."""
    r = Root(fx, img, path)
    if not os.path.isdir(r.tdir):
        icfix.skip(f"{r.tdir} missing")
    shutil.rmtree(path, ignore_errors=True)
    for d in ("proc", "sys/kernel/btf", "boot"):
        os.makedirs(os.path.join(path, d))
    with lzma.open(os.path.join(r.tdir, "kallsyms.xz"), "rb") as f:
        kall = f.read()
    if text:
        kall, r.text_names = text_only(kall)
    with open(r.kallsyms, "wb") as f:
        f.write(kall)
    shutil.copy(icfix.fixture(fx, "truth/btf_vmlinux"), r.btf)
    shutil.copy(os.path.join(r.tdir, "version"), r.version_file)
    with open(r.version_file, "rb") as f:
        r.version = f.read()
    r.release = r.version.split()[2].decode()
    r.config = os.path.join(path, "boot", "config-" + r.release)
    shutil.copy(icfix.fixture(fx, "config"), r.config)
    subprocess.run([PY, CONV, img, r.tdir, r.kcore], check=True, stdout=subprocess.DEVNULL)
    return r


def live(root, out, *extra):
    """Run live mode on the fake root (a path) writing out: (exit code, stderr text)."""
    env = dict(os.environ, IC_LIVE_ROOT=root)
    r = subprocess.run([icfix.BIN, "-f", "-o", out, *extra], capture_output=True, env=env)
    return r.returncode, r.stderr.decode(errors="replace")


def system_map(fx):
    """System.map as {name: address} and the set of names it lists at two addresses."""
    addr, dup = {}, set()
    with open(icfix.fixture(fx, "System.map")) as f:
        for line in f:
            a = line.split()
            if len(a) == 3:
                if a[2] in addr and addr[a[2]] != int(a[0], 16):
                    dup.add(a[2])
                addr[a[2]] = int(a[0], 16)
    return addr, dup


def wrong_symbols(symbols, smap, dup):
    """The ISF symbols System.map names once at another address."""
    return [n for n, v in symbols.items() if n in smap and n not in dup and v["address"] != smap[n]]


def kerneloffset(kcore):
    """(file offset of the KERNELOFFSET= value in kcore's VMCOREINFO note, its value)."""
    with open(kcore, "rb") as f:
        data = f.read(1 << 16)
    at = data.index(b"KERNELOFFSET=") + len("KERNELOFFSET=")
    return at, int(data[at:data.index(b"\n", at)], 16)


def set_kerneloffset(kcore, at, value):
    """Write value in hex at the KERNELOFFSET offset; False (nothing written) when it would
    change the note's length."""
    _, old = kerneloffset(kcore)
    new = b"%x" % value
    if len(new) != len(b"%x" % old):
        return False
    with open(kcore, "r+b") as f:
        f.seek(at)
        f.write(new)
    return True
