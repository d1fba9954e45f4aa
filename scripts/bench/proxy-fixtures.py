#!/usr/bin/env python3
"""Writes a module cache layout (GOMODCACHE/cache/download) for the proxy benchmarks.

Usage: proxy-fixtures.py DIR [--big MB]

DIR gets `bench.example/mNN/@v/v1.0.0.{info,mod,zip}` for 30 modules of varied sizes
(1 kB to 2 MB of incompressible data, stored so the zip is as large as its content), and
with --big a module `bench.example/big` whose zip holds MB megabytes. Prints the module
list, one `path@version` per line.
"""
import os
import random
import sys
import zipfile

TIME = "2026-01-01T00:00:00Z"


def module(root, path, version, files):
    d = os.path.join(root, path, "@v")
    os.makedirs(d, exist_ok=True)
    gomod = f"module {path}\n\ngo 1.21\n"
    with open(os.path.join(d, version + ".info"), "w") as f:
        f.write('{"Version":"%s","Time":"%s"}\n' % (version, TIME))
    with open(os.path.join(d, version + ".mod"), "w") as f:
        f.write(gomod)
    prefix = f"{path}@{version}/"
    with zipfile.ZipFile(os.path.join(d, version + ".zip"), "w", zipfile.ZIP_STORED) as z:
        z.writestr(prefix + "go.mod", gomod)
        for name, size in files:
            with z.open(zipfile.ZipInfo(prefix + name, (2026, 1, 1, 0, 0, 0)), "w", force_zip64=size > (1 << 31)) as w:
                left = size
                while left > 0:
                    n = min(left, 1 << 20)
                    w.write(random.randbytes(n))
                    left -= n
    with open(os.path.join(d, "list"), "w") as f:
        f.write(version + "\n")
    return f"{path}@{version}"


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    root = args[0]
    big = 0
    if "--big" in args:
        big = int(args[args.index("--big") + 1])
    random.seed(1)
    out = []
    for i in range(30):
        size = [1 << 10, 16 << 10, 128 << 10, 512 << 10, 2 << 20][i % 5]
        out.append(module(root, f"bench.example/m{i:02d}", "v1.0.0",
                          [("a.go", 64), ("data.bin", size)]))
    if big:
        # go's own limit is 500 MB unzipped; files are kept under 100 MB each.
        parts = []
        left = big << 20
        k = 0
        while left > 0:
            n = min(left, 64 << 20)
            parts.append((f"blob{k}.bin", n))
            left -= n
            k += 1
        out.append(module(root, "bench.example/big", "v1.0.0", parts))
    print("\n".join(out))


if __name__ == "__main__":
    main()
