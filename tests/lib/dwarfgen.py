"""A minimal DWARF 4 ELF writer for the hostile-DWARF tests: one compile unit of DIEs with the
attribute forms given, in .debug_info / .debug_abbrev of an otherwise empty ELF file.

    D(tag, [(attr, value[, form])], children=None, label=None)
    write([D("cu", ..., [...])], path, endian="<", machine=62)

A "type" attribute given as a string refers to the DIE with that label. Forms default to
udata (numbers), string (names), ref4 (type), exprloc (location), flag_present."""
import struct
import zlib

FORMS = dict(string=0x08, data1=0x0b, data2=0x05, data4=0x06, data8=0x07, udata=0x0f, sdata=0x0d,
             ref4=0x13, flag_present=0x19, exprloc=0x18, GNU_strp_alt=0x1f21)
TAGS = dict(cu=0x11, struct=0x13, member=0x0d, base=0x24, typedef=0x16, ptr=0x0f, var=0x34,
            array=0x01, subrange=0x21, enum=0x04, enumerator=0x28)
ATTRS = dict(location=0x02, name=0x03, byte_size=0x0b, bit_offset=0x0c, bit_size=0x0d, language=0x13,
             upper_bound=0x2f, lower_bound=0x22, type=0x49, loc=0x38, decl_line=0x3b, encoding=0x3e,
             external=0x3f, const_value=0x1c)


def uleb(v):
    out = bytearray()
    while True:
        b, v = v & 0x7f, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sleb(v):
    out = bytearray()
    while True:
        b, v = v & 0x7f, v >> 7
        if (v == 0 and not b & 0x40) or (v == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


class D:
    def __init__(self, tag, attrs=(), children=None, label=None):
        self.tag, self.attrs, self.children, self.label = tag, list(attrs), children, label


def _form(attr, value):
    if attr == "name":
        return "string"
    if attr == "type":
        return "ref4"
    if attr == "external":
        return "flag_present"
    if attr == "location":
        return "exprloc"
    return "udata"


def addr(a):
    """DW_OP_addr a: a variable's location."""
    return bytes([0x03]) + struct.pack("<Q", a)


def _build(dies, e):
    abbrevs, abbrev = {}, bytearray()
    labels = {}

    def norm(d):
        return [(a[0], a[2] if len(a) > 2 else _form(a[0], a[1]), a[1]) for a in d.attrs]

    def code(d):
        key = (d.tag, d.children is not None, tuple((a, f) for a, f, _ in norm(d)))
        if key not in abbrevs:
            abbrevs[key] = len(abbrevs) + 1
            abbrev.extend(uleb(abbrevs[key]) + uleb(TAGS[d.tag]) + bytes([d.children is not None]))
            for a, f in key[2]:
                abbrev.extend(uleb(ATTRS[a]) + uleb(FORMS[f]))
            abbrev.extend(b"\0\0")
        return abbrevs[key]

    def enc(d, off, final):
        out = bytearray(uleb(code(d)))
        if d.label:
            labels[d.label] = off
        for a, f, v in norm(d):
            if f == "string":
                out += v.encode() + b"\0"
            elif f in ("data1", "data2", "data4", "data8"):
                out += struct.pack(e + {"data1": "B", "data2": "H", "data4": "I", "data8": "Q"}[f], v)
            elif f == "udata":
                out += uleb(v)
            elif f == "sdata":
                out += sleb(v)
            elif f == "ref4":
                out += struct.pack(e + "I", (labels.get(v, 0) if final else 0) if isinstance(v, str) else v)
            elif f == "GNU_strp_alt":  # an offset into the supplementary file's .debug_str
                out += struct.pack(e + "I", v)
            elif f == "exprloc":
                out += uleb(len(v)) + v
        if d.children is not None:
            for ch in d.children:
                out += enc(ch, off + len(out), final)
            out += b"\0"
        return out

    body = bytearray()
    for final in (False, True):  # the second pass knows every label's offset
        body = bytearray()
        for d in dies:
            body += enc(d, 11 + len(body), final)
    abbrev.extend(b"\0")
    return struct.pack(e + "IHIB", len(body) + 7, 4, 0, 8) + bytes(body), bytes(abbrev)


def write(dies, path, endian="<", machine=62, zeros=0, gnu=False, zname=".debug_info",
          abbrev_name=".debug_abbrev", extra=()):
    """An ET_EXEC ELF64 of the given byte order and e_machine holding the DIEs. zeros: instead,
    a zlib-compressed (SHF_COMPRESSED) section named zname of that many zero bytes; with gnu, a
    GNU .zdebug_info ("ZLIB" + big-endian u64 size + zlib stream, no section flag) instead (of
    the zeros, or without zeros of the DIEs). abbrev_name: the abbreviations' section name;
    extra: more (name, bytes) sections."""
    e = endian
    info, abbrev = _build(dies, e)
    flags = {}
    info_name = ".debug_info"
    if zeros:
        z = zlib.compressobj(9)
        body = b"".join(z.compress(bytes(1 << 20)) for _ in range(zeros >> 20)) + z.flush()
        if gnu:
            info = b"ZLIB" + struct.pack(">Q", zeros) + body
            info_name = ".zdebug_info"
        else:
            info = struct.pack(e + "IIQQ", 1, 0, zeros, 1) + body  # Elf64_Chdr: ELFCOMPRESS_ZLIB
            info_name = zname
            flags[zname] = 0x800
    elif gnu:
        info = b"ZLIB" + struct.pack(">Q", len(info)) + zlib.compress(info, 9)
        info_name = ".zdebug_info"
    secs = [(abbrev_name, abbrev), (info_name, info), *extra]
    shstr, names = b"\0", []
    for n, _ in secs + [(".shstrtab", b"")]:
        names.append(len(shstr))
        shstr += n.encode() + b"\0"
    secs.append((".shstrtab", shstr))
    data, offs = bytearray(64), []
    for _, b in secs:
        data += bytes(-len(data) % 8)
        offs.append(len(data))
        data += b
    data += bytes(-len(data) % 8)
    shoff = len(data)
    data += bytes(64)
    for i, (n, b) in enumerate(secs):
        data += struct.pack(e + "IIQQQQIIQQ", names[i], 3 if n == ".shstrtab" else 1, flags.get(n, 0), 0,
                            offs[i], len(b), 0, 0, 1, 0)
    data[0:64] = (b"\x7fELF" + bytes([2, 1 if e == "<" else 2, 1, 0]) + bytes(8) +
                  struct.pack(e + "HHIQQQIHHHHHH", 2, machine, 1, 0, 0, shoff, 0, 64, 56, 0, 64,
                              len(secs) + 1, len(secs)))
    with open(path, "wb") as f:
        f.write(data)
