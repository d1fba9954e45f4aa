//! `gomedic explain` on the output of real go commands: each failure is reproduced with a
//! real toolchain in a hermetic environment (loopback proxies and checksum database, a
//! tampered zip, a PATH without gcc), its output captured, and fed to the real gomedic
//! binary. The entry it must name is the only one named.

#[path = "../../gomedic-proxy/tests/common/mod.rs"]
#[allow(unused_imports)]
mod common;
mod explain_support;
use explain_support::{explain, ids, roots};

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Go {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    work: PathBuf,
    env: Vec<(String, String)>,
}

impl Go {
    fn new(goroot: &Path) -> Go {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        let h = |p: &str| home.join(p).display().to_string();
        let env = vec![
            ("HOME".into(), h("")),
            ("GOPATH".into(), h("go")),
            ("GOMODCACHE".into(), h("go/pkg/mod")),
            ("GOCACHE".into(), h("cache")),
            ("GOENV".into(), h("goenv")),
            ("GOTOOLCHAIN".into(), "local".into()),
            ("GOFLAGS".into(), "-modcacherw".into()),
            ("GOTELEMETRY".into(), "off".into()),
            ("CGO_ENABLED".into(), "0".into()),
            (
                "PATH".into(),
                format!("{}:/usr/bin:/bin", goroot.join("bin").display()),
            ),
        ];
        Go {
            root: goroot.to_path_buf(),
            _dir: dir,
            home,
            work,
            env,
        }
    }

    fn set(&mut self, k: &str, v: impl Into<String>) -> &mut Self {
        self.env.retain(|(x, _)| x != k);
        self.env.push((k.into(), v.into()));
        self
    }

    fn file(&self, rel: &str, text: &str) {
        let p = self.work.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Runs go; returns (success, stdout+stderr).
    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(self.root.join("bin/go"))
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.work)
            .output()
            .unwrap();
        let mut s = String::from_utf8_lossy(&out.stdout).to_string();
        s.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.success(), s)
    }

    /// Runs go and expects it to fail.
    fn fails(&self, args: &[&str]) -> String {
        let (ok, s) = self.run(args);
        assert!(!ok, "go {args:?} succeeded:\n{s}");
        s
    }
}

/// explain names `id` and nothing else, with evidence from the output, and exits 1.
fn assert_only(output: &str, id: &str) {
    let (code, v) = explain(output);
    assert_eq!(ids(&v), [id], "go output:\n{output}\nreport: {v:#}");
    assert_eq!(code, 1, "{v:#}");
    let ev = v["matches"][0]["evidence"][0]["text"].as_str().unwrap();
    let first = ev.lines().last().unwrap();
    assert!(
        output.contains(first.trim_start()),
        "evidence {ev:?} not in output"
    );
    for bad in ["GOSUMDB=off", "GONOSUMDB", "GOINSECURE"] {
        assert!(!v["matches"][0]["fix"].as_str().unwrap().contains(bad));
    }
}

const MAIN_A: &str = "package main\n\nimport _ \"example.com/a\"\n\nfunc main() {}\n";

fn requires(go: &Go, deps: &[(&str, &str)]) {
    let mut m = String::from("module example.com/app\n\ngo 1.21\n");
    for (p, v) in deps {
        m.push_str(&format!("\nrequire {p} {v}\n"));
    }
    go.file("go.mod", &m);
}

