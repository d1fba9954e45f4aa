//! `gomedic env set/unset`, `fix` and `undo` against real toolchains.

use crate::harness::*;
use std::process::Command;

fn go_cmd(t: &TestEnv, root: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(root.join("bin/go"))
        .args(args)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap()
}

fn gm(t: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut t2 = TestEnv {
        dir: tempfile::tempdir().unwrap(),
        home: t.home.clone(),
        env: t.env.clone(),
        cwd: t.cwd.clone(),
    };
    t2.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t2.gomedic(args)
}

const START: &str = "# kept comment\nGOSUMDB=sum.golang.org\nGOSUMDB=sum.golang.org\nGOFLAGS=-mod=mod\n\nGOBIN=/opt/bin\n";

/// The same edits through `go env -w/-u` and `gomedic env set/unset` give identical files,
/// and every real go reads gomedic's file back with the intended values.
#[test]
fn env_set_unset_match_go_byte_for_byte() {
    let ops: &[&[&str]] = &[
        &[
            "-w",
            "GOPROXY=https://a.example,direct",
            "GOPRIVATE=*.corp.example",
            "GOFLAGS=-mod=readonly",
        ],
        &["-w", "GOPROXY=https://b.example|https://c.example,direct"],
        &["-u", "GOPRIVATE"],
        &["-w", "GONOSUMDB=x.example/*", "GOAMD64=v2", "GOINSECURE="],
        &["-u", "GOBIN", "GOSUMDB"],
    ];
    for (ver, root) in goroots() {
        let by_go = TestEnv::with_go(&ver);
        let by_gm = TestEnv::with_go(&ver);
        by_go.write_env_file(START);
        by_gm.write_env_file(START);
        for op in ops {
            let mut a = vec!["env"];
            a.extend_from_slice(op);
            let o = go_cmd(&by_go, &root, &a);
            assert!(
                o.status.success(),
                "{ver} go {a:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let mut g = vec!["env", if op[0] == "-w" { "set" } else { "unset" }];
            g.extend_from_slice(&op[1..]);
            let o = gm(&by_gm, &g);
            assert_exit(&o, 0, &format!("{ver} gomedic {g:?}"));
            let a_file = std::fs::read(by_go.env_file()).unwrap();
            let b_file = std::fs::read(by_gm.env_file()).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&b_file),
                String::from_utf8_lossy(&a_file),
                "{ver} after {op:?}"
            );
        }
        // Real go reads gomedic's file back.
        let o = go_cmd(
            &by_gm,
            &root,
            &[
                "env",
                "-json",
                "GOPROXY",
                "GONOSUMDB",
                "GOFLAGS",
                "GOAMD64",
                "GOSUMDB",
                "GOPRIVATE",
            ],
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        // The test environment sets GOPROXY and GOFLAGS itself, which override the file.
        assert_eq!(v["GONOSUMDB"], "x.example/*", "{ver}");
        assert_eq!(v["GOAMD64"], "v2", "{ver}");
        assert_eq!(
            v["GOSUMDB"], "sum.golang.org",
            "{ver}: from $GOROOT/go.env once unset"
        );
        assert_eq!(v["GOPRIVATE"], "", "{ver}");
    }
}

#[test]
fn env_set_refuses_bad_input_and_leaves_the_file_untouched() {
    let t = TestEnv::with_go("1.27.3");
    t.write_env_file(START);
    let bad: &[&[&str]] = &[
        &["env", "set", "GOPROXY=ftp://mirror.example"],
        &["env", "set", "GOPROXY=,"],
        &["env", "set", "GOSUMDB=my.sumdb"],
        &["env", "set", "GOSUMDB=a+b+c d e"],
        &["env", "set", "GOPRIVATE=[abc"],
        &["env", "set", "GOTOOLCHAIN=1.22"],
        &["env", "set", "GOVERSION=go1.99"],
        &["env", "set", "GOENV=/x"],
        &["env", "set", "GOPROXYY=https://typo"],
        &["env", "set", "GOPATH=relative/dir"],
        &["env", "set", "GOROOT=/somewhere"],
        &["env", "set", "NOEQUALS"],
        &["env", "set", "GOPROXY=a", "GOPROXY=b"],
        &["env", "unset", "GOHOSTOS"],
    ];
    for args in bad {
        let o = gm(&t, args);
        assert_exit(&o, 2, &format!("{args:?}"));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("error:"), "{args:?}: {err}");
        assert_eq!(
            std::fs::read_to_string(t.env_file()).unwrap(),
            START,
            "{args:?} changed the file"
        );
    }
    // A read-only go env file: refused, untouched, journal says rolled back.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(t.env_file(), std::fs::Permissions::from_mode(0o444)).unwrap();
    let o = gm(&t, &["env", "set", "GOPROXY=https://x.example"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("read-only"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), START);
    // GOENV=off: there is no file to edit.
    let mut t2 = TestEnv::with_go("1.27.3");
    t2.set("GOENV", "off");
    let o = gm(&t2, &["env", "set", "GOPROXY=https://x.example"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("GOENV=off"));
}

#[test]
fn env_set_dry_run_and_undo_are_exact() {
    let t = TestEnv::with_go("1.24.11");
    let original = "GOPRIVATE=*.corp.example\r\n# odd line endings stay\nGOSUMDB=sum.golang.org\n";
    t.write_env_file(original);
    let o = gm(
        &t,
        &["env", "set", "GOSUMDB=sum.golang.google.cn", "--dry-run"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("dry run"));
    assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), original);
    let o = gm(&t, &["env", "set", "GOSUMDB=sum.golang.google.cn"]);
    assert_exit(&o, 0, "");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("go reads \"sum.golang.google.cn\""),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_ne!(std::fs::read_to_string(t.env_file()).unwrap(), original);
    let o = gm(&t, &["undo"]);
    assert_exit(&o, 0, "");
    assert_eq!(std::fs::read(t.env_file()).unwrap(), original.as_bytes());
    // Nothing left to undo.
    assert!(String::from_utf8_lossy(&gm(&t, &["undo"]).stdout).contains("nothing to undo"));
}

