//! A tiny checksum database built here (own Ed25519 key, a few records, hash tiles, a
//! signed tree head) and served over loopback HTTP. The go command must accept it through
//! `GOSUMDB="<key> <url>"`; this crate must verify the same responses; a tampered tile or
//! signature must fail in both.

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use gomedic_gomod::escape::{unescape_path, unescape_version};
use gomedic_gomod::note::{self, NoteVerifier};
use gomedic_gomod::tlog::{self, Hash, Tile, Tree};
use gomedic_gomod::{dirhash, gosum::SumLine};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;

const NAME: &str = "sumdb.gomedic.test";

#[derive(Clone, Copy, PartialEq)]
enum Tamper {
    None,
    Tile,
    Record,
    Signature,
    /// Record 1 rewritten: a tree that does not extend the honest one.
    Fork,
}

struct Db {
    records: Vec<(String, String, String)>,
    leaves: Vec<Hash>,
    note: String,
    tamper: Tamper,
}

/// Modules in the proxy and in the database: (path, version, go.mod, zip).
fn modules() -> Vec<(&'static str, &'static str, String, Vec<u8>)> {
    [
        ("example.com/Upper/Mod", "v1.0.0"),
        ("example.com/a", "v1.0.0"),
        ("example.com/a", "v1.1.0-RC1"),
        ("example.com/inc", "v2.0.0+incompatible"),
        ("example.com/b", "v0.0.0-20240102030405-abcdefabcdef"),
    ]
    .into_iter()
    .map(|(p, v)| {
        let m = format!("module {p}\n");
        let prefix = format!("{p}@{v}/");
        let mut entries = vec![(format!("{prefix}x.go"), format!("package x // {v}\n"))];
        if !v.ends_with("+incompatible") {
            entries.push((format!("{prefix}go.mod"), m.clone()));
        }
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.as_bytes()))
            .collect();
        (p, v, m, make_zip(&refs))
    })
    .collect()
}

fn build_db(key: &SigningKey, tamper: Tamper) -> Db {
    build_db_n(key, tamper, modules().len())
}

