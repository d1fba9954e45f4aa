//! `gomedic check` against fake `go` programs that hang, crash, fail or print garbage.

use crate::harness::*;
use std::time::{Duration, Instant};

/// A fake go that runs `body` for every command (a broken binary breaks `go env` and
/// `go version` alike); `body` may exec the real toolchain in `$REAL`.
fn fake(t: &TestEnv, name: &str, body: &str) -> std::path::PathBuf {
    let real = newest().join("bin/go");
    t.fake_go(name, &format!("REAL={}\n{body}", real.display()))
}

fn runs(t: &TestEnv, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--only", "go.runs,go.binary,go.env"];
    args.extend_from_slice(extra);
    let (code, r) = t.check_json(&args);
    assert!(code == 0 || code == 1, "exit code {code}");
    r
}

#[test]
fn hanging_go_is_a_timeout_classification() {
    let mut t = TestEnv::new(&[]);
    let d = fake(&t, "hang", "sleep 60");
    let p = format!("{}:/usr/bin:/bin", d.display());
    t.set("PATH", p);
    let start = Instant::now();
    let r = runs(&t, &["--go-timeout", "1"]);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "took {:?}",
        start.elapsed()
    );
    let c = check(&r, "go.runs");
    assert_eq!(c["status"], "error");
    assert_eq!(c["data"]["classification"], "timeout", "{c:#}");
    assert_status(&r, "go.env", "error");
}

#[test]
fn crash_exit_code_garbage_and_slow() {
    let cases = [
        ("segv", "kill -SEGV $$", "killed"),
        (
            "exit3",
            "echo 'go: something broke' >&2; exit 3",
            "exit_code",
        ),
        ("garbage", "echo 'Welcome to the jungle'", "bad_output"),
        ("empty", "true", "bad_output"),
    ];
    for (name, body, class) in cases {
        let mut t = TestEnv::new(&[]);
        let d = fake(&t, name, body);
        let p = format!("{}:/usr/bin:/bin", d.display());
        t.set("PATH", p);
        let r = runs(&t, &[]);
        let c = check(&r, "go.runs");
        assert_eq!(c["status"], "error", "{name}: {c:#}");
        assert_eq!(c["data"]["classification"], class, "{name}: {c:#}");
    }
    // exit code and stderr are carried into the report
    let mut t = TestEnv::new(&[]);
    let d = fake(&t, "exit3", "echo 'go: something broke' >&2; exit 3");
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let r = runs(&t, &[]);
    assert_eq!(check(&r, "go.runs")["data"]["exit_code"], 3);
    assert!(text(&r, "go.runs").contains("something broke"));
    let r2 = runs(&t, &[]);
    assert!(
        text(&r2, "go.runs").contains("SIGSEGV")
            || check(&r2, "go.runs")["data"]["classification"] == "exit_code"
    );
}

#[test]
fn killed_names_the_signal() {
    let mut t = TestEnv::new(&[]);
    let d = fake(&t, "segv", "kill -SEGV $$");
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let r = runs(&t, &[]);
    assert!(check(&r, "go.runs")["summary"]
        .as_str()
        .unwrap()
        .contains("SIGSEGV"));
}

#[test]
fn slow_start_of_a_script_blames_the_script() {
    let mut t = TestEnv::new(&[]);
    let real = newest().join("bin/go");
    let d = fake(
        &t,
        "slow",
        &format!("sleep 1.3; exec {} \"$@\"", real.display()),
    );
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let r = runs(&t, &[]);
    let c = check(&r, "go.runs");
    assert_eq!(c["status"], "warn", "{c:#}");
    // This go is a script: the script is what is slow, not an antivirus scan.
    assert!(
        text(&r, "go.runs").contains("is a script (#!/bin/sh)"),
        "{c:#}"
    );
    assert!(text(&r, "go.runs").contains("the script is slow"), "{c:#}");
    assert!(!text(&r, "go.runs").contains("antivirus"), "{c:#}");
}

