//! `--private`: a private module lives in a local git repository that go reaches as
//! `https://github.com/acme/private` through a git `insteadOf` rule (no network). The
//! proxy fetches it with the real go (`GOPROXY=direct`); a client that only knows the
//! proxy builds a program using it and a public fixture module, and neither the upstream
//! proxy nor the checksum database ever sees the private path.

mod common;

use common::*;
use gomedic_proxy::direct::DirectConfig;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const PRIVATE: &str = "github.com/acme/private";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("git is needed for the private module tests: {e}"));
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The repository (tag v1.0.0 and one later commit on `main`), and a `go` wrapper that
/// makes git find it at https://github.com/acme/private.
fn private_repo(tmp: &Path, goroot: &Path) -> PathBuf {
    let repo = tmp.join("repos/private");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("go.mod"),
        format!("module {PRIVATE}\n\ngo 1.21\n"),
    )
    .unwrap();
    std::fs::write(
        repo.join("p.go"),
        "package private\n\nfunc Hello() string { return \"private\" }\n",
    )
    .unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "one"]);
    git(&repo, &["tag", "v1.0.0"]);
    std::fs::write(repo.join("q.go"), "package private\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "two"]);
    let gitconfig = tmp.join("gitconfig");
    std::fs::write(
        &gitconfig,
        format!(
            "[url \"file://{}/repos/\"]\n\tinsteadOf = https://github.com/acme/\n[protocol \"file\"]\n\tallow = always\n",
            tmp.display()
        ),
    )
    .unwrap();
    let wrapper = tmp.join("go-for-proxy");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexport GIT_CONFIG_GLOBAL='{}' GIT_CONFIG_NOSYSTEM=1\nexec '{}' \"$@\"\n",
            gitconfig.display(),
            goroot.join("bin/go").display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    wrapper
}

fn direct(go: PathBuf, scratch: &Path) -> DirectConfig {
    DirectConfig {
        private: "github.com/acme".into(),
        go,
        max_direct: 4,
        timeout: Duration::from_secs(120),
        scratch: scratch.to_path_buf(),
    }
}

/// Requests whose path names the private module.
fn private_hits(s: &Server) -> Vec<String> {
    s.hits
        .lock()
        .unwrap()
        .keys()
        .filter(|p| p.contains("acme"))
        .cloned()
        .collect()
}

