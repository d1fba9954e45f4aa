//! Command-line contract: listing, usage errors, exit codes.

use crate::harness::*;

#[test]
fn checks_lists_every_id() {
    let t = TestEnv::new(&[]);
    let out = t.gomedic(&["checks", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, IDS);
    for c in v["checks"].as_array().unwrap() {
        assert!(!c["looks_at"].as_str().unwrap().is_empty());
    }
    let human = String::from_utf8(t.gomedic(&["checks"]).stdout).unwrap();
    assert!(human.contains("go.build") && human.contains("(--deep)"));
}

#[test]
fn usage_errors_exit_2_and_change_nothing() {
    let t = TestEnv::new(&[]);
    for args in [
        vec!["check", "--only", "no.such"],
        vec!["check", "--format", "xml"],
        vec!["check", "--deadline", "-1"],
        vec!["check", "--min-go", "banana"],
        vec!["check", "--deadline", "1e30"],
        vec!["check", "--go-timeout", "1e300"],
        vec!["check", "--go-timeout", "NaN"],
        vec!["frobnicate"],
    ] {
        let out = t.gomedic(&args);
        assert_exit(&out, 2, &format!("{args:?}"));
        assert!(!out.stderr.is_empty());
    }
    let out = t.gomedic(&["check", "--only", "no.such"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("known checks: go.binary"));
}

#[test]
fn no_go_at_all_is_an_error_with_a_fix() {
    let mut t = TestEnv::new(&[]);
    t.set("PATH", "/nonexistent-a:/nonexistent-b");
    let (code, r) = t.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "go.binary"), "error");
    assert!(text(&r, "go.binary").contains("no go on PATH"));
    assert_eq!(check(&r, "go.runs")["data"]["classification"], "not_found");
    assert!(!check(&r, "go.binary")["fixes"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn strict_turns_warnings_into_exit_1() {
    let t = TestEnv::with_go("1.22.10");
    let (code, r) = t.check_json(&["--only", "go.version"]);
    assert_eq!(status(&r, "go.version"), "warn");
    assert_eq!(code, 0);
    let (code, _) = t.check_json(&["--only", "go.version", "--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn closed_stdout_is_not_an_error() {
    let t = TestEnv::new(&[]);
    for args in [&["checks"][..], &["check", "--only", "go.binary"][..]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args(args)
            .env_clear()
            .envs(&t.env)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before gomedic writes: its writes fail with EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_ne!(out.status.code(), Some(3), "{args:?}");
    }
}

#[test]
fn junit_report_for_ci() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set("GOPROXY", "https://alice:junitS3cret@proxy.example/,direct");
    t.set("GOSUMDB", "off");
    let out = t.gomedic(&["check", "--format", "junit"]);
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(!xml.contains("junitS3cret"), "redacted");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed JUnit XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "testcase")
        .collect();
    assert_eq!(cases.len().to_string(), root.attribute("tests").unwrap());
    let case = |id: &str| {
        cases
            .iter()
            .find(|c| c.attribute("name") == Some(id))
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert!(case("go.runs")
        .children()
        .any(|n| n.tag_name().name() == "system-out"));
    assert!(case("go.build")
        .children()
        .any(|n| n.tag_name().name() == "skipped"));
    // go.env warns (GOSUMDB=off): a pass without --strict, a failure with it.
    assert!(!case("go.env")
        .children()
        .any(|n| n.tag_name().name() == "failure"));
    let strict = t.gomedic(&["check", "--format", "junit", "--strict"]);
    let xml = String::from_utf8(strict.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let env_case = doc
        .descendants()
        .find(|n| n.tag_name().name() == "testcase" && n.attribute("name") == Some("go.env"))
        .unwrap();
    assert!(env_case
        .children()
        .any(|n| n.tag_name().name() == "failure"));
    assert_eq!(strict.status.code(), Some(1));
}

/// `--version` names the version and the commit build.rs embedded (release builds and
/// bug reports rely on both).
#[test]
fn version_names_version_and_commit() {
    let t = TestEnv::new(&[]);
    let out = t.gomedic(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let line = String::from_utf8(out.stdout).unwrap();
    let want = format!("gomedic {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(
        line.starts_with(&want) && line.trim_end().ends_with(')'),
        "{line:?}"
    );
    let commit = &line[want.len()..line.trim_end().len() - 1];
    assert!(
        commit == "unknown"
            || commit
                .strip_suffix("-dirty")
                .unwrap_or(commit)
                .chars()
                .all(|c| c.is_ascii_hexdigit()),
        "{commit:?}"
    );
    // In a git checkout build.rs finds the commit itself.
    if std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.git")).exists()
        && std::env::var_os("GOMEDIC_GIT_COMMIT").is_none()
    {
        assert_ne!(commit, "unknown");
    }
}
