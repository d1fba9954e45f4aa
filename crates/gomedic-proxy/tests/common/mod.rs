//! Test fixtures: module zips and the go toolchains from gomedic-gomod's differential
//! tests, a small signed checksum database, loopback HTTP upstreams that count requests,
//! and the proxy started in-process.
#![allow(dead_code)]

#[path = "../../../gomedic-gomod/tests/common/mod.rs"]
mod gomod;

#[allow(unused_imports)]
pub use gomod::{file_url, go, goroots, make_zip, newest_goroot, publish, write_list};

use ed25519_dalek::SigningKey;
use gomedic_gomod::escape::{unescape_path, unescape_version};
use gomedic_gomod::note::{self, NoteVerifier};
use gomedic_gomod::tlog::{self, Hash, Tile, Tree};
use gomedic_gomod::{dirhash, gosum::SumLine};
use gomedic_proxy::{parse_upstreams, sumdb::SumDb, Config, Proxy};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const DB_NAME: &str = "sumdb.gomedic.test";

/// (path, version, go.mod, zip)
pub type Module = (String, String, String, Vec<u8>);

pub fn module(path: &str, version: &str, note: &str) -> Module {
    let m = format!("module {path}\n");
    let prefix = format!("{path}@{version}/");
    let mut entries = vec![(format!("{prefix}x.go"), format!("package x // {note}\n"))];
    if !version.ends_with("+incompatible") {
        entries.push((format!("{prefix}go.mod"), m.clone()));
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_bytes()))
        .collect();
    (path.into(), version.into(), m, make_zip(&refs))
}

pub fn modules() -> Vec<Module> {
    [
        ("example.com/Upper/Mod", "v1.0.0"),
        ("example.com/a", "v1.1.0-RC1"),
        ("example.com/inc", "v2.0.0+incompatible"),
        ("example.com/b", "v0.0.0-20240102030405-abcdefabcdef"),
        ("example.com/single", "v1.0.0"),
        ("example.com/tamper", "v1.0.0"),
    ]
    .into_iter()
    .map(|(p, v)| module(p, v, v))
    .collect()
}

pub fn zip_hash(z: &[u8]) -> String {
    dirhash::hash_zip(std::io::Cursor::new(z)).unwrap()
}

pub use gomedic_testkit::{path_server as serve, PathServer as Server};

/// A GOPROXY upstream serving `dir`; `status` set: every request answered with it.
pub fn file_upstream(dir: &Path, status: Option<u16>) -> Server {
    let dir = dir.to_path_buf();
    serve(move |path| {
        if let Some(s) = status {
            return (s, b"forced\n".to_vec());
        }
        if path.contains("..") {
            return (404, b"not found\n".to_vec());
        }
        match std::fs::read(dir.join(path.trim_start_matches('/'))) {
            Ok(b) => (200, b),
            Err(_) => (404, b"not found\n".to_vec()),
        }
    })
}

pub fn publish_all(dir: &Path, mods: &[Module]) {
    for (p, v, m, z) in mods {
        publish(dir, p, v, m.as_bytes(), z);
    }
}

/// A checksum database holding one record per module, its verifier key and server.
pub struct Db {
    pub vkey: String,
    pub server: Server,
}

pub fn sumdb(mods: &[Module]) -> Db {
    let key = SigningKey::from_bytes(&[7; 32]);
    let mut records = Vec::new();
    for (p, v, m, z) in mods {
        let line = |go_mod, hash| SumLine {
            path: p.clone(),
            version: v.clone(),
            go_mod,
            hash,
        };
        let text = format!(
            "{}\n{}\n",
            line(false, zip_hash(z)),
            line(true, dirhash::hash_go_mod(m.as_bytes()))
        );
        records.push((p.clone(), v.clone(), text));
    }
    let leaves: Vec<Hash> = records
        .iter()
        .map(|r| tlog::record_hash(r.2.as_bytes()))
        .collect();
    let tree = Tree {
        n: leaves.len() as u64,
        hash: tlog::tree_hash(&leaves),
    };
    let signed = note::sign(&tree.format(), DB_NAME, &key);
    let vkey = NoteVerifier::key_string(DB_NAME, &key.verifying_key());
    let server = serve(move |path| {
        let found = respond(&records, &leaves, &signed, path);
        found.map_or((404, b"not found\n".to_vec()), |b| (200, b))
    });
    Db { vkey, server }
}

