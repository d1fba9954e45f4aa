//! Every promise holds under bad input and real use: the checked-in corpus of hostile
//! inputs (`crates/gomedic/tests/corpus/`: go env files, GOPROXY/GOSUMDB/GOPRIVATE
//! values, PATHs, go.mod files, PE files) goes through the real binary's commands with
//! stdout captured, full (`/dev/full`) and closed (EPIPE). The exit code is always 0 to 3,
//! nothing panics, a closed pipe changes nothing, a full stdout is exit 3 naming stdout.

use crate::harness::*;
use serde_json::Value;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn corpus(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(rel)
}

/// The files of a corpus directory, sorted.
fn corpus_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "empty corpus {dir}");
    v
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Captured,
    /// `>/dev/full`: every write fails with ENOSPC.
    Full,
    /// The reader is gone before gomedic writes: every write fails with EPIPE.
    Closed,
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn command(t: &TestEnv, env: &[(&str, OsString)], args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gomedic"));
    c.args(args)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn run(t: &TestEnv, env: &[(&str, OsString)], args: &[&str], out: Out) -> Run {
    let mut c = command(t, env, args);
    let o = match out {
        Out::Captured => c.stdout(Stdio::piped()).output().unwrap(),
        Out::Full => c
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap(),
        Out::Closed => {
            let mut child = c.stdout(Stdio::piped()).spawn().unwrap();
            drop(child.stdout.take());
            child.wait_with_output().unwrap()
        }
    };
    let r = Run {
        code: o.status.code().unwrap_or(-1),
        stdout: o.stdout,
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert!(
        (0..=3).contains(&r.code) && !r.stderr.contains("panicked"),
        "{args:?} ({out:?}) exit {}\nstderr:\n{}",
        r.code,
        clip(&r.stderr)
    );
    r
}

fn clip(s: &str) -> String {
    s.chars().take(3000).collect()
}

/// Runs `args` with stdout captured, full and closed; returns the captured run.
fn every_stdout(t: &TestEnv, env: &[(&str, OsString)], args: &[&str], ctx: &str) -> Run {
    let normal = run(t, env, args, Out::Captured);
    let closed = run(t, env, args, Out::Closed);
    assert_eq!(
        closed.code,
        normal.code,
        "{ctx}: {args:?}: a closed stdout changes the exit code\nstderr:\n{}",
        clip(&closed.stderr)
    );
    assert!(
        !closed.stderr.contains("cannot write"),
        "{ctx}: {args:?}: a closed pipe is not an error: {}",
        clip(&closed.stderr)
    );
    let full = run(t, env, args, Out::Full);
    if normal.code != 2 && !normal.stdout.is_empty() {
        assert_eq!(
            full.code,
            3,
            "{ctx}: {args:?} >/dev/full\n{}",
            clip(&full.stderr)
        );
        assert!(
            full.stderr.contains("cannot write to standard output"),
            "{ctx}: {args:?} >/dev/full: {}",
            clip(&full.stderr)
        );
    }
    normal
}

fn json(r: &Run, ctx: &str) -> Value {
    serde_json::from_slice(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "{ctx}: not JSON ({e}): {}\nstderr: {}",
            clip(&String::from_utf8_lossy(&r.stdout)),
            clip(&r.stderr)
        )
    })
}

/// `\xHH` escapes as bytes (environment values can hold any byte but NUL).
fn unescape(s: &str) -> OsString {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') && i + 4 <= b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(out)
}

