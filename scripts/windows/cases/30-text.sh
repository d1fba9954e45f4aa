# Text from other programs and terminal output (issue #11, items 4 and 6), under a Chinese
# locale so that Wine's ANSI code page is 936 (GBK), as on Chinese Windows:
# - a go.bat wrapper (as version managers install) that prints GBK text and then runs the
#   real go.exe, and one that fails with a GBK message: the human output shows the Chinese
#   text, not mojibake or U+FFFD;
# - a go.exe that is not an executable: the system message's %1 names the file (Chinese and
#   English system language);
# - `gomedic env` with CJK values: the columns align in terminal cells, paths keep single
#   backslashes.
# Writes only under $work; sets nothing in the prefix's registry.

zh_lang=zh_CN.UTF-8
if ! locale -a 2>/dev/null | grep -qix 'zh_CN.utf-\?8'; then
  failed=$((failed + 1))
  echo "not ok - text: no zh_CN.UTF-8 locale (scripts/windows/setup.sh generates it); the code-page cases need ANSI code page 936"
fi

# GBK bytes, written by the script: 正在使用 gvm 包装器 / 错误：未安装 Go 1.99
gbk_using=$'\xd5\xfd\xd4\xda\xca\xb9\xd3\xc3 gvm \xb0\xfc\xd7\xb0\xc6\xf7'
gbk_error=$'\xb4\xed\xce\xf3\xa3\xba\xce\xb4\xb0\xb2\xd7\xb0 Go 1.99'
mkdir -p "$work/wrap-ok" "$work/wrap-fail" "$work/badgo"
printf '@echo off\r\necho %s\r\n"%s" %%*\r\n' "$gbk_using" "$go_exe_w" >"$work/wrap-ok/go.bat"
printf '@echo off\r\necho %s 1>&2\r\nexit /b 1\r\n' "$gbk_error" >"$work/wrap-fail/go.bat"
printf 'this is not an executable\r\n' >"$work/badgo/go.exe"

# has NAME TEXT: the human output of run NAME contains TEXT.
has() { grep -qF -- "$2" "$work/out/$1.stdout" && echo yes || echo no; }
# row NAME KEY VALUE: a line of run NAME's output starts with KEY and shows VALUE as a cell.
row() { grep -E "^$2 " "$work/out/$1.stdout" | grep -qF -- " $3 " && echo yes || echo no; }
fffd() { grep -c $'\xef\xbf\xbd' "$work/out/$1.stdout"; }

run text-wrapper LANG="$zh_lang" GOPROXY=off -- check --offline --go "$w\\wrap-ok\\go.bat"
check_eq "GBK output of a go.bat wrapper is shown as Chinese" "$(has text-wrapper '正在使用 gvm 包装器')" yes
check_eq "no U+FFFD in the output for the GBK wrapper" "$(fffd text-wrapper)" 0

run text-wrapper-fails LANG="$zh_lang" GOPROXY=off -- check --offline --go "$w\\wrap-fail\\go.bat"
check_eq "a failing wrapper's GBK stderr is shown as Chinese" "$(has text-wrapper-fails '错误：未安装 Go 1.99')" yes
check_eq "no U+FFFD in the output for the failing wrapper" "$(fffd text-wrapper-fails)" 0

run text-badexe-zh LANG="$zh_lang" GOPROXY=off -- check --offline --go "$w\\badgo\\go.exe"
check_eq "Chinese system message with its %1 filled" "$(has text-badexe-zh "$w\\badgo\\go.exe 的 EXE 格式无效")" yes
run text-badexe-en GOPROXY=off -- check --offline --go "$w\\badgo\\go.exe"
check_eq "English system message with its %1 filled" "$(has text-badexe-en "Bad EXE format for $w\\badgo\\go.exe.")" yes
check_eq "no unfilled %1 in either language" \
  "$(cat "$work/out/text-badexe-zh.stdout" "$work/out/text-badexe-en.stdout" | grep -c '%1')" 0

cjk_gopath="$w\\用户\\张三\\go"
run text-env LANG="$zh_lang" GOPROXY=off GOPATH="$cjk_gopath" GOPRIVATE="git.公司.example" GOFLAGS=-mod=mod -- env
check_eq "gomedic env exit code" "$(cat "$work/out/text-env.rc")" 0
check_eq "gomedic env shows the CJK GOPATH as typed" "$(row text-env GOPATH "$cjk_gopath")" yes
# The ← of every value that fits its 40-cell column stands in the same terminal cell.
check_eq "gomedic env columns align in terminal cells" "$(python3 - "$work/out/text-env.stdout" <<'PY'
import sys, unicodedata
def cells(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
cols = set()
for line in open(sys.argv[1], encoding="utf-8"):
    if " ← " not in line or line.startswith(" "):
        continue
    head = line[: line.index(" ← ")]
    key, _, value = head.partition("  ")
    if cells(value.strip()) < 40:
        cols.add(cells(head))
print("aligned" if len(cols) == 1 else f"columns at {sorted(cols)}")
PY
)" aligned
check_eq "the CJK GOPRIVATE line is in the table" "$(row text-env GOPRIVATE 'git.公司.example')" yes
