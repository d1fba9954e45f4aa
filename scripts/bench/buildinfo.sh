#!/usr/bin/env bash
# Benchmarks reading Go build info (issue #16): `gomedic tools inspect` on 50 Go tool binaries
# against `go version -m` on the same files (target: at most 0.2x go's time). The files: the
# fake gopls/dlv/staticcheck/gofumpt/goimports installed with `go install` from a file://
# proxy (crates/gomedic-testkit/src/gotools.rs), then GOROOT/bin and GOROOT/pkg/tool of the
# four test toolchains, repeated if needed. Both commands get all 50 paths in one process.
# `gomedic --version` is timed too: gomedic's own start, which no reader can go below.
# Usage: bash scripts/bench/buildinfo.sh
# Env: GOMEDIC_BENCH_RUNS (default 30), GOMEDIC_BENCH_FILES (default 50)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${GOMEDIC_BENCH_RUNS:-30}"
nfiles="${GOMEDIC_BENCH_FILES:-50}"
target="${CARGO_TARGET_DIR:-$root/target}"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine; } >&2
(cd "$root" && cargo build --quiet --release --locked -p gomedic && cargo build --quiet --release --locked -p gomedic-buildinfo --example install-fake-tools) >&2
gomedic="$target/release/gomedic"
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
  -n "gomedic --version" "$(q "$gomedic" --version)" >&2
python3 - "$work/h.json" <<'PY'
import json, statistics, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, o = statistics.median(r["gomedic"]["times"]), statistics.median(r["go version -m"]["times"])
print(f"gomedic tools inspect: median {g*1000:.2f} ms")
print(f"go version -m:         median {o*1000:.2f} ms")
v = statistics.median(r["gomedic --version"]["times"])
print(f"gomedic --version:     median {v*1000:.2f} ms (process start, the floor)")
print(f"ratio gomedic / go: {g/o:.3f}x (target <= 0.2x); without the start: {(g-v)/o:.3f}x")
PY
