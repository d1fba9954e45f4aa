#!/usr/bin/env bash
# Benchmarks `gomedic check --offline` (default checks, no --deep, no network probes) against
# `go env -json KEYS` naming the keys gomedic reads: the one go process a diagnosis has to pay
# for (gomedic asks a healthy go exactly this, once), so it is the floor.
#
# Builds the release binary, installs hyperfine if missing (apt-get), installs a real Go
# toolchain with scripts/install-go-toolchains.sh, and runs both commands with hyperfine in
# a hermetic environment: `env -i`, a temporary HOME with its own GOENV, GOCACHE and GOPATH,
# the chosen go first on PATH, and an empty working directory (no go.mod, so the go command
# never switches toolchains). Nothing needs the network once the toolchain is cached.
#
# Prints the median of each command (all rounds pooled) and the ratio gomedic / `go env -json KEYS`.
# For reference it also times a bare `go env -json` (which also probes the C compiler).
# Exits non-zero on a ratio above GOMEDIC_BENCH_MAX_RATIO only when GOMEDIC_BENCH_ENFORCE=1.
#
# Usage: bash scripts/bench/check-vs-go-env.sh
# Env:
#   GOMEDIC_BENCH_GO_VERSION  Go toolchain to use (default 1.27.3)
#   GOMEDIC_BENCH_RUNS        hyperfine --runs per round (default 50)
#   GOMEDIC_BENCH_WARMUP      hyperfine --warmup per round (default 5)
#   GOMEDIC_BENCH_ROUNDS      rounds, alternating which command goes first (default 3)
#   GOMEDIC_BENCH_OUT         output path (default target/bench/check-vs-go-env.json): hyperfine's
#                             --export-json goes to <OUT without .json>.roundN.json, and OUT
#                             holds the pooled summary (with 1 round, OUT is hyperfine's file)
#   GOMEDIC_BENCH_MAX_RATIO   ratio threshold (default 1.25)
#   GOMEDIC_BENCH_ENFORCE     1 = exit 1 when the ratio exceeds the threshold (default: report only)
#   GOMEDIC_BENCH_KEEP        1 = keep the temporary HOME
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
go_version="${GOMEDIC_BENCH_GO_VERSION:-1.27.3}"
runs="${GOMEDIC_BENCH_RUNS:-50}"
warmup="${GOMEDIC_BENCH_WARMUP:-5}"
rounds="${GOMEDIC_BENCH_ROUNDS:-3}"
out="${GOMEDIC_BENCH_OUT:-$root/target/bench/check-vs-go-env.json}"
max_ratio="${GOMEDIC_BENCH_MAX_RATIO:-1.25}"
enforce="${GOMEDIC_BENCH_ENFORCE:-0}"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# --- tools -----------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is required"
if ! command -v hyperfine >/dev/null; then
  log "installing hyperfine"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if ! $sudo apt-get install -y hyperfine >&2; then
    $sudo apt-get update >&2
    $sudo apt-get install -y hyperfine >&2
  fi
fi
hyperfine="$(command -v hyperfine)"

# The binary timed is the one users run, the static musl build of scripts/release.sh
# (`GOMEDIC_RELEASE_ONLY=build bash scripts/release.sh` puts it in dist/), when it is there;
# else the workspace's release build (dynamically linked: about 0.8 ms more to start).
gomedic="${GOMEDIC_BENCH_BIN:-}"
if [ -z "$gomedic" ] && [ -x "$root/dist/x86_64-unknown-linux-musl/gomedic" ]; then
  gomedic="$root/dist/x86_64-unknown-linux-musl/gomedic"
fi
if [ -z "$gomedic" ]; then
  log "building gomedic (release)"
  (cd "$root" && cargo build --release -p gomedic >&2)
  gomedic="$root/target/release/gomedic"
fi
[ -x "$gomedic" ] || die "no binary at $gomedic"
log "timing $gomedic ($(file -b "$gomedic" | cut -d, -f4 | sed "s/^ //"))"
# The floor: a static C program that starts go, reads its output and waits (run-once.c).
run_once="$root/target/bench/run-once"
mkdir -p "$(dirname "$run_once")"
if command -v musl-gcc >/dev/null; then
  musl-gcc -static -O2 -o "$run_once" "$here/run-once.c"
else
  cc -O2 -o "$run_once" "$here/run-once.c"
fi

log "installing go$go_version"
line="$(bash "$root/scripts/install-go-toolchains.sh" "$go_version" | grep "^$go_version=" | tail -n1)"
goroot="${line#*=}"
[ -x "$goroot/bin/go" ] || die "install-go-toolchains.sh gave no go for $go_version"

# --- hermetic environment --------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/gomedic-bench.XXXXXX")"
if [ "${GOMEDIC_BENCH_KEEP:-0}" = 1 ]; then
  log "keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
home="$tmp/home"
mkdir -p "$home/.config/go" "$home/.cache/go-build" "$home/go/bin" "$tmp/work"
: > "$home/.config/go/env"
# GOPATH/bin is on PATH so path.tools passes: the run being measured is a clean one.
henv=(
  env -i
  "HOME=$home"
  "PATH=$goroot/bin:$home/go/bin:/usr/local/bin:/usr/bin:/bin"
  "GOENV=$home/.config/go/env"
  "GOCACHE=$home/.cache/go-build"
  "GOPATH=$home/go"
  "TMPDIR=$tmp"
  "LANG=C.UTF-8"
)
cd "$tmp/work"

