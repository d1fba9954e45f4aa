#!/usr/bin/env bash
# Benchmarks reading Go build info (issue #16): `gomedic tools inspect` on 50 Go tool binaries
# against `go version -m` on the same files (target: at most 0.2x go's time). The files: the
# fake gopls/dlv/staticcheck/gofumpt/goimports installed with `go install` from a file://
# proxy (crates/gomedic-testkit/src/gotools.rs), then GOROOT/bin and GOROOT/pkg/tool of the
# four test toolchains, repeated if needed. Both commands get all 50 paths in one process.
# `gomedic tools inspect` of one file is timed too: gomedic's start (and one file), which no
# reader can go below; the rest divided by 49 is the cost of a file.
# The binary timed is the one users run, the static musl build of scripts/release.sh
# (`GOMEDIC_RELEASE_ONLY=build bash scripts/release.sh` puts it in dist/), when it is there;
# else the workspace's release build (dynamically linked: about 0.8 ms more to start).
# Usage: bash scripts/bench/buildinfo.sh
# Env: GOMEDIC_BENCH_RUNS (default 30), GOMEDIC_BENCH_FILES (default 50),
#      GOMEDIC_BENCH_BIN (a gomedic binary to time instead)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${GOMEDIC_BENCH_RUNS:-30}"
nfiles="${GOMEDIC_BENCH_FILES:-50}"
target="${CARGO_TARGET_DIR:-$root/target}"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine; } >&2
gomedic="${GOMEDIC_BENCH_BIN:-}"
if [ -z "$gomedic" ] && [ -x "$root/dist/x86_64-unknown-linux-musl/gomedic" ]; then
  gomedic="$root/dist/x86_64-unknown-linux-musl/gomedic"
fi
if [ -z "$gomedic" ]; then
  (cd "$root" && cargo build --quiet --release --locked -p gomedic) >&2
  gomedic="$target/release/gomedic"
fi
(cd "$root" && cargo build --quiet --release --locked -p gomedic-buildinfo --example install-fake-tools) >&2
printf 'bench: %s (%s)\n' "$gomedic" "$(file -b "$gomedic" | cut -d, -f4 | sed "s/^ //")" >&2
roots=$(bash "$root/scripts/install-go-toolchains.sh" 1.21.13 1.22.10 1.24.11 1.27.3)
goroot="$(printf '%s\n' $roots | sed -n 's/^1.27.3=//p')"

work="$(mktemp -d /tmp/gomedic-bench-buildinfo.XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$target/release/examples/install-fake-tools" "$goroot" "$work/tools" >"$work/files"
for line in $roots; do
  r=${line#*=}
  find "$r/bin" "$r/pkg/tool" -type f | sort >>"$work/files"
done
mapfile -t all <"$work/files"
files=()
while [ "${#files[@]}" -lt "$nfiles" ]; do
  for f in "${all[@]}"; do [ "${#files[@]}" -lt "$nfiles" ] && files+=("$f"); done
done
bytes=$(cat "${files[@]}" | wc -c)
printf 'bench: %d files, %d MB in total\n' "${#files[@]}" $((bytes / 1048576)) >&2

# Same output first: the benchmark compares equal work.
diff <("$gomedic" tools inspect "${files[@]}") <(GOTOOLCHAIN=local "$goroot/bin/go" version -m "${files[@]}") >&2 \
  || { echo "bench: outputs differ" >&2; exit 1; }

printf '%s\n' "${files[@]}" >"$work/list"
q() { printf '%q ' "$@"; }
hyperfine -N --warmup 3 --runs "$runs" --style basic --export-json "$work/h.json" \
  -n gomedic "$(q "$gomedic" tools inspect "${files[@]}")" \
  -n "go version -m" "$(q env GOTOOLCHAIN=local "$goroot/bin/go" version -m "${files[@]}")" \
  -n "gomedic, 1 file" "$(q "$gomedic" tools inspect "${files[0]}")" >&2
python3 - "$work/h.json" "${#files[@]}" <<'PY'
import json, statistics, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[2])
g, o = statistics.median(r["gomedic"]["times"]), statistics.median(r["go version -m"]["times"])
v = statistics.median(r["gomedic, 1 file"]["times"])
print(f"gomedic tools inspect: median {g*1000:.2f} ms")
print(f"go version -m:         median {o*1000:.2f} ms")
print(f"gomedic, 1 file:       median {v*1000:.2f} ms (process start and one file, the floor)")
print(f"per further file:      {(g-v)/(n-1)*1e6:.1f} us")
print(f"ratio gomedic / go: {g/o:.3f}x (target <= 0.2x); without the start: {(g-v)/o:.3f}x")
PY
