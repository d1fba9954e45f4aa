//! `gomedic check` against real Go toolchains.

use crate::harness::*;

#[test]
fn every_installed_toolchain_passes_and_report_is_complete() {
    for (ver, root) in goroots() {
        let mut t = TestEnv::new(&[&root.join("bin")]);
        // GOBIN on PATH, so path.tools is clean too.
        let gobin = t.home.join("go/bin");
        let path = format!("{}:{}", gobin.display(), t.env["PATH"]);
        t.set("PATH", path);
        let (code, r) = t.check_json(&[]);
        assert_eq!(r["schema"], "gomedic.report/v1");
        assert!(r["gomedic_version"].is_string());
        assert_eq!(r["host"]["os"], "linux");
        assert!(r["duration_ms"].is_u64());
        for id in IDS {
            let c = check(&r, id);
            for field in [
                "id",
                "title",
                "status",
                "summary",
                "details",
                "fixes",
                "duration_ms",
            ] {
                assert!(!c[field].is_null(), "{ver}: {id} lacks {field}");
            }
        }
        assert_eq!(
            r["summary"]["ok"].as_u64().unwrap()
                + r["summary"]["warn"].as_u64().unwrap()
                + r["summary"]["skipped"].as_u64().unwrap(),
            IDS.len() as u64,
            "{ver}: {r:#}"
        );
        for id in [
            "go.binary",
            "go.runs",
            "go.env",
            "go.root",
            "go.dirs",
            "path.tools",
        ] {
            assert_eq!(status(&r, id), "ok", "{ver} {id}: {:#}", check(&r, id));
        }
        assert!(
            check(&r, "go.runs")["summary"]
                .as_str()
                .unwrap()
                .contains(&format!("go{ver}")),
            "{ver}"
        );
        assert_eq!(check(&r, "go.runs")["data"]["classification"], "ok");
        assert_eq!(status(&r, "go.build"), "skipped");
        let expect_version = if ver.starts_with("1.26") || ver.starts_with("1.27") {
            "ok"
        } else {
            "warn"
        };
        assert_eq!(
            status(&r, "go.version"),
            expect_version,
            "{ver}: {:#}",
            check(&r, "go.version")
        );
        assert_eq!(code, 0, "{ver}");
        // Provenance: GOPROXY comes from the environment (test sets it), GOSUMDB from $GOROOT/go.env.
        let settings = &check(&r, "go.env")["data"]["settings"];
        assert_eq!(settings["GOPROXY"]["source"]["kind"], "environment");
        assert_eq!(
            settings["GOSUMDB"]["source"]["kind"], "goroot_go_env",
            "{ver}: {settings:#}"
        );
        assert_eq!(settings["GOPATH"]["source"]["kind"], "environment");
    }
}

#[test]
fn human_output_one_line_per_check_no_color_when_piped() {
    let t = TestEnv::with_go("1.27.3");
    let out = t.gomedic(&["check"]);
    let s = String::from_utf8(out.stdout).unwrap();
    // The Windows checks are one line here (each is in the JSON report).
    assert!(s.contains("- win.*  "), "{s}");
    assert!(
        s.contains("9 Windows checks not applicable on linux"),
        "{s}"
    );
    // No Go tools here: the five tools checks that need one are one line too.
    assert!(
        s.contains("- tools.*") && s.contains("5 checks skipped: no Go tools found"),
        "{s}"
    );
    let grouped =
        |id: &str| id.starts_with("win.") || (id.starts_with("tools.") && *id != *"tools.runs");
    for id in IDS.iter().filter(|id| !grouped(id)) {
        assert_eq!(
            s.lines()
                .filter(|l| l.split_whitespace().nth(1) == Some(id))
                .count(),
            1,
            "{id} in\n{s}"
        );
    }
    assert!(!s.contains('\x1b'), "no colour on a pipe");
    assert!(s.contains("29 checks:"), "{s}");
    let v = t.gomedic(&["check", "-v"]);
    let vs = String::from_utf8(v.stdout).unwrap();
    assert!(vs.contains(" ms]"), "timings with -v: {vs}");
    let (code, r) = t.check_json(&[]);
    assert_eq!(r["status"], "warn", "path.tools warns: {r:#}");
    assert_eq!(r["exit_code"], code);
    let (code, r) = t.check_json(&["--strict"]);
    assert_eq!((code, r["exit_code"].as_i64()), (1, Some(1)));
}

