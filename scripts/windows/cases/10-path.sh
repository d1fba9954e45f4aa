# win.path, fix win.path-repair (user and --machine) and go.root's GOROOT advice, as users
# have it (issue #11): a user named 张三, the real go.exe in a fake `Program Files\Go`, a
# GOROOT `C:\Go121` left in HKCU\Environment by an old installer, a quoted PATH entry, an
# older Go on the machine PATH. Registry values are compared through `reg export` (data
# and type); everything set here is put back at the end.

# Wine takes the profile (USERPROFILE) from the user who started the wineserver: restart
# it as 张三 for this file, and as before at the end.
WINEPREFIX="$prefix" timeout 30 wineserver -k >/dev/null 2>&1
p10_saved_env=("${base_env[@]}")
base_env+=(USER=张三)

p10="$work/p10"
pf="$p10/Program Files/Go"
mkdir -p "$pf/bin" "$p10/张三/go/bin"
# The real go.exe, with the rest of its GOROOT linked (the shared tree is never written).
cp "$goroot/bin/go.exe" "$pf/bin/go.exe"
for x in "$goroot"/*; do [ "$(basename "$x")" = bin ] || ln -s "$x" "$pf/$(basename "$x")"; done
pf_bin_w="$(winpath "$pf/bin")"
gopath_w="$w\\p10\\张三\\go"
# The stale installation the old GOROOT names: an older Go (its VERSION says 1.21).
stale="$prefix/drive_c/Go121"
mkdir -p "$stale/bin"
cp "$goroot/bin/go.exe" "$stale/bin/go.exe"
printf 'go1.21.13\ntime 2024-08-06T17:00:00Z\n' >"$stale/VERSION"
p10_env=(USER=张三 WINEPATH="$pf_bin_w" GOPATH="$gopath_w" GOMEDIC_DATA_DIR="$w\\p10\\data")
hkcu='HKCU\Environment'
hklm='HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
regval() { python3 "$here/cases/regval.py" "$@"; }
# export KEY FILE: the key's values, as `reg export` writes them.
export_key() { wreg export "$1" "$(winpath "$2")" /y >/dev/null; }
export_key "$hkcu" "$p10/hkcu.orig.reg"
export_key "$hklm" "$p10/hklm.orig.reg"
# json_check NAME ID PYTHON-EXPR: evaluates EXPR with `c` = the check's JSON object.
json_check() {
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
c=[c for c in r["checks"] if c["id"]==sys.argv[2]][0]
fix=lambda i: ([f for f in c.get("fixes",[]) if f["id"]==i] or [None])[0]
codes=[f["code"] for f in c.get("findings",[])]
print(eval(sys.argv[3]))' "$work/out/$1.stdout" "$2" "$3" 2>&1
}

wreg add "$hkcu" /v GOROOT /t REG_SZ /d 'C:\Go121' /f >/dev/null
wreg add "$hkcu" /v Path /t REG_EXPAND_SZ /d "\"$pf_bin_w\";%SystemRoot%\\Fonts;$gopath_w\\bin" /f >/dev/null
export_key "$hkcu" "$p10/hkcu.before.reg"
check_eq "10-path: user PATH set up quoted, REG_EXPAND_SZ" "$(regval "$p10/hkcu.before.reg" Path)" \
  "REG_EXPAND_SZ|\"$pf_bin_w\";%SystemRoot%\\Fonts;$gopath_w\\bin"

run p10-check "${p10_env[@]}" -- check --offline --only win.path,go.root --format json
check_eq "10-path: the quoted entry is diagnosed, not called missing" \
  "$(json_check p10-check win.path '"winpath.quoted_entry" in codes, "winpath.missing_entries" in codes')" "(True, False)"
check_eq "10-path: the stale GOROOT's bin is refused, naming go.root" \
  "$(json_check p10-check win.path 'any(d.startswith("not adding C:\\Go121\\bin") and "go.root" in d for d in c["details"])')" "True"
check_eq "10-path: the repair unquotes in place (working go's folder, no duplicate)" \
  "$(json_check p10-check win.path 'fix("win.path-repair")["action"]["data"]')" "$pf_bin_w;%SystemRoot%\\Fonts;$gopath_w\\bin"
check_eq "10-path: go.root names HKCU\\Environment as GOROOT's source" \
  "$(json_check p10-check go.root 'any("HKCU\\Environment\\GOROOT (user environment variable)" in d for d in c["details"])')" "True"
check_eq "10-path: go.root advice in cmd and PowerShell form" \
  "$(json_check p10-check go.root 'all(any(w in x for x in fix("root.unset-env")["commands"]) for w in ["reg delete HKCU\\Environment /v GOROOT /f", "Remove-ItemProperty -Path HKCU:\\Environment -Name GOROOT", "set \"GOROOT=\" & rem cmd", "Remove-Item Env:GOROOT"])')" "True"

run p10-env "${p10_env[@]}" -- env --format json
check_eq "10-path: gomedic env names the registry value GOROOT came from" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["settings"]["GOROOT"].get("registry"))' "$work/out/p10-env.stdout" 2>&1)" 'HKCU\Environment\GOROOT'

# The same quoted folder on the process PATH: go.binary warns (std's split_paths would
# have removed the quotes silently).
run p10-procpath "${p10_env[@]}" WINEPATH="\"$pf_bin_w\"" -- check --offline --only go.binary --format json
check_eq "10-path: a quoted process PATH entry is reported by go.binary" \
  "$(json_check p10-procpath go.binary '"path.quoted_entry" in codes')" "True"

run p10-fix "${p10_env[@]}" -- fix win.path-repair --yes --offline
check_eq "10-path: fix win.path-repair exit code" "$(cat "$work/out/p10-fix.rc")" 0
if grep -q 'REG_EXPAND_SZ → REG_EXPAND_SZ' "$work/out/p10-fix.stdout"; then
  failed=$((failed + 1)); echo "not ok - 10-path: the plan does not print an unchanged type as a change"
else passed=$((passed + 1)); echo "ok - 10-path: the plan does not print an unchanged type as a change"; fi
export_key "$hkcu" "$p10/hkcu.fixed.reg"
check_eq "10-path: repaired user PATH (value and type)" "$(regval "$p10/hkcu.fixed.reg" Path)" \
  "REG_EXPAND_SZ|$pf_bin_w;%SystemRoot%\\Fonts;$gopath_w\\bin"
run p10-undo "${p10_env[@]}" -- undo
export_key "$hkcu" "$p10/hkcu.undone.reg"
check_eq "10-path: undo restores the user PATH's value and type exactly" \
  "$(regval "$p10/hkcu.undone.reg" Path)" "$(regval "$p10/hkcu.before.reg" Path)"

# The machine PATH with the older Go in front shadows the user's Go.
orig_machine="$(regval "$p10/hklm.orig.reg" Path)"
machine_data="${orig_machine#*|}"
case "$orig_machine" in REG_SZ*) mtype=REG_SZ ;; *) mtype=REG_EXPAND_SZ ;; esac
wreg add "$hklm" /v Path /t "$mtype" /d "C:\\Go121\\bin;$machine_data" /f >/dev/null
wreg add "$hkcu" /v Path /t REG_EXPAND_SZ /d "$pf_bin_w;$gopath_w\\bin" /f >/dev/null
export_key "$hklm" "$p10/hklm.before.reg"
run p10-mcheck "${p10_env[@]}" -- check --offline --only win.path --format json
check_eq "10-path: the machine PATH's older Go shadows the user's" \
  "$(json_check p10-mcheck win.path '"winpath.machine_go_shadows_user" in codes')" "True"
check_eq "10-path: the machine repair drops the older Go and keeps the rest" \
  "$(json_check p10-mcheck win.path 'fix("win.path-repair-machine")["action"]["data"]')" "$machine_data"
check_eq "10-path: the machine repair's elevated commands, cmd and PowerShell" \
  "$(json_check p10-mcheck win.path '[(x.split(" & rem ")[1] if " & rem " in x else x.split("   #")[1]).strip() for x in fix("win.path-repair-machine")["commands"]]')" \
  "['in an elevated (administrator) terminal; undoable', 'cmd, elevated (administrator)', 'PowerShell, elevated (administrator)']"
run p10-mdry "${p10_env[@]}" -- fix win.path-repair --machine --dry-run --offline
check_eq "10-path: --machine --dry-run exit code" "$(cat "$work/out/p10-mdry.rc")" 0
check_eq "10-path: the machine plan says it needs an elevated terminal" \
  "$(grep -c 'needs an elevated (administrator) terminal' "$work/out/p10-mdry.stdout")" 1
run p10-all "${p10_env[@]}" -- fix --dry-run --offline
check_eq "10-path: fix without --machine never plans the machine PATH" \
  "$(grep -c 'win.path-repair-machine' "$work/out/p10-all.stdout")" 0
run p10-noelev "${p10_env[@]}" GOMEDIC_TEST_NOT_ELEVATED=1 -- fix win.path-repair --machine --yes --offline
check_eq "10-path: not elevated: refused (exit 1)" "$(cat "$work/out/p10-noelev.rc")" 1
check_eq "10-path: not elevated: says how to elevate" \
  "$(grep -c 'elevated (administrator) terminal' "$work/out/p10-noelev.stderr")" 1
export_key "$hklm" "$p10/hklm.noelev.reg"
check_eq "10-path: not elevated: the machine PATH is unchanged" \
  "$(regval "$p10/hklm.noelev.reg" Path)" "$(regval "$p10/hklm.before.reg" Path)"
# Wine's token counts as elevated, so the write itself is tested too.
run p10-mfix "${p10_env[@]}" -- fix win.path-repair --machine --yes --offline
check_eq "10-path: fix win.path-repair --machine exit code" "$(cat "$work/out/p10-mfix.rc")" 0
export_key "$hklm" "$p10/hklm.fixed.reg"
check_eq "10-path: repaired machine PATH (value and type)" "$(regval "$p10/hklm.fixed.reg" Path)" "$orig_machine"
run p10-mundo "${p10_env[@]}" -- undo
export_key "$hklm" "$p10/hklm.undone.reg"
check_eq "10-path: undo restores the machine PATH's value and type exactly" \
  "$(regval "$p10/hklm.undone.reg" Path)" "$(regval "$p10/hklm.before.reg" Path)"

# Put everything back.
wreg add "$hklm" /v Path /t "$mtype" /d "$machine_data" /f >/dev/null
wreg delete "$hkcu" /v GOROOT /f >/dev/null
wreg delete "$hkcu" /v Path /f >/dev/null
wreg import "$(winpath "$p10/hkcu.orig.reg")" >/dev/null
rm -rf "$stale"
WINEPREFIX="$prefix" timeout 30 wineserver -k >/dev/null 2>&1
base_env=("${p10_saved_env[@]}")
