//! What both explain test files need: the toolchains, and `gomedic explain` on a text.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Toolchains from GOMEDIC_TEST_GOROOTS, oldest first; under CI a missing list fails.
pub fn roots() -> Vec<(String, PathBuf)> {
    let r = gomedic_testkit::goroots();
    if r.is_empty() && std::env::var("CI").is_ok_and(|c| !c.is_empty()) {
        panic!("GOMEDIC_TEST_GOROOTS is not set");
    }
    r
}

/// `gomedic explain --log - --format json` on `text`: (exit code, report).
pub fn explain(text: &str) -> (i32, Value) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        // Matching only: the related checks would judge the test machine.
        .args(["explain", "--no-checks", "--log", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = c.stdin.take().unwrap();
    let t = text.to_string();
    let w = std::thread::spawn(move || stdin.write_all(t.as_bytes()));
    let out = c.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["schema"], "gomedic.explain/v1");
    (out.status.code().unwrap_or(-1), v)
}

pub fn ids(v: &Value) -> Vec<String> {
    v["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}
