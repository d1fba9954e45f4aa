# win.motw and fix win.motw-unblock as users have it (issue #11): zone 3 (Internet) on
# go.exe, zone 2 (Trusted sites) on gofmt.exe, the downloaded Go archive (zone 3) and an
# installer (zone 2) in the Downloads folder of a user named 张三. Only zones 3 and 4 are
# unblocked; undo restores every stream byte for byte. Wine stores `file:Zone.Identifier`
# as a sibling file, which is how the marks are planted and read back here.

# Wine takes the profile (USERPROFILE) from the user who started the wineserver: restart
# it as 张三 for this file, and as before at the end.
WINEPREFIX="$prefix" timeout 30 wineserver -k >/dev/null 2>&1
m15_saved_env=("${base_env[@]}")
base_env+=(USER=张三)

m15="$work/m15"
mgo="$m15/Go"
mkdir -p "$mgo/bin"
# Copies of the real executables (the shared Go tree is never written), the rest linked.
cp "$goroot/bin/go.exe" "$goroot/bin/gofmt.exe" "$mgo/bin/"
for x in "$goroot"/*; do [ "$(basename "$x")" = bin ] || ln -s "$x" "$mgo/$(basename "$x")"; done
dl="$prefix/drive_c/users/张三/Downloads"
dl_made=0
[ -d "$dl" ] || { mkdir -p "$dl"; dl_made=1; }
zone_of() { printf '[ZoneTransfer]\r\nZoneId=%s\r\nHostUrl=https://dl.google.com/go/%s\r\n' "$1" "$2"; }
zone_of 3 go1.22.10.windows-amd64.zip >"$mgo/bin/go.exe:Zone.Identifier"
zone_of 2 go1.22.10.windows-amd64.zip >"$mgo/bin/gofmt.exe:Zone.Identifier"
printf 'PK\005\006' >"$dl/go1.22.10.windows-amd64.zip"
zone_of 3 go1.22.10.windows-amd64.zip >"$dl/go1.22.10.windows-amd64.zip:Zone.Identifier"
printf 'MSI' >"$dl/go1.22.10.windows-amd64.msi"
zone_of 2 go1.22.10.windows-amd64.msi >"$dl/go1.22.10.windows-amd64.msi:Zone.Identifier"
for f in "$mgo/bin/go.exe" "$mgo/bin/gofmt.exe" "$dl/go1.22.10.windows-amd64.zip" "$dl/go1.22.10.windows-amd64.msi"; do
  cp "$f:Zone.Identifier" "$f.zone-before"
done
m15_env=(USER=张三 WINEPATH="$(winpath "$mgo/bin")" GOMEDIC_DATA_DIR="$w\\m15\\data")
zip_w='C:\users\张三\Downloads\go1.22.10.windows-amd64.zip'

run m15-check "${m15_env[@]}" -- check --offline --only win.motw --format json
m15_py() {
  python3 -c 'import json,sys
c=json.load(open(sys.argv[1]))["checks"][0]
fix=(c.get("fixes") or [{}])[0]
streams=(fix.get("action") or {}).get("streams", [])
print(eval(sys.argv[2]))' "$work/out/m15-check.stdout" "$1" 2>&1
}
check_eq "15-motw: win.motw warns for the Internet-zone mark" "$(m15_py 'c["status"], fix.get("id")')" "('warn', 'win.motw-unblock')"
check_eq "15-motw: the downloaded archive in 张三's Downloads is reported" \
  "$(m15_py 'any(d.startswith(r"downloaded archive '"$zip_w"': zone 3") for d in c["details"])')" "True"
check_eq "15-motw: only zone 3 marks are unblocked (go.exe and the archive)" \
  "$(m15_py '[s.rsplit(chr(92), 1)[-1] for s in streams]')" \
  "['go.exe:Zone.Identifier', 'go1.22.10.windows-amd64.zip:Zone.Identifier']"
check_eq "15-motw: advice in PowerShell and cmd form" \
  "$(m15_py 'sorted(set("cmd" if x.endswith("& rem cmd") else x.rsplit("# ", 1)[-1] for x in fix["commands"]))')" "['PowerShell', 'cmd']"

run m15-fix "${m15_env[@]}" -- fix win.motw-unblock --yes --offline
check_eq "15-motw: fix win.motw-unblock exit code" "$(cat "$work/out/m15-fix.rc")" 0
check_eq "15-motw: zone 3 streams removed, zone 2 streams kept" \
  "$(for f in "$mgo/bin/go.exe" "$mgo/bin/gofmt.exe" "$dl/go1.22.10.windows-amd64.zip" "$dl/go1.22.10.windows-amd64.msi"; do [ -e "$f:Zone.Identifier" ] && printf 'kept ' || printf 'gone '; done)" \
  "gone kept gone kept "
run m15-undo "${m15_env[@]}" -- undo
m15_same=yes
for f in "$mgo/bin/go.exe" "$mgo/bin/gofmt.exe" "$dl/go1.22.10.windows-amd64.zip" "$dl/go1.22.10.windows-amd64.msi"; do
  cmp -s "$f:Zone.Identifier" "$f.zone-before" || m15_same="no ($f)"
done
check_eq "15-motw: undo restores every stream byte for byte" "$m15_same" yes

# Only zone 2 left: nothing to unblock.
rm -f "$mgo/bin/go.exe:Zone.Identifier"
run m15-zone2 "${m15_env[@]}" -- check --offline --only win.motw --format json
check_eq "15-motw: a zone 2 mark alone is ok, with no fix" \
  "$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["checks"][0]; print(c["status"], len(c.get("fixes") or []))' "$work/out/m15-zone2.stdout" 2>&1)" "ok 0"

rm -f "$dl"/go1.22.10.windows-amd64.zip* "$dl"/go1.22.10.windows-amd64.msi*
[ "$dl_made" = 1 ] && rmdir "$dl" 2>/dev/null

WINEPREFIX="$prefix" timeout 30 wineserver -k >/dev/null 2>&1
base_env=("${m15_saved_env[@]}")