fn respond(
    records: &[(String, String, String)],
    leaves: &[Hash],
    signed: &str,
    path: &str,
) -> Option<Vec<u8>> {
    if path == "/latest" {
        return Some(signed.as_bytes().to_vec());
    }
    if let Some(rest) = path.strip_prefix("/lookup/") {
        let (p, v) = rest.rsplit_once('@')?;
        let (p, v) = (unescape_path(p).ok()?, unescape_version(v).ok()?);
        let id = records.iter().position(|r| r.0 == p && r.1 == v)?;
        let mut body = tlog::format_record(id as u64, &records[id].2);
        body.push_str(signed);
        return Some(body.into_bytes());
    }
    let tile = Tile::parse_path(path.strip_prefix('/')?).ok()?;
    (tile.l >= 0).then(|| tlog::tile_bytes(leaves, &tile))
}

/// The proxy in-process on 127.0.0.1:0; its log lines are collected.
pub struct Running {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Vec<String>>>,
    /// Access-log lines, one per request.
    pub access: Arc<Mutex<Vec<String>>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

pub fn start_proxy(cache: &Path, upstreams: &str, db: Option<(&str, String)>) -> Running {
    start_proxy_ttl(cache, upstreams, db, Duration::from_secs(60))
}

pub fn start_proxy_ttl(
    cache: &Path,
    upstreams: &str,
    db: Option<(&str, String)>,
    list_ttl: Duration,
) -> Running {
    start_proxy_with(cache, None, upstreams, db, list_ttl)
}

/// With `s3`, the cache is that bucket and `cache` only scratch space.
pub fn start_proxy_with(
    cache: &Path,
    s3: Option<gomedic_proxy::storage::S3>,
    upstreams: &str,
    db: Option<(&str, String)>,
    list_ttl: Duration,
) -> Running {
    start_proxy_full(cache, s3, upstreams, db, list_ttl, None)
}

/// With `direct`, paths matching its patterns are fetched by go from version control.
pub fn start_proxy_full(
    cache: &Path,
    s3: Option<gomedic_proxy::storage::S3>,
    upstreams: &str,
    db: Option<(&str, String)>,
    list_ttl: Duration,
    direct: Option<gomedic_proxy::direct::DirectConfig>,
) -> Running {
    start_proxy_cfg(cache, s3, upstreams, db, list_ttl, move |c| {
        c.direct = direct
    })
}

/// Like `start_proxy_with`, with a last say over the configuration.
pub fn start_proxy_cfg(
    cache: &Path,
    s3: Option<gomedic_proxy::storage::S3>,
    upstreams: &str,
    db: Option<(&str, String)>,
    list_ttl: Duration,
    tweak: impl FnOnce(&mut Config),
) -> Running {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let l2 = log.clone();
    let access: Arc<Mutex<Vec<String>>> = Arc::default();
    let a2 = access.clone();
    let mut cfg = Config {
        cache_dir: cache.to_path_buf(),
        s3,
        upstreams: parse_upstreams(upstreams).unwrap(),
        sumdb: db.map(|(k, u)| SumDb::parse(&format!("{k} {u}")).unwrap()),
        timeout: Duration::from_secs(20),
        list_ttl,
        log: Arc::new(move |m| l2.lock().unwrap().push(m.to_string())),
        access_log: Arc::new(move |m| a2.lock().unwrap().push(m.to_string())),
        max_upstream: 16,
        memory_cache: 32 << 20,
        direct: None,
    };
    tweak(&mut cfg);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            let _ = Proxy::new(cfg).serve(l).await;
        });
    });
    Running {
        addr: rx.recv().unwrap(),
        log,
        access,
    }
}

/// (status, body) of a GET.
pub fn http_get(addr: SocketAddr, path: &str) -> (u16, Vec<u8>) {
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

/// Every file under `dir`, relative, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p: PathBuf = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

pub fn download(
    goroot: &Path,
    home: &Path,
    goproxy: &str,
    gosumdb: &str,
    mods: &[&str],
) -> (bool, Vec<serde_json::Value>, String) {
    std::fs::create_dir_all(home).unwrap();
    let mut args = vec!["mod", "download", "-json"];
    args.extend_from_slice(mods);
    let out = go(
        goroot,
        home,
        home,
        &[
            ("GOPROXY", goproxy.to_string()),
            ("GOSUMDB", gosumdb.to_string()),
        ],
        &args,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::Deserializer::from_str(&stdout)
        .into_iter::<serde_json::Value>()
        .map(|v| v.unwrap())
        .collect();
    let text = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    (out.status.success(), json, text)
}
