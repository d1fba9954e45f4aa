# gomedic tools on Windows (issue #16): gopls.exe and dlv.exe built for windows/amd64 by the
# real go 1.21.13 (cross-compiled here from a file:// GOPROXY of fixture modules with the
# real module paths) in a GOBIN on the Windows PATH. gomedic.exe finds them as a PATHEXT
# lookup does, reads their PE build info exactly as `go version -m` prints it, and names a
# Delve too old for the go.exe in use and a gopls built with an older Go than the module.

t60="$work/t60"
mkdir -p "$t60/proxy" "$t60/gobin"
t60_g21="$(bash "$root/scripts/install-go-toolchains.sh" 1.21.13 | sed -n 's/^1.21.13=//p')"
python3 - "$t60/proxy" <<'PY'
import json, os, sys, zipfile
root = sys.argv[1]
mods = [
    ("golang.org/x/tools/gopls", "v0.16.2", ""),
    ("github.com/go-delve/delve", "v1.20.2", "cmd/dlv/"),
]
for path, ver, sub in mods:
    d = os.path.join(root, path, "@v")
    os.makedirs(d, exist_ok=True)
    gomod = f"module {path}\n\ngo 1.20\n"
    name = (sub.rstrip("/").split("/")[-1] or path.split("/")[-1])
    main = f'package main\n\nimport "fmt"\n\nfunc main() {{ fmt.Println("{name} {ver}") }}\n'
    open(os.path.join(d, "list"), "w").write(ver + "\n")
    json.dump({"Version": ver, "Time": "2024-01-01T00:00:00Z"}, open(os.path.join(d, ver + ".info"), "w"))
    open(os.path.join(d, ver + ".mod"), "w").write(gomod)
    with zipfile.ZipFile(os.path.join(d, ver + ".zip"), "w") as z:
        z.writestr(f"{path}@{ver}/go.mod", gomod)
        z.writestr(f"{path}@{ver}/{sub}main.go", main)
PY
t60_go() { env -i HOME="$t60/h" PATH="$t60_g21/bin:/usr/bin:/bin" GOPROXY="file://$t60/proxy" GOSUMDB=off \
  GOTOOLCHAIN=local GOPATH="$t60/gp" GOCACHE="$t60/gc" GOFLAGS=-modcacherw CGO_ENABLED=0 \
  GOOS=windows GOARCH=amd64 "$t60_g21/bin/go" "$@"; }
# One module per `go install` (go refuses several modules at once).
(t60_go install golang.org/x/tools/gopls@v0.16.2 && t60_go install github.com/go-delve/delve/cmd/dlv@v1.20.2 \
  && cp "$t60/gp/bin/windows_amd64/"*.exe "$t60/gobin/") >"$work/out/t60-build.log" 2>&1
check_eq "60-tools: gopls.exe and dlv.exe cross-built by go 1.21.13" "$(ls "$t60/gobin" | tr '\n' ' ')" "dlv.exe gopls.exe "