fn output_text(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn private_module_comes_from_git_and_never_reaches_upstream_or_sumdb() {
    let mods: Vec<Module> = modules()
        .into_iter()
        .filter(|m| m.0 == "example.com/single")
        .collect();
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    write_list(up_dir.path(), "example.com/single", "v1.0.0\n");
    for (ver, goroot) in goroots() {
        // Fresh servers for each go, so their request counts are this run's.
        let db = sumdb(&mods);
        let up = file_upstream(up_dir.path(), None);
        let tmp = tempfile::tempdir().unwrap();
        let go_wrapper = private_repo(tmp.path(), &goroot);
        let cache = tmp.path().join("cache");
        let scratch = tmp.path().join("scratch");
        let proxy = start_proxy_full(
            &cache,
            None,
            &up.url(),
            Some((&db.vkey, db.server.url())),
            Duration::from_secs(60),
            Some(direct(go_wrapper, &scratch)),
        );
        // The client: GOPROXY is the proxy alone, the database only through the proxy,
        // and GONOSUMDB (not GOPRIVATE, which would make it clone the repository itself)
        // for the private paths. It has no git configuration that reaches the repository.
        let home = tmp.path().join("client");
        let work = home.join("work");
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(
            work.join("go.mod"),
            "module example.com/client\n\ngo 1.21\n",
        )
        .unwrap();
        // example.com/single is `package x` with no exported names: use it blankly.
        std::fs::write(
            work.join("main.go"),
            "package main\n\nimport (\n\t\"fmt\"\n\n\t_ \"example.com/single\"\n\t\"github.com/acme/private\"\n)\n\nfunc main() { fmt.Println(private.Hello()) }\n",
        )
        .unwrap();
        let env = [
            ("GOPROXY", proxy.url()),
            ("GOSUMDB", db.vkey.clone()),
            ("GONOSUMDB", "github.com/acme".to_string()),
        ];
        // tidy resolves both imports: lists, latest, and the path prefixes go probes.
        let tidy = go(&goroot, &home, &work, &env, &["mod", "tidy"]);
        assert!(
            tidy.status.success(),
            "go {ver} mod tidy: {}",
            output_text(&tidy)
        );
        let gomod = std::fs::read_to_string(work.join("go.mod")).unwrap();
        assert!(
            gomod.contains("github.com/acme/private v1.0.0")
                && gomod.contains("example.com/single v1.0.0"),
            "go {ver}: {gomod}"
        );
        let build = go(&goroot, &home, &work, &env, &["build", "-o", "app", "."]);
        assert!(
            build.status.success(),
            "go {ver} build: {}",
            output_text(&build)
        );
        let run = Command::new(work.join("app")).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&run.stdout), "private\n");

        // go.sum: the private module's hash is that of the zip the proxy cached (go
        // computed it itself); the public one is the database's.
        let gosum = std::fs::read_to_string(work.join("go.sum")).unwrap();
        let zip = std::fs::read(cache.join("github.com/acme/private/@v/v1.0.0.zip")).unwrap();
        assert!(
            gosum.contains(&format!("{PRIVATE} v1.0.0 {}", zip_hash(&zip))),
            "go {ver}: {gosum}"
        );
        assert!(gosum.contains(&format!(
            "example.com/single v1.0.0 {}",
            zip_hash(&mods[0].3)
        )));
        for f in ["info", "mod", "zip"] {
            assert!(
                cache
                    .join(format!("github.com/acme/private/@v/v1.0.0.{f}"))
                    .is_file(),
                "go {ver}: {:?}",
                files(&cache)
            );
        }
        // The public module came through the upstream and was checked in the database.
        assert_eq!(up.count("/example.com/single/@v/v1.0.0.zip"), 1);
        assert!(db.server.count("/lookup/example.com/single@v1.0.0") >= 1);

        // Versions, latest and a branch query of the private module, through the proxy.
        let l = go(
            &goroot,
            &home,
            &work,
            &env,
            &["list", "-m", "-versions", PRIVATE],
        );
        assert_eq!(
            String::from_utf8_lossy(&l.stdout).trim(),
            format!("{PRIVATE} v1.0.0"),
            "go {ver}: {}",
            output_text(&l)
        );
        let b = go(
            &goroot,
            &home,
            &work,
            &env,
            &["list", "-m", "-json", "github.com/acme/private@main"],
        );
        assert!(b.status.success(), "go {ver}: {}", output_text(&b));
        let j: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
        assert!(
            j["Version"].as_str().unwrap().starts_with("v1.0.1-0."),
            "go {ver}: {j}"
        );

        // An unknown version: go's own words come through the proxy, as a 404.
        let (ok, _, text) = download(
            &goroot,
            &home,
            &proxy.url(),
            &db.vkey,
            &["github.com/acme/private@v9.9.9"],
        );
        assert!(!ok, "go {ver}: {text}");
        assert!(
            text.contains("404 Not Found") && text.contains("unknown revision v9.9.9"),
            "go {ver}: {text}"
        );

        // Even a client asking for it does not get the private path to the database.
        let (status, body) = http_get(
            proxy.addr,
            &format!("/sumdb/{DB_NAME}/lookup/github.com/acme/private@v1.0.0"),
        );
        assert_eq!(status, 404);
        assert!(String::from_utf8_lossy(&body).contains("GONOSUMDB"));

        assert_eq!(private_hits(&up), Vec::<String>::new(), "go {ver}");
        assert_eq!(private_hits(&db.server), Vec::<String>::new(), "go {ver}");
        // Every run's temp GOMODCACHE is removed.
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            std::fs::read_dir(&scratch).unwrap().count(),
            0,
            "go {ver}: scratch not cleaned"
        );
    }
}

#[test]
fn a_missing_go_command_is_a_clear_502() {
    let tmp = tempfile::tempdir().unwrap();
    let up = file_upstream(tmp.path(), Some(404));
    let proxy = start_proxy_full(
        &tmp.path().join("cache"),
        None,
        &up.url(),
        None,
        Duration::from_secs(60),
        Some(direct(PathBuf::from("/nonexistent/go"), tmp.path())),
    );
    let (status, body) = http_get(proxy.addr, "/github.com/acme/x/@v/v1.0.0.info");
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("cannot run the go command") && body.contains("/nonexistent/go"),
        "{body}"
    );
    // Other paths still go to the upstream.
    assert_eq!(http_get(proxy.addr, "/example.com/x/@v/v1.0.0.info").0, 404);
    assert_eq!(up.count("/example.com/x/@v/v1.0.0.info"), 1);
    assert!(private_hits(&up).is_empty());
}

