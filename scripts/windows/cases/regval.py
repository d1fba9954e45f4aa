"""Prints `TYPE|DATA` of value NAME in a `reg export` file (UTF-16), or `absent`.

Usage: python3 regval.py FILE.reg NAME
The cases compare registry values (data and type) through `reg export`, which keeps
non-ASCII text intact where `reg query` prints the console code page.
"""

import re
import sys


def main() -> None:
    path, name = sys.argv[1], sys.argv[2]
    raw = open(path, "rb").read()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8", "replace")
    # Long values continue on the next line after a trailing backslash.
    text = re.sub(r"\\\r?\n\s*", "", text)
    for line in text.splitlines():
        m = re.match(r'^"((?:[^"\\]|\\.)*)"=(.*)$', line)
        if not m or m.group(1).lower() != name.lower():
            continue
        v = m.group(2)
        if v.startswith('"'):
            data = re.sub(r"\\(.)", r"\1", v[1:-1])
            print("REG_SZ|" + data)
        elif v.startswith("hex(2):"):
            b = bytes(int(x, 16) for x in v[7:].replace(" ", "").split(",") if x)
            print("REG_EXPAND_SZ|" + b.decode("utf-16-le").rstrip("\0"))
        else:
            print("OTHER|" + v)
        return
    print("absent")


main()