log "sanity run (must exit 0)"
"${henv[@]}" "$gomedic" check --offline >&2 || die "gomedic check exited $? in the bench environment"
"${henv[@]}" go env -json >/dev/null || die "go env -json failed in the bench environment"

# --- measure ---------------------------------------------------------------------------------
mkdir -p "$(dirname "$out")"
# The baseline: `go env -json` naming only the keys gomedic reads (GO_ENV_KEYS in
# crates/gomedic-facts/src/go.rs), the query gomedic itself sends. A bare `go env -json`
# (which also probes the C compiler) is timed for reference only.
keys="$(python3 - "$root/crates/gomedic-facts/src/go.rs" <<'PY'
import re, sys
m = re.search(r'GO_ENV_KEYS: &\[&str\] = &\[(.*?)\];', open(sys.argv[1]).read(), re.S)
print(" ".join(re.findall(r'"([A-Z0-9_]+)"', m.group(1))) if m else "")
PY
)"
[ -n "$keys" ] || die "GO_ENV_KEYS not found in crates/gomedic-facts/src/go.rs"
# Also for reference: the floor of any program that runs go once, reads its output and waits
# for it (run-once.c, static). What gomedic adds beyond it is its own work.
ref=(--command-name "go env -json" "go env -json"
     --command-name "run-once go env -json KEYS" "$run_once $goroot/bin/go env -json $keys")
# Other work on the machine skews the results: sample CPU use for one second first.
busy="$(python3 - <<'PY'
import time
def snap():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]  # total, idle + iowait
try:
    t0, i0 = snap(); time.sleep(1); t1, i1 = snap()
    print(round(100 * (1 - (i1 - i0) / max(t1 - t0, 1))))
except OSError:
    print(0)
PY
)"
if [ "$busy" -gt 10 ]; then
  log "WARNING: the CPUs were ${busy}% busy before the run; other work on this machine skews the results"
fi
log "hyperfine: $rounds round(s) of --warmup $warmup --runs $runs -N, go$go_version, $(nproc) CPUs"
# hyperfine measures one command after the other; alternating the order between rounds
# keeps slow drift of the machine from favouring either command. Samples are pooled.
files=()
rm -f "${out%.json}".round*.json
for round in $(seq 1 "$rounds"); do
  file="${out%.json}.round$round.json"
  [ "$rounds" -gt 1 ] || file="$out"
  g=(--command-name "gomedic check" "$gomedic check --offline")
  e=(--command-name "go env -json KEYS" "go env -json $keys")
  if [ $((round % 2)) -eq 1 ]; then order=("${g[@]}" "${e[@]}"); else order=("${e[@]}" "${g[@]}"); fi
  "${henv[@]}" "$hyperfine" -N --warmup "$warmup" --runs "$runs" --style basic \
    --export-json "$file" "${order[@]}" "${ref[@]}" >&2
  files+=("$file")
done

python3 - "$out" "$max_ratio" "$enforce" "${files[@]}" <<'PY'
import json, statistics, sys
out, max_ratio, enforce, files = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1", sys.argv[4:]
base = "go env -json KEYS"
times, rounds = {}, []
for f in files:
    res = {r["command"]: r for r in json.load(open(f))["results"]}
    rounds.append(res["gomedic check"]["median"] / res[base]["median"])
    for name, r in res.items():
        times.setdefault(name, []).extend(r["times"])
summary = {}
for name in ("gomedic check", base, "run-once go env -json KEYS", "go env -json"):
    if name not in times:
        continue
    t = times[name]
    summary[name] = {"median": statistics.median(t), "mean": statistics.fmean(t),
                     "min": min(t), "max": max(t), "runs": len(t)}
    s = summary[name]
    print(f"{name:26s} median {s['median']*1000:7.2f} ms  mean {s['mean']*1000:7.2f} ms  "
          f"min {s['min']*1000:7.2f} ms  max {s['max']*1000:7.2f} ms  ({s['runs']} runs)")
ratio = summary["gomedic check"]["median"] / summary[base]["median"]
print(f"ratio gomedic / `go env -json KEYS` (medians): {ratio:.2f} (threshold {max_ratio:g}, "
      f"{'enforced' if enforce else 'not enforced'}); per round: "
      + ", ".join(f"{r:.2f}" for r in rounds))
if "run-once go env -json KEYS" in summary:
    f = summary["run-once go env -json KEYS"]["median"]
    print(f"for reference: floor (a program that only runs `go env -json KEYS`) / `go env -json KEYS`: "
          f"{f / summary[base]['median']:.2f}; gomedic / floor: {summary['gomedic check']['median'] / f:.2f}")
if "go env -json" in summary:
    print(f"for reference: gomedic / bare `go env -json`: "
          f"{summary['gomedic check']['median'] / summary['go env -json']['median']:.2f}")
if len(files) > 1:
    json.dump({"results": summary, "ratio": ratio, "round_ratios": rounds, "rounds": files},
              open(out, "w"), indent=2)
print(f"hyperfine JSON: {', '.join(files)}" + (f"; pooled summary: {out}" if len(files) > 1 else ""))
if enforce and ratio > max_ratio:
    print(f"FAIL: ratio {ratio:.2f} > {max_ratio:g}", file=sys.stderr)
    sys.exit(1)
PY
