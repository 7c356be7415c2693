#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# isfcarve index: synthetic ISFs (plain, gz, xz) -> the remote ISF list format Volatility 3 reads
# (automagic/symbol_cache.py RemoteIdentifierFormat, version 1). Locally (not in CI) the index is
# also loaded with volatility3's own RemoteIdentifierFormat when /work/vol3 is present.
import base64, gzip, json, lzma, os, shutil, subprocess, sys, tempfile, urllib.parse, urllib.request

BIN, SRC, BUILD = os.environ["IC_BIN"], os.environ["IC_SRC"], os.environ["IC_BUILD"]
SHARED = os.environ.get("IC_SHARED", "")
CI = bool(os.environ.get("CI"))
fails = 0


def check(cond, what):
    global fails
    print(("ok: " if cond else "FAIL: ") + what, file=sys.stdout if cond else sys.stderr)
    fails += 0 if cond else 1


def isf(banner: bytes, extra_symbols=None):
    """A minimal valid Linux ISF (format 6.2.0) whose identity is banner."""
    syms = {"init_task": {"address": 0xFFFFFFFF82A0C940, "type": {"kind": "struct", "name": "task_struct"}}}
    syms.update(extra_symbols or {})
    if banner is not None:
        syms["linux_banner"] = {"address": 0xFFFFFFFF82000100,
                                "type": {"kind": "array", "count": len(banner), "subtype": {"kind": "base", "name": "char"}},
                                "constant_data": base64.b64encode(banner).decode()}
    return {"metadata": {"format": "6.2.0", "producer": {"name": "test", "version": "0"},
                         "linux": {"symbols": [{"kind": "system-map", "name": "System.map"}]}},
            "base_types": {"char": {"kind": "char", "size": 1, "signed": True, "endian": "little"},
                           "pointer": {"kind": "int", "size": 8, "signed": False, "endian": "little"}},
            "user_types": {"task_struct": {"kind": "struct", "size": 8, "fields": {}}},
            "enums": {}, "symbols": syms}


def write(path, obj, how):
    data = json.dumps(obj, indent=1).encode()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    opener = {"plain": open, "gz": gzip.open, "xz": lzma.open}[how]
    with opener(path, "wb") as f:
        f.write(data)