/// Each reproduction: (the entry it must name, the real go output).
fn reproductions(root: &Path) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();

    // 1. GOPROXY on a closed loopback port.
    {
        let mut go = Go::new(root);
        let a = gomedic_testkit::refused_addr();
        go.set("GOPROXY", format!("http://{a}"));
        go.set("GONOSUMDB", "example.com");
        requires(&go, &[("example.com/a", "v1.0.0")]);
        let s = go.fails(&["mod", "download", "example.com/a"]);
        assert!(s.contains("connection refused"), "{s}");
        out.push(("net.connection_refused", s));
    }

    // 2. A proxy that resets the connection: closing a socket with the request unread
    //    makes the kernel send RST.
    {
        let mut go = Go::new(root);
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for c in l.incoming().flatten() {
                let mut c = c;
                let mut one = [0u8; 1];
                let _ = c.read(&mut one);
                std::thread::sleep(std::time::Duration::from_millis(20));
                drop(c);
            }
        });
        go.set("GOPROXY", format!("http://{addr}"));
        go.set("GONOSUMDB", "example.com");
        requires(&go, &[("example.com/a", "v1.0.0")]);
        let s = go.fails(&["mod", "download", "example.com/a"]);
        assert!(s.contains("connection reset by peer"), "{s}");
        out.push(("net.connection_reset", s));
    }

    // A file:// proxy with example.com/a (ok) and example.com/b (declares another path).
    let proxy = tempfile::tempdir().unwrap().keep();
    let (p, v, m, z) = common::module("example.com/a", "v1.0.0", "a");
    common::publish(&proxy, &p, &v, m.as_bytes(), &z);
    let zb = common::make_zip(&[
        ("example.com/b@v1.0.0/go.mod", b"module example.com/other\n"),
        ("example.com/b@v1.0.0/b.go", b"package b\n"),
    ]);
    common::publish(
        &proxy,
        "example.com/b",
        "v1.0.0",
        b"module example.com/other\n",
        &zb,
    );

    // 3. missing go.sum entry.
    {
        let mut go = Go::new(root);
        go.set("GOPROXY", common::file_url(&proxy));
        go.set("GONOSUMDB", "example.com");
        requires(&go, &[("example.com/a", "v1.0.0")]);
        go.file("main.go", MAIN_A);
        let s = go.fails(&["build", "./..."]);
        assert!(s.contains("missing go.sum entry"), "{s}");
        out.push(("gosum.missing_entry", s));
    }

    // 4. module declares its path as.
    {
        let mut go = Go::new(root);
        go.set("GOPROXY", common::file_url(&proxy));
        go.set("GONOSUMDB", "example.com");
        requires(&go, &[("example.com/b", "v1.0.0")]);
        go.file(
            "main.go",
            "package main\n\nimport _ \"example.com/b\"\n\nfunc main() {}\n",
        );
        let s = go.fails(&["mod", "tidy"]);
        assert!(s.contains("module declares its path as"), "{s}");
        out.push(("module.path_mismatch", s));
    }

    // 4b. A non-canonical version in go.mod under -mod=readonly: go would rewrite go.mod.
    {
        let mut go = Go::new(root);
        go.set("GOPROXY", common::file_url(&proxy));
        go.set("GONOSUMDB", "example.com");
        go.set("GOFLAGS", "-modcacherw -mod=readonly");
        // Resolving `v1.0` asks for the version list.
        std::fs::write(proxy.join("example.com/a/@v/list"), "v1.0.0\n").unwrap();
        requires(&go, &[("example.com/a", "v1.0")]);
        go.file("main.go", MAIN_A);
        let s = go.fails(&["build", "./..."]);
        assert!(s.contains("disabled by -mod=readonly"), "{s}");
        out.push(("gosum.readonly_updates", s));
    }

    // 4c. vendor/modules.txt that does not match go.mod.
    {
        let go = Go::new(root);
        requires(&go, &[("example.com/a", "v1.0.0")]);
        go.file("main.go", MAIN_A);
        go.file("vendor/modules.txt", "");
        let s = go.fails(&["build", "./..."]);
        assert!(s.contains("inconsistent vendoring"), "{s}");
        out.push(("module.inconsistent_vendoring", s));
    }

    // 4d. A full disk: /dev/full answers every write with ENOSPC.
    {
        let go = Go::new(root);
        go.file("go.mod", "module example.com/app\n\ngo 1.21\n");
        go.file("main.go", "package main\n\nfunc main() {}\n");
        let s = go.fails(&["build", "-o", "/dev/full", "."]);
        assert!(s.contains("no space left on device"), "{s}");
        out.push(("disk.no_space", s));
    }

    // 5. go.mod requires a newer go with GOTOOLCHAIN=local.
    {
        let go = Go::new(root);
        go.file("go.mod", "module example.com/app\n\ngo 1.99.0\n");
        go.file("main.go", "package main\n\nfunc main() {}\n");
        let s = go.fails(&["build", "./..."]);
        assert!(s.contains("GOTOOLCHAIN=local"), "{s}");
        out.push(("toolchain.go_mod_requires_newer", s));
    }

    // 6. A loopback proxy answering 404, as proxy.golang.org does for an unknown tag, and
    //    with a bare "not found".
    for (body, id) in [
        (
            "not found: example.com/a@v9.9.9: invalid version: unknown revision v9.9.9",
            "module.unknown_revision",
        ),
        ("not found", "proxy.not_found"),
    ] {
        let mut go = Go::new(root);
        let srv = gomedic_testkit::path_server(move |_| (404, body.as_bytes().to_vec()));
        go.set("GOPROXY", srv.url());
        go.set("GONOSUMDB", "example.com");
        requires(&go, &[]);
        let s = go.fails(&["mod", "download", "example.com/a@v9.9.9"]);
        assert!(s.contains(": 404"), "{s}");
        out.push((id, s));
    }

    // 7. A tampered zip behind a test checksum database.
    {
        let mods = vec![common::module("example.com/tamper", "v1.0.0", "good")];
        let db = common::sumdb(&mods);
        let bad = common::module("example.com/tamper", "v1.0.0", "evil");
        let tproxy = tempfile::tempdir().unwrap().keep();
        common::publish(&tproxy, &bad.0, &bad.1, bad.2.as_bytes(), &bad.3);
        let mut go = Go::new(root);
        go.set("GOPROXY", common::file_url(&tproxy));
        go.set("GOSUMDB", format!("{} {}", db.vkey, db.server.url()));
        requires(&go, &[]);
        let s = go.fails(&["mod", "download", "example.com/tamper@v1.0.0"]);
        assert!(s.contains("SECURITY ERROR"), "{s}");
        out.push(("sumdb.checksum_mismatch", s));
    }

    // 8. cgo with no gcc on PATH.
    {
        let mut go = Go::new(root);
        go.set("CGO_ENABLED", "1");
        go.set("CC", "gcc");
        go.set("PATH", root.join("bin").display().to_string());
        go.file("go.mod", "module example.com/app\n\ngo 1.21\n");
        go.file(
            "main.go",
            "package main\n\n// int two(void) { return 2; }\nimport \"C\"\n\nfunc main() { _ = C.two() }\n",
        );
        let s = go.fails(&["build", "./..."]);
        assert!(s.contains("executable file not found"), "{s}");
        out.push(("cgo.no_compiler", s));
    }

    // 9. No go.mod.
    {
        let go = Go::new(root);
        go.file("main.go", "package main\n\nfunc main() {}\n");
        let s = go.fails(&["build", "./..."]);
        out.push(("module.no_main_module", s));
        let s = go.fails(&["build"]);
        assert!(s.contains("go.mod file not found"), "{s}");
        out.push(("module.no_main_module", s));
        // Inside a git checkout go says where the module root might be.
        go.file(".git/config", "[core]\n");
        let s = go.fails(&["build"]);
        assert!(s.contains("cannot find main module"), "{s}");
        out.push(("module.no_main_module", s));
    }
    out
}

