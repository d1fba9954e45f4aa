#!/usr/bin/env bash
# Builds gomedic's release artifacts into dist/: stripped binaries for Linux x86_64 (static
# musl) and Windows x86_64 (mingw), their archives, PyPI wheels, npm packages, scoop and
# winget manifests, and SHA256SUMS. Slow (release builds of std too); not part of .ci/run.
# Installs what it needs (as root): scripts/windows/setup.sh (Debian's Rust, mingw, Wine),
# musl-tools and libunwind-14-dev; also needs python3 and npm.
# Env:
#   GOMEDIC_RELEASE_BASE_URL     where the archives will be downloadable; {version} is replaced
#                                (default https://github.com/gomedic/gomedic/releases/download/v{version})
#   GOMEDIC_RELEASE_TARGET_DIR   Linux release target dir (default ~/.cache/gomedic/target-release)
#   GOMEDIC_RELEASE_WINDOWS_TARGET_DIR  (default ~/.cache/gomedic/target-windows-dist)
#   GOMEDIC_GIT_COMMIT           commit shown by --version (default: git HEAD, "-dirty" if changed)
#   GOMEDIC_RELEASE_ONLY         "build" stops after the binaries
set -euo pipefail
# A failed build inside `bin="$(build_linux)"` must stop the release: without this, bash
# ignores errors in command substitutions and the previous build's binary was packaged.
shopt -s inherit_errexit

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$HOME/.cache/gomedic"
dist="$root/dist"
log() { printf 'release: %s\n' "$*" >&2; }

version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml")"
[ -n "$version" ] || { log "no [workspace.package] version in Cargo.toml"; exit 1; }
if [ -z "${GOMEDIC_GIT_COMMIT:-}" ]; then
  GOMEDIC_GIT_COMMIT="$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
  if [ "$GOMEDIC_GIT_COMMIT" != unknown ] && ! git -C "$root" diff --quiet HEAD -- 2>/dev/null; then
    GOMEDIC_GIT_COMMIT="$GOMEDIC_GIT_COMMIT-dirty"
  fi
fi
export GOMEDIC_GIT_COMMIT
base_url="${GOMEDIC_RELEASE_BASE_URL:-https://github.com/gomedic/gomedic/releases/download/v{version}}"
base_url="${base_url//\{version\}/$version}"
log "gomedic $version (commit $GOMEDIC_GIT_COMMIT)"

linux_target=x86_64-unknown-linux-musl
windows_target=x86_64-pc-windows-gnu

# Static musl with Debian's rustc-web and -Zbuild-std, as the Windows build: rustup cannot add
# targets here. std's musl unwinder links libunwind statically; Debian ships LLVM's, built
# for glibc, so one missing symbol (__fprintf_chk) comes from a small forwarder. Static PIE:
# no loader or libc needed at run time, ASLR kept.
linux_env() {
  local unwind="$cache/musl-unwind"
  mkdir -p "$unwind"
  if [ ! -f "$unwind/libunwind.a" ] || [ "$root/scripts/release/fprintf_chk.c" -nt "$unwind/libunwind.a" ]; then
    cp /usr/lib/llvm-14/lib/libunwind.a "$unwind/libunwind.a.tmp"
    musl-gcc -O2 -c "$root/scripts/release/fprintf_chk.c" -o "$unwind/fprintf_chk.o"
    ar rcs "$unwind/libunwind.a.tmp" "$unwind/fprintf_chk.o"
    mv "$unwind/libunwind.a.tmp" "$unwind/libunwind.a"
  fi
  export PATH="/usr/bin:/bin:/usr/sbin:/sbin"
  unset RUSTUP_TOOLCHAIN RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER CARGO_BUILD_RUSTC_WRAPPER
  export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc CARGO=/usr/bin/cargo RUSTC_BOOTSTRAP=1
  export CARGO_HOME="${GOMEDIC_WINDOWS_CARGO_HOME:-$cache/cargo-home-windows}"
  export CARGO_TARGET_DIR="${GOMEDIC_RELEASE_TARGET_DIR:-$cache/target-release}"
  # musl-gcc with specs that can link -static-pie (see that script).
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER="$root/scripts/release/musl-gcc"
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=+crt-static -C link-self-contained=no -L native=$unwind"
  export CARGO_TERM_COLOR=never
  # The shipped binary is built for size (the 10 MB limit); other release builds, the
  # benchmarks among them, keep the workspace's release profile.
  export CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
}