/// A stand-in for go: a shell script (these tests are about the proxy's handling of the
/// process, not about go).
fn fake_go(dir: &Path, body: &str) -> PathBuf {
    let p = dir.join("fake-go");
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    p
}

#[cfg(unix)]
#[test]
fn direct_runs_are_capped_timed_out_and_redacted() {
    let tmp = tempfile::tempdir().unwrap();
    let up = file_upstream(tmp.path(), Some(404));
    let log = tmp.path().join("runs.log");
    // Each run logs its start and end (ns) and takes 300 ms.
    let go = fake_go(
        tmp.path(),
        &format!(
            "echo \"start $(date +%s%N)\" >> '{l}'\nsleep 0.3\necho \"end $(date +%s%N)\" >> '{l}'\necho '{{\"Versions\":[\"v1.0.0\"]}}'",
            l = log.display()
        ),
    );
    let mut cfg = direct(go, &tmp.path().join("scratch"));
    cfg.max_direct = 2;
    let proxy = start_proxy_full(
        &tmp.path().join("cache"),
        None,
        &up.url(),
        None,
        Duration::from_secs(60),
        Some(cfg),
    );
    let addr = proxy.addr;
    let threads: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || http_get(addr, &format!("/github.com/acme/m{i}/@v/list")))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), (200, b"v1.0.0\n".to_vec()));
    }
    let mut events: Vec<(u128, i32)> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, t) = l.split_once(' ').unwrap();
            (t.parse().unwrap(), if k == "start" { 1 } else { -1 })
        })
        .collect();
    events.sort_by_key(|e| (e.0, e.1));
    let (mut now, mut most) = (0, 0);
    for (_, d) in &events {
        now += d;
        most = most.max(now);
    }
    assert_eq!(events.len(), 12);
    assert_eq!(most, 2, "--max-direct 2: {events:?}");
    assert!(private_hits(&up).is_empty());

    // A run past --direct-timeout is killed with what it started; a 502 says so.
    let pidfile = tmp.path().join("child.pid");
    let go = fake_go(
        tmp.path(),
        &format!("sleep 30 &\necho $! > '{}'\nwait", pidfile.display()),
    );
    let mut cfg = direct(go, &tmp.path().join("scratch"));
    cfg.timeout = Duration::from_secs(1);
    let proxy = start_proxy_full(
        &tmp.path().join("cache2"),
        None,
        &up.url(),
        None,
        Duration::from_secs(60),
        Some(cfg),
    );
    let t = std::time::Instant::now();
    let (status, body) = http_get(proxy.addr, "/github.com/acme/slow/@v/v1.0.0.zip");
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("timed out after 1s"), "{body}");
    assert!(t.elapsed() < Duration::from_secs(10));
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // Dead or a zombie (nothing may reap orphans in a container) counts as killed.
    let alive = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .map(|s| !s.split(' ').nth(2).is_some_and(|st| st == "Z" || st == "X"))
        .unwrap_or(false);
    assert!(!alive, "the run's child process {pid} survived the timeout");

    // go's failure text comes through on one line, without credentials.
    let go = fake_go(
        tmp.path(),
        "printf 'go: module github.com/acme/x: git ls-remote -q origin: exit status 128:\\n\\tfatal: unable to access '\"'\"'https://bob:hunter2@git.corp.example/x/'\"'\"': The requested URL returned error: 403\\n' >&2\nexit 1",
    );
    let proxy = start_proxy_full(
        &tmp.path().join("cache3"),
        None,
        &up.url(),
        None,
        Duration::from_secs(60),
        Some(direct(go, &tmp.path().join("scratch"))),
    );
    let (status, body) = http_get(proxy.addr, "/github.com/acme/x/@v/list");
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("returned error: 403") && !body.contains("hunter2"),
        "{body}"
    );
    assert_eq!(body.trim_end().lines().count(), 1, "{body}");
}