fn build_db_n(key: &SigningKey, tamper: Tamper, count: usize) -> Db {
    let mut records = Vec::new();
    for (p, v, m, z) in modules() {
        let text = format!(
            "{}\n{}\n",
            SumLine {
                path: p.into(),
                version: v.into(),
                go_mod: false,
                hash: dirhash::hash_zip(std::io::Cursor::new(z)).unwrap()
            },
            SumLine {
                path: p.into(),
                version: v.into(),
                go_mod: true,
                hash: dirhash::hash_go_mod(m.as_bytes())
            },
        );
        records.push((p.to_string(), v.to_string(), text));
    }
    records.truncate(count);
    if tamper == Tamper::Fork {
        records[1]
            .2
            .push_str("example.com/fork v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    }
    let leaves: Vec<Hash> = records
        .iter()
        .map(|r| tlog::record_hash(r.2.as_bytes()))
        .collect();
    let tree = Tree {
        n: leaves.len() as u64,
        hash: tlog::tree_hash(&leaves),
    };
    let signer = if tamper == Tamper::Signature {
        SigningKey::from_bytes(&[9; 32])
    } else {
        key.clone()
    };
    let note = note::sign(&tree.format(), NAME, &signer);
    Db {
        records,
        leaves,
        note,
        tamper,
    }
}

fn db_tree(leaves: &[Hash]) -> Tree {
    Tree {
        n: leaves.len() as u64,
        hash: tlog::tree_hash(leaves),
    }
}

fn respond(db: &Db, path: &str) -> Option<Vec<u8>> {
    if path == "/latest" {
        return Some(db.note.clone().into_bytes());
    }
    if let Some(rest) = path.strip_prefix("/lookup/") {
        let (p, v) = rest.rsplit_once('@')?;
        let (p, v) = (unescape_path(p).ok()?, unescape_version(v).ok()?);
        let id = db.records.iter().position(|r| r.0 == p && r.1 == v)?;
        let mut text = db.records[id].2.clone();
        if db.tamper == Tamper::Record {
            text = text.replacen("h1:", "h1:A", 1);
        }
        let mut body = tlog::format_record(id as u64, &text);
        body.push_str(&db.note);
        return Some(body.into_bytes());
    }
    if let Some(rest) = path.strip_prefix('/') {
        let tile = Tile::parse_path(rest).ok()?;
        if tile.l < 0 {
            return None;
        }
        let mut b = tlog::tile_bytes(&db.leaves, &tile);
        if db.tamper == Tamper::Tile && !b.is_empty() {
            b[0] ^= 1;
        }
        return Some(b);
    }
    None
}

fn serve(db: Db) -> SocketAddr {
    let db = Arc::new(db);
    gomedic_testkit::path_server(move |path| match respond(&db, path) {
        Some(b) => (200, b),
        None => (404, b"not found\n".to_vec()),
    })
    .addr
}

fn http_get(addr: SocketAddr, path: &str) -> Result<Vec<u8>, String> {
    let mut c = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    c.read_to_end(&mut out).map_err(|e| e.to_string())?;
    let i = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?;
    if !out.starts_with(b"HTTP/1.1 200") {
        return Err(format!("{path}: {}", String::from_utf8_lossy(&out[..i])));
    }
    Ok(out[i + 4..].to_vec())
}

/// This crate as a checksum database client: lookup, signed tree head, tiles.
fn our_lookup(addr: SocketAddr, vkey: &str, path: &str, version: &str) -> Result<String, String> {
    let v = NoteVerifier::parse(vkey)?;
    let req = format!(
        "/lookup/{}@{}",
        gomedic_gomod::escape::escape_path(path)?,
        gomedic_gomod::escape::escape_version(version)?
    );
    let body = http_get(addr, &req)?;
    let (id, text, rest) = tlog::parse_record(&body)?;
    let tree = Tree::parse(note::open(rest, &v)?.as_bytes())?;
    tlog::verify_record_from_tiles(&tree, 8, id, text, |tile| {
        http_get(addr, &format!("/{}", tile.path()))
    })?;
    Ok(String::from_utf8_lossy(text).into_owned())
}

fn go_download(
    goroot: &Path,
    home: &Path,
    proxy: &Path,
    gosumdb: &str,
    target: &str,
) -> (bool, String) {
    std::fs::create_dir_all(home).unwrap();
    let out = go(
        goroot,
        home,
        home,
        &[
            ("GOPROXY", file_url(proxy)),
            ("GOSUMDB", gosumdb.to_string()),
        ],
        &["mod", "download", "-json", target],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn go_and_we_verify_the_same_checksum_database() {
    let roots = goroots();
    let key = SigningKey::from_bytes(&[42; 32]);
    let vkey = NoteVerifier::key_string(NAME, &key.verifying_key());
    let good = serve(build_db(&key, Tamper::None));
    let bad_tile = serve(build_db(&key, Tamper::Tile));
    let bad_sig = serve(build_db(&key, Tamper::Signature));
    let bad_record = serve(build_db(&key, Tamper::Record));
    let small_db = build_db_n(&key, Tamper::None, 3);
    let fork_db = build_db(&key, Tamper::Fork);
    let (small_tree, fork_tree) = (db_tree(&small_db.leaves), db_tree(&fork_db.leaves));
    let small = serve(small_db);
    let fork = serve(fork_db);

    // Consistency of a newer tree head with an older one, from the newer one's tiles.
    let good_tree = {
        let n = http_get(good, "/latest").unwrap();
        let v = NoteVerifier::parse(&vkey).unwrap();
        Tree::parse(note::open(&n, &v).unwrap().as_bytes()).unwrap()
    };
    let read = |addr: SocketAddr| move |t: &Tile| http_get(addr, &format!("/{}", t.path()));
    assert_eq!(
        tlog::verify_tree_from_tiles(&small_tree, &good_tree, 8, read(good)),
        Ok(())
    );
    assert_eq!(
        tlog::verify_tree_from_tiles(&small_tree, &fork_tree, 8, read(fork)),
        Err("verification failed".into())
    );

    for (p, v, m, z) in modules() {
        let text = our_lookup(good, &vkey, p, v).unwrap();
        assert!(text.contains(&dirhash::hash_go_mod(m.as_bytes())));
        assert!(text.contains(&dirhash::hash_zip(std::io::Cursor::new(z)).unwrap()));
        assert_eq!(
            our_lookup(bad_tile, &vkey, p, v).unwrap_err(),
            "downloaded inconsistent tile"
        );
        assert_eq!(
            our_lookup(bad_record, &vkey, p, v).unwrap_err(),
            "cannot authenticate record data in server response"
        );
        assert_eq!(
            our_lookup(bad_sig, &vkey, p, v).unwrap_err(),
            "note has no verifiable signatures"
        );
    }

    for (gover, goroot) in &roots {
        let tmp = tempfile::tempdir().unwrap();
        let proxy = tmp.path().join("proxy");
        for (p, v, m, z) in modules() {
            publish(&proxy, p, v, m.as_bytes(), &z);
        }
        for (p, v, _, _) in modules() {
            let target = format!("{p}@{v}");
            let home = tmp
                .path()
                .join(format!("good-{}", target.replace(['/', '@', '+'], "_")));
            let (ok, out) = go_download(
                goroot,
                &home,
                &proxy,
                &format!("{vkey} http://{good}"),
                &target,
            );
            assert!(
                ok && !out.contains("\"Error\""),
                "go {gover} {target}: {out}"
            );
        }
        let target = "example.com/Upper/Mod@v1.0.0";
        let (ok, out) = go_download(
            goroot,
            &tmp.path().join("tile"),
            &proxy,
            &format!("{vkey} http://{bad_tile}"),
            target,
        );
        assert!(
            out.contains("downloaded inconsistent tile"),
            "go {gover}: {out}"
        );
        assert!(!ok, "go {gover} accepted a tampered tile: {out}");
        let (ok, out) = go_download(
            goroot,
            &tmp.path().join("record"),
            &proxy,
            &format!("{vkey} http://{bad_record}"),
            target,
        );
        assert!(!ok, "go {gover} accepted a tampered record: {out}");
        assert!(
            out.contains("cannot authenticate record data in server response"),
            "go {gover}: {out}"
        );
        let (ok, out) = go_download(
            goroot,
            &tmp.path().join("sig"),
            &proxy,
            &format!("{vkey} http://{bad_sig}"),
            target,
        );
        assert!(!ok, "go {gover} accepted a foreign signature: {out}");
        assert!(
            out.contains("verifiable signatures") || out.contains("invalid signature"),
            "go {gover}: {out}"
        );

        // go caches the tree head it saw (size 3); a later, larger tree must extend it.
        let first = "example.com/Upper/Mod@v1.0.0";
        let last = "example.com/b@v0.0.0-20240102030405-abcdefabcdef";
        for (label, addr, accept) in [("grow", good, true), ("fork", fork, false)] {
            let home = tmp.path().join(label);
            let (ok, out) = go_download(
                goroot,
                &home,
                &proxy,
                &format!("{vkey} http://{small}"),
                first,
            );
            assert!(ok, "go {gover}: {out}");
            let (ok, out) = go_download(
                goroot,
                &home,
                &proxy,
                &format!("{vkey} http://{addr}"),
                last,
            );
            assert_eq!(ok, accept, "go {gover} {label}: {out}");
            if !accept {
                assert!(
                    out.contains("go.sum database server misbehavior detected"),
                    "go {gover}: {out}"
                );
            }
        }
    }
}