/// A go replaced by a script is named as one, and its failures are blamed on what the
/// script does (a missing interpreter, a hang), never on antivirus.
#[test]
fn a_script_go_is_said_to_be_one() {
    for (name, first, body, class, says) in [
        (
            "nointerp",
            "#!/nonexistent/sh",
            "echo hi",
            "not_found",
            "interpreter /nonexistent/sh does not exist",
        ),
        (
            "hangs",
            "#!/bin/sh",
            "sleep 30",
            "timeout",
            "the script hangs",
        ),
        (
            "exit",
            "#!/bin/sh",
            "exit 3",
            "exit_code",
            "is a script (#!/bin/sh)",
        ),
    ] {
        let mut t = TestEnv::new(&[]);
        let d = t.path(&format!("fake-{name}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("go"), format!("{first}\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("go"), std::fs::Permissions::from_mode(0o755)).unwrap();
        t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
        let r = runs(&t, &["--go-timeout", "1"]);
        let c = check(&r, "go.runs");
        assert_eq!(c["data"]["classification"], class, "{name}: {c:#}");
        assert_eq!(c["data"]["script"], first, "{name}: {c:#}");
        let s = text(&r, "go.runs");
        assert!(s.contains(says), "{name}: {c:#}");
        assert!(
            !s.contains("antivirus") && !s.contains("quarantine"),
            "{name}: {c:#}"
        );
        assert!(text(&r, "go.binary").contains("is a script"), "{name}");
    }
}

#[test]
fn not_executable_and_directory_and_missing() {
    let t = TestEnv::new(&[]);
    let d = t.fake_go("noexec", "echo hi");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d.join("go"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = runs(&t, &["--go", d.join("go").to_str().unwrap()]);
    // root may execute a 0644 file only if some x bit is set; none is, so the kernel refuses.
    assert_eq!(
        check(&r, "go.runs")["data"]["classification"],
        "permission_denied",
        "{:#}",
        check(&r, "go.runs")
    );

    // A directory is not started at all: nothing to blame on permissions or antivirus.
    let r = runs(&t, &["--go", d.to_str().unwrap()]);
    assert_eq!(status(&r, "go.binary"), "error");
    assert!(text(&r, "go.binary").contains("is a directory"));
    assert_eq!(
        check(&r, "go.runs")["data"]["classification"],
        "is_directory"
    );
    assert_eq!(
        check(&r, "go.runs")["findings"][0]["code"],
        "go.is_directory"
    );

    let r = runs(&t, &["--go", t.path("nope/go").to_str().unwrap()]);
    assert_eq!(check(&r, "go.runs")["data"]["classification"], "not_found");
    assert_eq!(status(&r, "go.binary"), "error");

    // PATH with only a non-executable go: go.binary says so, no panic.
    let mut t2 = TestEnv::new(&[]);
    t2.set("PATH", format!("{}:/nonexistent", d.display()));
    let (_, r) = t2.check_json(&[]);
    assert_eq!(status(&r, "go.binary"), "error");
    assert!(text(&r, "go.binary").contains("not executable"));
    assert_eq!(status(&r, "go.root"), "skipped");
}

#[test]
fn go_env_garbage_is_reported() {
    let mut t = TestEnv::new(&[]);
    let real = newest().join("bin/go");
    let d = t.fake_go(
        "envjunk",
        &format!(
            "case \"$1\" in\n  env) echo '{{not json'; exit 0 ;;\n  *) exec {} \"$@\" ;;\nesac",
            real.display()
        ),
    );
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let (code, r) = t.check_json(&[]);
    assert_eq!(status(&r, "go.env"), "error");
    assert!(text(&r, "go.env").contains("not a JSON object"));
    assert_eq!(status(&r, "go.runs"), "ok");
    assert_eq!(code, 1);
}

#[test]
fn overall_deadline_bounds_the_run() {
    let mut t = TestEnv::new(&[]);
    let d = t.fake_go("hangall", "sleep 60");
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let start = Instant::now();
    let (code, r) = t.check_json(&["--deadline", "1.5", "--go-timeout", "30"]);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(status(&r, "go.runs"), "timeout");
    // Checks that need no go command still report.
    assert_eq!(status(&r, "go.binary"), "ok");
    assert_eq!(code, 1);
    // The hung child was killed with the run.
    std::thread::sleep(Duration::from_millis(300));
    let ps = std::process::Command::new("sh")
        .arg("-c")
        .arg("ps -eo args | grep -c '[f]ake-hangall' || true")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ps.stdout).trim(),
        "0",
        "hung fake go still running"
    );
}

#[test]
fn vanished_binary_is_quarantine() {
    let mut t = TestEnv::new(&[]);
    let real = newest().join("bin/go");
    // `go build` "succeeds" but leaves no binary, as when antivirus quarantines it.
    let d = t.fake_go(
        "quarantine",
        &format!(
            "case \"$1\" in\n  build) exit 0 ;;\n  *) exec {} \"$@\" ;;\nesac",
            real.display()
        ),
    );
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let (code, r) = t.check_json(&["--deep", "--only", "go.build"]);
    let c = check(&r, "go.build");
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(
        c["summary"].as_str().unwrap().contains("quarantined"),
        "{c:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn weird_paths_never_panic() {
    use std::os::unix::ffi::OsStrExt;
    let root = newest();
    let t = TestEnv::new(&[]);
    let mut path = Vec::new();
    for i in 0..10_000 {
        path.extend_from_slice(format!("/n{i}:").as_bytes());
    }
    path.extend_from_slice(b"/tmp/\xff\xfe::relative/dir:");
    path.extend_from_slice(root.join("bin").as_os_str().as_bytes());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args([
            "check",
            "--format",
            "json",
            "--only",
            "go.binary,go.runs,path.tools",
        ])
        .env_clear()
        .envs(t.env.iter().filter(|(k, _)| *k != "PATH"))
        .env("PATH", std::ffi::OsStr::from_bytes(&path))
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(status(&r, "go.runs"), "ok");
    let c = check(&r, "go.binary");
    assert_eq!(c["status"], "warn", "{c:#}");
    let s = c.to_string();
    assert!(
        s.contains("empty entry") && s.contains("relative entry") && s.contains("not valid UTF-8"),
        "{s}"
    );
    assert!(
        s.contains("10003 entries") || s.contains("10004 entries"),
        "{s}"
    );
}

/// `go env` failing while `go version` works (a broken GOFLAGS or go env file): go.runs
/// falls back to `go version` and says go starts; go.env carries the failure.
#[test]
fn go_env_failing_falls_back_to_go_version() {
    let mut t = TestEnv::new(&[]);
    let d = fake(
        &t,
        "envfails",
        "case \"$1\" in env) echo 'go: parsing $GOFLAGS: unknown flag -bogus' >&2; exit 1 ;; *) exec \"$REAL\" \"$@\" ;; esac",
    );
    t.set("PATH", format!("{}:/usr/bin:/bin", d.display()));
    let r = runs(&t, &[]);
    assert_status(&r, "go.runs", "ok");
    assert_status(&r, "go.env", "error");
    assert!(text(&r, "go.env").contains("unknown flag -bogus"));
}
