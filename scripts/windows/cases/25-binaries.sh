# Binaries under Wine: a directory named go.exe, go.bat / go.cmd wrappers that call the real
# go.exe, and a 32-bit (x86) PE given with --go. Sourced by run-leg.sh.

qb() { # qb NAME CHECK-ID PYTHON-EXPR over that check `c` and its finding codes
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1])); c=[x for x in r["checks"] if x["id"]==sys.argv[2]][0]
codes=[f["code"] for f in c.get("findings",[])]
fixes=[f["id"] for f in c.get("fixes",[])]
v=eval(sys.argv[3]); print("|".join(map(str, v)) if isinstance(v, tuple) else v)' "$work/out/$1.stdout" "$2" "$3" 2>&1 | tr -d '\r'
}

# a) A directory named go.exe: never "intact", and go.runs does not blame antivirus.
mkdir -p "$work/dirgo/go.exe"
run bin-dir GOPROXY=off -- check --offline --go "$w\\dirgo\\go.exe" --only go.runs,win.authenticode --format json
check_eq "win.authenticode: a directory named go.exe is an error, not ok" \
  "$(qb bin-dir win.authenticode 'c["status"], "authenticode.not_a_file" in codes, "intact" in c["summary"]')" "error|True|False"
check_eq "go.runs: a directory named go.exe is go.is_directory, no antivirus advice" \
  "$(qb bin-dir go.runs 'codes, "av.check" in fixes, any("antivirus" in d for d in c["details"])')" "['go.is_directory']|False|False"
rm -rf "$work/dirgo"

# b) A go.bat wrapper that calls the real go.exe, given with --go.
mkdir -p "$work/wrap"
printf '@echo off\r\nrem a version manager shim\r\n"%s" %%*\r\n' "$go_exe_w" >"$work/wrap/go.bat"
run bin-bat GOPROXY=off -- check --offline --go "$w\\wrap\\go.bat" --only go.runs,win.authenticode --format json
check_eq "go.runs: go.bat runs, named a wrapper of the real go.exe" \
  "$(qb bin-bat go.runs 'c["status"], "go.wrapper_script" in codes, c["data"].get("wrapper_runs")')" "ok|True|$go_exe_w"
check_eq "win.authenticode: go.bat is not a broken install; the go.exe it runs is inspected" \
  "$(qb bin-bat win.authenticode '"authenticode.not_executable" in codes, "go.reinstall" in fixes, c["data"]["files"][0]["path"], c["data"]["files"][0]["machine"]')" \
  "False|False|$go_exe_w|x64"
# c) The same wrapper as go.cmd found through PATH (before the real go's folder).
cp "$work/wrap/go.bat" "$work/wrap/go.cmd"
rm "$work/wrap/go.bat"
run bin-cmd-path GOPROXY=off WINEPATH="$w\\wrap;$go_bin_w" -- check --offline --only go.binary,go.runs,win.authenticode --format json
check_eq "go.cmd on PATH: selected, a wrapper, not a broken install" \
  "$(qb bin-cmd-path go.binary 'c["data"]["selected"].lower().endswith("go.cmd")') $(qb bin-cmd-path go.runs '"go.wrapper_script" in codes') $(qb bin-cmd-path win.authenticode '"authenticode.not_executable" in codes')" \
  "True True False"
rm -rf "$work/wrap"

# d) A 32-bit go.exe (GOARCH=386 cross-build of a stand-in printing a go version line).
linux_go="$(ls -d "$HOME"/.cache/gomedic/toolchains/linux/go1.*/go 2>/dev/null | tail -1)"
if [ -n "$linux_go" ] && [ -x "$linux_go/bin/go" ]; then
  mkdir -p "$work/go386src" "$work/go386/bin"
  printf 'module stand.in/go\n\ngo 1.21\n' >"$work/go386src/go.mod"
  printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("go version go1.22.10 windows/386") }\n' >"$work/go386src/main.go"
  (cd "$work/go386src" && env -i PATH=/usr/bin:/bin HOME="$HOME" GOCACHE="$work/gocache-linux" GOTOOLCHAIN=local GOOS=windows GOARCH=386 \
     "$linux_go/bin/go" build -o "$work/go386/bin/go.exe" . ) >"$work/out/go386-build.log" 2>&1
  run bin-386 GOPROXY=off -- check --offline --go "$w\\go386\\bin\\go.exe" --only win.authenticode --format json
  check_eq "win.authenticode: a 32-bit go.exe on x64 Windows is named as such" \
    "$(qb bin-386 win.authenticode '"goexe.foreign_arch" in codes, c["data"]["files"][0]["machine"], any("x86 (32-bit) go.exe on x64 Windows" in f["message"] for f in c["findings"])')" \
    "True|x86 (32-bit)|True"
  rm -rf "$work/go386src" "$work/go386" "$work/gocache-linux"
else
  failed=$((failed + 1)); echo "not ok - 32-bit go.exe case: no Linux Go toolchain to cross-build with"
fi
