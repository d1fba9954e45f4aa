#!/usr/bin/env bash
# Produces the README's example (`gomedic check --offline` in a fresh HOME with Go 1.27.3
# on PATH) from a real run, paths normalised, so the README cannot drift from what
# gomedic prints. A test (crates/gomedic/tests/it/snapshots.rs) compares the README block
# with this script's output.
#   bash scripts/readme-example.sh            # print the console block
#   bash scripts/readme-example.sh --write    # replace the block in README.md
# Env: GOMEDIC (the gomedic binary; default: cargo build), GOMEDIC_EXAMPLE_GOROOT (Go
# 1.27.3; default: the toolchain cache scripts/install-go-toolchains.sh fills).
set -euo pipefail
cd "$(dirname "$0")/.."

gomedic=${GOMEDIC:-}
if [ -z "$gomedic" ]; then
  cargo build -q -p gomedic >&2
  gomedic=$PWD/target/debug/gomedic
fi
goroot=${GOMEDIC_EXAMPLE_GOROOT:-$HOME/.cache/gomedic/toolchains/linux/go1.27.3/go}
[ -x "$goroot/bin/go" ] || { echo "readme-example.sh: no Go 1.27.3 at $goroot (run scripts/install-go-toolchains.sh 1.27.3)" >&2; exit 1; }

# A fixed, fresh HOME, so the paths in the output are the same on every machine.
ex=/tmp/gomedic-example
exec 9>"$ex.lock"
flock 9   # one run at a time on this machine
rm -rf "$ex"
mkdir -p "$ex/home" "$ex/work"
trap 'rm -rf "$ex"' EXIT

set +e
out=$(cd "$ex/work" && env -i PATH="$goroot/bin:/usr/bin:/bin" HOME="$ex/home" SHELL=/bin/bash \
  "$gomedic" check --offline)
code=$?
set -e
[ "$code" -le 1 ] || { echo "readme-example.sh: gomedic exited $code" >&2; exit 1; }

block="\$ gomedic check --offline
$(printf '%s\n' "$out" | sed "s|$goroot|~/.cache/gomedic/toolchains/linux/go1.27.3/go|g")"

if [ "${1:-}" = --write ]; then
  BLOCK="$block" python3 - <<'PY'
import os, re
p = "README.md"
s = open(p).read()
start = s.index("```console\n$ gomedic check --offline\n")
end = s.index("```", start + 3)
s = s[:start] + "```console\n" + os.environ["BLOCK"] + "\n" + s[end:]
open(p, "w").write(s)
PY
else
  printf '%s\n' "$block"
fi
