//! The go command is the oracle: for every executable of the real toolchains
//! (GOMEDIC_TEST_GOROOTS), the Windows release tree, and binaries built here with each go
//! (Windows, macOS, 386, s390x, stripped, -trimpath, replace, GOPATH mode, quoting, tools
//! installed from a file:// proxy), gomedic's rendering must equal `go version -m FILE`
//! line for line, and with Go ≥1.25 its typed values must equal `go version -m -json`.

use gomedic_buildinfo::{read, BuildInfo, Error};
use gomedic_testkit::gotools;
use std::path::{Path, PathBuf};
use std::process::Command;

fn go(goroot: &Path) -> Command {
    let mut c = Command::new(goroot.join("bin/go"));
    c.env("GOROOT", goroot)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .env_remove("GOOS")
        .env_remove("GOARCH");
    c
}

/// `go version -m FILE`: (exit ok, stdout, stderr).
fn go_version_m(goroot: &Path, file: &Path, json: bool) -> (bool, String, String) {
    let mut c = go(goroot);
    c.arg("version").arg("-m");
    if json {
        c.arg("-json");
    }
    let o = c.arg(file).output().expect("run go version -m");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json_ok(version: &str) -> bool {
    let n: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
    n >= vec![1, 25]
}

/// Compares one Go executable; returns its build info.
fn check(version: &str, goroot: &Path, file: &Path) -> BuildInfo {
    let (ok, out, err) = go_version_m(goroot, file, false);
    assert!(ok, "go{version} version -m {}: {err}", file.display());
    let bi = read(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .unwrap_or_else(|| panic!("{}: gomedic says not a Go executable", file.display()));
    let mine = bi.render_version_m(&file.display().to_string());
    let (a, b): (Vec<&str>, Vec<&str>) = (mine.lines().collect(), out.lines().collect());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            x,
            y,
            "go{version}: {} line {} differs",
            file.display(),
            i + 1
        );
    }
    assert_eq!(
        a.len(),
        b.len(),
        "go{version}: {}: line count",
        file.display()
    );
    assert_eq!(mine, out);
    // The streaming reader of `tools inspect` prints the same.
    let mut streamed = String::new();
    let label = file.display().to_string();
    assert!(gomedic_buildinfo::write_version_m_of(file, &label, &mut streamed).unwrap());
    assert_eq!(streamed, out, "go{version}: {} (streamed)", file.display());
    if json_ok(version) {
        let (ok, out, err) = go_version_m(goroot, file, true);
        assert!(ok, "{err}");
        let want: serde_json::Value = serde_json::from_str(&out).expect("go json");
        assert_eq!(
            serde_json::to_value(&bi).unwrap(),
            want,
            "go{version} -json: {}",
            file.display()
        );
    }
    bi
}

