//! Test environment: a temp HOME, a clean process environment, toolchain lookup.

#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Installed real Go toolchains, from `GOMEDIC_TEST_GOROOTS` (`1.22.10=/path,...`, set by
/// scripts/test.sh) or the toolchain cache. Panics if none: these tests must not pass
/// vacuously.
pub fn goroots() -> BTreeMap<String, PathBuf> {
    let mut m = BTreeMap::new();
    if let Ok(v) = std::env::var("GOMEDIC_TEST_GOROOTS") {
        for part in v.split(',').filter(|p| !p.is_empty()) {
            let (ver, root) = part
                .split_once('=')
                .expect("GOMEDIC_TEST_GOROOTS entries are VERSION=GOROOT");
            m.insert(ver.to_string(), PathBuf::from(root));
        }
    } else {
        let cache = std::env::var("GOMEDIC_TOOLCHAIN_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gomedic/toolchains")
            });
        if let Ok(rd) = std::fs::read_dir(cache.join("linux")) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if let Some(v) = name.strip_prefix("go") {
                    if e.path().join("go/bin/go").is_file() {
                        m.insert(v.to_string(), e.path().join("go"));
                    }
                }
            }
        }
    }
    assert!(!m.is_empty(), "no Go toolchains found: run `bash scripts/test.sh` (it installs them) or set GOMEDIC_TEST_GOROOTS");
    m
}

pub fn goroot(version: &str) -> PathBuf {
    goroots().remove(version).unwrap_or_else(|| {
        panic!("Go {version} is not installed; run scripts/install-go-toolchains.sh {version}")
    })
}

/// The newest installed toolchain.
pub fn newest() -> PathBuf {
    let all = goroots();
    let mut v: Vec<_> = all.into_iter().collect();
    v.sort_by_key(|(ver, _)| {
        ver.split('.')
            .map(|n| n.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    v.pop().unwrap().1
}

/// Every check id, in report order: part of gomedic's public contract.
pub const IDS: &[&str] = &[
    "go.binary",
    "go.runs",
    "go.env",
    "go.root",
    "go.version",
    "go.dirs",
    "path.tools",
    "toolchain.current",
    "tools.path",
    "tools.build",
    "tools.delve",
    "tools.gopls",
    "tools.editor",
    "net.goproxy",
    "net.sumdb",
    "net.hosts",
    "proxy.team",
    "win.path",
    "win.defender",
    "win.av",
    "win.firewall",
    "win.devdrive",
    "win.motw",
    "win.smartscreen",
    "win.authenticode",
    "win.canary",
    "go.build",
    "toolchain.files",
    "tools.runs",
];

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub env: BTreeMap<String, String>,
    pub cwd: PathBuf,
}

impl TestEnv {
    /// A temp HOME with hermetic Go settings and `path` as PATH.
    pub fn new(path: &[&Path]) -> TestEnv {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        let mut env = BTreeMap::new();
        let p: Vec<String> = path
            .iter()
            .map(|p| p.display().to_string())
            .chain(["/usr/bin".into(), "/bin".into()])
            .collect();
        env.insert("PATH".into(), p.join(":"));
        env.insert("HOME".into(), home.display().to_string());
        env.insert("GOPATH".into(), home.join("go").display().to_string());
        env.insert(
            "GOCACHE".into(),
            home.join("cache/go-build").display().to_string(),
        );
        env.insert("GOTOOLCHAIN".into(), "local".into());
        env.insert("GOFLAGS".into(), "-modcacherw".into());
        // Offline and hermetic: a file:// proxy that holds nothing.
        env.insert(
            "GOPROXY".into(),
            format!("file://{}", dir.path().join("proxy").display()),
        );
        env.insert("GOTELEMETRY".into(), "off".into());
        TestEnv {
            dir,
            home,
            env,
            cwd: work,
        }
    }

    pub fn with_go(version: &str) -> TestEnv {
        let root = goroot(version);
        TestEnv::new(&[&root.join("bin")])
    }

    pub fn set(&mut self, k: &str, v: impl Into<String>) -> &mut Self {
        self.env.insert(k.into(), v.into());
        self
    }

    pub fn unset(&mut self, k: &str) -> &mut Self {
        self.env.remove(k);
        self
    }

    /// The user's go env file (default location under the temp HOME).
    pub fn env_file(&self) -> PathBuf {
        self.home.join(".config/go/env")
    }

    pub fn write_env_file(&self, text: &str) {
        let p = self.env_file();
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs gomedic; `check` runs `--offline` (hermetic) unless the test asks for the
    /// network with [`TestEnv::gomedic_online`].
    pub fn gomedic(&self, args: &[&str]) -> Output {
        let mut a: Vec<&str> = args.to_vec();
        if a.first() == Some(&"check") && !a.contains(&"--offline") {
            a.insert(1, "--offline");
        }
        self.gomedic_online(&a)
    }

    pub fn gomedic_online(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args(args)
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.cwd)
            .output()
            .unwrap()
    }

    /// `gomedic check --format json ARGS`: (exit code, report).
    pub fn check_json(&self, args: &[&str]) -> (i32, Value) {
        let mut a = vec!["check", "--format", "json"];
        a.extend_from_slice(args);
        let out = self.gomedic(&a);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}):\nstdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), v)
    }

    /// Writes an executable shell script named `go` into a fresh dir; returns the dir.
    pub fn fake_go(&self, name: &str, body: &str) -> PathBuf {
        let d = self.path(&format!("fake-{name}"));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("go");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        d
    }
}

/// The report entry for `id`.
pub fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

pub fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["status"].as_str().unwrap()
}

/// Asserts the exit code, showing `context` and the process's output when it differs.
pub fn assert_exit(out: &Output, code: i32, context: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{context}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts `id`'s status, showing the whole check entry when it differs.
pub fn assert_status(report: &Value, id: &str, want: &str) {
    assert_eq!(status(report, id), want, "{:#}", check(report, id));
}

/// All text of a check (summary, details, fixes) for substring assertions.
pub fn text(report: &Value, id: &str) -> String {
    check(report, id).to_string()
}
