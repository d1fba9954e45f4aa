#!/usr/bin/env bash
# Benchmarks `gomedic explain --log` (issue #14) on a 50 MB CI log against
# `grep -c -E` with the catalogue's own patterns on the same file, side by side, and
# gomedic's peak RSS (target: at most 1.5x grep's time, memory bounded).
# The log: real `go build -x` / `go test -v` output of a small module, repeated to 50 MB,
# with a few real error lines (a missing go.sum entry, a refused proxy) in the middle.
# Usage: bash scripts/bench/explain-log.sh
# Env: GOMEDIC_BENCH_RUNS (default 10), GOMEDIC_BENCH_LOG_MB (default 50)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${GOMEDIC_BENCH_RUNS:-10}"
mb="${GOMEDIC_BENCH_LOG_MB:-50}"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine; } >&2
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >&2
(cd "$root" && cargo build --quiet --release --locked -p gomedic)
gomedic="$root/target/release/gomedic"
goroot="$(bash "$root/scripts/install-go-toolchains.sh" 1.27.3 | sed -n 's/^1.27.3=//p')"

work="$(mktemp -d /tmp/gomedic-bench-explain.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/m" "$work/home"
cat >"$work/m/go.mod" <<'GO'
module example.com/m

go 1.21
GO
printf 'package m\n\nfunc F() int { return 1 }\n' >"$work/m/m.go"
printf 'package m\n\nimport "testing"\n\nfunc TestF(t *testing.T) { if F() != 1 { t.Fatal() } }\n' >"$work/m/m_test.go"
genv=(env -i "HOME=$work/home" "PATH=$goroot/bin:/usr/bin:/bin" GOENV=off GOTOOLCHAIN=local
  GOFLAGS=-modcacherw "GOCACHE=$work/gocache" "GOPATH=$work/gopath" GOPROXY=off)
(cd "$work/m" && "${genv[@]}" go build -a -x ./... >"$work/chunk" 2>&1 || true)
(cd "$work/m" && "${genv[@]}" go test -v -count=1 ./... >>"$work/chunk" 2>&1 || true)
python3 - "$work/chunk" "$work/ci.log" "$mb" <<'PY'
import sys
chunk = open(sys.argv[1], "rb").read()
target = int(sys.argv[3]) << 20
errors = (b"go: example.com/m: missing go.sum entry for module providing package golang.org/x/text (imported by example.com/m); to add:\n"
          b"\tgo get example.com/m\n"
          b"go: golang.org/x/text@v0.14.0: Get \"http://127.0.0.1:9/golang.org/x/text/@v/v0.14.0.info\": dial tcp 127.0.0.1:9: connect: connection refused\n")
with open(sys.argv[2], "wb") as f:
    n = 0
    while n < target:
        f.write(chunk); n += len(chunk)
        if abs(n - target // 2) < len(chunk):
            f.write(errors); n += len(errors)
PY
python3 - "$root/crates/gomedic-explain/catalogue/signatures.toml" "$work/patterns" <<'PY'
import sys, tomllib
cat = tomllib.load(open(sys.argv[1], "rb"))
with open(sys.argv[2], "w") as f:
    for s in cat["signature"]:
        for p in s["patterns"]:
            f.write(p + "\n")
PY
size=$(stat -c %s "$work/ci.log")
hyperfine -N --warmup 2 --runs "$runs" -i --export-json "$work/e.json" \
  -n gomedic "$gomedic explain --log $work/ci.log" \
  -n grep "grep -c -E -f $work/patterns $work/ci.log" >&2
rss=$( { /usr/bin/time -f "%M" "$gomedic" explain --log "$work/ci.log" >/dev/null || true; } 2>&1 | tail -1)
mkdir -p "$root/target/bench"
python3 - "$work/e.json" "$size" "$rss" <<'PY' | tee "$root/target/bench/explain-log.txt"
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, p = r["gomedic"]["median"], r["grep"]["median"]
print(f"explain --log on a {int(sys.argv[2])/2**20:.0f} MiB log: gomedic {g*1000:.0f} ms, grep -c -E (same patterns) {p*1000:.0f} ms, ratio {g/p:.2f}; gomedic peak RSS {int(sys.argv[3])/1024:.1f} MiB")
PY
