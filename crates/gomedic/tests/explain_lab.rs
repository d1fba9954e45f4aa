//! `gomedic explain` on real go failures that need real servers, odd GOROOTs or a memory
//! limit (issue #14): timeouts and DNS on loopback, the real-server lab (nginx with a
//! private CA, squid asking for credentials, mitmproxy), toolchain switching, mixed and
//! missing GOROOTs, private git repositories, a linker killed by a memory cgroup. Every
//! output is fed to the real gomedic binary, which must name its entry and only it.
//!
//! Needs GOMEDIC_TEST_GOROOTS and GOMEDIC_LAB (`GOMEDIC_LAB=$(bash scripts/lab/start.sh)`):
//! with CI=true a missing one fails the test. Reproductions that cannot finish fast here
//! are recorded real output under tests/corpus/explain-lab (see its README.md).

mod explain_support;
use explain_support::{explain, ids, roots};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|c| !c.is_empty())
}

/// The lab's manifest; under CI a missing lab fails.
fn lab() -> Option<Value> {
    let Ok(path) = std::env::var("GOMEDIC_LAB") else {
        if ci() {
            panic!("GOMEDIC_LAB is not set: under CI the real-server lab must run (GOMEDIC_LAB=$(bash scripts/lab/start.sh))");
        }
        eprintln!("skipping the lab reproductions: GOMEDIC_LAB is not set");
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("GOMEDIC_LAB={path}: {e}"));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("GOMEDIC_LAB={path}: {e}")))
}

struct Go {
    _dir: tempfile::TempDir,
    root: PathBuf,
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
        let go = Go {
            root: goroot.to_path_buf(),
            _dir: dir,
            work,
            env,
        };
        go.file("go.mod", "module example.com/app\n\ngo 1.21\n");
        go
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

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&self.work)
            .stdin(Stdio::null());
        c
    }

    /// Runs go, expects it to fail, returns stdout+stderr.
    fn fails(&self, args: &[&str]) -> String {
        let mut c = self.command(&self.root.join("bin/go"));
        c.args(args);
        let (ok, s) = output(c);
        assert!(!ok, "go {args:?} succeeded:\n{s}");
        s
    }
}

fn output(mut c: Command) -> (bool, String) {
    let out = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    let mut s = String::from_utf8_lossy(&out.stdout).to_string();
    s.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), s)
}

/// explain names `id` and nothing else, with evidence from the output, and exits 1.
fn assert_only(what: &str, output: &str, id: &str) {
    let (code, v) = explain(output);
    assert_eq!(ids(&v), [id], "{what}: go output:\n{output}\nreport: {v:#}");
    assert_eq!(code, 1, "{what}: {v:#}");
    let ev = v["matches"][0]["evidence"][0]["text"].as_str().unwrap();
    let last = ev.lines().last().unwrap();
    assert!(
        output.contains(last.trim_start()),
        "{what}: evidence {ev:?} not in the output"
    );
    for bad in ["GOSUMDB=off", "GONOSUMDB", "GOINSECURE"] {
        assert!(!v["matches"][0]["fix"].as_str().unwrap().contains(bad));
    }
}

/// One reproduction: the entry explain must name, where the output came from, the output.
#[derive(Clone)]
struct Rep {
    id: &'static str,
    what: String,
    output: String,
}

fn rep(id: &'static str, what: impl Into<String>, output: String) -> Rep {
    Rep {
        id,
        what: what.into(),
        output,
    }
}

/// Output recorded from real go here (tests/corpus/explain-lab/README.md says how).
fn recorded(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/explain-lab")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A loopback TCP server that accepts and never says a word.
fn silent_server() -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut keep = Vec::new();
        for c in l.incoming().flatten() {
            keep.push(c);
        }
    });
    a
}

/// A loopback HTTP proxy for a private git host: CONNECT is refused (403), `?go-get=1`
/// gets a go-import tag pointing at a plain-http git URL, and git itself gets 401.
fn private_git_proxy() -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            std::thread::spawn(move || serve_private_git(c));
        }
    });
    a
}