/// Successful go output: explain names nothing and exits 0.
fn successes(root: &Path) -> Vec<String> {
    let proxy = tempfile::tempdir().unwrap().keep();
    let (p, v, m, z) = common::module("example.com/a", "v1.0.0", "a");
    common::publish(&proxy, &p, &v, m.as_bytes(), &z);
    let mut go = Go::new(root);
    go.set("GOPROXY", common::file_url(&proxy));
    go.set("GONOSUMDB", "example.com");
    requires(&go, &[("example.com/a", "v1.0.0")]);
    go.file("main.go", MAIN_A);
    go.file(
        "main_test.go",
        "package main\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) { t.Log(\"fine\") }\n",
    );
    let mut all = Vec::new();
    for args in [
        &["version"][..],
        &["env"],
        &["mod", "tidy", "-v"],
        &["mod", "download", "-x", "-json"],
        &["build", "-v", "-x", "./..."],
        &["test", "-v", "./..."],
        &["vet", "./..."],
        &["list", "-m", "-json", "all"],
    ] {
        let (ok, s) = go.run(args);
        assert!(ok, "go {args:?} failed:\n{s}");
        all.push(s);
    }
    let _ = go.home.display();
    all
}

#[test]
fn explain_names_the_cause_of_each_real_go_failure_and_only_it() {
    for (version, root) in roots() {
        let reps = reproductions(&root);
        assert!(reps.len() >= 12);
        for (id, output) in &reps {
            eprintln!("go {version}: {id}");
            assert_only(output, id);
        }
    }
}

