#!/usr/bin/env bash
# Benchmarks `gomedic proxy serve` (issue #12) against baselines run side by side:
#  1. cached files under wrk: the proxy vs nginx serving the same cache directory from the
#     same disk (target: proxy requests/s at least 0.9x nginx's);
#  2. `go mod download` of 30 fixture modules through a warm proxy vs `GOPROXY=file://`
#     of the same directory (target: at most 1.2x);
#  3. peak RSS of the proxy serving a 200 MB zip from its cache, and fetching it through
#     from an upstream into an empty cache (target: under 64 MiB).
#
# Usage: bash scripts/bench/proxy.sh
# Env: GOMEDIC_BENCH_DURATION (wrk seconds per run, default 10), GOMEDIC_BENCH_ROUNDS
#      (default 3), GOMEDIC_BENCH_RUNS (hyperfine runs, default 40),
#      GOMEDIC_BENCH_BIG_MB (default 200), GOMEDIC_BENCH_ENFORCE=1 (exit 1 on a missed target),
#      GOMEDIC_BENCH_BIN (a gomedic binary to time; default: the workspace release build).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
duration="${GOMEDIC_BENCH_DURATION:-10}"
rounds="${GOMEDIC_BENCH_ROUNDS:-3}"
runs="${GOMEDIC_BENCH_RUNS:-40}"
big_mb="${GOMEDIC_BENCH_BIG_MB:-200}"
log() { printf 'bench: %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2"; } >&2; }
need wrk wrk
need hyperfine hyperfine
need nginx nginx-light
need curl curl

# GOMEDIC_BENCH_BIN: a gomedic binary to time instead of the workspace release build (e.g.
# the shipped static musl one in dist/).
gomedic="${GOMEDIC_BENCH_BIN:-}"
if [ -z "$gomedic" ]; then
  (cd "$root" && cargo build --quiet --release --locked -p gomedic)
  gomedic="$root/target/release/gomedic"
fi
goroot="$(bash "$root/scripts/install-go-toolchains.sh" 1.27.3 | sed -n 's/^1.27.3=//p')"
[ -x "$goroot/bin/go" ] || { log "no go 1.27.3"; exit 2; }

work="$(mktemp -d /tmp/gomedic-bench-proxy.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

log "fixtures (30 modules + a ${big_mb} MB zip)"
python3 "$here/proxy-fixtures.py" "$work/cache" --big "$big_mb" >"$work/modules.txt"
chmod -R a+rX "$work/cache"
mods=$(grep -v '^bench.example/big@' "$work/modules.txt" | tr '\n' ' ')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_proxy NAME ARGS...: starts gomedic proxy serve, sets $addr and $pid.
start_proxy() {
  local name="$1"; shift
  "$gomedic" proxy serve --listen 127.0.0.1:0 --sumdb off "$@" 2>"$work/$name.log" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do
    addr=$(sed -n 's/.* on http:\/\/\([0-9.:]*\) .*/\1/p' "$work/$name.log" | head -1)
    [ -n "$addr" ] && return 0
    sleep 0.05
  done
  log "proxy $name did not start:"; cat "$work/$name.log" >&2; exit 2
}

start_proxy warm --cache-dir "$work/cache" --upstream http://127.0.0.1:9
proxy_addr="$addr"; proxy_pid="$pid"

nginx_port="$(free_port)"
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$nginx_port; root $work/cache; }
}
EOF
nginx -c "$work/nginx.conf"

# ---- 1. wrk --------------------------------------------------------------------------
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
summary="$work/summary.txt"
: >"$summary"
for file in bench.example/m00/@v/v1.0.0.mod bench.example/m03/@v/v1.0.0.zip bench.example/m04/@v/v1.0.0.zip; do
  for u in "http://$proxy_addr/$file" "http://127.0.0.1:$nginx_port/$file"; do
    curl -sf -o /dev/null "$u" || { log "cannot fetch $u"; exit 2; }
  done
  size=$(stat -c %s "$work/cache/$file")
  p_all=(); n_all=()
  for r in $(seq "$rounds"); do
    # Alternate which server goes first.
    if [ $((r % 2)) = 1 ]; then order="p n"; else order="n p"; fi
    for who in $order; do
      if [ "$who" = p ]; then u="http://$proxy_addr/$file"; else u="http://127.0.0.1:$nginx_port/$file"; fi
      v=$(wrk -t2 -c16 -d"${duration}s" "$u" | rps)
      if [ "$who" = p ]; then p_all+=("$v"); else n_all+=("$v"); fi
    done
  done
  python3 - "$file" "$size" "${p_all[*]}" "${n_all[*]}" >>"$summary" <<'EOF'