# maturin builds the Linux binary and its wheel in one cargo build (bindings = "bin"). A static
# binary runs on any Linux, hence both the manylinux and musllinux tags.
build_linux() (
  linux_env
  local venv="$cache/release-venv"
  [ -x "$venv/bin/maturin" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'maturin>=1.5,<2'; }
  log "building $linux_target into $CARGO_TARGET_DIR"
  "$venv/bin/maturin" build --release --locked --target "$linux_target" -Z build-std \
    -m "$root/crates/gomedic/Cargo.toml" --strip \
    --compatibility manylinux2014 musllinux_1_2 --auditwheel skip --out "$dist" >&2
  echo "$CARGO_TARGET_DIR/$linux_target/release/gomedic"
)

build_windows() {
  # For size too (the proxy's and the installer's HTTP stack took it from 8 to 14 MB).
  CARGO_TARGET_DIR="${GOMEDIC_RELEASE_WINDOWS_TARGET_DIR:-$cache/target-windows-dist}" \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    GOMEDIC_WINDOWS_PROFILE=release "$root/scripts/windows/build.sh"
}

need=()
command -v musl-gcc >/dev/null || need+=(musl-tools)
[ -f /usr/lib/llvm-14/lib/libunwind.a ] || need+=(libunwind-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { log "not root: apt-get install ${need[*]} and rerun"; exit 1; }
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
bash "$root/scripts/windows/setup.sh"

rm -rf "$dist"
mkdir -p "$dist"
linux_bin="$(build_linux)"
windows_exe="$(build_windows)"
mkdir -p "$dist/$linux_target" "$dist/$windows_target"
strip -o "$dist/$linux_target/gomedic" "$linux_bin"
x86_64-w64-mingw32-strip -o "$dist/$windows_target/gomedic.exe" "$windows_exe"
file "$dist/$linux_target/gomedic" | grep -q 'static-pie linked' || { log "Linux binary is not static"; exit 1; }
"$dist/$linux_target/gomedic" --version >&2
[ "${GOMEDIC_RELEASE_ONLY:-}" = build ] && exit 0

homepage="${GOMEDIC_HOMEPAGE:-https://github.com/gomedic/gomedic}"
py="$root/scripts/release/package.py"

# Archives: the tarball keeps a top directory; the zip is flat so scoop and winget find
# gomedic.exe at its root.
stem="gomedic-$version"
mkdir -p "$dist/tmp/$stem-$linux_target"
cp "$dist/$linux_target/gomedic" "$root/README.md" "$dist/tmp/$stem-$linux_target/"
tar -C "$dist/tmp" --owner=0 --group=0 --numeric-owner -czf "$dist/$stem-$linux_target.tar.gz" "$stem-$linux_target"
python3 - "$dist/$stem-$windows_target.zip" "$dist/$windows_target/gomedic.exe" "$root/README.md" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for p in sys.argv[2:]:
        z.write(p, os.path.basename(p))
PY
rm -rf "$dist/tmp"

# PyPI: the Linux wheel came from maturin above; the Windows one reuses its metadata.
linux_wheel="$(ls "$dist"/gomedic-"$version"-*linux*.whl)"
python3 "$py" wheel-win --like "$linux_wheel" --exe "$dist/$windows_target/gomedic.exe" --out "$dist" >&2

python3 "$py" npm --dist "$dist" --version "$version" --homepage "$homepage" \
  --npm-template "$root/packaging/npm/gomedic" --readme "$root/README.md" >&2
python3 "$py" manifests --dist "$dist" --version "$version" --zip "$dist/$stem-$windows_target.zip" \
  --base-url "$base_url" --homepage "$homepage" --publisher "${GOMEDIC_PUBLISHER:-gomedic}" \
  --winget-id "${GOMEDIC_WINGET_ID:-Gomedic.Gomedic}" >&2
python3 "$py" sums --dist "$dist"
log "done: $dist"
(cd "$dist" && ls -1 *.tar.gz *.zip *.whl *.tgz) >&2
