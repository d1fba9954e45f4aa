#!/usr/bin/env bash
# Cross-builds gomedic for x86_64-pc-windows-gnu with Debian's Rust (rustc-web, 1.96) and
# -Zbuild-std: rustup cannot add targets on these machines, so the standard library is built
# from rust-web-src. Run scripts/windows/setup.sh first.
# Prints the absolute path of the built .exe on stdout (cargo's output goes to stderr).
# Env:
#   CARGO_TARGET_DIR          default ~/.cache/gomedic/target-windows
#   GOMEDIC_WINDOWS_MANIFEST  default <repo>/Cargo.toml
#   GOMEDIC_WINDOWS_PACKAGE   default gomedic   (cargo -p)
#   GOMEDIC_WINDOWS_BIN       default gomedic   (name of the binary target)
#   GOMEDIC_WINDOWS_PROFILE   default dev       (cargo --profile; "release" for an optimised exe)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$HOME/.cache/gomedic"
target=x86_64-pc-windows-gnu
manifest="${GOMEDIC_WINDOWS_MANIFEST:-$root/Cargo.toml}"
package="${GOMEDIC_WINDOWS_PACKAGE:-gomedic}"
bin="${GOMEDIC_WINDOWS_BIN:-gomedic}"
profile="${GOMEDIC_WINDOWS_PROFILE:-dev}"

log() { printf 'windows build: %s\n' "$*" >&2; }

[ -f "$manifest" ] || { log "no Cargo manifest at $manifest"; exit 1; }
[ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] || { log "Debian cargo/rustc missing: run scripts/windows/setup.sh"; exit 1; }
[ -d /usr/lib/rustlib/src/rust/library ] || { log "rust-web-src missing: run scripts/windows/setup.sh"; exit 1; }

# Debian's toolchain only: keep rustup's proxies (~/.cargo/bin) off PATH and out of the way.
export PATH="/usr/bin:/bin:/usr/sbin:/sbin"
unset RUSTUP_TOOLCHAIN RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo
export RUSTC_BOOTSTRAP=1
# A CARGO_HOME of its own: cargo 1.96's registry and global-cache database stay apart from the
# rustup cargo's in ~/.cargo (std's own dependencies are fetched from crates.io into it too).
export CARGO_HOME="${GOMEDIC_WINDOWS_CARGO_HOME:-$cache/cargo-home-windows}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$cache/target-windows}"
# cargo's artifact hashes do not depend on where the workspace lives, so another checkout
# (a git worktree) building into the same directory overwrites our crates with artifacts
# newer than our sources, which mtime-based freshness then keeps. After another checkout
# built here, make our sources newer (dependencies stay cached).
mkdir -p "$CARGO_TARGET_DIR"
if [ "$(cat "$CARGO_TARGET_DIR/.gomedic-checkout" 2>/dev/null)" != "$root" ]; then
  find "$root/crates" -name '*.rs' -exec touch {} +
  printf '%s\n' "$root" >"$CARGO_TARGET_DIR/.gomedic-checkout"
fi
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export CARGO_TERM_COLOR=never

lock=()
if [ -f "$(dirname "$manifest")/Cargo.lock" ] && [ "${GOMEDIC_WINDOWS_UNLOCKED:-0}" != 1 ]; then
  lock=(--locked)   # never rewrite the committed lock file with a different cargo
fi

log "$(rustc --version), $(cargo --version)"
log "building -p $package for $target (profile $profile) into $CARGO_TARGET_DIR"
t0=$SECONDS
cargo build -Zbuild-std --target "$target" --manifest-path "$manifest" -p "$package" \
  --bin "$bin" --profile "$profile" "${lock[@]}" >&2
log "build took $((SECONDS - t0)) s"

case "$profile" in dev) dir=debug ;; *) dir="$profile" ;; esac
exe="$CARGO_TARGET_DIR/$target/$dir/$bin.exe"
[ -f "$exe" ] || { log "build succeeded but $exe is missing"; exit 1; }
echo "$exe"