fn serve_private_git(c: TcpStream) {
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut w = c;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
        }
        let (status, extra, body) = if method == "CONNECT" {
            ("403 Forbidden", "", String::new())
        } else if target.contains("go-get=1") {
            ("200 OK", "Content-Type: text/html\r\n", "<html><head><meta name=\"go-import\" content=\"git.corp.example/team/private git http://git.corp.example/team/private.git\"></head></html>\n".to_string())
        } else {
            (
                "401 Unauthorized",
                "WWW-Authenticate: Basic realm=\"git\"\r\n",
                String::new(),
            )
        };
        let head = format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\n\r\n",
            body.len()
        );
        if w.write_all(head.as_bytes()).is_err() || w.write_all(body.as_bytes()).is_err() {
            return;
        }
        if method == "CONNECT" {
            return;
        }
    }
}

/// A memory cgroup (v1, nested under this process's own) to run a build under a limit.
struct MemCg(PathBuf);

impl MemCg {
    fn new(name: &str) -> Option<MemCg> {
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let path = own.lines().find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctrl, path) = (f.next()?, f.next()?, f.next()?);
            ctrl.split(',')
                .any(|c| c == "memory")
                .then(|| path.to_string())
        })?;
        let dir = Path::new("/sys/fs/cgroup/memory")
            .join(path.trim_start_matches('/'))
            .join(name);
        std::fs::create_dir(&dir).ok()?;
        let cg = MemCg(dir);
        cg.limit(64 << 20).then_some(cg)
    }

    fn limit(&self, bytes: u64) -> bool {
        std::fs::write(self.0.join("memory.limit_in_bytes"), bytes.to_string()).is_ok()
    }
}

impl Drop for MemCg {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `go build` of a tiny program with the linker killed by a memory cgroup's OOM killer.
/// Err says why not: no memory cgroup can be made here (not root, no cgroup v1 memory
/// controller), or no limit tried killed the linker rather than go.
fn killed_link(version: &str, root: &Path) -> Result<String, String> {
    let cg = MemCg::new(&format!(
        "gomedic-explain-lab-{}-{version}",
        std::process::id()
    ))
    .ok_or("no memory cgroup here (needs root and the cgroup v1 memory controller)")?;
    let mut go = Go::new(root);
    // A cache that outlives the run: the standard library is compiled once, not per run.
    let cache =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("explain-lab-gocache-{version}"));
    go.set("GOCACHE", cache.display().to_string());
    go.file("main.go", "package main\n\nfunc main() { println(0) }\n");
    let build = |go: &Go, limited: bool| {
        let mut c = if limited {
            let mut c = go.command(Path::new("/bin/sh"));
            c.arg("-c")
                .arg("echo $$ > \"$0/cgroup.procs\" && exec \"$@\"")
                .arg(&cg.0)
                .arg(go.root.join("bin/go"));
            c
        } else {
            go.command(&go.root.join("bin/go"))
        };
        c.args(["build", "-o", "app", "."]);
        output(c)
    };
    let (ok, s) = build(&go, false);
    assert!(ok, "go {version}: build without a limit failed:\n{s}");
    // The OOM killer takes the largest process: below the linker's need, above go's.
    let mut last = String::new();
    for (i, mib) in [24u64, 20, 28, 32, 18, 40].into_iter().enumerate() {
        go.file(
            "main.go",
            &format!("package main\n\nfunc main() {{ println({}) }}\n", i + 1),
        );
        assert!(cg.limit(mib << 20));
        let (_, s) = build(&go, true);
        if s.contains("link: signal: killed") {
            return Ok(s);
        }
        last = s;
    }
    Err(format!(
        "no memory limit killed the linker; last output:\n{last}"
    ))
}

/// The entries this file must reproduce.
const ENTRIES: &[&str] = &[
    "net.io_timeout",
    "net.no_such_host",
    "net.tls_handshake_timeout",
    "proxy.auth_required",
    "tls.unknown_authority",
    "tls.name_mismatch",
    "tls.legacy_common_name",
    "goroot.version_mismatch",
    "goroot.not_found",
    "toolchain.not_available",
    "proxy.not_found",
    "module.private_via_public_proxy",
    "build.killed",
];

/// The entries that need the lab.
const LAB_ENTRIES: &[&str] = &[
    "proxy.auth_required",
    "tls.unknown_authority",
    "tls.name_mismatch",
    "tls.legacy_common_name",
];

type Job = Box<dyn FnOnce() -> Vec<Rep> + Send>;