#[test]
fn shadowed_installs_are_listed_and_first_wins() {
    let a = goroot("1.27.3");
    let b = goroot("1.22.10");
    let t = TestEnv::new(&[&a.join("bin"), &b.join("bin")]);
    let (_, r) = t.check_json(&["--only", "go.binary"]);
    let c = check(&r, "go.binary");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("go1.27.3"));
    assert!(text(&r, "go.binary").contains("shadowed"));
    let cands = c["data"]["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 2);
    assert_eq!(cands[0]["selected"], true);
    assert_eq!(cands[1]["version"], "go1.22.10");
    // --only really limits the run.
    assert_eq!(r["checks"].as_array().unwrap().len(), 1);
}

#[test]
fn symlinked_go_is_resolved() {
    let root = goroot("1.24.11");
    let t = TestEnv::new(&[]);
    let bin = t.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(root.join("bin/go"), bin.join("go")).unwrap();
    let mut t = t;
    let p = format!("{}:/usr/bin:/bin", bin.display());
    t.set("PATH", p);
    let (_, r) = t.check_json(&["--only", "go.binary,go.root,go.runs"]);
    assert_eq!(status(&r, "go.binary"), "ok");
    assert!(text(&r, "go.binary").contains(
        &root
            .join("bin/go")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    ));
    assert_status(&r, "go.root", "ok");
    assert_eq!(status(&r, "go.runs"), "ok");
}

#[test]
fn go_flag_diagnoses_the_given_binary() {
    let a = goroot("1.27.3");
    let b = goroot("1.21.13");
    let t = TestEnv::new(&[&a.join("bin")]);
    let go = b.join("bin/go");
    let (_, r) = t.check_json(&["--go", go.to_str().unwrap()]);
    assert!(check(&r, "go.runs")["summary"]
        .as_str()
        .unwrap()
        .contains("go1.21.13"));
    assert!(
        text(&r, "go.binary").contains("different binary"),
        "{:#}",
        check(&r, "go.binary")
    );
    assert_status(&r, "go.root", "ok");
    assert_eq!(status(&r, "go.version"), "warn");
}

#[test]
fn goroot_of_another_version_is_an_error() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOROOT", goroot("1.22.10").display().to_string());
    let (code, r) = t.check_json(&[]);
    let c = check(&r, "go.root");
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(
        c["summary"].as_str().unwrap().contains("go1.22.10")
            && c["summary"].as_str().unwrap().contains("go1.27.3")
    );
    assert!(text(&r, "go.root").contains("does not match go tool version"));
    assert!(text(&r, "go.root").contains("unset GOROOT"));
    assert_eq!(code, 1);
}

#[test]
fn goroot_in_env_file_and_malformed_lines() {
    let t = TestEnv::with_go("1.24.11");
    let root = goroot("1.24.11");
    t.write_env_file(&format!("GOROOT={}\nGOPRIVATE=*.corp.example\r\nthis is junk\n# a comment\ngoproxy=x\nGOSUMDB=off\n", root.display()));
    let (code, r) = t.check_json(&[]);
    let c = check(&r, "go.env");
    assert_eq!(c["status"], "error", "{c:#}");
    let s = text(&r, "go.env");
    let f = t.env_file().display().to_string();
    for line in [2, 3, 4, 5] {
        assert!(
            s.contains(&format!("{f}:{line}:")),
            "line {line} reported: {s}"
        );
    }
    assert!(s.contains("GOROOT is set in the go env file"));
    assert!(s.contains("go env -u GOROOT"));
    assert!(s.contains("GOSUMDB=off"));
    assert!(s.contains("carriage return"));
    // The real go still runs with this file.
    assert_eq!(status(&r, "go.runs"), "ok");
    assert_eq!(
        c["data"]["settings"]["GOPRIVATE"]["source"]["kind"],
        "env_file"
    );
    assert_eq!(c["data"]["settings"]["GOPRIVATE"]["source"]["line"], 2);
    assert_eq!(code, 1);
}

