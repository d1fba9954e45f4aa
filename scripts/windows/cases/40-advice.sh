# Advice is tested by taking it: the cmd forms gomedic prints are run in Wine's cmd.exe,
# then the check runs again and its finding must be gone.
# Sourced by run-leg.sh (run, check_eq, wreg, winpath, $work, $w, $base_env).

# The cmd lines (`... & rem cmd...`) of fix FIX in the report of run NAME, one a line.
cmd_lines() {
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
for c in r["checks"]:
    for f in c.get("fixes", []):
        if f["id"] == sys.argv[2]:
            for l in f["commands"]:
                if " & rem cmd" in l: print(l)' "$work/out/$1.stdout" "$2"
}
# Runs one cmd line in Wine's cmd.exe from a batch file, then a second line (`rem` ends the
# first line's command, so a probe must go on a line of its own): the output.
wcmd() {
  local bat="$work/advice.bat"
  printf '@echo off\r\n%s\r\n%s\r\n' "$1" "${2:-echo rc=%errorlevel%}" >"$bat"
  env -i "${base_env[@]}" "${extra_env[@]}" timeout 120 wine cmd /c "$(winpath "$bat")" </dev/null 2>&1 | tr -d '\r'
}
has_finding() { # has_finding RUN CODE -> True/False
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(any(f["code"]==sys.argv[2] for c in r["checks"] for f in c.get("findings",[])))' "$work/out/$1.stdout" "$2" 2>&1
}

# a) GOROOT left by an old installer in HKCU\Environment (a new terminal has it too).
wreg add 'HKCU\Environment' /v GOROOT /t REG_SZ /d 'C:\Go121' /f >/dev/null
extra_env=(GOROOT='C:\Go121')
run advice-goroot GOROOT='C:\Go121' GOPROXY=off -- check --offline --only go.root --format json
mapfile -t lines < <(cmd_lines advice-goroot root.unset-env)
check_eq "go.root offers cmd lines for GOROOT" "$([ ${#lines[@]} -ge 2 ] && echo yes)" "yes"
for l in "${lines[@]}"; do
  case "$l" in
    set\ *)
      out="$(wcmd "$l" "set GOROOT")"
      case "$out" in *"not defined"*) passed=$((passed + 1)); echo "ok - cmd: $l";;
        *) failed=$((failed + 1)); echo "not ok - cmd: $l -> $out";; esac ;;
    *)
      out="$(wcmd "$l")"
      case "$out" in *"rc=0"*) passed=$((passed + 1)); echo "ok - cmd: $l";;
        *) failed=$((failed + 1)); echo "not ok - cmd: $l -> $out";; esac ;;
  esac
done
check_eq "GOROOT is gone from HKCU\\Environment" \
  "$(wreg query 'HKCU\Environment' /v GOROOT | grep -ci ' GOROOT ')" "0"
extra_env=()
run advice-goroot-after GOPROXY=off -- check --offline --only go.root --format json
check_eq "go.root after taking the advice (a new terminal)" \
  "$(has_finding advice-goroot-after goroot.unreadable)$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checks"][0]["status"])' "$work/out/advice-goroot-after.stdout")" "Falseok"
wreg delete 'HKCU\Environment' /v GOROOT /f >/dev/null

# b) A missing GOTMPDIR: the cmd mkdir creates it, and go.dirs is content.
tmp_missing="$work/advice-missing/tmp"
tmp_missing_w="$(winpath "$tmp_missing")"
extra_env=()
run advice-tmp GOTMPDIR="$tmp_missing_w" GOPROXY=off -- check --offline --only go.dirs --format json
mapfile -t lines < <(cmd_lines advice-tmp dirs.create-gotmpdir)
check_eq "go.dirs offers a cmd mkdir" "${#lines[@]}" "1"
for l in "${lines[@]}"; do
  out="$(wcmd "$l")"
  case "$out" in *"rc=0"*) passed=$((passed + 1)); echo "ok - cmd: $l";;
    *) failed=$((failed + 1)); echo "not ok - cmd: $l -> $out";; esac
done
check_eq "GOTMPDIR exists after the advice" "$([ -d "$tmp_missing" ] && echo yes)" "yes"
run advice-tmp-after GOTMPDIR="$tmp_missing_w" GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs after taking the advice" "$(has_finding advice-tmp-after godir.gotmpdir_missing)" "False"
rm -rf "$work/advice-missing"

# c) -insecure in GOFLAGS from the environment: the cmd set keeps the other flags only.
extra_env=(GOFLAGS='-modcacherw -insecure')
run advice-goflags GOFLAGS='-modcacherw -insecure' GOPROXY=off -- check --offline --only go.env --format json
mapfile -t lines < <(cmd_lines advice-goflags env.goflags-insecure)
check_eq "go.env offers a cmd set for GOFLAGS" "${#lines[@]}" "1"
for l in "${lines[@]}"; do
  out="$(wcmd "$l" "set GOFLAGS")"
  check_eq "cmd: $l" "$out" "GOFLAGS=-modcacherw"
done
extra_env=()
run advice-goflags-after GOFLAGS='-modcacherw' GOPROXY=off -- check --offline --only go.env --format json
check_eq "go.env after taking the advice" "$(has_finding advice-goflags-after goflags.insecure)" "False"

# d) A Go directory over MAX_PATH with long paths off: the cmd `reg add` turns them on,
#    and go.dirs no longer flags the length. The value is put back as it was.
lp_key='HKLM\SYSTEM\CurrentControlSet\Control\FileSystem'
lp_was="$(wreg query "$lp_key" /v LongPathsEnabled | grep -i ' LongPathsEnabled ' | awk '{print $3}')"
wreg add "$lp_key" /v LongPathsEnabled /t REG_DWORD /d 0 /f >/dev/null
long="$work/advice-long/$(printf 'a%.0s' {1..100})/$(printf 'b%.0s' {1..100})/$(printf 'c%.0s' {1..100})"
mkdir -p "$long"
extra_env=()
run advice-long GOTMPDIR="$(winpath "$long")" GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs flags the long GOTMPDIR" "$(has_finding advice-long godir.too_long)" "True"
mapfile -t lines < <(cmd_lines advice-long win.enable-long-paths)
check_eq "go.dirs offers a cmd reg add for long paths" "${#lines[@]}" "1"
for l in "${lines[@]}"; do
  out="$(wcmd "$l")"
  case "$out" in *"rc=0"*) passed=$((passed + 1)); echo "ok - cmd: $l";;
    *) failed=$((failed + 1)); echo "not ok - cmd: $l -> $out";; esac
done
run advice-long-after GOTMPDIR="$(winpath "$long")" GOPROXY=off -- check --offline --only go.dirs --format json
check_eq "go.dirs after taking the advice" "$(has_finding advice-long-after godir.too_long)" "False"
if [ -n "$lp_was" ]; then
  wreg add "$lp_key" /v LongPathsEnabled /t REG_DWORD /d "$((lp_was))" /f >/dev/null
else
  wreg delete "$lp_key" /v LongPathsEnabled /f >/dev/null
fi
rm -rf "$work/advice-long"