/// The reproductions of one go release (the slow ones first, each a job of its own).
fn jobs(version: &str, root: &Path, other_root: &Path, lab: Option<Arc<Value>>) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let v = version.to_string();
    let r = root.to_path_buf();

    // TLS handshake timeout: TCP is accepted, the server never answers the ClientHello
    // (net/http's TLSHandshakeTimeout, 10 s).
    let (vv, rr) = (v.clone(), r.clone());
    jobs.push(Box::new(move || {
        let mut go = Go::new(&rr);
        go.set("GOPROXY", format!("https://{}", silent_server()));
        go.set("GONOSUMDB", "example.com");
        let t = Instant::now();
        let s = go.fails(&["mod", "download", "example.com/a@v1.0.0"]);
        assert!(s.contains("TLS handshake timeout"), "{s}");
        eprintln!(
            "go {vv}: TLS handshake timeout after {:.1}s",
            t.elapsed().as_secs_f64()
        );
        vec![rep(
            "net.tls_handshake_timeout",
            format!("go {vv}: silent TLS server"),
            s,
        )]
    }));

    // The linker killed by the OOM killer of a memory cgroup.
    let (vv, rr) = (v.clone(), r.clone());
    jobs.push(Box::new(move || match killed_link(&vv, &rr) {
        Ok(s) => vec![rep(
            "build.killed",
            format!("go {vv}: link in a memory cgroup"),
            s,
        )],
        Err(why) => {
            eprintln!("go {vv}: build.killed is checked on recorded output only: {why}");
            Vec::new()
        }
    }));

    // Everything fast.
    let (vv, rr, other) = (v.clone(), r.clone(), other_root.to_path_buf());
    jobs.push(Box::new(move || {
        let mut out = Vec::new();

        // DNS: a GOPROXY host that cannot exist (.invalid, RFC 2606).
        {
            let mut go = Go::new(&rr);
            go.set("GOPROXY", "https://nonexistent.invalid");
            go.set("GONOSUMDB", "example.com");
            let s = go.fails(&["mod", "download", "example.com/a@v1.0.0"]);
            assert!(
                s.contains("no such host"),
                "go {vv}: what the resolver here says:\n{s}"
            );
            out.push(rep(
                "net.no_such_host",
                format!("go {vv}: GOPROXY=https://nonexistent.invalid"),
                s,
            ));
        }

        // Mixed GOROOT: this go with another release's tree.
        {
            let mut go = Go::new(&rr);
            go.set("GOROOT", other.display().to_string());
            go.file("main.go", "package main\n\nfunc main() {}\n");
            let s = go.fails(&["build", "./..."]);
            assert!(s.contains("does not match go tool version"), "{s}");
            out.push(rep(
                "goroot.version_mismatch",
                format!("go {vv} with GOROOT={}", other.display()),
                s,
            ));
        }

        // GOROOT gone.
        {
            let mut go = Go::new(&rr);
            go.set("GOROOT", "/nonexistent/go");
            go.file("main.go", "package main\n\nfunc main() {}\n");
            for args in [&["build", "./..."][..], &["env", "GOROOT"]] {
                let s = go.fails(args);
                assert!(s.contains("cannot find GOROOT directory"), "{s}");
                out.push(rep(
                    "goroot.not_found",
                    format!("go {vv} {args:?}: GOROOT=/nonexistent/go"),
                    s,
                ));
            }
        }

        // A toolchain switch through a GOPROXY that does not serve golang.org/toolchain.
        {
            let srv = gomedic_testkit::path_server(|_| (404, b"not found".to_vec()));
            for (gomod, toolchain) in [
                ("module example.com/app\n\ngo 1.99.0\n", "auto"),
                (
                    "module example.com/app\n\ngo 1.21\n\ntoolchain go1.99.0\n",
                    "auto",
                ),
                ("module example.com/app\n\ngo 1.21\n", "go1.99"),
            ] {
                let mut go = Go::new(&rr);
                go.set("GOTOOLCHAIN", toolchain);
                go.set("GOPROXY", srv.url());
                go.file("go.mod", gomod);
                go.file("main.go", "package main\n\nfunc main() {}\n");
                let s = go.fails(&["build", "./..."]);
                assert!(s.contains("go: downloading go1.99"), "{s}");
                out.push(rep(
                    "toolchain.not_available",
                    format!("go {vv}: GOTOOLCHAIN={toolchain}, go.mod {gomod:?}"),
                    s,
                ));
            }
            assert!(srv
                .hits
                .lock()
                .unwrap()
                .keys()
                .any(|p| p.contains("golang.org/toolchain")));
        }

        // A private-looking module asked of a proxy that answers 404 / 410.
        for status in [404u16, 410] {
            let srv = gomedic_testkit::path_server(move |_| (status, b"not found".to_vec()));
            let mut go = Go::new(&rr);
            go.set("GOPROXY", srv.url());
            go.set("GONOSUMDB", "git.corp.example");
            for args in [
                &["mod", "download", "git.corp.example/team/private@v1.0.0"][..],
                &["mod", "download", "git.corp.example/team/private@latest"],
                &["get", "git.corp.example/team/private"],
            ] {
                let s = go.fails(args);
                assert!(s.contains(&format!(": {status} ")), "{s}");
                out.push(rep(
                    "proxy.not_found",
                    format!("go {vv} {args:?}: proxy answers {status}"),
                    s,
                ));
            }
        }

        // A private git repository fetched directly: git needs credentials and go runs it
        // with prompts disabled. (GOINSECURE only so that this loopback host may be http.)
        {
            let p = format!("http://{}", private_git_proxy());
            let mut go = Go::new(&rr);
            go.set("GOPROXY", "direct");
            go.set("GOPRIVATE", "git.corp.example");
            go.set("GOINSECURE", "git.corp.example");
            // git reads only the lower-case http_proxy.
            go.set("http_proxy", &p);
            go.set("https_proxy", &p);
            go.set("GIT_CONFIG_NOSYSTEM", "1");
            let s = go.fails(&["mod", "download", "git.corp.example/team/private@v1.0.0"]);
            assert!(s.contains("terminal prompts disabled"), "{s}");
            out.push(rep(
                "module.private_via_public_proxy",
                format!("go {vv}: private git repository, no credentials"),
                s,
            ));
        }

        // The same git failure as proxy.golang.org reports it: its 404/410 body is the
        // error of its own fetch, which is what the direct fetch above printed.
        {
            let body = out.last().unwrap().output.clone();
            let body = format!(
                "not found: {}",
                body.lines().next().unwrap_or("").trim_start_matches("go: ")
            ) + "\n"
                + &body.lines().skip(1).collect::<Vec<_>>().join("\n");
            let srv = gomedic_testkit::path_server(move |_| (404, body.clone().into_bytes()));
            let mut go = Go::new(&rr);
            go.set("GOPROXY", srv.url());
            go.set("GONOSUMDB", "git.corp.example");
            let s = go.fails(&["mod", "download", "git.corp.example/team/private@v1.0.0"]);
            assert!(
                s.contains(": 404 ") && s.contains("terminal prompts disabled"),
                "{s}"
            );
            out.push(rep(
                "module.private_via_public_proxy",
                format!("go {vv}: public proxy 404 with git's error"),
                s,
            ));
        }
        out
    }));

    // The real-server lab.
    if let Some(lab) = lab {
        let (vv, rr) = (v.clone(), r.clone());
        jobs.push(Box::new(move || lab_reps(&vv, &rr, &lab)));
    }
    jobs
}