#[test]
fn traps_are_flagged_with_reasons() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOFLAGS", "-modcacherw -insecure")
        .set("GOINSECURE", "git.corp.example")
        .set("GONOSUMDB", "*");
    let (_, r) = t.check_json(&["--only", "go.env"]);
    let s = text(&r, "go.env");
    assert_eq!(
        status(&r, "go.env"),
        "error",
        "-insecure breaks go get: {s}"
    );
    assert!(s.contains("-insecure"));
    assert!(s.contains("GOINSECURE"));
    assert!(s.contains("GOPRIVATE does not skip TLS verification"));
    assert!(s.contains("GONOSUMDB=* matches every module"));

    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOPROXY", "");
    let (_, r) = t.check_json(&["--only", "go.env"]);
    assert_eq!(status(&r, "go.env"), "warn");
    assert!(text(&r, "go.env").contains("GOPROXY is set but empty"));
    // Empty in the environment: the value comes from $GOROOT/go.env, as go does it.
    assert_eq!(
        check(&r, "go.env")["data"]["settings"]["GOPROXY"]["source"]["kind"],
        "goroot_go_env"
    );
}

#[test]
fn credentials_never_appear_in_any_output() {
    let secret = "s3cretPassw0rd";
    let mut t = TestEnv::with_go("1.27.3");
    t.set(
        "GOPROXY",
        format!("https://alice:{secret}@proxy.corp.example/goproxy,direct"),
    );
    t.set("GONOSUMDB", "corp.example");
    t.set(
        "GOAUTH",
        format!("command /usr/local/bin/helper --token={secret}9"),
    );
    t.write_env_file(&format!(
        "GOPRIVATE=corp.example\nGOPROXY=https://bob:{secret}x@mirror.example\n"
    ));
    for args in [
        vec!["check"],
        vec!["check", "-v"],
        vec!["check", "--format", "json"],
        vec!["check", "--deep", "--only", "go.env"],
    ] {
        let out = t.gomedic(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(secret), "{args:?} leaked:\n{all}");
        assert!(!all.contains("alice:"), "{args:?} leaked the user:\n{all}");
    }
    let (_, r) = t.check_json(&[]);
    assert!(
        text(&r, "go.env").contains("[REDACTED]@proxy.corp.example"),
        "redacted, host kept"
    );
}

#[test]
fn gomod_newer_than_toolchain() {
    let t = TestEnv::with_go("1.22.10");
    std::fs::write(t.cwd.join("go.mod"), "module example.com/m\n\ngo 1.99.0\n").unwrap();
    let (code, r) = t.check_json(&["--only", "go.version"]);
    let c = check(&r, "go.version");
    assert_eq!(c["status"], "error", "{c:#}");
    assert!(c["summary"]
        .as_str()
        .unwrap()
        .contains("requires go >= 1.99.0"));
    assert_eq!(code, 1);

    let mut t = TestEnv::with_go("1.22.10");
    t.set("GOTOOLCHAIN", "auto");
    std::fs::write(t.cwd.join("go.mod"), "module example.com/m\n\ngo 1.99\n").unwrap();
    let (_, r) = t.check_json(&["--only", "go.version,go.runs"]);
    let c = check(&r, "go.version");
    assert_eq!(c["status"], "warn", "{c:#}");
    // go 1.21.1 and later read `go 1.99` as the release go1.99.0 (they try to download
    // exactly that), so gomedic does not ask to rewrite the go line for them.
    assert!(
        !text(&r, "go.version").contains("go mod edit -go=1.99.0"),
        "{:#}",
        check(&r, "go.version")
    );
    assert!(text(&r, "go.version").contains("golang.org/toolchain@v0.0.1-go1.99.0"));
    // gomedic never lets go switch toolchains (no download attempt, go still answers).
    assert_status(&r, "go.runs", "ok");
}

