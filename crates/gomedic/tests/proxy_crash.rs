//! Issue #12, crash: `gomedic proxy serve` (the real binary) is killed with SIGKILL in the
//! middle of a large zip download; nothing is left under the zip's cache name, and a
//! restarted proxy on the same cache directory serves the module correctly (to a plain
//! HTTP client and, with `GOMEDIC_TEST_GOROOTS`, to the newest go's `go mod download`).
//! Leftover temp files of the killed run are neither served nor mistaken for the zip.

#[path = "../../gomedic-gomod/tests/common/mod.rs"]
mod gomod;

use gomod::{go, make_zip, newest_goroot, publish};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PATH: &str = "example.com/big";
const VERSION: &str = "v1.0.0";
const ZIP: &str = "/example.com/big/@v/v1.0.0.zip";

/// A GOPROXY upstream over `dir`; with `slow`, bodies go out in 64 KiB chunks 20 ms apart
/// (about 2.5 s for 8 MiB).
fn upstream(dir: &Path, slow: bool) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || answer(c, &dir, slow));
        }
    });
    addr
}

fn answer(mut c: TcpStream, dir: &Path, slow: bool) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let body = if path.contains("..") {
        None
    } else {
        std::fs::read(dir.join(path.trim_start_matches('/'))).ok()
    };
    let (status, body) = body.map_or((404, b"not found\n".to_vec()), |b| (200, b));
    let _ = write!(
        c,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    for part in body.chunks(if slow { 64 << 10 } else { usize::MAX >> 1 }) {
        if c.write_all(part).is_err() {
            return;
        }
        if slow {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Kills the proxy when dropped, so a failing test leaves no process behind.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary on 127.0.0.1:0; returns it and the address it printed on stderr.
/// Its further stderr is drained into the returned log.
fn start(cache: &Path, up: SocketAddr) -> (Proxy, SocketAddr, std::sync::mpsc::Receiver<String>) {
    let mut child = Proxy(
        Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args([
                "proxy",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--sumdb",
                "off",
            ])
            .arg("--cache-dir")
            .arg(cache)
            .arg("--upstream")
            .arg(format!("http://{up}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no address printed; stderr: {seen:?}"));
        if let Some(rest) = line.split(" on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            return (child, addr, rx);
        }
        seen.push(line);
    }
}

/// (status, body) of a GET.
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
    let mut c = TcpStream::connect(addr).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).unwrap();
    let i = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&out[..i]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, out[i + 4..].to_vec())
}

/// Files in the zip's cache directory: (name, size).
fn zip_dir(cache: &Path) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = std::fs::read_dir(cache.join("example.com/big/@v"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            (n, e.metadata().map(|m| m.len()).unwrap_or(0))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn kill_9_mid_download_then_restart_serves_the_module() {
    // Checked first, so CI fails early without toolchains.
    let goroot = newest_goroot();
    // 8 MiB that deflate cannot shrink.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..8 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let go_mod = format!("module {PATH}\n");
    let zip = make_zip(&[
        (&format!("{PATH}@{VERSION}/go.mod"), go_mod.as_bytes()),
        (&format!("{PATH}@{VERSION}/blob.bin"), &data),
    ]);
    assert!(zip.len() > 8 << 20);
    let up_dir = tempfile::tempdir().unwrap();
    publish(up_dir.path(), PATH, VERSION, go_mod.as_bytes(), &zip);
    let cache = tempfile::tempdir().unwrap();

    // 1. A slow upstream; kill -9 once part of the zip is on disk.
    let (mut child, addr, _log) = start(cache.path(), upstream(up_dir.path(), true));
    let client = std::thread::spawn(move || {
        // The connection dies with the proxy: no response, or an error.
        let mut c = TcpStream::connect(addr).unwrap();
        let _ = write!(
            c,
            "GET {ZIP} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        );
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let partial = loop {
        let tmp = zip_dir(cache.path())
            .into_iter()
            .find(|(n, s)| n.starts_with("v1.0.0.zip.") && *s >= 1 << 20);
        if let Some(t) = tmp {
            break t;
        }
        assert!(
            Instant::now() < deadline,
            "no temp file grew: {:?}",
            zip_dir(cache.path())
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(
        partial.1 < zip.len() as u64,
        "download finished before the kill"
    );
    child.0.kill().unwrap(); // SIGKILL on Unix
    child.0.wait().unwrap();
    let out = client.join().unwrap();
    assert!(
        !out.starts_with(b"HTTP/1.1 200"),
        "killed proxy answered 200: {:?}",
        String::from_utf8_lossy(&out[..out.len().min(200)])
    );
    let left = zip_dir(cache.path());
    assert!(
        !left.iter().any(|(n, _)| n == "v1.0.0.zip"),
        "partial file under the cache name: {left:?}"
    );
    let tmps: Vec<String> = left
        .iter()
        .filter(|(n, _)| n.starts_with("v1.0.0.zip.") && n.ends_with(".tmp"))
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(tmps.len(), 1, "{left:?}");

    // 2. Restart on the same cache with a fast upstream.
    let up_fast = upstream(up_dir.path(), false);
    let (_child, addr, _log) = start(cache.path(), up_fast);
    // The leftover temp file is not a servable name.
    let (status, _) = get(addr, &format!("/example.com/big/@v/{}", tmps[0]));
    assert_eq!(status, 404);
    let (status, body) = get(addr, ZIP);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == zip, "restarted proxy served other bytes");
    assert!(std::fs::read(cache.path().join("example.com/big/@v/v1.0.0.zip")).unwrap() == zip);
    // The killed run's temp file is left alone (not cleaned up at start), and ignored.
    let now = zip_dir(cache.path());
    assert!(now.iter().any(|(n, _)| n == &tmps[0]), "{now:?}");

    // 3. The real go, when available, downloads it through the restarted proxy.
    if let Some((v, goroot)) = goroot {
        let home = tempfile::tempdir().unwrap();
        let envs = [
            ("GOPROXY", format!("http://{addr}")),
            ("GOSUMDB", "off".to_string()),
        ];
        let out = go(
            &goroot,
            home.path(),
            home.path(),
            &envs,
            &["mod", "download", "-json", &format!("{PATH}@{VERSION}")],
        );
        assert!(
            out.status.success(),
            "go {v}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let got = home
            .path()
            .join("modcache/cache/download/example.com/big/@v/v1.0.0.zip");
        assert!(std::fs::read(got).unwrap() == zip, "go {v} got other bytes");
    }
}