import statistics, sys
f, size, p, n = sys.argv[1], int(sys.argv[2]), [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
pm, nm = statistics.median(p), statistics.median(n)
print(f"wrk {f} ({size} bytes): proxy {pm:.0f} req/s ({pm*size/2**20:.0f} MiB/s), nginx {nm:.0f} req/s, ratio proxy/nginx {pm/nm:.2f} (rounds: {' '.join(f'{a/b:.2f}' for a, b in zip(p, n))})")
EOF
  tail -1 "$summary" >&2
done

# ---- 2. go mod download ------------------------------------------------------------
home="$work/home"; mkdir -p "$home"
goenv=(env -i "HOME=$home" "PATH=$goroot/bin:/usr/bin:/bin" "GOENV=off" "GOFLAGS=-modcacherw"
  "GOTOOLCHAIN=local" "GOSUMDB=off" "GOMODCACHE=$work/modcache" "GOCACHE=$work/gocache"
  "GO111MODULE=on")
mkdir -p "$work/empty"
cat >"$work/dl.sh" <<EOF
#!/bin/sh
cd "$work/empty" && exec ${goenv[*]} GOPROXY="\$1" go mod download $mods >/dev/null
EOF
chmod +x "$work/dl.sh"
"$work/dl.sh" "http://$proxy_addr" || { log "go mod download through the proxy failed"; exit 2; }
# nginx serving the same directory as a GOPROXY too: what any HTTP server costs go here.
hyperfine -N --warmup 3 --runs "$runs" --prepare "rm -rf $work/modcache" \
  --export-json "$work/dl.json" \
  -n proxy "$work/dl.sh http://$proxy_addr" \
  -n file "$work/dl.sh file://$work/cache" \
  -n nginx "$work/dl.sh http://127.0.0.1:$nginx_port" >&2
python3 - "$work/dl.json" >>"$summary" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
p, f, n = r["proxy"]["median"], r["file"]["median"], r["nginx"]["median"]
print(f"go mod download (30 modules, cold module cache): proxy {p*1000:.0f} ms, file:// {f*1000:.0f} ms, ratio {p/f:.2f}; nginx as GOPROXY {n*1000:.0f} ms ({n/f:.2f})")
EOF
tail -1 "$summary" >&2

# ---- 3. peak RSS with a big zip -------------------------------------------------------
hwm() { sed -n "s/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"; }
big=bench.example/big/@v/v1.0.0.zip
before=$(hwm "$proxy_pid")
curl -sf -o "$work/big.out" "http://$proxy_addr/$big"
cmp "$work/big.out" "$work/cache/$big"
rm -f "$work/big.out"
after=$(hwm "$proxy_pid")
echo "peak RSS serving the ${big_mb} MB zip from the cache: $((after / 1024)) MiB (before: $((before / 1024)) MiB; after all wrk and go runs)" >>"$summary"
tail -1 "$summary" >&2

start_proxy through --cache-dir "$work/cache2" --upstream "http://127.0.0.1:$nginx_port"
curl -sf -o "$work/big.out" "http://$addr/$big"
cmp "$work/big.out" "$work/cache/$big"
rm -f "$work/big.out"
echo "peak RSS fetching the ${big_mb} MB zip from an upstream into an empty cache (--sumdb off; zip rules checked): $(($(hwm "$pid") / 1024)) MiB" >>"$summary"
tail -1 "$summary" >&2

echo
cat "$summary"
mkdir -p "$root/target/bench"
cp "$summary" "$root/target/bench/proxy.txt"
if [ "${GOMEDIC_BENCH_ENFORCE:-}" = 1 ]; then
  python3 - "$summary" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
bad = [float(x) for x in re.findall(r"ratio proxy/nginx ([0-9.]+)", t) if float(x) < 0.9]
bad += [float(x) for x in re.findall(r"file:// .*ratio ([0-9.]+)", t) if float(x) > 1.2]
bad += [int(x) for x in re.findall(r"peak RSS [^:]*: ([0-9]+) MiB", t) if int(x) >= 64]
sys.exit(1 if bad else 0)
EOF
fi