#[test]
fn version_policy_flags() {
    let t = TestEnv::with_go("1.24.11");
    let (code, r) = t.check_json(&["--only", "go.version", "--min-go", "1.25.0"]);
    assert_eq!(status(&r, "go.version"), "error");
    assert_eq!(code, 1);
    let (_, r) = t.check_json(&["--only", "go.version", "--deny-go", "1.24"]);
    assert_eq!(status(&r, "go.version"), "error");
    assert!(text(&r, "go.version").contains("deny-list"));
    let mut t = t;
    t.set("GOTOOLCHAIN", "bogus");
    let (_, r) = t.check_json(&["--only", "go.version"]);
    assert_eq!(status(&r, "go.version"), "error");
    assert!(text(&r, "go.version").contains("invalid"));
}

#[test]
fn broken_dirs_are_errors() {
    let mut t = TestEnv::with_go("1.27.3");
    let file = t.path("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    t.set("GOMODCACHE", file.display().to_string());
    let (_, r) = t.check_json(&["--only", "go.dirs"]);
    assert_status(&r, "go.dirs", "error");
    assert!(text(&r, "go.dirs").contains("not a directory"));
}

#[test]
fn path_tools_warns_and_finds_shadowed_tools() {
    let t = TestEnv::with_go("1.27.3");
    let (_, r) = t.check_json(&["--only", "path.tools"]);
    assert_eq!(status(&r, "path.tools"), "warn");
    assert!(text(&r, "path.tools").contains("export PATH"));

    let mut t = TestEnv::with_go("1.27.3");
    let gobin = t.path("gobin");
    let other = t.path("other");
    for d in [&gobin, &other] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("gopls"), "x").unwrap();
    }
    let p = format!("{}:{}:{}", other.display(), gobin.display(), t.env["PATH"]);
    t.set("GOBIN", gobin.display().to_string()).set("PATH", p);
    let (_, r) = t.check_json(&["--only", "path.tools"]);
    assert_eq!(status(&r, "path.tools"), "warn");
    assert!(
        text(&r, "path.tools").contains("gopls: PATH runs"),
        "{:#}",
        check(&r, "path.tools")
    );
}

#[test]
fn check_never_changes_the_machine() {
    let t = TestEnv::with_go("1.27.3");
    let before = tree(t.dir.path());
    let _ = t.gomedic(&["check"]);
    let _ = t.gomedic(&["check", "--format", "json", "-v"]);
    // The go command (1.23+) updates its own local telemetry counters whenever it runs;
    // that is go's bookkeeping, not gomedic's, and cannot be avoided without faking HOME.
    let after: Vec<_> = tree(t.dir.path())
        .into_iter()
        .filter(|(p, _)| {
            !p.contains("/.config/go/telemetry")
                && !p.ends_with("/.config/go")
                && !p.ends_with("/.config")
        })
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(p, _)| !p.contains("/.config"))
        .collect();
    assert_eq!(before, after, "check created or changed files");
    assert!(
        !t.home.join("cache/go-build").exists(),
        "GOCACHE must not be created by check"
    );
}

fn tree(root: &std::path::Path) -> Vec<(String, u64)> {
    let mut v = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            v.push((
                e.path().display().to_string(),
                if m.is_file() { m.len() } else { 0 },
            ));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    v.sort();
    v
}

#[test]
fn deep_build_with_a_cold_cache() {
    let t = TestEnv::with_go("1.27.3");
    let (code, r) = t.check_json(&["--deep", "--only", "go.build"]);
    let c = check(&r, "go.build");
    assert_eq!(c["status"], "ok", "{c:#}");
    let timings = &c["data"]["timings_ms"];
    for step in ["build", "run", "test"] {
        assert!(timings[step].is_u64(), "{step} timed: {c:#}");
    }
    assert_eq!(c["data"]["cache_was_cold"], true);
    assert!(text(&r, "go.build").contains("standard library was compiled"));
    assert_eq!(code, 0);
}
