#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Semantic end-to-end: with only our ISF and our page-table walker, list the processes.

For each fixture (x86-64 and arm64): profile the image (isfcarve IMAGE -o isf --report rep), then
walk init_task.tasks through libisfcarve's own walker (ic_mmu__read, via ctypes; x86-64 4/5-level
or arm64 TTBR1) using nothing but the ISF's symbol addresses and struct offsets plus the KASLR
numbers of the report, and compare (pid, comm) of every task with truth/ps. The arm64 fixture runs
twice: as is, and with kallsyms' data symbols withheld (--withhold-data-syms: a kernel without
KALLSYMS_ALL), so init_task and swapper_pg_dir come from recovery.

With arguments DIR... (image directories of make-image-arm64.sh / make-image.sh: DIR/mem.elf and
DIR/truth/ps), the same walk on those images instead of the fixtures.

Expected differences (documented in docs/kaslr.md):
- ps shows kworker names with a workqueue suffix ("kworker/0:0-eve"): /proc adds it, task->comm
  has none. We compare the part before the first '-' for kworkers.
- the `ps` process that collected truth/ps ran from the shell ("{ps} ..."). It is gone in the
  images (the dump was taken after it exited), so it is not expected.
- fx-deb12-6.1's LiME image was taken after the truth snapshot by `insmod lime.ko`: the insmod
  process may be present in the image and not in truth; nothing else may differ.
"""
import ctypes
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import icfix  # noqa: E402

MAP = 0xffffffff80000000


def sanitized_build():
    """The ASan/UBSan build's libisfcarve.so needs its runtime loaded before python starts."""
    try:
        with open(os.path.join(icfix.BUILD, "CMakeCache.txt")) as f:
            m = re.search(r"^IC_SANITIZE:STRING=(.*)$", f.read(), re.M)
    except OSError:
        return ""
    return m.group(1).strip() if m else ""


def reexec_with_sanitizer_runtime():
    san = sanitized_build()
    if not san or os.environ.get("IC_SEMANTIC_PRELOADED"):
        return
    import subprocess
    libs = []
    for part, lib in (("address", "libasan.so"), ("undefined", "libubsan.so")):
        if part in san:
            p = subprocess.run(["gcc", "-print-file-name=" + lib], capture_output=True, text=True)
            libs.append(p.stdout.strip())
    env = dict(os.environ, LD_PRELOAD=":".join(libs), IC_SEMANTIC_PRELOADED="1",
               ASAN_OPTIONS="detect_leaks=0")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


class Mmu(ctypes.Structure):
    # struct ic_mmu (include/isfcarve/arch.h)
    _fields_ = [("arch", ctypes.c_void_p), ("img", ctypes.c_void_p), ("root", ctypes.c_uint64),
                ("levels", ctypes.c_uint), ("pa_bits", ctypes.c_uint),
                ("clear_mask", ctypes.c_uint64), ("page_shift", ctypes.c_uint),
                ("va_bits", ctypes.c_uint), ("lpa2", ctypes.c_bool)]


def load_lib():
    lib = ctypes.CDLL(os.path.join(icfix.BUILD, "libisfcarve.so"))
    lib.ic_image__open.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.ic_image__free.argtypes = [ctypes.c_void_p]
    lib.ic_mmu__init.argtypes = [ctypes.POINTER(Mmu), ctypes.c_void_p, ctypes.c_void_p,
                                 ctypes.c_uint64, ctypes.c_uint]
    lib.ic_mmu__init_arm64.argtypes = [ctypes.POINTER(Mmu), ctypes.c_void_p, ctypes.c_uint64,
                                       ctypes.c_uint, ctypes.c_uint, ctypes.c_bool]
    lib.ic_mmu__read.argtypes = [ctypes.POINTER(Mmu), ctypes.c_uint64, ctypes.c_void_p, ctypes.c_size_t]
    return lib


def expected_comm(args):
    if args.startswith("[") and args.endswith("]"):
        return args[1:-1]
    if args.startswith("{"):
        return args[1:args.index("}")]
    return os.path.basename(args.split()[0])[:15]


def norm(comm):
    return comm.split("-", 1)[0] if comm.startswith("kworker/") else comm


def field(isf, struct, name):
    return isf["user_types"][struct]["fields"][name]["offset"]


