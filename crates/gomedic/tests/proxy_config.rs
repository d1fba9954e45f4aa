//! `gomedic proxy serve` (the real binary) with a config file and with no configuration:
//! precedence of flags over the file, the default config file and cache directory from
//! the XDG variables, and errors that name the file and the key.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The serve command with HOME and the XDG directories under `home`.
fn serve(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gomedic"));
    c.args(["proxy", "serve"])
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// Starts it and returns its startup line (then kills it).
fn startup_line(mut c: Command) -> String {
    let mut child = c.spawn().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    let line = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) if l.contains(" on http://") => break l,
            Ok(l) => seen.push(l),
            Err(_) => {
                let _ = child.kill();
                panic!("no startup line; stderr: {seen:?}");
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    line
}

/// Runs it expecting a usage error; its stderr.
fn usage_error(mut c: Command) -> String {
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    err
}

#[test]
fn flags_override_the_config_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("team.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:0\"\ncache_dir = \"from-file\"\nupstream = \"http://127.0.0.1:9\"\nsumdb = \"off\"\n",
    )
    .unwrap();
    let flag_dir = tmp.path().join("from-flag");
    let f = file.to_str().unwrap();
    let line = startup_line(serve(
        tmp.path(),
        &["--config", f, "--cache-dir", flag_dir.to_str().unwrap()],
    ));
    assert!(
        line.contains(&format!("serving {} on", flag_dir.display())),
        "{line}"
    );
    assert!(line.contains(&format!("config file {f}")), "{line}");
    assert!(line.contains("upstream http://127.0.0.1:9"), "{line}");
    assert!(!tmp.path().join("from-file").exists());
    // Without the flag, the file's (relative to the file) directory is used.
    let line = startup_line(serve(tmp.path(), &["--config", f]));
    let from_file = tmp.path().join("from-file");
    assert!(
        line.contains(&format!("serving {} on", from_file.display())),
        "{line}"
    );
    assert!(from_file.is_dir());
}

#[test]
fn no_configuration_uses_the_default_file_and_cache_dir() {
    let tmp = tempfile::tempdir().unwrap();
    // No config file: the OS cache directory and the public upstreams.
    let line = startup_line(serve(tmp.path(), &["--listen", "127.0.0.1:0"]));
    let cache = tmp.path().join("cache/gomedic/proxy");
    assert!(
        line.contains(&format!("serving {} on http://127.0.0.1:", cache.display())),
        "{line}"
    );
    assert!(line.contains("no config file"), "{line}");
    assert!(
        line.contains("upstream https://proxy.golang.org|https://goproxy.io|https://goproxy.cn"),
        "{line}"
    );
    assert!(cache.is_dir());
    // The default config file is read when it exists.
    let dflt = tmp.path().join("config/gomedic/proxy.toml");
    std::fs::create_dir_all(dflt.parent().unwrap()).unwrap();
    std::fs::write(
        &dflt,
        "listen = \"127.0.0.1:0\"\nupstream = \"http://127.0.0.1:9\"\n",
    )
    .unwrap();
    let line = startup_line(serve(tmp.path(), &[]));
    assert!(
        line.contains(&format!("config file {}", dflt.display())),
        "{line}"
    );
    assert!(line.contains("upstream http://127.0.0.1:9"), "{line}");
}

#[test]
fn config_errors_name_the_file_and_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    let f = file.to_str().unwrap().to_string();
    let case = |body: &str, extra: &[&str]| {
        std::fs::write(&file, body).unwrap();
        let mut args = vec!["--config", f.as_str()];
        args.extend_from_slice(extra);
        usage_error(serve(tmp.path(), &args))
    };
    let e = case("listen = \"127.0.0.1:0\"\nupstreams = \"x\"\n", &[]);
    assert!(
        e.contains(&f) && e.contains("unknown field `upstreams`"),
        "{e}"
    );
    let e = case("timeout = \"soon\"\n", &[]);
    assert!(
        e.contains(&format!("config file {f}: timeout: `soon`")),
        "{e}"
    );
    let e = case("max_direct = 0\n", &[]);
    assert!(e.contains(&format!("config file {f}: max_direct")), "{e}");
    let e = case("max_upstream = \"many\"\n", &[]);
    assert!(e.contains(&f) && e.contains("max_upstream"), "{e}");
    let e = case("upstream = \"direct\"\n", &[]);
    assert!(
        e.contains(&format!("config file {f}: upstream")) && e.contains("--private"),
        "{e}"
    );
    // A flag wins over a bad value in the file, and its own errors name the flag.
    let e = case("timeout = \"soon\"\n", &["--timeout", "never"]);
    assert!(
        e.contains("--timeout: `never`") && !e.contains("soon"),
        "{e}"
    );
    let e = case("", &["--private", "a b"]);
    assert!(e.contains("--private: entry \"a b\""), "{e}");
    let e = usage_error(serve(
        tmp.path(),
        &["--private", "github.com/acme", "--go", "/nonexistent/go"],
    ));
    assert!(e.contains("--go") && e.contains("/nonexistent/go"), "{e}");
    let e = usage_error(serve(
        tmp.path(),
        &[
            "--config",
            tmp.path().join("missing.toml").to_str().unwrap(),
        ],
    ));
    assert!(e.contains("missing.toml"), "{e}");
}
