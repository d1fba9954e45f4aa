#!/usr/bin/env bash
# Release test (slow: release builds; not part of .ci/run): builds dist/ with
# scripts/release.sh, then installs every channel the way a user would and runs it:
#   pip     the Linux wheel in a fresh virtualenv (and pipx run), the Windows wheel's
#           gomedic.exe under Wine (a copy of ~/.cache/gomedic/wine-prefix)
#   npm     the packed tarballs installed into a temporary project, then npx gomedic
#   scoop/winget  manifests validated against JSON schemas, hashes against the zip
#   archives  SHA256SUMS, a static Linux binary of at most 10 MB starting in under 5 ms
# Env: GOMEDIC_TEST_RELEASE_SKIP_BUILD=1 tests an existing dist/;
#      GOMEDIC_SCOOP_SCHEMA, GOMEDIC_WINGET_SCHEMA_DIR: official schemas to validate against too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$HOME/.cache/gomedic"
dist="$root/dist"
fail=0
step() { printf '\n== %s\n' "$*" >&2; }
ok() { printf 'ok   %s\n' "$*" >&2; }
bad() { printf 'FAIL %s\n' "$*" >&2; fail=1; }

[ "${GOMEDIC_TEST_RELEASE_SKIP_BUILD:-0}" = 1 ] || bash "$root/scripts/release.sh" >/dev/null
version="$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$root/Cargo.toml")"
linux="$dist/x86_64-unknown-linux-musl/gomedic"
exe="$dist/x86_64-pc-windows-gnu/gomedic.exe"
work="$(mktemp -d)"
trap 'WINEPREFIX="$work/wine-prefix" wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# gomedic check exits 0 (healthy) or 1 (problems found) on a diagnosis; 2 and 3 are failures.
diagnosed() { local rc=0; "$@" >"$work/out" 2>&1 || rc=$?; [ "$rc" -le 1 ] || { cat "$work/out" >&2; return 1; }; }

step "archives and binaries"
(cd "$dist" && sha256sum -c --quiet SHA256SUMS) && ok SHA256SUMS || bad SHA256SUMS
file "$linux" | grep -q 'statically linked\|static-pie' && ok "Linux binary is static" || bad "Linux binary is not static: $(file "$linux")"
size=$(stat -c %s "$linux")
[ "$size" -le $((10 * 1024 * 1024)) ] && ok "Linux binary $size bytes (<= 10 MiB)" || bad "Linux binary $size bytes > 10 MiB"
v="$("$linux" --version)"
[[ "$v" == "gomedic $version (commit "*")" && "$v" != *unknown* ]] && ok "$v" || bad "--version says: $v"
tar -tzf "$dist/gomedic-$version-x86_64-unknown-linux-musl.tar.gz" >"$work/list"
grep -q '/gomedic$' "$work/list" && ok tarball || bad tarball
python3 -c 'import sys,zipfile; assert "gomedic.exe" in zipfile.ZipFile(sys.argv[1]).namelist()' \
  "$dist/gomedic-$version-x86_64-pc-windows-gnu.zip" && ok zip || bad zip
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 20 --runs 300 --export-json "$work/hf.json" "$linux --version" >/dev/null 2>&1
  mean_ms=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1000))' "$work/hf.json")
  python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= 5)' "$mean_ms" && ok "startup ${mean_ms} ms (< 5 ms)" || bad "startup ${mean_ms} ms"
fi

step "pip: Linux wheel in a fresh virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$dist"/gomedic-"$version"-*linux*.whl
v="$("$work/venv/bin/gomedic" --version)" && [[ "$v" == "gomedic $version "* ]] && ok "pip: $v" || bad "pip: gomedic --version: $v"
diagnosed "$work/venv/bin/gomedic" check --offline && ok "pip: gomedic check --offline" || bad "pip: gomedic check --offline"
venv="$cache/release-venv"
[ -x "$venv/bin/pipx" ] && "$venv/bin/python" -c 'import jsonschema, yaml' 2>/dev/null \
  || "$venv/bin/pip" install -q pipx jsonschema pyyaml
