#!/usr/bin/env python3
"""Assertions on one `gomedic.exe check --format json` run under Wine (scripts/windows/run-leg.sh).

Usage: assert_report.py LABEL STDOUT_FILE STDERR_FILE EXIT_CODE [--go-exe WINPATH]
                        [--go-version goX.Y.Z] [--secret S ...]
Prints one line per assertion, "ok - ..." or "not ok - ..." (run-leg.sh counts them),
with what the report said after each failure. Exits 1 when any assertion failed.
"""
import argparse
import json
import sys

REQUIRED_FIELDS = ("id", "title", "status", "summary", "details", "fixes", "duration_ms")
STATUSES = {"ok", "warn", "error", "skipped", "timeout", "failed"}

results = []


def check(cond, what, why=""):
    results.append(bool(cond))
    if cond:
        print(f"ok - {LABEL}: {what}")
    else:
        print(f"not ok - {LABEL}: {what}")
        if why:
            for line in str(why).splitlines() or [""]:
                print(f"#     {line}")
    return bool(cond)


def strings(v):
    """Every string inside a JSON value."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)


def show(c):
    return json.dumps(c, indent=2, ensure_ascii=False)[:3000]


def norm_path(p):
    p = p.replace("/", "\\").lower()
    for pre in ("\\\\?\\", "\\??\\"):
        if p.startswith(pre):
            p = p[len(pre):]
    return p


def main():
    global LABEL
    ap = argparse.ArgumentParser()
    ap.add_argument("label")
    ap.add_argument("stdout")
    ap.add_argument("stderr")
    ap.add_argument("exit_code", type=int)
    ap.add_argument("--go-exe")
    ap.add_argument("--go-version")
    ap.add_argument("--secret", action="append", default=[])
    a = ap.parse_args()
    LABEL = a.label

    out = open(a.stdout, "rb").read().decode("utf-8", "replace")
    err = open(a.stderr, "rb").read().decode("utf-8", "replace")
    tail = "\n".join(err.strip().splitlines()[-15:])

    why = ("exit code 124: the 300 s timeout killed it\n" if a.exit_code == 124 else "") + \
        ("stderr tail:\n" + tail if tail else "stderr empty")
    check(a.exit_code in (0, 1), f"exit code is 0 or 1 (got {a.exit_code})", why)
    check("panicked at" not in err, "no Rust panic on stderr", tail)

    for s in a.secret:
        check(s not in out, f"secret {s!r} absent from stdout",
              "\n".join(l for l in out.splitlines() if s in l)[:2000])
        check(s not in err, f"secret {s!r} absent from stderr",
              "\n".join(l for l in err.splitlines() if s in l)[:2000])

    try:
        rep = json.loads(out)
    except ValueError as e:
        check(False, "stdout is one JSON document", f"{e}\nstdout head:\n{out[:1500]}\nstderr tail:\n{tail}")
        return
    check(isinstance(rep, dict), "stdout is one JSON document")
    if not isinstance(rep, dict):
        return

    check(rep.get("schema") == "gomedic.report/v1", "schema == gomedic.report/v1", f"schema = {rep.get('schema')!r}")
    host = rep.get("host") if isinstance(rep.get("host"), dict) else {}
    check(host.get("os") == "windows", "host.os == windows", f"host = {json.dumps(rep.get('host'))}")

    checks = rep.get("checks")
    if not check(isinstance(checks, list) and checks, "checks is a non-empty list", f"checks = {checks!r}"[:500]):
        return
    bad = [c.get("id", "?") if isinstance(c, dict) else repr(c)
           for c in checks if not (isinstance(c, dict) and all(f in c for f in REQUIRED_FIELDS))]
    check(not bad, "every check has " + ",".join(REQUIRED_FIELDS), f"incomplete: {bad}")
    bad = [(c.get("id"), c.get("status")) for c in checks if isinstance(c, dict) and c.get("status") not in STATUSES]
    check(not bad, "every status is one of " + "/".join(sorted(STATUSES)), f"{bad}")
    by_id = {c.get("id"): c for c in checks if isinstance(c, dict)}

    c = by_id.get("go.runs")
    if check(c is not None, "check go.runs present", f"ids: {sorted(map(str, by_id))}"):
        check(c.get("status") == "ok", "go.runs status ok", show(c))
        if a.go_version:
            text = " ".join(strings([c.get("summary"), c.get("details")]))
            check(a.go_version in text, f"go.runs summary/details mention {a.go_version}", show(c))

    c = by_id.get("go.binary")
    if check(c is not None, "check go.binary present", f"ids: {sorted(map(str, by_id))}"):
        check(c.get("status") in ("ok", "warn"), "go.binary status ok or warn", show(c))
        if a.go_exe:
            want = norm_path(a.go_exe)
            found = [s for s in strings(c) if want in norm_path(s)]
            check(found, f"go.binary names {a.go_exe}", show(c))
            for s in found:
                if s.replace("/", "\\").lstrip().startswith(("\\\\?\\", "\\??\\")) or "\\\\?\\" in s:
                    print(f"# note: go.binary shows a verbatim path: {s!r}")
                    break

    c = by_id.get("go.env")
    if check(c is not None, "check go.env present", f"ids: {sorted(map(str, by_id))}"):
        check(c.get("status") not in ("failed", "timeout"), "go.env status is not failed/timeout", show(c))

    # No check may break itself under Windows, whatever Wine lacks (WMI namespaces, event
    # logs, Dev Drive ioctls): missing features must become skipped/warn with a reason.
    broken = [c.get("id") for c in checks if isinstance(c, dict) and c.get("status") in ("failed", "timeout")]
    check(not broken, "no check failed or timed out", f"broken: {broken}")
    for cid in ("win.path", "win.defender", "win.av", "win.firewall", "win.devdrive", "win.motw", "win.smartscreen", "win.authenticode"):
        check(cid in by_id, f"check {cid} present", f"ids: {sorted(map(str, by_id))}")

    # Informational: list every check that is not ok, so a CI log shows what Wine made of them.
    for c in checks:
        if isinstance(c, dict) and c.get("status") not in ("ok", "skipped"):
            print(f"# {c.get('id')}: {c.get('status')}: {c.get('summary')}")


LABEL = "?"
if __name__ == "__main__":
    main()
    sys.exit(0 if all(results) else 1)