fn lab_reps(version: &str, root: &Path, lab: &Value) -> Vec<Rep> {
    let scenario = |name: &str| -> &Value {
        lab["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("the lab has no scenario {name}"))
    };
    let module = format!(
        "{}@{}",
        lab["module"].as_str().unwrap(),
        lab["version"].as_str().unwrap()
    );
    let lab_dir = PathBuf::from(lab["lab_dir"].as_str().unwrap());
    let port = |n: &str| {
        lab["ports"][n]
            .as_u64()
            .unwrap_or_else(|| panic!("no port {n}"))
    };
    // go mod download in the lab's environment for `name`, with `over` on top.
    let run = |name: &str, goproxy: Option<String>, over: &[(&str, String)]| -> String {
        let sc = scenario(name);
        let mut go = Go::new(root);
        go.set("GONOSUMDB", "example.com");
        go.set(
            "GOPROXY",
            goproxy.unwrap_or_else(|| sc["goproxy"].as_str().unwrap().into()),
        );
        for (k, v) in sc["env"].as_object().unwrap() {
            go.set(k, v.as_str().unwrap());
        }
        for (k, v) in over {
            go.set(k, v.clone());
        }
        go.fails(&["mod", "download", &module])
    };
    let mut out = Vec::new();
    let mut push = |id: &'static str, what: &str, s: String, want: &str| {
        assert!(
            s.contains(want),
            "go {version} {what}: want {want:?} in:\n{s}"
        );
        out.push(rep(id, format!("go {version} lab {what}"), s));
    };
    let mitm_ca = lab_dir
        .join("mitm/mitmproxy-ca-cert.pem")
        .display()
        .to_string();

    // Unknown authority: nginx with the lab's private CA, go trusting another CA only.
    push(
        "tls.unknown_authority",
        "tls_ok with the lab CA not trusted",
        run("tls_ok", None, &[("SSL_CERT_FILE", mitm_ca)]),
        "x509: certificate signed by unknown authority",
    );
    // mitmproxy intercepting, its CA not trusted.
    if lab["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "mitm_untrusted")
    {
        push(
            "tls.unknown_authority",
            "mitm_untrusted",
            run("mitm_untrusted", None, &[]),
            "x509: certificate signed by unknown authority",
        );
    } else if ci() {
        panic!("the lab has no mitm_untrusted scenario (no non-localhost name for 127.0.0.1?)");
    }
    // The server omits its intermediate.
    push(
        "tls.unknown_authority",
        "tls_missing_intermediate",
        run("tls_missing_intermediate", None, &[]),
        "x509: certificate signed by unknown authority",
    );

    // Name mismatch, lab CA trusted: by name, and by IP (a certificate without IP SANs).
    push(
        "tls.name_mismatch",
        "tls_wrong_name by name",
        run(
            "tls_wrong_name",
            Some(format!("https://localhost:{}", port("wrongname"))),
            &[],
        ),
        "x509: certificate is valid for wrong.example, www.wrong.example, not localhost",
    );
    push(
        "tls.name_mismatch",
        "tls_wrong_name by IP",
        run("tls_wrong_name", None, &[]),
        "doesn't contain any IP SANs",
    );
    // A certificate naming localhost only in its Common Name.
    push(
        "tls.legacy_common_name",
        "tls_cn_only",
        run(
            "tls_cn_only",
            Some(format!("https://localhost:{}", port("cnonly"))),
            &[],
        ),
        "x509: certificate relies on legacy Common Name field, use SANs instead",
    );
    push(
        "tls.name_mismatch",
        "tls_expired",
        run("tls_expired", None, &[]),
        "x509: certificate has expired or is not yet valid",
    );

    // squid asks for credentials: CONNECT with wrong and without, and a plain-http GET.
    for name in [
        "squid_auth_wrong",
        "squid_auth_missing",
        "squid_http_auth_wrong",
    ] {
        let s = run(name, None, &[]);
        assert!(
            !s.contains("not-the-pw"),
            "go printed the proxy password:\n{s}"
        );
        push(
            "proxy.auth_required",
            name,
            s,
            "Proxy Authentication Required",
        );
    }
    out
}

/// Every reproduction, once per test binary (the tests below share them).
fn all() -> &'static [Rep] {
    static ALL: OnceLock<Vec<Rep>> = OnceLock::new();
    ALL.get_or_init(|| {
        let roots = roots();
        let lab = lab().map(Arc::new);
        let mut per_release: Vec<Vec<Job>> = Vec::new();
        for (i, (v, r)) in roots.iter().enumerate() {
            // Pair each release with another one's tree (the newest with the oldest).
            let other = &roots[if i + 1 < roots.len() {
                roots.len() - 1
            } else {
                0
            }]
            .1;
            per_release.push(jobs(v, r, other, lab.clone()));
        }
        // Slow jobs come first in each release's list: interleave so they start together.
        let mut queue: Vec<Job> = Vec::new();
        while per_release.iter().any(|l| !l.is_empty()) {
            for l in per_release.iter_mut().filter(|l| !l.is_empty()) {
                queue.push(l.remove(0));
            }
        }
        let started = Instant::now();
        let n = queue.len();
        let queue = Arc::new(Mutex::new(queue.into_iter().rev().collect::<Vec<_>>()));
        let results = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = (0..8.min(n.max(1)))
            .map(|_| {
                let (queue, results) = (queue.clone(), results.clone());
                std::thread::spawn(move || loop {
                    let Some(job) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let reps = job();
                    results.lock().unwrap().extend(reps);
                })
            })
            .collect();
        let mut panicked = false;
        for w in workers {
            panicked |= w.join().is_err();
        }
        assert!(!panicked, "a reproduction failed (see above)");
        let mut reps = std::mem::take(&mut *results.lock().unwrap());
        eprintln!(
            "{} reproductions with {} go releases in {:.1}s",
            reps.len(),
            roots.len(),
            started.elapsed().as_secs_f64()
        );
        // Recorded real output, for what cannot be reproduced fast here.
        for v in ["1.21.13", "1.27.3"] {
            reps.push(rep(
                "net.io_timeout",
                format!("recorded go {v}: GOPROXY on a blackholed port (30 s dial timeout)"),
                recorded(&format!("io_timeout-go{v}.txt")),
            ));
            reps.push(rep(
                "build.killed",
                format!("recorded go {v}: link in a 24 MiB memory cgroup"),
                recorded(&format!("build_killed-go{v}.txt")),
            ));
        }
        reps.sort_by(|a, b| (a.id, &a.what).cmp(&(b.id, &b.what)));
        reps
    })
}

