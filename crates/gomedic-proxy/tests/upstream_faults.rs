//! Upstreams that fail the way real ones do: 410, a reset connection, a hang, a body cut
//! short. The proxy must keep GOPROXY's `,` / `|` meaning, answer within its timeout,
//! and never cache a partial file; the real go client sees the proxy's short error text.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
enum Fault {
    /// Closes the connection without reading the request (the client sees a reset or EOF).
    Reset,
    /// Reads the request and never answers.
    Hang,
    /// Answers 200 with a Content-Length, sends a tenth of the body, then closes.
    Truncate,
}

/// A raw upstream that misbehaves on every request, serving bodies from `dir`.
fn faulty(dir: &std::path::Path, fault: Fault) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || serve_fault(c, &dir, fault));
        }
    });
    format!("http://{addr}")
}

fn serve_fault(mut c: TcpStream, dir: &std::path::Path, fault: Fault) {
    if let Fault::Reset = fault {
        drop(c);
        return;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .replace("%21", "!");
    match fault {
        Fault::Hang => std::thread::sleep(Duration::from_secs(120)),
        Fault::Truncate => {
            let body = std::fs::read(dir.join(path.trim_start_matches('/'))).unwrap_or_default();
            let _ = write!(
                c,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                body.len() + 1
            );
            let _ = c.write_all(&body[..body.len() / 10]);
        }
        Fault::Reset => unreachable!(),
    }
}

fn proxy(cache: &std::path::Path, list: &str, db: &Db) -> Running {
    start_proxy_cfg(
        cache,
        None,
        list,
        Some((&db.vkey, db.server.url())),
        Duration::from_secs(60),
        |c| c.timeout = Duration::from_secs(2),
    )
}

const ZIP: &str = "/example.com/a/@v/v1.1.0-!r!c1.zip";
const INFO: &str = "/example.com/a/@v/v1.1.0-!r!c1.info";

fn fixture() -> (Vec<Module>, Db, tempfile::TempDir, Server) {
    let mods = modules();
    let db = sumdb(&mods);
    let dir = tempfile::tempdir().unwrap();
    publish_all(dir.path(), &mods);
    let good = file_upstream(dir.path(), None);
    (mods, db, dir, good)
}

/// Nothing under the cache but complete `.info`/`.mod`/`.zip` files.
fn assert_nothing_partial(cache: &std::path::Path, what: &str) {
    for f in files(cache) {
        assert!(
            !f.ends_with(".tmp") && !f.ends_with(".zip"),
            "{what}: left {f} in the cache"
        );
    }
}

#[test]
fn gone_moves_on_after_comma_like_not_found() {
    let (_m, db, dir, good) = fixture();
    let gone = file_upstream(dir.path(), Some(410));
    for (list, want) in [
        (format!("{},{}", gone.url(), good.url()), 200),
        (format!("{}|{}", gone.url(), good.url()), 200),
        (gone.url(), 404),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let p = proxy(tmp.path(), &list, &db);
        for path in [INFO, ZIP] {
            let (s, b) = http_get(p.addr, path);
            assert_eq!(s, want, "{list} {path}: {}", String::from_utf8_lossy(&b));
        }
    }
}

#[test]
fn reset_and_hang_are_errors_not_not_found() {
    let (_m, db, dir, good) = fixture();
    for fault in [Fault::Reset, Fault::Hang] {
        let bad = faulty(dir.path(), fault);
        for (list, want) in [
            (format!("{bad},{}", good.url()), 502),
            (format!("{bad}|{}", good.url()), 200),
            (bad.clone(), 502),
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let p = proxy(tmp.path(), &list, &db);
            let t = Instant::now();
            let (s, b) = http_get(p.addr, ZIP);
            let body = String::from_utf8_lossy(&b);
            assert_eq!(s, want, "{fault:?} {list}: {body}");
            // The 2 s timeout bounds a hang (plus the proxy's one retry at most).
            assert!(
                t.elapsed() < Duration::from_secs(8),
                "{fault:?} {list}: took {:?}",
                t.elapsed()
            );
            if want == 502 {
                assert!(
                    body.len() <= 600 && !body.trim().is_empty(),
                    "{fault:?}: {body:?}"
                );
                if let Fault::Hang = fault {
                    assert!(
                        body.contains("timeout") || body.contains("timed out"),
                        "{body}"
                    );
                }
                assert_nothing_partial(tmp.path(), &format!("{fault:?} {list}"));
            }
        }
    }
}

#[test]
fn a_truncated_body_is_never_cached_or_served_whole() {
    let (mods, db, dir, good) = fixture();
    let cut = faulty(dir.path(), Fault::Truncate);
    let tmp = tempfile::tempdir().unwrap();
    let p = proxy(tmp.path(), &cut, &db);
    for path in [ZIP, INFO] {
        let (s, b) = http_get(p.addr, path);
        assert_eq!(s, 502, "{path}: {}", String::from_utf8_lossy(&b));
    }
    assert!(files(tmp.path()).is_empty(), "{:?}", files(tmp.path()));
    // With `|` the next upstream's whole file is served and cached.
    let tmp = tempfile::tempdir().unwrap();
    let p = proxy(tmp.path(), &format!("{cut}|{}", good.url()), &db);
    let (s, b) = http_get(p.addr, ZIP);
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&b));
    let want = &mods.iter().find(|m| m.0 == "example.com/a").unwrap().3;
    assert_eq!(&b, want);

    // The real go client: its download fails with the proxy's short text, not a hang.
    let Some((_, goroot)) = newest_goroot() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs GOMEDIC_TEST_GOROOTS"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let p = proxy(tmp.path(), &cut, &db);
    let home = tempfile::tempdir().unwrap();
    let (ok, _, text) = download(
        &goroot,
        home.path(),
        &p.url(),
        &db.vkey,
        &["example.com/a@v1.1.0-RC1"],
    );
    assert!(!ok, "{text}");
    assert!(text.contains("502 Bad Gateway"), "{text}");
    assert_nothing_partial(tmp.path(), "go through a truncating upstream");
}

#[test]
fn not_found_is_remembered_for_the_list_ttl() {
    let mods = modules();
    let db = sumdb(&mods);
    let dir = tempfile::tempdir().unwrap();
    let up = file_upstream(dir.path(), None);
    let tmp = tempfile::tempdir().unwrap();
    let ttl = Duration::from_secs(2);
    let p = start_proxy_cfg(
        tmp.path(),
        None,
        &up.url(),
        Some((&db.vkey, db.server.url())),
        ttl,
        |_| {},
    );
    let list = "/example.com/a/@v/list";
    for path in [INFO, ZIP, list] {
        for _ in 0..3 {
            assert_eq!(http_get(p.addr, path).0, 404, "{path}");
        }
        assert_eq!(up.count(path), 1, "{path}: asked upstream more than once");
    }
    // Published meanwhile: found once the TTL has passed.
    publish_all(dir.path(), &mods);
    write_list(dir.path(), "example.com/a", "v1.1.0-RC1\n");
    std::thread::sleep(ttl + Duration::from_millis(200));
    for path in [INFO, ZIP, list] {
        let (s, b) = http_get(p.addr, path);
        assert_eq!(s, 200, "{path}: {}", String::from_utf8_lossy(&b));
    }
}