fn modules() -> Vec<String> {
    std::fs::read_to_string(corpus("modules.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn hostile_go_env_files() {
    let t = TestEnv::with_go("1.27.3");
    for f in corpus_files("envfile") {
        let ctx = f.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::create_dir_all(t.env_file().parent().unwrap()).unwrap();
        std::fs::copy(&f, t.env_file()).unwrap();
        let r = every_stdout(&t, &[], &["check", "--offline", "--format", "json"], &ctx);
        let report = json(&r, &ctx);
        // The file was read and judged: go.env never breaks on it.
        assert!(
            ["ok", "warn", "error"].contains(&status(&report, "go.env")),
            "{ctx}: {:#}",
            check(&report, "go.env")
        );
        let r = every_stdout(&t, &[], &["env"], &ctx);
        assert_eq!(r.code, 0, "{ctx}: {}", clip(&r.stderr));
        let r = every_stdout(&t, &[], &["env", "--format", "json"], &ctx);
        assert_eq!(json(&r, &ctx)["schema"], "gomedic.env/v1");
        every_stdout(
            &t,
            &[],
            &["net", "route", "golang.org/x/text", "--format", "json"],
            &ctx,
        );
        every_stdout(&t, &[], &["undo", "--list"], &ctx);
    }
}

#[test]
fn hostile_proxy_sumdb_and_pattern_values() {
    let t = TestEnv::with_go("1.27.3");
    let text = std::fs::read_to_string(corpus("values.txt")).unwrap();
    let mut cases = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = line.split('\t');
        let env: Vec<(&str, OsString)> = ["GOPROXY", "GOSUMDB", "GOPRIVATE"]
            .into_iter()
            .map(|k| (k, unescape(parts.next().unwrap_or(""))))
            .collect();
        let ctx = format!("values {line:?}");
        json(
            &every_stdout(&t, &env, &["check", "--offline", "--format", "json"], &ctx),
            &ctx,
        );
        json(
            &every_stdout(&t, &env, &["env", "--format", "json"], &ctx),
            &ctx,
        );
        for m in modules() {
            let r = every_stdout(&t, &env, &["net", "route", &m, "--format", "json"], &ctx);
            if r.code != 2 {
                json(&r, &ctx);
            }
        }
        cases += 1;
    }
    assert!(cases >= 10);
}

#[test]
fn hostile_paths() {
    let t = TestEnv::with_go("1.27.3");
    let go_bin = goroot("1.27.3").join("bin");
    for f in corpus_files("path") {
        let ctx = f.file_name().unwrap().to_string_lossy().into_owned();
        let mut path = std::fs::read(&f).unwrap();
        path.extend_from_slice(b":");
        path.extend_from_slice(go_bin.to_str().unwrap().as_bytes());
        use std::os::unix::ffi::OsStringExt;
        let env = [("PATH", OsString::from_vec(path))];
        let report = json(
            &every_stdout(&t, &env, &["check", "--offline", "--format", "json"], &ctx),
            &ctx,
        );
        // The real go at the end of the hostile PATH is still found and run.
        assert_eq!(
            status(&report, "go.runs"),
            "ok",
            "{ctx}: {:#}",
            check(&report, "go.runs")
        );
        every_stdout(&t, &env, &["env"], &ctx);
    }
}

#[test]
fn hostile_go_mod_files() {
    let t = TestEnv::with_go("1.27.3");
    for f in corpus_files("gomod") {
        let ctx = f.file_name().unwrap().to_string_lossy().into_owned();
        let name = if ctx == "go.work" {
            "go.work"
        } else {
            "go.mod"
        };
        let _ = std::fs::remove_file(t.cwd.join("go.mod"));
        let _ = std::fs::remove_file(t.cwd.join("go.work"));
        std::fs::copy(&f, t.cwd.join(name)).unwrap();
        let report = json(
            &every_stdout(&t, &[], &["check", "--offline", "--format", "json"], &ctx),
            &ctx,
        );
        // Every file of this corpus has a go or toolchain line go refuses.
        assert!(
            codes(&report, "go.version").contains(&"gomod.invalid_version".to_string()),
            "{ctx}: {:#}",
            check(&report, "go.version")
        );
        every_stdout(&t, &[], &["env"], &ctx);
    }
}

#[test]
fn hostile_pe_files() {
    let t = TestEnv::new(&[]);
    let d = t.path("pe");
    std::fs::create_dir_all(&d).unwrap();
    let fifo = d.join("fifo.exe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let mut files: Vec<PathBuf> = corpus_files("pe");
    // Never read: a FIFO would block, /dev/zero never ends, a directory is no file.
    files.extend([
        fifo,
        PathBuf::from("/dev/zero"),
        d.clone(),
        d.join("missing.exe"),
    ]);
    for f in &files {
        let p = f.to_str().unwrap();
        let r = every_stdout(&t, &[], &["verify", p], p);
        assert_eq!(r.code, 1, "{p}: {}", clip(&r.stderr));
        let v = json(
            &every_stdout(&t, &[], &["verify", "--format", "json", p], p),
            p,
        );
        assert_ne!(v["files"][0]["status"], "valid");
    }
    let all: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let mut args = vec!["verify"];
    args.extend(&all);
    assert_eq!(every_stdout(&t, &[], &args, "all").code, 1);
}

/// Finding codes of a check.
fn codes(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Known panic: a go env file line whose key has 65,536 characters (a format width).
#[test]
fn huge_env_file_key_is_reported_not_a_panic() {
    let t = TestEnv::with_go("1.27.3");
    t.write_env_file(&format!(
        "{}=v\nGOPRIVATE=corp.example\n",
        "K".repeat(65_536)
    ));
    let r = run(&t, &[], &["env"], Out::Captured);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains("GOPRIVATE") && out.contains("corp.example"),
        "{}",
        clip(&out)
    );
    let (_, report) = t.check_json(&["--only", "go.env"]);
    assert!(
        text(&report, "go.env").contains("is 65536 bytes long"),
        "{:#}",
        check(&report, "go.env")
    );
}

/// Known panic: `gomedic undo --list >/dev/full`.
#[test]
fn undo_list_to_a_full_stdout_is_exit_3() {
    let t = TestEnv::with_go("1.27.3");
    for args in [&["undo", "--list"][..], &["undo"][..]] {
        let r = run(&t, &[], args, Out::Full);
        assert_eq!(r.code, 3, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(
                "gomedic: error: cannot write to standard output: No space left on device"
            ),
            "{}",
            r.stderr
        );
    }
}

/// Known panic: `gomedic env set ... | head -c1`, after the change was applied and
/// journaled. Now the change is made, reported on stderr, and the exit code is 0.
#[test]
fn env_set_into_a_closing_pipe_still_reports_the_change() {
    let t = TestEnv::with_go("1.27.3");
    let mut child = command(&t, &[], &["env", "set", "GOPRIVATE=pipe.example"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let applied = stderr
        .lines()
        .find(|l| l.starts_with("applied; journal entry "))
        .unwrap_or_else(|| panic!("the change is reported on stderr: {stderr}"));
    assert!(std::fs::read_to_string(t.env_file())
        .unwrap()
        .contains("GOPRIVATE=pipe.example"));
    let id = applied.split_whitespace().nth(3).unwrap();
    let list = every_stdout(&t, &[], &["undo", "--list"], "journal with an entry");
    assert!(String::from_utf8_lossy(&list.stdout).contains(id));

    // A full stdout: the plan cannot be shown, so nothing is changed.
    let before = std::fs::read(t.env_file()).unwrap();
    let r = run(
        &t,
        &[],
        &["env", "set", "GOPRIVATE=full.example"],
        Out::Full,
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("nothing was changed"), "{}", r.stderr);
    assert_eq!(std::fs::read(t.env_file()).unwrap(), before);

    // Undo into a closed pipe: restored, and said so on stderr.
    let r = run(&t, &[], &["undo", id], Out::Closed);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("undone {id}")), "{}", r.stderr);
    // The file did not exist before the change: undo removes it again.
    assert!(!std::fs::read_to_string(t.env_file())
        .unwrap_or_default()
        .contains("pipe.example"));
}

#[test]
fn list_flags_refuse_empty_entries() {
    let t = TestEnv::with_go("1.27.3");
    for (args, env, flag) in [
        (&["check", "--deny-go", ","][..], None, "--deny-go"),
        (&["check", "--deny-go", "1.21,"][..], None, "--deny-go"),
        (&["check", "--only", "go.env,"][..], None, "--only"),
        (&["check", "--skip", ",go.env"][..], None, "--skip"),
        (
            &["check"][..],
            Some(("GOMEDIC_DENY_GO", ",1.22")),
            "--deny-go",
        ),
        (
            &["check"][..],
            Some(("GOMEDIC_RESOLVE", "a.example:443:127.0.0.1,")),
            "GOMEDIC_RESOLVE",
        ),
    ] {
        let env: Vec<(&str, OsString)> = env.iter().map(|(k, v)| (*k, v.into())).collect();
        let mut a = args.to_vec();
        a.insert(1, "--offline");
        let r = run(&t, &env, &a, Out::Captured);
        assert_eq!(r.code, 2, "{args:?} {env:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(flag) && r.stderr.contains("empty entry"),
            "{}",
            r.stderr
        );
    }
    // An entirely empty GOMEDIC_DENY_GO means no deny-list, as documented.
    let r = run(
        &t,
        &[("GOMEDIC_DENY_GO", "".into())],
        &["check", "--offline", "--only", "go.version"],
        Out::Captured,
    );
    assert_ne!(r.code, 2, "{}", r.stderr);
}

#[test]
fn net_url_arguments_that_do_not_parse_are_usage_errors() {
    let t = TestEnv::with_go("1.27.3");
    for url in [
        "https://",
        "http://",
        "https://a b",
        "https://[::1",
        "https://x:99999",
        "https://%zz",
        "ftp://x",
    ] {
        let r = run(&t, &[], &["net", url], Out::Captured);
        assert_eq!(r.code, 2, "{url}: {}", r.stderr);
        assert!(
            r.stderr.starts_with("gomedic: error: ") && r.stderr.contains(&format!("{url:?}")),
            "{url}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "nothing is probed");
    }
}

#[test]
fn go_style_durations_for_every_duration_flag() {
    let t = TestEnv::with_go("1.27.3");
    // Accepted: Go syntax and plain seconds.
    for args in [
        &[
            "check",
            "--deadline",
            "1m30s",
            "--go-timeout",
            "5000ms",
            "--net-timeout",
            "2.5s",
        ][..],
        &["check", "--deadline", "90", "--go-timeout", "7.5"][..],
        &[
            "check",
            "--deadline",
            "1h2m3.5s",
            "--go-timeout",
            "5000000us",
        ][..],
    ] {
        let mut a = args.to_vec();
        a.extend(["--offline", "--only", "go.runs"]);
        let r = run(&t, &[], &a, Out::Captured);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    }
    let r = run(
        &t,
        &[],
        &[
            "env",
            "set",
            "GOPRIVATE=d.example",
            "--dry-run",
            "--go-timeout",
            "3s",
        ],
        Out::Captured,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // `net --timeout 300ms` against a closed loopback port: probed, fails (1), not 2.
    let r = run(
        &t,
        &[],
        &["net", "--timeout", "300ms", "https://127.0.0.1:9"],
        Out::Captured,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    // Refused, naming the flag.
    for (flag, bad) in [
        ("--deadline", "-5"),
        ("--deadline", "0"),
        ("--deadline", "0s"),
        ("--deadline", "1x"),
        ("--deadline", "25h"),
        ("--deadline", "inf"),
        ("--go-timeout", "NaN"),
        ("--go-timeout", "1e300"),
        ("--net-timeout", "-1ms"),
        ("--net-timeout", "3 s"),
    ] {
        let r = run(&t, &[], &["check", "--offline", flag, bad], Out::Captured);
        assert_eq!(r.code, 2, "{flag} {bad}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{flag}: `{bad}`")),
            "{}",
            r.stderr
        );
    }
    for args in [
        &["net", "--timeout", "0ms", "https://127.0.0.1:9"][..],
        &["net", "--timeout", "soon", "https://127.0.0.1:9"][..],
        &["env", "set", "GOPRIVATE=x", "--go-timeout", "-1s"][..],
        &["env", "unset", "GOPRIVATE", "--go-timeout", "0"][..],
    ] {
        let r = run(&t, &[], args, Out::Captured);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("timeout: `"), "{}", r.stderr);
    }
}

/// The go and toolchain lines of go.mod against the real go command: gomedic reports
/// `gomod.invalid_version` exactly when go refuses the file, on the line go names.
#[test]
fn go_mod_lines_judged_like_real_go() {
    let t = TestEnv::with_go("1.27.3");
    let go = goroot("1.27.3").join("bin/go");
    let bodies = [
        "go 1.22 1.23",
        "go",
        "go 1.22 \"x\"",
        "go \"1.22\"",
        "go 1.2x",
        "go 1.22.0-foo",
        "toolchain go1.22.0 x",
        "toolchain",
        "toolchain garbage",
        "go 1.21\ngo 1.22",
        "toolchain go1.22.0\ntoolchain go1.23.0",
        "go (\n 1.22\n)",
        "go 1.22.0 // c",
        "go 1.22\t",
        "go 1.22rc1",
        "toolchain go1.22",
        "toolchain go1.22.0-custom",
        "toolchain go1.21rc2",
        "go 1.21.0\ntoolchain default",
        "require (\n\tgolang.org/x/text v0.3.0\n)\ngo 1.22.0",
    ];
    for body in bodies {
        let _ = std::fs::remove_file(t.cwd.join("go.mod"));
        std::fs::write(
            t.cwd.join("go.mod"),
            format!("module example.com/m\n{body}\n"),
        )
        .unwrap();
        let o = Command::new(&go)
            .args(["mod", "edit", "-json"])
            .env_clear()
            .envs(&t.env)
            .current_dir(&t.cwd)
            .output()
            .unwrap();
        let go_err = String::from_utf8_lossy(&o.stderr).into_owned();
        let go_refuses = !o.status.success();
        let (_, report) = t.check_json(&["--only", "go.version"]);
        let found: Vec<String> = check(&report, "go.version")["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "gomod.invalid_version")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            go_refuses,
            !found.is_empty(),
            "{body:?}: go says {go_err:?}; gomedic {found:?}"
        );
        if go_refuses {
            // go: `go.mod:3: ...`; gomedic: `.../go.mod: line 3: ...`.
            let line = go_err
                .rsplit("go.mod:")
                .next()
                .and_then(|r| r.split(':').next())
                .unwrap_or_else(|| panic!("{go_err}"));
            assert!(
                found.iter().any(|m| m.contains(&format!("line {line}: "))),
                "{body:?}: go {go_err:?}; gomedic {found:?}"
            );
        }
    }
}

/// Files gomedic reads because a variable names them: a FIFO (would block), /dev/zero
/// (never ends) or a directory. Every command finishes, with a sane exit code.
#[test]
fn variables_naming_fifos_devices_and_directories() {
    let t = TestEnv::with_go("1.27.3");
    let fifo = t.path("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let dir = t.path("a-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let all: &[&[&str]] = &[
        &["check", "--offline", "--format", "json"],
        &["env", "--format", "json"],
        &["net", "--timeout", "2s", "https://127.0.0.1:9"],
        &["env", "set", "GOPRIVATE=v.example", "--dry-run"],
    ];
    // GOENV: go itself blocks on such a file (until --go-timeout).
    let goenv: &[&[&str]] = &[&[
        "check",
        "--offline",
        "--format",
        "json",
        "--go-timeout",
        "1s",
    ]];
    for var in [
        "GOENV",
        "GOWORK",
        "SSL_CERT_FILE",
        "GOMEDIC_HOSTS_FILE",
        "NETRC",
    ] {
        for target in [&fifo, Path::new("/dev/zero"), &dir] {
            let env = [(var, OsString::from(target))];
            for args in if var == "GOENV" { goenv } else { all } {
                let mut child = command(&t, &env, args)
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap();
                let start = std::time::Instant::now();
                let status = loop {
                    if let Some(s) = child.try_wait().unwrap() {
                        break s;
                    }
                    if start.elapsed() > std::time::Duration::from_secs(60) {
                        let _ = child.kill();
                        panic!("{var}={} {args:?} hangs", target.display());
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                };
                let mut stderr = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                let code = status.code().unwrap_or(-1);
                assert!(
                    (0..=3).contains(&code) && !stderr.contains("panicked"),
                    "{var}={} {args:?}: exit {code}\n{stderr}",
                    target.display()
                );
            }
        }
    }
}
