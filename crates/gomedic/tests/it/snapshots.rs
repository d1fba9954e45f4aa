//! Snapshots of the human output on real toolchains (insta), so every wording change is
//! reviewed: a healthy machine, broken settings, no go. Paths, durations, sizes and the
//! CPU architecture are normalised so the snapshots hold on any machine. And the README's
//! example is what scripts/readme-example.sh produces.
//!
//! Update after a deliberate change: `INSTA_UPDATE=always cargo test -p gomedic --test it
//! snapshots`, then review the diff of `tests/it/snapshots/`.

use crate::harness::*;
use std::process::Command;

/// Human output of `gomedic ARGS` in `t`, normalised.
fn human(t: &TestEnv, args: &[&str]) -> String {
    let out = t.gomedic(args);
    let mut s = String::from_utf8(out.stdout).unwrap();
    s.push_str(&format!(
        "[exit code {}]\n",
        out.status.code().unwrap_or(-1)
    ));
    for (ver, root) in goroots() {
        s = s.replace(&root.display().to_string(), &format!("[GOROOT {ver}]"));
    }
    s.replace(&t.dir.path().display().to_string(), "[TMP]")
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => "snapshots",
            prepend_module_to_snapshot => false,
            filters => vec![
                (r"\b\d+ ms\b", "[DUR]"),
                (r"\b\d+(\.\d)? s\b", "[DUR]"),
                (r"\b\d+(\.\d)? (B|KiB|MiB|GiB|TiB) free", "[SIZE] free"),
                (r"\b(amd64|arm64|386|x86_64|aarch64)\b", "[ARCH]"),
            ],
        }, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// Go 1.27.3 with GOPATH/bin on PATH: every check that runs passes.
#[test]
fn snapshot_healthy() {
    let mut t = TestEnv::with_go("1.27.3");
    let gobin = t.home.join("go/bin");
    let path = format!("{}:{}", gobin.display(), t.env["PATH"]);
    t.set("PATH", path).set("SHELL", "/bin/bash");
    snapshot!("healthy", human(&t, &["check"]));
    snapshot!("healthy_verbose", human(&t, &["check", "-v"]));
}

/// The settings people copy from answers on the web, a module needing a newer Go and
/// GOTOOLCHAIN=local, on Go 1.24.11.
#[test]
fn snapshot_broken_settings() {
    let mut t = TestEnv::with_go("1.24.11");
    t.set("SHELL", "/usr/bin/zsh")
        .set("GOFLAGS", "-modcacherw -insecure")
        .set("GOPROXY", "off")
        .set("GOINSECURE", "git.corp.example");
    t.write_env_file("GOSUMDB=off\nGOPRIVATE=*\ngoproxy=x\n");
    std::fs::write(t.cwd.join("go.mod"), "module example.com/m\n\ngo 1.27.3\n").unwrap();
    snapshot!("broken_settings", human(&t, &["check"]));
}

/// No go anywhere on PATH.
#[test]
fn snapshot_no_go() {
    let mut t = TestEnv::new(&[]);
    t.set("SHELL", "/usr/bin/fish");
    snapshot!("no_go", human(&t, &["check"]));
}

/// The README's example block is what scripts/readme-example.sh prints now (durations
/// aside): regenerate it with `bash scripts/readme-example.sh --write`.
#[test]
fn readme_example_is_a_real_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let repo = std::path::Path::new(root).join("../..");
    let out = Command::new("bash")
        .arg(repo.join("scripts/readme-example.sh"))
        .env("GOMEDIC", env!("CARGO_BIN_EXE_gomedic"))
        .env("GOMEDIC_EXAMPLE_GOROOT", goroot("1.27.3"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = String::from_utf8(out.stdout).unwrap();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let start = readme
        .find("```console\n$ gomedic check --offline\n")
        .expect("README example block")
        + "```console\n".len();
    let end = start + readme[start..].find("```").unwrap();
    // The time go took to answer varies run to run.
    let norm = |s: &str| {
        s.split('\n')
            .map(|l| match l.find(" in ").zip(l.rfind(" ms")) {
                Some((a, b)) if a < b && l.contains("go.runs") => {
                    format!("{} in [DUR]{}", &l[..a], &l[b + 3..])
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        norm(&readme[start..end]),
        norm(&fresh),
        "README.md's example differs from a real run: regenerate it with `bash scripts/readme-example.sh --write`"
    );
}

/// Control characters in go env values and files reach the terminal escaped, never raw.
#[test]
fn control_characters_are_escaped_in_human_output() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOPRIVATE", "corp\u{1b}[2J\u{1b}]0;pwned\u{7}.example");
    t.write_env_file("GONOSUMDB=x.example\u{1b}[31m\nGOINSECURE=a\u{202e}b\n");
    for args in [vec!["check"], vec!["check", "-v"]] {
        let out = t.gomedic(&args);
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(
            !s.chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{args:?} printed raw control characters:\n{s:?}"
        );
        if args.len() == 2 {
            assert!(
                s.contains("GOPRIVATE=corp\\x1b[2J\\x1b]0;pwned\\x07.example"),
                "{s}"
            );
            assert!(s.contains("a\\u{202e}b"), "{s}");
        }
    }
}

/// `gomedic env` with CJK values (a user named 张三, a GOPATH with a space): the columns
/// align in terminal cells, and values are shown as typed, quoted only when needed.
#[test]
fn snapshot_env_cjk() {
    let mut t = TestEnv::with_go("1.24.11");
    let gopath = t.home.join("张三的 go");
    t.set("GOPATH", gopath.display().to_string())
        .set("GOPRIVATE", "git.公司.example")
        .set("GOFLAGS", "-mod=mod");
    t.write_env_file("GOPROXY=https://goproxy.cn,direct\n");
    let text = human(&t, &["env"]);
    snapshot!("env_cjk", &text);
    // The `←` of short values, one of them CJK, stands in the same terminal cell.
    let cell = |key: &str| {
        let l = text
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} line:\n{text}"));
        gomedic_core::text::width(&l[..l.find(" ← ").unwrap()])
    };
    for key in ["GOSUMDB", "GOFLAGS", "GONOPROXY", "GOTOOLCHAIN"] {
        assert_eq!(cell("GOPRIVATE"), cell(key), "{key}\n{text}");
    }
    assert!(text.contains("git.公司.example"), "{text}");
}
