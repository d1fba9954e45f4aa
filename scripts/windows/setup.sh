#!/usr/bin/env bash
# Prepares this machine for gomedic's Windows leg: Debian's Rust with the standard library's
# source (for -Zbuild-std), the mingw-w64 cross toolchain, Wine 8, a ProcessPrng shim DLL
# (Wine 8 has no bcryptprimitives.dll) and an initialised Wine prefix with the shim installed.
# Idempotent: a second run does no apt work and does not need the network.
# Env: GOMEDIC_WINEPREFIX (default ~/.cache/gomedic/wine-prefix)
# Prints what it does on stderr; prints nothing on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="$HOME/.cache/gomedic"
prefix="${GOMEDIC_WINEPREFIX:-$cache/wine-prefix}"
shim_dir="$cache/wine-shim"

log() { printf 'windows setup: %s\n' "$*" >&2; }

# --- 1. Debian packages --------------------------------------------------------------------
pkgs=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64 wine64 wine locales)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    log "not root: cannot apt-get install; install ${missing[*]} and rerun"
    exit 1
  fi
  t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2
  log "apt install took $((SECONDS - t0)) s"
else
  log "Debian packages already installed (${pkgs[*]})"
fi
# Debian's wine64 package has no wine64 on PATH: /usr/bin/wine (package wine) runs
# /usr/lib/wine/wine64 when there is no 32-bit wine.
for c in /usr/bin/rustc /usr/bin/cargo x86_64-w64-mingw32-gcc wine wineboot wineserver; do
  command -v "$c" >/dev/null || { log "missing command after install: $c"; exit 1; }
done
log "$(/usr/bin/rustc --version) (Debian), $(WINEDEBUG=-all wine --version)"

# A Chinese locale: Wine then uses ANSI code page 936 (GBK), as Chinese Windows does
# (cases/30-text.sh). Generating it takes a couple of seconds.
if ! locale -a 2>/dev/null | grep -qix 'zh_CN.utf-\?8'; then
  if [ "$(id -u)" -eq 0 ] && command -v localedef >/dev/null; then
    log "generating the zh_CN.UTF-8 locale"
    localedef -i zh_CN -f UTF-8 zh_CN.UTF-8 >&2 || log "localedef zh_CN.UTF-8 failed"
  else
    log "no zh_CN.UTF-8 locale and cannot generate it (not root, or no localedef)"
  fi
fi

# --- 2. ProcessPrng shim -------------------------------------------------------------------
mkdir -p "$shim_dir"
dll="$shim_dir/bcryptprimitives.dll"
if [ ! -s "$dll" ] || [ "$here/processprng.c" -nt "$dll" ]; then
  log "building ProcessPrng shim -> $dll"
  x86_64-w64-mingw32-gcc -shared -O2 -s -o "$dll.tmp" "$here/processprng.c" -ladvapi32
  mv "$dll.tmp" "$dll"
else
  log "ProcessPrng shim up to date ($dll)"
fi

# --- 3. Wine prefix ------------------------------------------------------------------------
export WINEPREFIX="$prefix" WINEDEBUG=-all WINEARCH=win64
# No network: keep wineboot from looking for Mono/Gecko installers (mscoree/mshtml disabled).
export WINEDLLOVERRIDES="mscoree,mshtml="
ready="$prefix/.gomedic-prefix-ready"
if [ ! -f "$ready" ] || [ ! -f "$prefix/system.reg" ] || [ ! -d "$prefix/drive_c/windows/system32" ]; then
  log "initialising Wine prefix $prefix (about 15 s)"
  log "(a 'failed to open ...syswow64\\rundll32.exe: c0000135' line is expected: there is no 32-bit Wine)"
  t0=$SECONDS
  if [ -d "$prefix" ] && [ -n "$(ls -A "$prefix")" ]; then
    # A half-initialised prefix from an interrupted run is not reused; but never delete a
    # folder that does not look like a Wine prefix.
    [ -d "$prefix/drive_c" ] || [ -f "$prefix/system.reg" ] || [ -d "$prefix/dosdevices" ] \
      || { log "$prefix is not empty and is not a Wine prefix: refusing to use it"; exit 1; }
    timeout 30 wineserver -k >/dev/null 2>&1 || true
    rm -rf "$prefix"
  fi
  mkdir -p "$prefix"
  timeout 300 wineboot -i >&2 2>&1 || { log "wineboot -i failed"; exit 1; }
  timeout 300 wineserver -w || true
  [ -d "$prefix/drive_c/windows/system32" ] || { log "wineboot left no system32 in $prefix"; exit 1; }
  touch "$ready"
  log "prefix initialised in $((SECONDS - t0)) s"
else
  log "Wine prefix already initialised ($prefix)"
fi

sys32="$prefix/drive_c/windows/system32"
if ! cmp -s "$dll" "$sys32/bcryptprimitives.dll"; then
  log "installing shim into $sys32"
  cp "$dll" "$sys32/bcryptprimitives.dll"
else
  log "shim already in $sys32"
fi
log "ready"
