//! `toolchain.current` and `toolchain.files` over a real install made by the real binary
//! (a tiny archive, installed with --from-file), and their advice taken: the finding goes.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Env {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    archive: PathBuf,
}

fn gomedic(e: &Env, path: &str, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args(args)
        .env_clear()
        .env("PATH", path)
        .env("HOME", &e.home)
        .env("SHELL", "/bin/sh")
        .env("GOMEDIC_DATA_DIR", e.home.join("data"))
        .env("GOMEDIC_TOOLCHAINS_DIR", &e.root)
        // No release index here: a closed port answers at once.
        .env("GOMEDIC_GO_MIRROR", "http://127.0.0.1:9/")
        .current_dir(&e.home)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A Go-shaped archive: go/bin/go (a script answering `go version`), go/VERSION.
fn setup() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src/go");
    std::fs::create_dir_all(src.join("bin")).unwrap();
    std::fs::write(src.join("VERSION"), "go1.99.1\ntime 2026-01-01T00:00:00Z\n").unwrap();
    std::fs::write(
        src.join("bin/go"),
        "#!/bin/sh\necho 'go version go1.99.1 linux/amd64'\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        let p = src.join("bin/go");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::create_dir_all(src.join("src")).unwrap();
    std::fs::write(src.join("src/lib.go"), "package lib\n").unwrap();
    let archive = tmp.path().join("go1.99.1.linux-amd64.tar.gz");
    let st = Command::new("tar")
        .args(["-czf"])
        .arg(&archive)
        .args(["-C"])
        .arg(tmp.path().join("src"))
        .arg("go")
        .status()
        .unwrap();
    assert!(st.success());
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    Env {
        root: tmp.path().join("toolchains"),
        home,
        archive,
        _tmp: tmp,
    }
}

fn codes(text: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn json_of(e: &Env, path: &str, args: &[&str]) -> String {
    let (_, out) = gomedic(e, path, args);
    // The JSON document is the stdout part; stderr lines (if any) come after it.
    out[..out.rfind('}').map_or(out.len(), |i| i + 1)].to_string()
}

#[test]
fn current_toolchain_on_path_and_untouched() {
    let e = setup();
    let sys = "/usr/bin:/bin";
    let arc = e.archive.to_str().unwrap();
    let (code, out) = gomedic(
        &e,
        sys,
        &[
            "toolchain",
            "install",
            "--from-file",
            arc,
            "--allow-unverified",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let only = [
        "check",
        "--offline",
        "--only",
        "toolchain.current",
        "--format",
        "json",
    ];
    // Nothing made current yet: no finding.
    assert!(codes(&json_of(&e, sys, &only)).is_empty());

    let (code, out) = gomedic(&e, sys, &["toolchain", "use", "1.99.1", "--global"]);
    assert_eq!(code, 0, "{out}");
    // The advice is the exact line for the shell; take it (in sh) and check again.
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("export PATH="))
        .unwrap_or_else(|| panic!("no PATH line in: {out}"))
        .trim()
        .to_string();
    let found = json_of(&e, sys, &only);
    assert_eq!(codes(&found), ["toolchain.not_active"], "{found}");
    assert!(
        found.contains(&line.replace('"', "\\\"")),
        "the check gives the same line: {found}"
    );

    let taken = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "PATH={sys}; {line}; exec \"$0\" check --offline --only toolchain.current --format json"
        ))
        .arg(env!("CARGO_BIN_EXE_gomedic"))
        .env_clear()
        .env("HOME", &e.home)
        .env("GOMEDIC_DATA_DIR", e.home.join("data"))
        .env("GOMEDIC_TOOLCHAINS_DIR", &e.root)
        .current_dir(&e.home)
        .output()
        .unwrap();
    let t = String::from_utf8_lossy(&taken.stdout);
    assert_eq!(codes(&t), ["toolchain.active"], "{t}");

    // --deep: untouched, then one file changed and one removed.
    let on_path = format!("{}:{sys}", e.root.join("current/bin").display());
    let deep = [
        "check",
        "--offline",
        "--deep",
        "--only",
        "toolchain.files",
        "--format",
        "json",
    ];
    let ok = json_of(&e, &on_path, &deep);
    assert!(codes(&ok).is_empty() && ok.contains("\"ok\""), "{ok}");
    let dir = e.root.join("go1.99.1");
    std::fs::write(dir.join("src/lib.go"), "package evil\n").unwrap();
    std::fs::remove_file(dir.join("VERSION")).unwrap();
    let bad = json_of(&e, &on_path, &deep);
    assert_eq!(codes(&bad), ["toolchain.tampered"], "{bad}");
    assert!(
        bad.contains("changed: src/lib.go") && bad.contains("missing: VERSION"),
        "{bad}"
    );

    // A broken link: the install removed behind gomedic's back.
    std::fs::rename(&dir, e.root.join("moved")).unwrap();
    let broken = json_of(&e, &on_path, &only);
    assert_eq!(codes(&broken), ["toolchain.current_broken"], "{broken}");
    std::fs::rename(e.root.join("moved"), &dir).unwrap();

    // The advice for the tampered install, taken: remove, reinstall, make current.
    let (code, out) = gomedic(&e, sys, &["toolchain", "remove", "1.99.1", "--force"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = gomedic(
        &e,
        sys,
        &[
            "toolchain",
            "install",
            "--from-file",
            arc,
            "--allow-unverified",
            "--use",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let again = json_of(&e, &on_path, &deep);
    assert!(codes(&again).is_empty(), "{again}");
    assert!(Path::new(&dir.join("VERSION")).is_file());
}

/// `use --here` explains; `--here --write` writes the `toolchain` line as the installed go's
/// own `go mod edit` prints it, journaled: `gomedic undo` restores go.mod byte for byte.
#[test]
fn use_here_writes_the_toolchain_line_and_undo_restores_it() {
    let Some(fixtures) = std::env::var_os("GOMEDIC_TEST_TOOLCHAIN_FIXTURES") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs GOMEDIC_TEST_TOOLCHAIN_FIXTURES (scripts/toolchain-fixtures.sh)"
        );
        eprintln!("skipped: GOMEDIC_TEST_TOOLCHAIN_FIXTURES is not set");
        return;
    };
    let e = setup();
    let sys = "/usr/bin:/bin";
    let arc = PathBuf::from(fixtures).join("go1.21.13.linux-amd64.tar.gz");
    let (code, out) = gomedic(
        &e,
        sys,
        &[
            "toolchain",
            "install",
            "--from-file",
            arc.to_str().unwrap(),
            "--allow-unverified",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let module = e.home.clone();
    let gomod = "module example.com/m\n\ngo 1.21\n";
    std::fs::write(module.join("go.mod"), gomod).unwrap();

    let (code, out) = gomedic(&e, sys, &["toolchain", "use", "1.21.13", "--here"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("GOTOOLCHAIN=local"), "{out}");
    assert_eq!(
        std::fs::read_to_string(module.join("go.mod")).unwrap(),
        gomod,
        "explaining writes nothing"
    );

    let (code, out) = gomedic(
        &e,
        sys,
        &["toolchain", "use", "1.21.13", "--here", "--write"],
    );
    assert_eq!(code, 0, "{out}");
    let written = std::fs::read_to_string(module.join("go.mod")).unwrap();
    assert_eq!(
        written, "module example.com/m\n\ngo 1.21\n\ntoolchain go1.21.13\n",
        "{out}"
    );
    // The installed go reads it back.
    let go = e.root.join("go1.21.13/bin/go");
    let o = Command::new(&go)
        .args(["mod", "edit", "-json"])
        .current_dir(&module)
        .env_clear()
        .env("HOME", &e.home)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("\"Toolchain\": \"go1.21.13\""),
        "{o:?}"
    );

    let (code, out) = gomedic(&e, sys, &["undo"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        std::fs::read_to_string(module.join("go.mod")).unwrap(),
        gomod
    );
}

/// Every toolchain command that changes the machine has --dry-run, and it changes nothing.
#[test]
fn dry_runs_change_nothing() {
    let e = setup();
    let sys = "/usr/bin:/bin";
    let arc = e.archive.to_str().unwrap();
    let (code, out) = gomedic(
        &e,
        sys,
        &[
            "toolchain",
            "install",
            "--from-file",
            arc,
            "--allow-unverified",
            "--dry-run",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("dry run"), "{out}");
    assert!(
        !e.root.join("go1.99.1").exists(),
        "install --dry-run installed: {out}"
    );

    let (code, out) = gomedic(
        &e,
        sys,
        &[
            "toolchain",
            "install",
            "--from-file",
            arc,
            "--allow-unverified",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = gomedic(
        &e,
        sys,
        &["toolchain", "use", "1.99.1", "--global", "--dry-run"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        e.root.join("current").symlink_metadata().is_err(),
        "use --dry-run made the link: {out}"
    );

    std::fs::write(e.home.join("go.mod"), "module example.com/m\n\ngo 1.21\n").unwrap();
    let (_, out) = gomedic(
        &e,
        sys,
        &[
            "toolchain",
            "use",
            "1.99.1",
            "--here",
            "--write",
            "--dry-run",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(e.home.join("go.mod")).unwrap(),
        "module example.com/m\n\ngo 1.21\n",
        "{out}"
    );

    let (code, out) = gomedic(&e, sys, &["toolchain", "remove", "1.99.1", "--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        e.root.join("go1.99.1/bin/go").is_file(),
        "remove --dry-run removed: {out}"
    );
}