#[test]
fn explain_names_nothing_on_successful_go_output() {
    for (_, root) in roots() {
        let all = successes(&root);
        for s in &all {
            let (code, v) = explain(s);
            assert_eq!(ids(&v), Vec::<String>::new(), "output:\n{s}\nreport: {v:#}");
            assert_eq!(code, 0);
            assert_eq!(v["recognised"], false);
            assert!(v["suggestion"].as_str().unwrap().contains("gomedic check"));
        }
        // And on all of it at once, with the reproductions' outputs of other toolchains
        // absent: one big log of success.
        let (code, v) = explain(&all.join("\n"));
        assert_eq!((code, ids(&v).len()), (0, 0));
    }
}

/// `gomedic explain -- go ...`: go's output passes through unchanged, the exit code is
/// go's, and the explanation follows on stderr.
#[test]
fn explain_wraps_a_real_go_command() {
    let Some((_, root)) = roots().pop() else {
        return;
    };
    let go = Go::new(&root);
    go.file("main.go", "package main\n\nfunc main() {}\n");
    let (_, direct) = go.run(&["build", "./..."]);
    let out = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args(["explain", "--", "go", "build", "./..."])
        .env_clear()
        .envs(go.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&go.work)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&direct),
        "go's output first, unchanged:\n{err}"
    );
    assert!(err.contains("module.no_main_module"), "{err}");
    assert!(out.stdout.is_empty());

    // A successful command: its output only, exit 0, nothing added.
    let out = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args(["explain", "--", "go", "version"])
        .env_clear()
        .envs(go.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&go.work)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("go version go"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// explain runs the matched entry's related checks in the same environment as the
/// command and shows their verdicts as evidence; taking the entry's fix (point GOPROXY at
/// a proxy that answers) makes the command pass and explain find nothing.
#[test]
fn explain_runs_the_related_checks_as_evidence_and_the_fix_works() {
    let Some((_, root)) = roots().pop() else {
        return;
    };
    let mut go = Go::new(&root);
    let a = gomedic_testkit::refused_addr();
    go.set("GOPROXY", format!("http://{a}"));
    go.set("GONOSUMDB", "example.com");
    requires(&go, &[("example.com/a", "v1.0.0")]);
    let explain_cmd = |go: &Go, extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .arg("explain")
            .args(extra)
            .args([
                "--format",
                "json",
                "--",
                "go",
                "mod",
                "download",
                "example.com/a",
            ])
            .env_clear()
            .envs(go.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&go.work)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        });
        (out.status.code(), v)
    };
    let t = std::time::Instant::now();
    let (code, v) = explain_cmd(&go, &[]);
    let took = t.elapsed();
    assert_eq!(code, Some(1));
    assert_eq!(ids(&v), ["net.connection_refused"], "{v:#}");
    let checks = v["checks"].as_array().unwrap();
    let got: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(
        got,
        ["net.goproxy", "net.sumdb", "net.hosts"],
        "only the related checks"
    );
    let goproxy = &checks[0];
    assert_eq!(goproxy["status"], "error", "{goproxy:#}");
    assert!(
        goproxy["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "goproxy.unreachable"),
        "{goproxy:#}"
    );
    // Probes are short (3 s at most each, in parallel): a generous bound for CI.
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");

    // The human report shows the verdict under the cause.
    let out = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args(["explain", "--", "go", "mod", "download", "example.com/a"])
        .env_clear()
        .envs(go.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&go.work)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("on this machine now:\n    ✗ net.goproxy"),
        "{err}"
    );

    // --offline: the checks run without network probes, and say so.
    let (_, v) = explain_cmd(&go, &["--offline"]);
    assert_eq!(v["checks"][0]["status"], "skipped", "{v:#}");

    // --no-checks: matching only.
    let (_, v) = explain_cmd(&go, &["--no-checks"]);
    assert_eq!(v["checks"], serde_json::json!([]));
    assert_eq!(v["checks_not_run"], "--no-checks");

    // Take the fix: a GOPROXY that answers. The command passes; nothing to explain.
    let proxy = tempfile::tempdir().unwrap();
    let (p, ver, m, z) = common::module("example.com/a", "v1.0.0", "a");
    common::publish(proxy.path(), &p, &ver, m.as_bytes(), &z);
    go.set("GOPROXY", format!("file://{}", proxy.path().display()));
    let (code, v) = explain_cmd(&go, &[]);
    assert_eq!(code, Some(0), "{v:#}");
    assert_eq!(ids(&v), Vec::<String>::new());
    assert_eq!(v["checks_not_run"], "nothing recognised");
}