#[test]
fn undo_refuses_to_lose_later_edits() {
    let t = TestEnv::with_go("1.27.3");
    let o = gm(&t, &["env", "set", "GONOSUMDB=a.example"]);
    assert_eq!(o.status.code(), Some(0));
    std::fs::write(t.env_file(), "GONOSUMDB=edited.by.hand\n").unwrap();
    let o = gm(&t, &["undo"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(t.env_file()).unwrap(),
        "GONOSUMDB=edited.by.hand\n"
    );
    let o = gm(&t, &["undo", "--force"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!t.env_file().exists(), "restored to absent");
    let list = String::from_utf8_lossy(&gm(&t, &["undo", "--list"]).stdout).to_string();
    assert!(list.contains("undone"), "{list}");
}

#[test]
fn fix_goroot_in_env_file_then_undo() {
    let root = goroot("1.22.10");
    let t = TestEnv::with_go("1.27.3");
    let original = format!("GOROOT={}\nGOPRIVATE=*.corp.example\n", root.display());
    t.write_env_file(&original);
    // Without a terminal and without --yes, nothing happens.
    let o = gm(&t, &["fix", "env.goroot-file"]);
    assert_exit(&o, 2, "");
    assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), original);
    let o = gm(&t, &["fix", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("GOROOT"));
    assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), original);
    let o = gm(&t, &["fix", "env.goroot-file", "--yes"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_exit(&o, 0, "");
    assert_eq!(
        std::fs::read_to_string(t.env_file()).unwrap(),
        "GOPRIVATE=*.corp.example\n"
    );
    // go.env proposes it (go.root points there rather than repeating it).
    assert!(out.contains("re-check: ✓ go.env"), "{out}");
    let (_, r) = t.check_json(&["--only", "go.root,go.env"]);
    assert_eq!(status(&r, "go.root"), "ok");
    let o = gm(&t, &["undo"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), original);
    // Undo re-runs the checks that proposed the fix; the GOROOT problem is back.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("re-check: ✗ go.env"), "{out}");
    // Unknown fix ids are usage errors.
    assert_eq!(
        gm(&t, &["fix", "no.such-fix", "--yes"]).status.code(),
        Some(2)
    );
}

#[test]
fn env_shows_provenance() {
    let t = TestEnv::with_go("1.27.3");
    t.write_env_file("GOPRIVATE=*.corp.example\nGOPROXY=https://u:hunter2pw@mirror.example\n");
    let o = gm(&t, &["env", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema"], "gomedic.env/v1");
    assert_eq!(v["settings"]["GOPRIVATE"]["source"]["kind"], "env_file");
    assert_eq!(v["settings"]["GOPRIVATE"]["source"]["line"], 1);
    assert_eq!(v["settings"]["GOSUMDB"]["source"]["kind"], "goroot_go_env");
    assert_eq!(v["settings"]["GOPROXY"]["source"]["kind"], "environment");
    let human = String::from_utf8_lossy(&gm(&t, &["env"]).stdout).to_string();
    assert!(
        !human.contains("hunter2pw") && !o.stdout.windows(9).any(|w| w == b"hunter2pw"),
        "{human}"
    );
    assert!(human.contains("overrides"), "{human}");
}

#[test]
fn fix_restores_checksum_verification_and_drops_insecure_flag() {
    let mut t = TestEnv::with_go("1.27.3");
    t.unset("GOFLAGS");
    let original = "GOFLAGS=-mod=mod -insecure\nGOSUMDB=off\n";
    t.write_env_file(original);
    let out = gm(&t, &["fix", "--yes", "--offline"]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_exit(&out, 0, "");
    assert_eq!(
        std::fs::read_to_string(t.env_file()).unwrap(),
        "GOFLAGS=-mod=mod\n",
        "{stdout}"
    );
    // Two journal entries; undo twice restores the exact original.
    assert_eq!(gm(&t, &["undo"]).status.code(), Some(0));
    assert_eq!(gm(&t, &["undo"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(t.env_file()).unwrap(), original);
}