# The module the tools work on says go 1.22 (the go.exe in use is 1.22.10).
printf 'module example.com/m\n\ngo 1.22\n' >"$work/go.mod"
t60_env=(GOBIN="$w\\t60\\gobin" WINEPATH="$go_bin_w;$w\\t60\\gobin" GOMEDIC_DATA_DIR="$w\\t60\\data")
run t60-tools "${t60_env[@]}" -- tools --format json
check_eq "60-tools: tools exit code (errors found)" "$(cat "$work/out/t60-tools.rc")" 1
t60_q() { python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
t={x["name"]: x["copies"] for x in r["tools"]}
c={x["id"]: x for x in r["checks"]}
codes=lambda i: [f["code"] for f in c[i].get("findings", [])]
print(eval(sys.argv[2]))' "$work/out/t60-tools.stdout" "$1" 2>&1 | tr -d '\r'; }
check_eq "60-tools: gopls.exe found through PATHEXT, read as windows/amd64 go1.21.13 v0.16.2" \
  "$(t60_q '[(x["winner"], x["goos"], x["goarch"], x["go_version"], x["version"], x["path"].endswith("gopls.exe")) for x in t["gopls"]]')" \
  "[(True, 'windows', 'amd64', 'go1.21.13', 'v0.16.2', True)]"
# Delve up to v1.21.0 prints the version without its `go` prefix.
check_eq "60-tools: dlv.exe v1.20.2 is too old for go1.22.10, in Delve's words" \
  "$(t60_q 'codes("tools.delve"), "Version of Delve is too old for Go version 1.22.10 (maximum supported version 1.20," in c["tools.delve"]["summary"]')" \
  "(['tools.delve_too_old'], True)"
check_eq "60-tools: gopls built with go1.21.13 is older than the module's go 1.22" \
  "$(t60_q 'codes("tools.build"), [f["id"] for f in c["tools.build"]["fixes"]]')" \
  "(['tools.older_than_module'], ['tools.rebuild'])"
check_eq "60-tools: nothing is foreign (these are Windows binaries on Windows)" \
  "$(t60_q '"tools.foreign_platform" in codes("tools.build")')" "False"

# `tools inspect` prints what the real go prints for the same PE files (paths aside).
run t60-inspect -- tools inspect "$w\\t60\\gobin"
t60_norm() { sed -E 's/^[^\t].*[\\\/]([^\\\/]+): /\1: /' | tr -d '\r'; }
check_eq "60-tools: tools inspect reads both PE files" \
  "$(grep -c -E '^[^\t].*(gopls|dlv)\.exe: go1\.21\.13' "$work/out/t60-inspect.stdout")" 2
check_eq "60-tools: tools inspect equals go version -m" \
  "$(t60_norm <"$work/out/t60-inspect.stdout")" \
  "$(env -i HOME="$t60/h" PATH=/usr/bin:/bin GOTOOLCHAIN=local "$t60_g21/bin/go" version -m "$t60/gobin" | t60_norm)"

# Named files that are not Go programs: the same stdout and stderr as the real go.exe of
# go 1.27, whose wording gomedic follows (go's stat error in Windows words: 1.27 names
# GetFileAttributesEx where 1.21-1.24 named CreateFile; a .exe that is not a Go program; a
# text file, which go passes over in silence), and exit 1.
t60_g27w="$(GOMEDIC_GO_PLATFORM=windows bash "$root/scripts/install-go-toolchains.sh" 1.27.3 | sed -n 's/^1.27.3=//p')"
printf 'notes\r\n' >"$t60/notes.txt"
printf 'MZ not really' >"$t60/broken.exe"
t60_named=("$w\\t60\\missing.exe" "$w\\t60\\notes.txt" "$w\\t60\\broken.exe" "$w\\t60\\gobin\\gopls.exe")
run t60-named -- tools inspect "${t60_named[@]}"
(cd "$work" && env -i "${base_env[@]}" GOTOOLCHAIN=local timeout 300 wine "$t60_g27w/bin/go.exe" version -m "${t60_named[@]}" \
  </dev/null >"$work/out/t60-named-go.stdout" 2>"$work/out/t60-named-go.stderr")
check_eq "60-tools: named non-Go files: stdout equals go.exe 1.27 version -m" \
  "$(tr -d '\r' <"$work/out/t60-named.stdout")" "$(tr -d '\r' <"$work/out/t60-named-go.stdout")"
check_eq "60-tools: named non-Go files: stderr equals go.exe 1.27 version -m" \
  "$(tr -d '\r' <"$work/out/t60-named.stderr")" "$(grep -v '^[0-9a-f]*:err:\|^[0-9a-f]*:fixme:' "$work/out/t60-named-go.stderr" | tr -d '\r')"
check_eq "60-tools: named non-Go files: the missing file and the broken .exe are named, not the .txt" \
  "$(grep -c -E 'missing\.exe|broken\.exe' "$work/out/t60-named.stderr"):$(grep -c 'notes' "$work/out/t60-named.stderr")" "2:0"
check_eq "60-tools: named non-Go files: exit 1" "$(cat "$work/out/t60-named.rc")" 1
rm -f "$work/go.mod"
