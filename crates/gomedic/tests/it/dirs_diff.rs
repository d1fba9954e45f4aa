//! go.dirs against the real go: GOTMPDIR as `go build` uses it.

use crate::harness::*;
use std::process::Command;

fn go_build(t: &TestEnv, root: &std::path::Path) -> std::process::Output {
    Command::new(root.join("bin/go"))
        .args(["build", "-o", "app", "."])
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap()
}

/// A GOTMPDIR that does not exist: every real go refuses to build ("go: creating work
/// dir"), gomedic says so; the fix it gives (mkdir) makes both agree the other way.
#[test]
fn missing_gotmpdir_agrees_with_real_go_build() {
    for (ver, root) in goroots() {
        let mut t = TestEnv::new(&[&root.join("bin")]);
        let tmp = t.path("missing/tmp");
        t.set("GOTMPDIR", tmp.display().to_string());
        std::fs::write(t.cwd.join("go.mod"), "module example.com/app\n\ngo 1.21\n").unwrap();
        std::fs::write(t.cwd.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();

        let build = go_build(&t, &root);
        let stderr = String::from_utf8_lossy(&build.stderr);
        assert!(!build.status.success(), "{ver}: go build succeeded");
        assert!(stderr.contains("creating work dir"), "{ver}: {stderr}");
        let (_, r) = t.check_json(&["--only", "go.dirs"]);
        let c = check(&r, "go.dirs");
        assert_eq!(c["status"], "error", "{ver}: {c:#}");
        let codes: Vec<&str> = c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        assert!(codes.contains(&"godir.gotmpdir_missing"), "{ver}: {c:#}");

        // Apply gomedic's own remedy, then both agree GOTMPDIR is fine.
        let fix = c["fixes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "dirs.create-gotmpdir")
            .unwrap_or_else(|| panic!("{ver}: no dirs.create-gotmpdir: {c:#}"));
        let cmd = fix["commands"][0].as_str().unwrap();
        let st = Command::new("sh")
            .args(["-c", cmd])
            .current_dir(&t.cwd)
            .status()
            .unwrap();
        assert!(st.success(), "{ver}: {cmd}");
        let build = go_build(&t, &root);
        assert!(
            build.status.success(),
            "{ver}: {}",
            String::from_utf8_lossy(&build.stderr)
        );
        let (_, r) = t.check_json(&["--only", "go.dirs"]);
        assert_eq!(
            status(&r, "go.dirs"),
            "ok",
            "{ver}: {:#}",
            check(&r, "go.dirs")
        );
    }
}
