#!/usr/bin/env bash
# Benchmark: probing 20 endpoints, 14 of them hanging (7 silent TLS servers, 7 black-holed
# TCP ports), must finish within the deadline plus 100 ms. Measures the library call and
# the real `gomedic net` process (start-up included) against the same loopback endpoints.
# Usage: bash scripts/bench/net-deadline.sh [DEADLINE_MS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
deadline_ms="${1:-2000}"
runs="${2:-10}"
cargo build --quiet --release -p gomedic
GOMEDIC_BIN="$PWD/target/release/gomedic" \
  cargo run --quiet --release -p gomedic-net --example deadline_bench -- "$deadline_ms" "$runs"
