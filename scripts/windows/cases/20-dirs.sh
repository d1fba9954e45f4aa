# go.dirs under Wine: GOTMPDIR as go.exe uses it (must exist), Go directories over MAX_PATH
# with LongPathsEnabled 0 and 1 (HKLM, restored afterwards), win.canary in a long GOTMPDIR.
# Sourced by run-leg.sh (run, check_eq, wreg, winpath, $work, $w, $base_env).

# jq-like: q NAME PYTHON-EXPR over the report `r` and the first check `c`.
q() {
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1])); c=r["checks"][0]
codes=[f["code"] for f in c.get("findings",[])]
v=eval(sys.argv[2]); print("|".join(map(str, v)) if isinstance(v, tuple) else v)' "$work/out/$1.stdout" "$2" 2>&1 | tr -d '\r'
}

# a) A missing GOTMPDIR: the real go.exe fails to build, and gomedic says error.
mkdir -p "$work/dirs-mod"
printf 'module example.com/app\n\ngo 1.21\n' >"$work/dirs-mod/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$work/dirs-mod/main.go"
missing_w="$w\\no-such-dir\\tmp"
gobuild="$(cd "$work/dirs-mod" && env -i "${base_env[@]}" GOTMPDIR="$missing_w" GOPROXY=off timeout 300 wine go.exe build -o app.exe . </dev/null 2>&1 | tr -d '\r')"
case "$gobuild" in
  *"creating work dir"*) passed=$((passed + 1)); echo "ok - go.exe build fails with a missing GOTMPDIR" ;;
  *) failed=$((failed + 1)); echo "not ok - go.exe build fails with a missing GOTMPDIR: $gobuild" ;;
esac
run dirs-gotmpdir-missing GOTMPDIR="$missing_w" GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs: missing GOTMPDIR is an error" \
  "$(q dirs-gotmpdir-missing 'c["status"], "godir.gotmpdir_missing" in codes, "dirs.create-gotmpdir" in [x["id"] for x in c["fixes"]]')" \
  "error|True|True"
run dirs-gotmpdir-ok GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs: an existing GOTMPDIR is fine" "$(q dirs-gotmpdir-ok 'c["status"], codes')" "ok|[]"
# b) A GOTMPDIR over MAX_PATH. Linux allows 255 bytes a component, so three of 100.
long="$work/long/$(printf 'a%.0s' {1..100})/$(printf 'b%.0s' {1..100})/$(printf 'c%.0s' {1..100})"
mkdir -p "$long"
long_w="$(winpath "$long")"
long_n=${#long_w}
fskey='HKLM\SYSTEM\CurrentControlSet\Control\FileSystem'
lp_before="$(wreg query "$fskey" /v LongPathsEnabled | grep -i ' LongPathsEnabled ' | awk '{print $3}')"
wreg add "$fskey" /v LongPathsEnabled /t REG_DWORD /d 0 /f >/dev/null
run dirs-long-off GOTMPDIR="$long_w" GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs: GOTMPDIR of $long_n characters with LongPathsEnabled=0 names its length" \
  "$(q dirs-long-off '"godir.too_long" in codes, any("GOTMPDIR" in f["message"] and "'"$long_n"' characters" in f["message"] for f in c["findings"]), "win.enable-long-paths" in [x["id"] for x in c["fixes"]]')" \
  "True|True|True"
# win.canary would start go and a test binary in that GOTMPDIR: Windows refuses a current
# directory over MAX_PATH (Wine corrupts its heap), so the canary is not started and says why.
run dirs-long-canary GOTMPDIR="$long_w" GOPROXY=off -- check --offline --deep --only win.canary --format json
check_eq "win.canary in a long GOTMPDIR fails naming the length" \
  "$(q dirs-long-canary 'c["status"], "'"$long_n"' characters long" in c["summary"]')" "failed|True"
wreg add "$fskey" /v LongPathsEnabled /t REG_DWORD /d 1 /f >/dev/null
run dirs-long-on GOTMPDIR="$long_w" GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs: no MAX_PATH finding with LongPathsEnabled=1" "$(q dirs-long-on '"godir.too_long" in codes')" "False"
# Restore LongPathsEnabled exactly (value, or absence).
if [ -n "$lp_before" ]; then
  wreg add "$fskey" /v LongPathsEnabled /t REG_DWORD /d "$((lp_before))" /f >/dev/null
else
  wreg delete "$fskey" /v LongPathsEnabled /f >/dev/null
fi
check_eq "LongPathsEnabled restored" \
  "$(wreg query "$fskey" /v LongPathsEnabled | grep -i ' LongPathsEnabled ' | awk '{print $3}')" "$lp_before"
rm -rf "$work/long" "$work/dirs-mod"