/// `go test -json` output (test2json events; build output as JSON events since go 1.24):
/// explain reads the events' Output and quotes it decoded.
#[test]
fn explain_reads_go_test_json() {
    for (ver, root) in roots() {
        let go = Go::new(&root);
        requires(&go, &[("example.com/a", "v1.0.0")]);
        go.file("a.go", "package app\n\nimport _ \"example.com/a\"\n");
        go.file(
            "a_test.go",
            "package app\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
        );
        let s = go.fails(&["test", "-json", "./..."]);
        assert!(s.contains("missing go.sum entry"), "{ver}: {s}");
        let (_, v) = explain(&s);
        assert_eq!(ids(&v), ["gosum.missing_entry"], "{ver}: {s}\n{v:#}");
        let ev = v["matches"][0]["evidence"][0]["text"].as_str().unwrap();
        assert!(
            ev.contains("missing go.sum entry for module providing package example.com/a")
                && !ev.contains("\"Output\""),
            "{ver}: evidence is the decoded text: {ev}"
        );
    }
}

/// go/types in a tool built with an older Go refuses a module with a newer go line (what
/// gopls, staticcheck and golangci-lint print): a program built with each real toolchain
/// type-checks a package at go1.27.1, and explain names the tool entry only.
#[test]
fn explain_names_a_tool_built_with_an_older_go() {
    const PROBE: &str = "package main\n\nimport (\n\t\"fmt\"\n\t\"go/ast\"\n\t\"go/parser\"\n\t\"go/token\"\n\t\"go/types\"\n\t\"os\"\n)\n\nfunc main() {\n\tfset := token.NewFileSet()\n\tf, _ := parser.ParseFile(fset, \"a.go\", \"package a\\n\", 0)\n\tn := 0\n\tconf := types.Config{GoVersion: os.Args[1], Error: func(err error) { n++; fmt.Println(err) }}\n\tif _, err := conf.Check(\"a\", fset, []*ast.File{f}, nil); err != nil && n == 0 {\n\t\tfmt.Println(err)\n\t}\n}\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.go"), PROBE).unwrap();
    let roots = roots();
    let mut seen = 0;
    for (ver, root) in &roots {
        if ver.starts_with("1.27") {
            continue;
        }
        let exe = dir.path().join(format!("probe-{ver}"));
        let out = Command::new(root.join("bin/go"))
            .args(["build", "-o"])
            .arg(&exe)
            .arg("main.go")
            .current_dir(dir.path())
            .env("GOROOT", root)
            .env("GOTOOLCHAIN", "local")
            .env("GO111MODULE", "off")
            .env("GOFLAGS", "")
            .env("GOCACHE", dir.path().join("cache"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new(&exe).arg("go1.27.1").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            text.contains("requires newer Go version go1.27"),
            "go{ver}: {text}"
        );
        assert_only(&text, "tools.built_with_older_go");
        seen += 1;
    }
    assert!(seen > 0 || roots.is_empty());
}

#[test]
fn explain_redacts_secrets_from_the_log() {
    let log = "go: example.com/m@v1.0.0: Get \"https://alice:s3cr3t-pw@goproxy.corp.example/example.com/m/@v/v1.0.0.info\": dial tcp 10.1.2.3:443: connect: connection refused\nfatal: could not read from https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x/y\n";
    for format in ["human", "json"] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args(["explain", "--no-checks", "--log", "-", "--format", format])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(log.as_bytes()).unwrap();
        let out = c.wait_with_output().unwrap();
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.contains("net.connection_refused"), "{s}");
        assert!(
            !s.contains("s3cr3t-pw") && !s.contains("ghp_abcdefghij"),
            "{s}"
        );
    }
}

#[test]
fn explain_usage_errors() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args(args)
            .output()
            .unwrap()
    };
    for args in [
        &["explain"][..],
        &["explain", "--log", "/nonexistent/ci.log"],
        &["explain", "--log", "/"],
        &["explain", "--log", "-", "--", "true"],
        &["explain", "--", "/nonexistent/cmd"],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.starts_with("gomedic: error: "), "{args:?}: {e}");
    }
}