/// Every regular file in GOROOT/bin and GOROOT/pkg/tool/*/.
fn toolchain_files(goroot: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![goroot.join("bin")];
    for d in std::fs::read_dir(goroot.join("pkg/tool")).expect("pkg/tool") {
        dirs.push(d.unwrap().path());
    }
    let mut files = Vec::new();
    for d in dirs {
        for f in std::fs::read_dir(&d).unwrap() {
            let p = f.unwrap().path();
            if p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn toolchain_executables_match_go_version_m() {
    let roots = gomedic_testkit::goroots();
    for (v, root) in &roots {
        let files = toolchain_files(root);
        assert!(files.len() >= 10, "{}: too few executables", root.display());
        for f in &files {
            let bi = check(v, root, f);
            assert_eq!(bi.go().numbers.map(|n| (n.0, n.1)), {
                let n: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
                Some((n[0], n[1]))
            });
        }
    }
}

/// A small module with a replaced dependency, a GOPATH-mode program, and the go it needs.
struct Fixture {
    dir: PathBuf,
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

impl Fixture {
    fn new(dir: &Path) -> Fixture {
        write(
            &dir.join("hello/go.mod"),
            "module example.com/hello\n\ngo 1.18\n\nrequire example.com/dep v1.2.3\n\nreplace example.com/dep v1.2.3 => ../dep\n",
        );
        write(
            &dir.join("hello/main.go"),
            "package main\n\nimport (\n\t\"os\"\n\n\t\"example.com/dep\"\n)\n\nfunc main() { os.Stdout.WriteString(dep.Name + \"\\n\") }\n",
        );
        write(
            &dir.join("dep/go.mod"),
            "module example.com/dep\n\ngo 1.18\n",
        );
        write(
            &dir.join("dep/dep.go"),
            "package dep\n\nconst Name = \"dep\"\n",
        );
        write(
            &dir.join("single/x.go"),
            "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(0) }\n",
        );
        Fixture { dir: dir.into() }
    }

    fn build(
        &self,
        goroot: &Path,
        cache: &Path,
        sub: &str,
        out: &str,
        env: &[(&str, &str)],
        args: &[&str],
    ) -> PathBuf {
        let o = self.dir.join("out").join(out);
        let mut c = go(goroot);
        c.current_dir(self.dir.join(sub))
            .env("GOCACHE", cache)
            .env("GOPATH", self.dir.join("gopath"))
            .env("GOPROXY", "off")
            .env("GOSUMDB", "off")
            .env("HOME", &self.dir);
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("build").arg("-o").arg(&o).args(args);
        let r = c.output().expect("go build");
        assert!(
            r.status.success(),
            "go build {out}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        o
    }
}

/// A GOCACHE kept between runs: building the standard library for six platforms and four
/// toolchains from nothing takes minutes.
fn shared_cache() -> PathBuf {
    let p = std::env::temp_dir().join("gomedic-buildinfo-test-gocache");
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[test]
fn built_variants_match_go_version_m() {
    let roots = gomedic_testkit::goroots();
    let cache = shared_cache();
    for (v, root) in &roots {
        let tmp = tempfile::tempdir().unwrap();
        let fx = Fixture::new(tmp.path());
        let cgo_off = [("CGO_ENABLED", "0")];
        let mut files = vec![
            fx.build(root, &cache, "hello", "linux", &[], &["."]),
            fx.build(root, &cache, "hello", "static", &cgo_off, &["."]),
            fx.build(
                root,
                &cache,
                "hello",
                "hello.exe",
                &[("GOOS", "windows")],
                &["."],
            ),
            fx.build(
                root,
                &cache,
                "hello",
                "darwin-amd64",
                &[("GOOS", "darwin"), ("GOARCH", "amd64")],
                &["."],
            ),
            fx.build(
                root,
                &cache,
                "hello",
                "darwin-arm64",
                &[("GOOS", "darwin"), ("GOARCH", "arm64")],
                &["."],
            ),
            fx.build(root, &cache, "hello", "386", &[("GOARCH", "386")], &["."]),
            fx.build(
                root,
                &cache,
                "hello",
                "s390x",
                &[("GOARCH", "s390x")],
                &["."],
            ),
            fx.build(
                root,
                &cache,
                "hello",
                "quoted",
                &cgo_off,
                &["-ldflags=-s -w", "-tags", "a,b", "-gcflags=all=-N -l", "."],
            ),
            fx.build(root, &cache, "hello", "trimpath", &[], &["-trimpath", "."]),
            fx.build(root, &cache, "hello", "cla", &cgo_off, &["main.go"]),
            fx.build(
                root,
                &cache,
                "single",
                "gopath",
                &[("GO111MODULE", "off"), ("CGO_ENABLED", "0")],
                &["x.go"],
            ),
        ];
        let stripped = tmp.path().join("out/stripped");
        std::fs::copy(&files[0], &stripped).unwrap();
        if let Ok(s) = Command::new("strip")
            .arg("--strip-all")
            .arg(&stripped)
            .status()
        {
            assert!(s.success());
            files.push(stripped);
        }
        // Tools installed from a file:// proxy: real module path, version and h1: sum.
        let proxy = tmp.path().join("proxy");
        gotools::write_tool_proxy(&proxy).unwrap();
        let gobin = tmp.path().join("gobin");
        let cache_s = cache.display().to_string();
        let gopls = gotools::go_install(
            root,
            &proxy,
            "golang.org/x/tools/gopls@v0.16.2",
            &gobin,
            &[("GOCACHE", &cache_s)],
        )
        .unwrap();
        files.push(gopls.clone());

        let mut infos = Vec::new();
        for f in &files {
            infos.push(check(v, root, f));
        }
        let by = |name: &str| &infos[files.iter().position(|f| f.ends_with(name)).unwrap()];
        // The typed values, beyond the rendering.
        assert_eq!(by("hello.exe").setting("GOOS"), Some("windows"));
        assert_eq!(by("s390x").setting("GOARCH"), Some("s390x"));
        assert_eq!(by("darwin-arm64").setting("GOOS"), Some("darwin"));
        assert_eq!(by("static").setting("CGO_ENABLED"), Some("0"));
        assert_eq!(by("trimpath").setting("-trimpath"), Some("true"));
        assert_eq!(by("quoted").setting("-ldflags"), Some("-s -w"));
        assert_eq!(by("quoted").setting("-tags"), Some("a,b"));
        let hello = by("linux");
        assert_eq!(hello.path, "example.com/hello");
        let dep = &hello.deps[0];
        assert_eq!(
            (dep.path.as_str(), dep.version.as_str()),
            ("example.com/dep", "v1.2.3")
        );
        assert_eq!(dep.replace.as_ref().unwrap().path, "../dep");
        assert_eq!(by("gopath").main, None);
        assert_eq!(by("cla").path, "command-line-arguments");
        let g = by("gopls");
        let m = g.main.as_ref().unwrap();
        assert_eq!(
            (g.path.as_str(), m.path.as_str(), m.version.as_str()),
            (
                "golang.org/x/tools/gopls",
                "golang.org/x/tools/gopls",
                "v0.16.2"
            )
        );
        assert!(m.sum.starts_with("h1:"), "{}", m.sum);
        let out = Command::new(&gopls).arg("version").output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "gopls v0.16.2\n");
    }
}

#[test]
fn non_go_files_get_the_same_class_as_go() {
    let roots = gomedic_testkit::goroots();
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let truebin = PathBuf::from("/bin/true");
    for (v, root) in &roots {
        // Before go1.24 the error was printed with exit status 0.
        let fails = v.as_str() >= "1.24";
        let (ok, _, err) = go_version_m(root, &truebin, false);
        assert!(ok != fails && err.contains("not a Go executable"), "{err}");
        assert!(read(&truebin).unwrap().is_none());

        let (ok, _, err) = go_version_m(root, &script, false);
        assert!(
            ok != fails && err.contains("unrecognized file format"),
            "{err}"
        );
        let e = read(&script).unwrap_err();
        assert!(matches!(e, Error::UnrecognizedFormat { .. }));
        // go's own wording after "FILE: ".
        assert_eq!(
            format!("{}: {e}\n", script.display()),
            err,
            "the message matches go's"
        );
    }
    let missing = tmp.path().join("missing");
    let e = read(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }) && e.to_string().contains("missing"));
}

/// The real go1.22.10 Windows release zip (scripts/toolchain-fixtures.sh): its .exe files,
/// compared with `go version -m` of each Linux go (which reads PE).
#[test]
fn windows_release_tree_matches_go_version_m() {
    let roots = gomedic_testkit::goroots();
    if roots.is_empty() {
        return;
    }
    let fixtures = match std::env::var_os("GOMEDIC_TOOLCHAIN_FIXTURES") {
        Some(d) => PathBuf::from(d),
        None => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            let o = Command::new("bash")
                .arg(root.join("scripts/toolchain-fixtures.sh"))
                .output()
                .expect("bash scripts/toolchain-fixtures.sh");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())
        }
    };
    let zip_path = fixtures.join("go1.22.10.windows-amd64.zip");
    let dest = std::env::temp_dir().join("gomedic-buildinfo-test-windows-go1.22.10");
    if !dest.join("done").exists() {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zip_path).expect("zip")).unwrap();
        for i in 0..z.len() {
            let mut e = z.by_index(i).unwrap();
            if !e.name().ends_with(".exe") {
                continue;
            }
            let p = dest.join(e.enclosed_name().unwrap());
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            let mut f = std::fs::File::create(&p).unwrap();
            std::io::copy(&mut e, &mut f).unwrap();
        }
        std::fs::write(dest.join("done"), "").unwrap();
    }
    let mut exes = Vec::new();
    let mut stack = vec![dest.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "exe") {
                exes.push(p);
            }
        }
    }
    exes.sort();
    assert!(exes.len() >= 10, "{} .exe files", exes.len());
    for (v, root) in &roots {
        for f in &exes {
            let bi = check(v, root, f);
            assert_eq!(bi.setting("GOOS"), Some("windows"));
            assert_eq!(bi.go_version, "go1.22.10");
        }
    }
}
