# SPDX-License-Identifier: MIT
# The ISF we write from truth/btf_vmlinux + System.map + banner validates against Volatility's
# stock schema-6.2.0.json, and writing it twice gives byte-identical files (determinism).
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import warnings

import jsonschema

SRC = os.environ.get("IC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("IC_BUILD", ".")
SHARED = os.environ.get("IC_SHARED", os.path.join(SRC, "..", "shared"))


def fixture(fx, f):
    r = subprocess.run(["bash", os.path.join(SRC, "tests/lib/fixture.sh"), fx, f],
                       capture_output=True, text=True)
    if r.returncode == 77:
        sys.exit(1 if os.environ.get("CI") else 77)
    if r.returncode != 0:
        sys.exit("fixture.sh %s %s failed: %s" % (fx, f, r.stderr))
    return r.stdout.strip()


def validate(isf, schema):
    """Same verdict as jsonschema.validate(isf, schema), in seconds instead of minutes: the
    schema is context-free below user_types/symbols (every field and symbol is checked against
    one definition), so each distinct field/symbol object is validated once."""
    # the stock schema's "$schema" is not a known draft: jsonschema.validate(), which Volatility
    # calls, then warns and uses the latest draft; we do the same, quietly
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cls = jsonschema.validators.validator_for(schema)

    def sub(name):
        return cls({"definitions": schema["definitions"], "$ref": "#/definitions/" + name})

    skeleton = dict(isf)
    skeleton["user_types"] = {}
    skeleton["symbols"] = {}
    cls(schema).validate(skeleton)
    vut, vfield, vsym = sub("element_user_type"), sub("field"), sub("element_symbol")
    seen = set()
    for t in isf["user_types"].values():
        shell = dict(t)
        shell["fields"] = {}
        k = json.dumps(shell, sort_keys=True)
        if k not in seen:
            seen.add(k)
            vut.validate(shell)
        if not isinstance(t.get("fields"), dict):
            vut.validate(t)
        for f in t["fields"].values():
            k = json.dumps(f, sort_keys=True)
            if k not in seen:
                seen.add(k)
                vfield.validate(f)
    for sym in isf["symbols"].values():
        a = sym.get("address")
        if not isinstance(a, int) or a < 0 or a >= 1 << 64:
            raise jsonschema.ValidationError("address %r is not an unsigned 64-bit integer" % a)
        shape = dict(sym)
        shape["address"] = 0
        k = json.dumps(shape, sort_keys=True)
        if k not in seen:
            seen.add(k)
            vsym.validate(shape)
    return len(seen)


def main():
    schema_path = os.path.join(SHARED, "schema", "schema-6.2.0.json")
    if not os.path.exists(schema_path):
        print("schema not found: " + schema_path)
        return 1 if os.environ.get("CI") else 77
    with open(schema_path) as f:
        schema = json.load(f)
    drv = os.path.join(BUILD, "tests", "test_isf")
    fails = 0
    with tempfile.TemporaryDirectory(dir=BUILD) as tmp:
        for fx in ("fx-deb12-6.1", "fx-arm64-forky-7.2"):
            btf = fixture(fx, "truth/btf_vmlinux")
            version = fixture(fx, "truth/version")
            args = [drv, "--btf", btf, "--banner-file", version]
            if fx == "fx-deb12-6.1":
                args += ["--map", fixture(fx, "System.map")]
            else:
                args += ["--map", fixture(fx, "truth/kallsyms")]
            outs = []
            for i in range(2):
                out = os.path.join(tmp, "%s.%d.json" % (fx, i))
                r = subprocess.run(args + ["-o", out], capture_output=True, text=True)
                if r.returncode != 0:
                    print("%s: writer failed: %s" % (fx, r.stderr))
                    return 1
                outs.append(out)
            if not filecmp.cmp(outs[0], outs[1], shallow=False):
                print("%s: two runs gave different bytes" % fx)
                fails += 1
            with open(outs[0]) as f:
                isf = json.load(f)
            try:
                n = validate(isf, schema)
                print("%s: valid against schema-6.2.0 (%d user types, %d symbols, %d distinct "
                      "sub-objects checked)" % (fx, len(isf["user_types"]), len(isf["symbols"]), n))
            except jsonschema.ValidationError as e:
                print("%s: schema error at %s: %s" % (fx, "/".join(map(str, e.absolute_path)),
                                                       e.message[:300]))
                fails += 1
            # spot checks of rules a schema cannot see
            bt = isf["base_types"]
            for n in ("pointer", "void", "int", "unsigned int", "long unsigned int",
                      "long int", "char", "unsigned char", "_Bool"):
                if n not in bt:
                    print("%s: base type %s missing" % (fx, n))
                    fails += 1
            for name, e in isf["enums"].items():
                if e["base"] not in bt or bt[e["base"]]["size"] != e["size"]:
                    print("%s: enum %s base %s does not match size %d" % (fx, name, e["base"],
                                                                          e["size"]))
                    fails += 1
                    break
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