v="$(PIPX_HOME="$work/pipx" "$venv/bin/pipx" run --spec "$(ls "$dist"/gomedic-"$version"-*linux*.whl)" gomedic --version)" \
  && [[ "$v" == "gomedic $version "* ]] && ok "pipx run: $v" || bad "pipx run gomedic --version: $v"

step "pip: Windows wheel (pip's own installer, exe run under Wine)"
"$work/venv/bin/pip" install -q --no-index --no-deps --platform win_amd64 --only-binary=:all: \
  --target "$work/win" "$dist/gomedic-$version-py3-none-win_amd64.whl"
win_exe="$(find "$work/win" -name gomedic.exe)"
cmp -s "$win_exe" "$exe" && ok "wheel holds the release gomedic.exe" || bad "wheel's gomedic.exe differs from $exe"
cp -a "$cache/wine-prefix" "$work/wine-prefix"
v="$(cd "$work" && WINEPREFIX="$work/wine-prefix" WINEDEBUG=-all timeout 300 wine "$win_exe" --version </dev/null | tr -d '\r')" \
  && [[ "$v" == "gomedic $version "* ]] && ok "Wine: $v" || bad "Wine: gomedic.exe --version: $v"
diagnosed env WINEPREFIX="$work/wine-prefix" WINEDEBUG=-all timeout 300 wine "$win_exe" check --offline </dev/null \
  && ok "Wine: gomedic.exe check --offline" || bad "Wine: gomedic.exe check --offline"

step "npm: packed tarballs into a temporary project, run with npx"
mkdir "$work/npm" && cd "$work/npm"
# overrides point the optional platform dependencies at the tarballs (not yet on the registry);
# npm skips the one whose os/cpu do not match.
cat >package.json <<JSON
{ "name": "gomedic-release-test", "private": true,
  "dependencies": { "gomedic": "file:$dist/gomedic-$version.tgz" },
  "overrides": {
    "@gomedic/linux-x64": "file:$dist/gomedic-linux-x64-$version.tgz",
    "@gomedic/win32-x64": "file:$dist/gomedic-win32-x64-$version.tgz" } }
JSON
npm install --offline --no-audit --no-fund --loglevel=error >&2
[ -d node_modules/@gomedic/linux-x64 ] && [ ! -d node_modules/@gomedic/win32-x64 ] \
  && ok "npm installed @gomedic/linux-x64 only" || bad "npm platform packages: $(ls node_modules/@gomedic 2>&1)"
v="$(npx --offline gomedic --version)" && [[ "$v" == "gomedic $version "* ]] && ok "npx: $v" || bad "npx gomedic --version: $v"
diagnosed npx --offline gomedic check --offline && ok "npx gomedic check --offline" || bad "npx gomedic check --offline"
tar -xzOf "$dist/gomedic-win32-x64-$version.tgz" package/bin/gomedic.exe | cmp -s - "$exe" \
  && ok "@gomedic/win32-x64 holds the release gomedic.exe" || bad "@gomedic/win32-x64's gomedic.exe"
cd "$root"

step "scoop and winget manifests"
args=()
[ -n "${GOMEDIC_SCOOP_SCHEMA:-}" ] && args+=(--scoop-schema "$GOMEDIC_SCOOP_SCHEMA")
[ -n "${GOMEDIC_WINGET_SCHEMA_DIR:-}" ] && args+=(--winget-schema-dir "$GOMEDIC_WINGET_SCHEMA_DIR")
"$venv/bin/python" "$root/scripts/release/validate_manifests.py" "$dist" "${args[@]}" >&2 \
  && ok "manifests valid" || bad "manifests invalid"
zip_sha="$(sha256sum "$dist/gomedic-$version-x86_64-pc-windows-gnu.zip" | cut -d' ' -f1)"
grep -q "\"hash\": \"$zip_sha\"" "$dist/scoop/gomedic.json" && ok "scoop hash is the zip's" || bad "scoop hash"
grep -rqi "InstallerSha256: \"$zip_sha\"" "$dist/winget" && ok "winget hash is the zip's" || bad "winget hash"

[ "$fail" = 0 ] && printf '\nrelease test passed\n' >&2 || printf '\nrelease test FAILED\n' >&2
exit "$fail"