def walk_tasks(lib, img, isf, report):
    k = report["kaslr"]
    slide = int(k["virtual_slide"], 0)
    syms = isf["symbols"]
    mmu = Mmu()
    if k.get("arch") == "arm64":
        # TTBR1 root from the ISF alone: swapper_pg_dir's link address + slide, minus
        # kimage_voffset (the kernel image's VA - PA); layout (granule, VA bits) from the report.
        root = syms["swapper_pg_dir"]["address"] + slide - int(k["kimage_voffset"], 0)
        root &= (1 << 64) - 1
        assert root == int(k["page_tables"]["root"], 0), "ISF swapper_pg_dir != report root"
        err = lib.ic_mmu__init_arm64(ctypes.byref(mmu), img, root,
                                     k["page_size"].bit_length() - 1, k["va_bits"],
                                     bool(k.get("lpa2")))
        assert err == 0, f"ic_mmu__init_arm64: {err}"
    else:
        phys_base = int(k["phys_base"], 0)
        # The tables from the ISF alone: init_top_pgt's link address + slide -> phys via
        # phys_base.
        root = syms["init_top_pgt"]["address"] + slide - MAP + phys_base
        root &= (1 << 64) - 1
        if k.get("page_tables"):
            assert root == int(k["page_tables"]["root"], 0), "ISF init_top_pgt != report root"
        arch = ctypes.c_void_p.in_dll(lib, "ic_arch_x86_64")
        err = lib.ic_mmu__init(ctypes.byref(mmu), ctypes.addressof(arch), img, root,
                               k["page_tables"]["levels"] if k.get("page_tables") else 4)
        assert err == 0, f"ic_mmu__init: {err}"

    def read(va, n):
        buf = ctypes.create_string_buffer(n)
        e = lib.ic_mmu__read(ctypes.byref(mmu), va & ((1 << 64) - 1), buf, n)
        if e:
            raise RuntimeError(f"read 0x{va:x}: {e}")
        return buf.raw

    off_tasks = field(isf, "task_struct", "tasks")
    off_comm = field(isf, "task_struct", "comm")
    off_pid = field(isf, "task_struct", "pid")
    off_next = field(isf, "list_head", "next")
    head = syms["init_task"]["address"] + slide + off_tasks
    tasks = []
    node = int.from_bytes(read(head + off_next, 8), "little")
    while node != head:
        if len(tasks) > 100000:
            raise RuntimeError("task list does not close")
        t = node - off_tasks
        comm = read(t + off_comm, 16).split(b"\0", 1)[0].decode("utf-8", "replace")
        pid = int.from_bytes(read(t + off_pid, 4), "little", signed=True)
        tasks.append((pid, comm))
        node = int.from_bytes(read(node + off_next, 8), "little")
    return tasks


def main():
    reexec_with_sanitizer_runtime()
    c = icfix.Counter()
    lib = load_lib()
    tmp = tempfile.mkdtemp(dir=icfix.BUILD)
    if len(sys.argv) > 1:
        runs = [(os.path.basename(os.path.normpath(d)), os.path.join(d, "mem.elf"), set(), (),
                 os.path.join(d, "truth", "ps")) for d in sys.argv[1:]]
    else:
        runs = [(fx, icfix.fixture(fx, image), ok, extra, icfix.fixture(fx, "truth/ps"))
                for fx, image, ok, extra in (
                    ("fx-deb12-6.1", "mem.lime", {"insmod"}, ()),
                    ("fx-forky-7.2", "mem.elf", set(), ()),
                    ("fx-arm64-forky-7.2", "mem.elf", set(), ()),
                    ("fx-arm64-forky-7.2", "mem.elf", set(), ("--withhold-data-syms",)))]
    for fx, path, extra_ok, opts, ps in runs:
        tag = fx + "".join(opts)
        out = os.path.join(tmp, tag + ".json")
        rep = os.path.join(tmp, tag + ".report.json")
        icfix.run(path, "-o", out, "--report", rep, "--force", *opts)
        with open(out) as f:
            isf = json.load(f)
        with open(rep) as f:
            report = json.load(f)
        recovered = {r["name"] for r in report.get("recovered_symbols") or []}
        if opts:
            c.check({"init_task", "swapper_pg_dir"} <= recovered,
                    f"{tag}: init_task/swapper_pg_dir not recovered: {sorted(recovered)}")
        img = ctypes.c_void_p()
        c.check(lib.ic_image__open(None, path.encode(), ctypes.byref(img)) == 0, f"{tag}: open")
        try:
            tasks = walk_tasks(lib, img, isf, report)
        finally:
            lib.ic_image__free(img)
        truth = set()
        with open(ps) as f:
            for line in f.read().splitlines()[1:]:
                m = re.match(r"\s*(\d+)\s+\d+\s+\S+\s+(.*)$", line)
                comm = expected_comm(m.group(2))
                if comm == "ps":
                    continue  # the collector itself, exited before the dump
                truth.add((int(m.group(1)), norm(comm)))
        got = {(p, norm(n)) for p, n in tasks}
        missing = truth - got
        extra = {t for t in got - truth if t[1] not in extra_ok}
        print(f"{tag}: {len(tasks)} tasks walked, {len(truth)} expected from truth/ps; "
              f"missing {sorted(missing)}, unexpected {sorted(extra)}, "
              f"allowed extras {sorted(t for t in got - truth if t[1] in extra_ok)}")
        c.check(len(tasks) == len(got), f"{tag}: duplicate tasks in the walk")
        c.check(not missing, f"{tag}: processes of truth/ps not found: {sorted(missing)}")
        c.check(not extra, f"{tag}: processes not in truth/ps: {sorted(extra)}")
    c.finish()


if __name__ == "__main__":
    main()
