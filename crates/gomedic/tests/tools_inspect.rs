//! `gomedic tools inspect` against `go version -m` of each real toolchain: the same stdout
//! for whole directories (non-Go files skipped), go's error class for named files, exit 1.

use std::path::Path;
use std::process::Command;

fn run(cmd: &mut Command) -> (i32, String, String) {
    let o = cmd.output().expect("run");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn gomedic() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gomedic"))
}

#[test]
fn inspect_matches_go_version_m() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("script.sh");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    // Executable: go reports errors only for files that could be Go programs.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for (_, root) in gomedic_testkit::goroots() {
        let dirs = [root.join("bin"), root.join("pkg/tool")];
        let mut go = Command::new(root.join("bin/go"));
        go.env("GOTOOLCHAIN", "local")
            .arg("version")
            .arg("-m")
            .args(&dirs);
        let (_, want, _) = run(&mut go);
        let (code, got, err) = run(gomedic().args(["tools", "inspect"]).args(&dirs));
        assert_eq!((code, err.as_str()), (0, ""));
        assert!(want.lines().count() > 50);
        assert_eq!(got, want, "{}", root.display());

        // A named non-Go file: go's message on stderr, exit 1; the Go file is still printed.
        let gofmt = root.join("bin/gofmt");
        let (code, got, err) = run(gomedic()
            .args(["tools", "inspect"])
            .arg(&gofmt)
            .arg(&script));
        assert_eq!(code, 1);
        assert!(
            got.starts_with(&format!("{}: go", gofmt.display())),
            "{got}"
        );
        assert_eq!(
            err,
            format!(
                "{0}: could not read Go build info from {0}: unrecognized file format\n",
                script.display()
            )
        );

        let (code, got, _) = run(gomedic()
            .args(["tools", "inspect", "--format", "json"])
            .arg(&gofmt)
            .arg("/bin/true")
            .arg(&script));
        assert_eq!(code, 1);
        let v: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(v["schema"], "gomedic.tools.inspect/v1");
        let f = &v["files"];
        assert_eq!(f[0]["build_info"]["Path"], "cmd/gofmt");
        assert!(f[0]["build_info"]["GoVersion"]
            .as_str()
            .unwrap()
            .starts_with("go1."));
        assert_eq!(f[1]["error"]["class"], "not_go");
        assert_eq!(f[2]["error"]["class"], "unrecognized_format");
        assert!(Path::new(f[2]["path"].as_str().unwrap()).ends_with("script.sh"));
    }
}

/// Named files that are not Go programs, missing paths and unreadable files: the same
/// stdout and stderr as `go version -m` of each toolchain, in the same order (go's
/// `isGoBinaryCandidate`: only executables and .so/.exe/.dll names get an error line; a
/// file that cannot be read is named alone; a failed stat is go's `stat` error). The exit
/// code is 1 as with go 1.24+ (go 1.21-1.23 exit 0 for a named non-Go file).
#[cfg(unix)]
#[test]
fn named_non_go_files_get_gos_messages() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let file = |name: &str, from: Option<&str>, mode: u32| {
        let p = t.join(name);
        match from {
            Some(src) => std::fs::copy(src, &p).map(|_| ()).unwrap(),
            None => std::fs::write(&p, "#!/bin/sh\n").unwrap(),
        }
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    };
    let true_bin = std::fs::canonicalize("/bin/true").unwrap();
    let true_bin = true_bin.to_str().unwrap();
    let named = [
        t.join("missing"),
        file("plain.sh", None, 0o644),
        file("exec.sh", None, 0o755),
        file("true", Some(true_bin), 0o755),
        file("true-not-exec", Some(true_bin), 0o644),
        file("lib.so.1", None, 0o644),
        file("t.DLL", Some(true_bin), 0o600),
        file(".so", None, 0o644),
        t.join("missing/below"),
        t.join("plain.sh/below"),
        "/proc/1/environ".into(),
    ];
    std::fs::create_dir(t.join("empty")).unwrap();
    for (version, root) in gomedic_testkit::goroots() {
        let go_file = root.join("bin/gofmt");
        let mut args: Vec<_> = named.to_vec();
        args.insert(3, go_file.clone());
        args.push(t.join("empty"));
        args.push(go_file);
        let (code, want, want_err) = run(Command::new(root.join("bin/go"))
            .env("GOTOOLCHAIN", "local")
            .arg("version")
            .arg("-m")
            .args(&args));
        let (my_code, got, err) = run(gomedic().args(["tools", "inspect"]).args(&args));
        assert_eq!(got, want, "go{version}: stdout");
        assert_eq!(err, want_err, "go{version}: stderr");
        assert!(
            err.contains("stat ") && err.contains("not a Go executable"),
            "{err}"
        );
        assert_eq!(my_code, 1);
        let minor: u32 = version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap();
        if minor >= 24 {
            assert_eq!(code, 1, "go{version}");
        }
    }
}

/// A FIFO named as a file (or found in a directory) never hangs the reader, where
/// `go version -m` waits forever for a writer: it is named on stderr as a file that cannot
/// be read, nothing on stdout, exit 1.
#[cfg(unix)]
#[test]
fn a_fifo_does_not_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("dlv");
    let ok = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(ok.success());
    let start = std::time::Instant::now();
    let mut child = gomedic()
        .args(["tools", "inspect"])
        .arg(&fifo)
        .arg(tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("tools inspect hung on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