def run(*args):
    p = subprocess.run([BIN, "index", *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


tmp = tempfile.mkdtemp(dir=BUILD, prefix="tmp.index.")
try:
    d = os.path.join(tmp, "symbols")
    b1 = b"Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP Debian 6.1.76-1\n\0"
    b2 = b"Linux version 7.2.12+deb14-amd64 (x@y) (gcc-15) #1 SMP PREEMPT_DYNAMIC Debian 7.2.12-1\n\0"
    b3 = b"Linux version 5.10.0-28-amd64 (z) #1 SMP\n\0"
    write(f"{d}/linux/6.1.0-18-amd64-aaaaaaaaaaaa.json.xz", isf(b1), "xz")
    write(f"{d}/linux/sub dir/7.2.12+deb14-amd64-bbbbbbbbbbbb.json.gz", isf(b2), "gz")
    write(f"{d}/other/old.json", isf(b3), "plain")
    write(f"{d}/linux/copy-of-61.json", isf(b1), "plain")             # same banner twice
    write(f"{d}/windows/ntkrnlmp.pdb/X.json.xz", isf(None), "xz")      # no Linux banner: not listed
    write(f"{d}/linux/.6.1.0-x.json.xz.Ab12Cd", isf(b2), "xz")         # publish temp file: ignored
    write(f"{d}/linux/notes.txt", {"x": 1}, "plain")                   # not an ISF name: ignored

    rc, out, err = run(d, "-o", os.path.join(tmp, "index.json"))
    check(rc == 0, f"index exit 0 (got {rc}: {err.strip()})")
    idx = json.load(open(os.path.join(tmp, "index.json")))
    # The shape RemoteIdentifierFormat.process_v1 walks: version 1, os -> {b64 id: [locations]}.
    check(idx.get("version") == 1 and set(idx) == {"version", "linux"}, f"top level {sorted(idx)}")
    lin = idx["linux"]
    check(all(isinstance(k, str) and isinstance(v, list) and all(isinstance(u, str) for u in v)
              for k, v in lin.items()), "linux: {str: [str]}")
    want = {base64.b64encode(b).decode() for b in (b1, b2, b3)}
    check(set(lin) == want, f"exactly the three banners ({len(lin)})")
    check(list(lin) == sorted(lin), "sorted keys (deterministic)")
    k1 = base64.b64encode(b1).decode()
    check(len(lin[k1]) == 2 and "duplicate" not in err and "same banner" in err, "duplicate banner listed twice, warned")
    for k, urls in lin.items():
        for u in urls:
            p = urllib.parse.urlparse(u)
            path = urllib.request.url2pathname(p.path)
            ok = p.scheme == "file" and os.path.isfile(path) and path.startswith(os.path.realpath(d))
            check(ok, f"file URL resolves: {u}")
    k2 = base64.b64encode(b2).decode()
    check(lin[k2][0].endswith("/linux/sub%20dir/7.2.12%2Bdeb14-amd64-bbbbbbbbbbbb.json.gz"), f"percent-encoding {lin[k2][0]}")
    check("4 listed under 3 banners" in err and "1 without a Linux banner" in err, f"summary line: {err.strip()}")

    # --base-url, stdout; byte-identical on a second run.
    rc, out, err = run(d, "--base-url", "https://isf.example.org/lab/", "-q")
    rc2, out2, _ = run(d, "--base-url", "https://isf.example.org/lab/", "-q")
    idx = json.loads(out)
    check(rc == 0 and out == out2 and "index:" not in err, "stdout output, deterministic, quiet")
    check(idx["linux"][k2] == ["https://isf.example.org/lab/linux/sub%20dir/7.2.12%2Bdeb14-amd64-bbbbbbbbbbbb.json.gz"],
          f"base URL {idx['linux'][k2]}")
    check(sorted(idx["linux"][k1]) == ["https://isf.example.org/lab/linux/6.1.0-18-amd64-aaaaaaaaaaaa.json.xz",
                                       "https://isf.example.org/lab/linux/copy-of-61.json"], "base URL dup list")

    # Broken files: listed good ones still written, exit 2, message names the file.
    write(f"{d}/linux/trunc.json", isf(b3), "plain")
    with open(f"{d}/linux/trunc.json", "r+b") as f:
        f.truncate(200)
    with open(f"{d}/linux/corrupt.json.xz", "wb") as f:
        f.write(b"\xfd7zXZ\x00" + b"\x00" * 64)
    rc, out, err = run(d, "-o", os.path.join(tmp, "index2.json"))
    idx = json.load(open(os.path.join(tmp, "index2.json")))
    check(rc == 2 and len(idx["linux"]) == 3, f"broken files: exit {rc}, {len(idx['linux'])} banners")
    check("trunc.json" in err and "corrupt.json.xz" in err, f"errors name files: {err.strip()}")
    os.remove(f"{d}/linux/trunc.json"); os.remove(f"{d}/linux/corrupt.json.xz")

    # Files whole up to their banner but not after it (before, index read only up to the
    # banner and listed them, exit 0; Volatility cannot load them): a JSON cut inside
    # "base_types", half a gzip, an xz with a second stream appended, garbage after the root.
    obj = isf(b3)
    obj["user_types"].update({f"pad_{i}": {"kind": "struct", "size": i, "fields": {}} for i in range(3000)})
    data = json.dumps({"symbols": obj["symbols"], **{k: v for k, v in obj.items() if k != "symbols"}},
                      indent=1).encode()
    cut = {"cut-short.json": data[:data.index(b'"base_types"') + 20],
           "half.json.gz": gzip.compress(data)[:len(gzip.compress(data)) // 2],
           "two-streams.json.xz": lzma.compress(data) + lzma.compress(b"garbage"),
           "garbage-after.json": data + b"\n}"}
    for name, blob in cut.items():
        with open(f"{d}/linux/{name}", "wb") as f:
            f.write(blob)
    rc, out, err = run(d, "-o", os.path.join(tmp, "index3.json"))
    idx = json.load(open(os.path.join(tmp, "index3.json")))
    check(rc == 2 and len(idx["linux"]) == 3 and all(name in err for name in cut),
          f"files whole only up to the banner: exit {rc}, {len(idx['linux'])} banners: {err.strip()}")
    # The appended stream is named at its file offset (before: "near byte 0 of the JSON", a
    # JSON position that said nothing of where the extra bytes are).
    at = len(lzma.compress(data))
    check(f"two-streams.json.xz: data after the end of its compressed stream at file offset {at} " in err,
          f"second stream's offset {at} not named: {err.strip()}")
    for name in cut:
        os.remove(f"{d}/linux/{name}")

    # Usage and input errors.
    check(run()[0] == 1, "no DIR: exit 1")
    check(run(d, d)[0] == 1, "two DIRs: exit 1")
    check(run(os.path.join(tmp, "nope"))[0] == 2, "missing DIR: exit 2")
    check(run(d, "--base-url", "")[0] == 1, "empty base URL: exit 1")
    e = os.path.join(tmp, "empty"); os.makedirs(e)
    rc, out, _ = run(e)
    check(rc == 0 and json.loads(out) == {"version": 1, "linux": {}}, "empty dir: empty list")

    # A real ISF (dwarf2json's, 38 MB JSON, xz) from the shared fixtures, through a symlink.
    real = os.path.join(SHARED, "testdata/fx-deb12-6.1/dwarf2json.isf.json.xz")
    if os.path.exists(real):
        r = os.path.join(tmp, "real")
        os.makedirs(r)
        os.symlink(real, os.path.join(r, "d2j.json.xz"))
        rc, out, err = run(r)
        banner = open(os.path.join(SHARED, "testdata/fx-deb12-6.1/truth/version"), "rb").read()
        keys = list(json.loads(out)["linux"]) if rc == 0 else []
        dec = base64.b64decode(keys[0]) if keys else b""
        check(len(keys) == 1 and dec.rstrip(b"\0") == banner, f"real ISF banner == truth/version ({dec[:40]!r})")
    elif CI:
        check(False, f"shared fixtures missing in CI: {real}")
    else:
        print("skip: real ISF part (no shared fixtures)")

    # Served over HTTP (in-process server on 127.0.0.1): every listed URL downloads an ISF whose
    # banner is the key it is listed under.
    import functools, http.server, threading
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=tmp))
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        rc, out, err = run(d, "--base-url", base + "/symbols", "-o", os.path.join(tmp, "http-index.json"))
        hidx = json.load(urllib.request.urlopen(base + "/http-index.json"))
        good = 0
        for key, urls in hidx["linux"].items():
            for u in urls:
                raw = urllib.request.urlopen(u).read()
                if raw[:2] == b"\x1f\x8b":
                    raw = gzip.decompress(raw)
                elif raw[:6] == b"\xfd7zXZ\x00":
                    raw = lzma.decompress(raw)
                good += json.loads(raw)["symbols"]["linux_banner"]["constant_data"] == key
        check(rc == 0 and good == 4, f"HTTP: all 4 listed URLs serve the ISF of their banner ({good})")
        vol3 = "/work/vol3"
        if not CI and os.path.isdir(os.path.join(vol3, "volatility3")):
            sys.path.insert(0, vol3)
            try:
                from volatility3.framework.automagic.symbol_cache import RemoteIdentifierFormat, LinuxIdentifier
                from volatility3.framework.layers.resources import ResourceAccessor
            except Exception as e:  # a broken local vol3 is not our failure
                print(f"skip: volatility3 import failed: {e}")
            else:
                pairs = list(RemoteIdentifierFormat(base + "/http-index.json").process({}, "linux"))
                same = 0
                for ident, loc in pairs:
                    with ResourceAccessor().open(loc) as fp:
                        same += LinuxIdentifier.get_identifier(json.load(fp)) == ident
                check(len(pairs) == 4 and same == 4, f"volatility3 over HTTP: list + ISF download agree ({same}/{len(pairs)})")
    finally:
        srv.shutdown()
        srv.server_close()

    # Local only: volatility3's own reader (CI has no volatility3).
    vol3 = "/work/vol3"
    if not CI and os.path.isdir(os.path.join(vol3, "volatility3")):
        sys.path.insert(0, vol3)
        try:
            from volatility3.framework.automagic.symbol_cache import RemoteIdentifierFormat
        except Exception as e:  # a broken local vol3 is not our failure
            print(f"skip: volatility3 import failed: {e}")
        else:
            url = "file://" + urllib.request.pathname2url(os.path.join(tmp, "index.json"))
            got = sorted(RemoteIdentifierFormat(url).process({}, "linux"))
            exp = sorted([(b1, u) for u in json.load(open(os.path.join(tmp, "index.json")))["linux"][k1]] +
                         [(b2, json.load(open(os.path.join(tmp, "index.json")))["linux"][k2][0])] +
                         [(b3, json.load(open(os.path.join(tmp, "index.json")))["linux"][base64.b64encode(b3).decode()][0])])
            check(got == exp, f"volatility3 RemoteIdentifierFormat reads it ({len(got)} pairs)")
finally:
    shutil.rmtree(tmp)
print(f"{fails} failed")
sys.exit(1 if fails else 0)
