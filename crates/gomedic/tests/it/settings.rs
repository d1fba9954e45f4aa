//! The settings snapshot against real go: values and sources agree with `go env`, an
//! empty go env file line is diagnosed as go experiences it and the fix makes the
//! finding go away, and a machine with no go shows go's defaults.

use crate::harness::*;
use serde_json::Value;
use std::process::Command;

fn go_env(t: &TestEnv, root: &std::path::Path, keys: &[&str]) -> Vec<String> {
    let o = Command::new(root.join("bin/go"))
        .arg("env")
        .args(keys)
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn codes(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn env_json(t: &TestEnv) -> Value {
    let o = t.gomedic(&["env", "--format", "json"]);
    assert_exit(&o, 0, "gomedic env --format json");
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every key gomedic shows has the value real go reports, on every installed go, for a
/// file that mixes set, empty and shadowed lines.
#[test]
fn env_values_equal_go_env_on_every_toolchain() {
    const KEYS: &[&str] = &[
        "GOPROXY",
        "GOSUMDB",
        "GOPRIVATE",
        "GONOSUMDB",
        "GONOPROXY",
        "GOFLAGS",
        "GOPATH",
        "GOINSECURE",
    ];
    for (ver, root) in goroots() {
        let mut t = TestEnv::with_go(&ver);
        t.unset("GOPROXY").unset("GOFLAGS");
        t.set("GONOPROXY", "");
        t.write_env_file("GOSUMDB=\nGOPRIVATE=*.corp.example\nGOFLAGS=-mod=mod\nGOINSECURE=\n");
        let want = go_env(&t, &root, KEYS);
        let doc = env_json(&t);
        for (k, w) in KEYS.iter().zip(&want) {
            assert_eq!(
                doc["settings"][k]["value"].as_str(),
                Some(w.as_str()),
                "go{ver} {k}: {:#}",
                doc["settings"][k]
            );
        }
        assert_eq!(
            doc["settings"]["GOSUMDB"]["source"]["kind"], "env_file",
            "go{ver}"
        );
        assert_eq!(
            doc["settings"]["GOPROXY"]["source"]["kind"], "goroot_go_env",
            "go{ver}"
        );
    }
}

/// `GOPROXY=` in the go env file shadows $GOROOT/go.env: go fails every download. check
/// says so under a stable code, `gomedic fix` removes the line, and the finding is gone.
#[test]
fn empty_goproxy_line_is_an_error_and_its_fix_works() {
    let root = newest();
    let mut t = TestEnv::new(&[&root.join("bin")]);
    t.unset("GOPROXY");
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.write_env_file("GOPROXY=\n");
    // What go itself does with it.
    let dl = Command::new(root.join("bin/go"))
        .args(["mod", "download", "-json", "example.com/m@v1.0.0"])
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&dl.stdout).contains("GOPROXY list is not the empty string"));

    let (code, report) = t.check_json(&["--only", "go.env"]);
    assert_eq!(code, 1, "{report:#}");
    assert!(
        codes(&report, "go.env").contains(&"goproxy.empty_line".to_string()),
        "{report:#}"
    );

    let fix = t.gomedic(&["fix", "env.goproxy-empty-line", "--yes"]);
    assert_exit(&fix, 0, "gomedic fix env.goproxy-empty-line");
    let (code, report) = t.check_json(&["--only", "go.env"]);
    assert_eq!(code, 0, "{report:#}");
    assert!(!codes(&report, "go.env").contains(&"goproxy.empty_line".to_string()));
    assert_eq!(
        go_env(&t, &root, &["GOPROXY"]),
        vec!["https://proxy.golang.org,direct".to_string()]
    );
}

/// With no go anywhere, `env` and `check` show go's defaults instead of empty values, and
/// nothing calls GOPROXY malformed.
#[test]
fn no_go_installed_shows_gos_defaults() {
    let mut t = TestEnv::new(&[]);
    t.unset("GOPROXY");
    t.set("PATH", "/nonexistent");
    let doc = env_json(&t);
    assert_eq!(
        doc["settings"]["GOPROXY"]["value"],
        "https://proxy.golang.org,direct"
    );
    assert_eq!(doc["settings"]["GOSUMDB"]["value"], "sum.golang.org");
    let (_, report) = t.check_json(&[]);
    let all = report.to_string();
    assert!(
        !all.contains("malformed") && !all.contains("invalid"),
        "{report:#}"
    );
    let out = t.gomedic(&["check", "--only", "go.env", "-v"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("GOPROXY=https://proxy.golang.org,direct"),
        "{text}"
    );
}

/// A healthy go is asked once: go.runs takes its answer from `go env` (no `go version`).
#[test]
fn healthy_go_is_run_once() {
    let root = newest();
    let t = TestEnv::new(&[&root.join("bin")]);
    let log = t.path("calls.log");
    let dir = t.fake_go(
        "counting",
        &format!(
            "echo \"$1\" >> {}\nexec {} \"$@\"",
            log.display(),
            root.join("bin/go").display()
        ),
    );
    let mut t2 = TestEnv::new(&[&dir]);
    t2.env
        .insert("GOCACHE".into(), t.home.join("cache").display().to_string());
    let (code, report) = t2.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_status(&report, "go.runs", "ok");
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        vec!["env"],
        "go was run for: {calls}"
    );
}

/// Differential: every combination of (unset / empty / set) in the environment and in the
/// go env file, for each key gomedic explains, against real `go env` on every toolchain.
/// GOTOOLCHAIN included: here real go runs without gomedic's pin, so its answer counts.
#[test]
fn every_layer_combination_matches_go_env() {
    const KEYS: &[(&str, &str, &str)] = &[
        (
            "GOPROXY",
            "https://env.example,direct",
            "https://file.example|off",
        ),
        ("GOSUMDB", "sum.golang.google.cn", "off"),
        ("GOPRIVATE", "env.example/*", "file.example"),
        ("GONOSUMDB", "nosum-env.example", "nosum-file.example"),
        ("GONOPROXY", "noproxy-env.example", "noproxy-file.example"),
        (
            "GOINSECURE",
            "insecure-env.example",
            "insecure-file.example",
        ),
        ("GOFLAGS", "-mod=mod", "-mod=readonly"),
        ("GOTOOLCHAIN", "local", "local+auto"),
    ];
    let names: Vec<&str> = KEYS.iter().map(|k| k.0).collect();
    for (ver, root) in goroots() {
        for combo in 0..9 {
            let mut t = TestEnv::with_go(&ver);
            let mut file = String::new();
            for (i, (k, env_v, file_v)) in KEYS.iter().enumerate() {
                // Each key gets its own (env, file) state so rows mix them.
                let state = (combo + i) % 9;
                match state % 3 {
                    0 => t.unset(k),
                    1 => t.set(k, ""),
                    _ => t.set(k, *env_v),
                };
                match state / 3 {
                    0 => {}
                    1 => file.push_str(&format!("{k}=\n")),
                    _ => file.push_str(&format!("{k}={file_v}\n")),
                }
            }
            t.write_env_file(&file);
            let want = go_env(&t, &root, &names);
            let doc = env_json(&t);
            for (k, w) in names.iter().zip(&want) {
                // `gomedic env` leaves out keys set nowhere: their value is empty.
                assert_eq!(
                    doc["settings"][k]["value"].as_str().unwrap_or(""),
                    w.as_str(),
                    "go{ver} row {combo} {k}: env={:?} file:\n{file}\n{:#}",
                    t.env.get(*k),
                    doc["settings"][k]
                );
            }
        }
    }
}

/// `GOPRIVATE="a.example, b.example"`: go matches no module under b.example (it does not
/// trim spaces); check says so under its code instead of calling the module private.
#[test]
fn spaces_in_goprivate_are_reported_as_go_reads_them() {
    let root = newest();
    let mut t = TestEnv::new(&[&root.join("bin")]);
    t.set("GOPRIVATE", "a.example, b.example");
    let (_, report) = t.check_json(&["--only", "go.env"]);
    assert!(
        codes(&report, "go.env").contains(&"goprivate.pattern_whitespace".to_string()),
        "{report:#}"
    );
    assert_status(&report, "go.env", "warn");
    let out = t.gomedic(&["net", "route", "b.example/m", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["route"]["private"], false, "{doc:#}");
}