#[test]
fn explain_names_the_cause_of_each_reproduced_failure() {
    let reps = all();
    let roots = roots();
    let have_lab = std::env::var("GOMEDIC_LAB").is_ok();
    // Each entry: reproduced with the oldest and the newest go (where live).
    for id in ENTRIES {
        if LAB_ENTRIES.contains(id) && !have_lab {
            continue;
        }
        let mine: Vec<&Rep> = reps.iter().filter(|r| r.id == *id).collect();
        assert!(!mine.is_empty(), "no reproduction of {id}");
        if *id != "net.io_timeout" && *id != "build.killed" {
            for (v, _) in [roots.first(), roots.last()].into_iter().flatten() {
                assert!(
                    mine.iter().any(|r| r.what.starts_with(&format!("go {v}"))),
                    "{id}: no reproduction with go {v}"
                );
            }
        }
    }
    let workers: Vec<_> = reps
        .chunks(reps.len().div_ceil(4).max(1))
        .map(|chunk| {
            std::thread::spawn(move || {
                for r in chunk {
                    assert_only(&r.what, &r.output, r.id);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
}

/// No false positives across the set: no output of this file is claimed by another entry,
/// and the whole set as one log names exactly the entries reproduced.
#[test]
fn explain_names_no_other_entry_on_any_reproduction() {
    let reps = all();
    for r in reps {
        let (_, v) = explain(&r.output);
        let others: Vec<String> = ids(&v).into_iter().filter(|i| i != r.id).collect();
        assert!(
            others.is_empty(),
            "{}: also named {others:?}:\n{}",
            r.what,
            r.output
        );
    }
    let log: String = reps
        .iter()
        .map(|r| r.output.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let (code, v) = explain(&log);
    let named: BTreeSet<String> = ids(&v).into_iter().collect();
    let mut want: BTreeSet<String> = reps.iter().map(|r| r.id.to_string()).collect();
    // ... less those a more specific entry in the same log supersedes (catalogue rule).
    let cat = gomedic_explain::catalogue().unwrap();
    let superseded: BTreeSet<String> = want
        .iter()
        .flat_map(|id| cat.get(id).unwrap().supersedes.clone())
        .collect();
    want.retain(|id| !superseded.contains(id));
    assert_eq!(named, want);
    assert_eq!(code, 1);
}

/// The real net.io_timeout: net/http's dialer gives up after 30 s on a port that never
/// completes the handshake. Too slow for every run: `cargo test -- --ignored`.
#[test]
#[ignore = "30 s: net/http's dial timeout"]
fn io_timeout_live() {
    let (guard_addr, _keep) = gomedic_testkit::blackhole();
    let mut handles = Vec::new();
    for (v, root) in roots() {
        handles.push(std::thread::spawn(move || {
            let mut go = Go::new(&root);
            go.set("GOPROXY", format!("http://{guard_addr}"));
            go.set("GONOSUMDB", "example.com");
            let s = go.fails(&["mod", "download", "example.com/a@v1.0.0"]);
            assert!(s.contains("i/o timeout"), "go {v}:\n{s}");
            assert_only(&format!("go {v}"), &s, "net.io_timeout");
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
}
