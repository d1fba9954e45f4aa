//! The checksum database side of the proxy against a test database served here (its own
//! key, trees of a few hundred records so that full tiles exist): failover from a dead or
//! failing database URL to a mirror with the real go verifying through the passthrough,
//! verified full tiles stored and never fetched twice, and forks refused (by the proxy and,
//! on the same database, by go itself).

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use gomedic_gomod::dirhash;
use gomedic_gomod::escape::{unescape_path, unescape_version};
use gomedic_gomod::note::{self, NoteVerifier};
use gomedic_gomod::tlog::{self, Hash, Tile, Tree};
use gomedic_proxy::{parse_upstreams, sumdb::SumDb, Config, Proxy};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Indexes of the fixture modules in the test tree: five in the first (full) tile.
const AT: [usize; 6] = [5, 10, 20, 30, 40, 300];
const SIZE: usize = 310;

/// (path, version, record text)
type Record = (String, String, String);

fn records(mods: &[Module], size: usize) -> Vec<Record> {
    let mut out: Vec<Record> = (0..size)
        .map(|i| {
            let p = format!("example.com/filler{i}");
            let h = format!("h1:{:0>43}=", i);
            (p.clone(), "v1.0.0".into(), format!("{p} v1.0.0 {h}\n"))
        })
        .collect();
    for ((p, v, m, z), &i) in mods.iter().zip(AT.iter()) {
        let text = format!(
            "{p} {v} {}\n{p} {v}/go.mod {}\n",
            zip_hash(z),
            dirhash::hash_go_mod(m.as_bytes())
        );
        out[i] = (p.clone(), v.clone(), text);
    }
    out
}

struct State {
    records: Vec<Record>,
    leaves: Vec<Hash>,
    signed: String,
}

/// A checksum database whose records can be replaced while it runs (to fork it).
struct TestDb {
    key: SigningKey,
    vkey: String,
    state: Arc<Mutex<State>>,
    server: Server,
}

impl TestDb {
    fn new(recs: Vec<Record>) -> TestDb {
        TestDb::with_key(recs, [7; 32])
    }

    fn with_key(recs: Vec<Record>, seed: [u8; 32]) -> TestDb {
        let key = SigningKey::from_bytes(&seed);
        let vkey = NoteVerifier::key_string(DB_NAME, &key.verifying_key());
        let state = Arc::new(Mutex::new(State {
            records: Vec::new(),
            leaves: Vec::new(),
            signed: String::new(),
        }));
        let s2 = state.clone();
        let server = serve(move |path| {
            let st = s2.lock().unwrap();
            respond(&st, path).map_or((404, b"not found\n".to_vec()), |b| (200, b))
        });
        let db = TestDb {
            key,
            vkey,
            state,
            server,
        };
        db.set(recs);
        db
    }

    fn set(&self, recs: Vec<Record>) {
        let leaves: Vec<Hash> = recs
            .iter()
            .map(|r| tlog::record_hash(r.2.as_bytes()))
            .collect();
        let tree = Tree {
            n: leaves.len() as u64,
            hash: tlog::tree_hash(&leaves),
        };
        let signed = note::sign(&tree.format(), DB_NAME, &self.key);
        *self.state.lock().unwrap() = State {
            records: recs,
            leaves,
            signed,
        };
    }

    fn signed(&self) -> String {
        self.state.lock().unwrap().signed.clone()
    }

    /// Requests for tiles at this level and index, partial or full.
    fn tile_hits(&self, level_index: &str) -> usize {
        self.server
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("/tile/8/{level_index}")))
            .map(|(_, n)| n)
            .sum()
    }
}

fn respond(st: &State, path: &str) -> Option<Vec<u8>> {
    if path == "/latest" {
        return Some(st.signed.as_bytes().to_vec());
    }
    if let Some(rest) = path.strip_prefix("/lookup/") {
        let (p, v) = rest.rsplit_once('@')?;
        let (p, v) = (unescape_path(p).ok()?, unescape_version(v).ok()?);
        let id = st.records.iter().position(|r| r.0 == p && r.1 == v)?;
        let mut body = tlog::format_record(id as u64, &st.records[id].2);
        body.push_str(&st.signed);
        return Some(body.into_bytes());
    }
    let tile = Tile::parse_path(path.strip_prefix('/')?).ok()?;
    let b = (tile.l >= 0).then(|| tlog::tile_bytes(&st.leaves, &tile))?;
    (!b.is_empty()).then_some(b)
}

fn start(cache: &Path, upstream: &str, db: SumDb) -> Running {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let l2 = log.clone();
    let access: Arc<Mutex<Vec<String>>> = Arc::default();
    let a2 = access.clone();
    let cfg = Config {
        cache_dir: cache.to_path_buf(),
        s3: None,
        upstreams: parse_upstreams(upstream).unwrap(),
        sumdb: Some(db),
        timeout: Duration::from_secs(20),
        list_ttl: Duration::from_secs(60),
        log: Arc::new(move |m| l2.lock().unwrap().push(m.to_string())),
        access_log: Arc::new(move |m| a2.lock().unwrap().push(m.to_string())),
        max_upstream: 16,
        memory_cache: 32 << 20,
        direct: None,
    };
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

fn sumdb_cfg(vkey: &str, url: &str, mirrors: &[String]) -> SumDb {
    SumDb::parse(&format!("{vkey} {url}"))
        .unwrap()
        .with_mirrors(mirrors)
        .unwrap()
}

fn mod_path(m: &Module) -> String {
    let (p, v, _, _) = m;
    format!(
        "/{}/@v/{}.mod",
        gomedic_gomod::escape::escape_path(p).unwrap(),
        gomedic_gomod::escape::escape_version(v).unwrap()
    )
}

const ALL: [&str; 4] = [
    "example.com/Upper/Mod@v1.0.0",
    "example.com/a@v1.1.0-RC1",
    "example.com/inc@v2.0.0+incompatible",
    "example.com/b@v0.0.0-20240102030405-abcdefabcdef",
];

#[test]
fn a_dead_or_failing_database_url_fails_over_to_the_mirror_and_go_still_verifies() {
    let mods = modules();
    let db = TestDb::new(records(&mods, SIZE));
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up = file_upstream(up_dir.path(), None);
    let failing = serve(|_| (500, b"database on fire\n".to_vec()));
    let dead = format!("http://{}", gomedic_testkit::refused_addr());
    let gos = goroots();
    assert!(!gos.is_empty(), "no go toolchains");
    for (primary, what) in [(dead.clone(), "refused"), (failing.url(), "500")] {
        for (ver, goroot) in &gos {
            let tmp = tempfile::tempdir().unwrap();
            let proxy = start(
                &tmp.path().join("cache"),
                &up.url(),
                sumdb_cfg(&db.vkey, &primary, &[db.server.url()]),
            );
            // GOSUMDB without a URL: go verifies through the proxy's /sumdb/ passthrough.
            let (ok, json, text) =
                download(goroot, &tmp.path().join("h"), &proxy.url(), &db.vkey, &ALL);
            assert!(ok, "go {ver}, database URL {what}: {text}");
            assert_eq!(json.len(), ALL.len(), "{text}");
            let log = proxy.log.lock().unwrap().join("\n");
            assert!(
                log.contains("trying http://127.0.0.1"),
                "the failover is logged: {log}"
            );
        }
    }
    assert!(failing.hits.lock().unwrap().values().sum::<usize>() > 0);
    // Without the mirror the same proxy cannot verify anything: the failover is what works.
    let tmp = tempfile::tempdir().unwrap();
    let proxy = start(
        &tmp.path().join("cache"),
        &up.url(),
        sumdb_cfg(&db.vkey, &dead, &[]),
    );
    let (status, body) = http_get(proxy.addr, &mod_path(&mods[0]));
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
    let (status, body) = http_get(
        proxy.addr,
        &format!("/sumdb/{DB_NAME}/lookup/example.com/a@v1.1.0-!r!c1"),
    );
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn a_bad_answer_is_refused_not_failed_over() {
    let mods = modules();
    // The database URL answers with another key's signatures: a refusal, not an outage.
    let good = TestDb::new(records(&mods, SIZE));
    let impostor = TestDb::with_key(records(&mods, SIZE), [9; 32]);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up = file_upstream(up_dir.path(), None);
    let tmp = tempfile::tempdir().unwrap();
    let proxy = start(
        &tmp.path().join("cache"),
        &up.url(),
        sumdb_cfg(&good.vkey, &impostor.server.url(), &[good.server.url()]),
    );
    let (status, body) = http_get(proxy.addr, &mod_path(&mods[0]));
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("no verifiable signatures"), "{body}");
    assert_eq!(
        good.server.hits.lock().unwrap().values().sum::<usize>(),
        0,
        "the mirror is not asked after a verification failure"
    );
}

#[test]
fn verified_full_tiles_are_stored_and_never_fetched_again() {
    let mods = modules();
    let db = TestDb::new(records(&mods, SIZE));
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up = file_upstream(up_dir.path(), None);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let cfg = || sumdb_cfg(&db.vkey, &db.server.url(), &[]);
    let proxy = start(&cache, &up.url(), cfg());
    for m in &mods[..2] {
        let (status, body) = http_get(proxy.addr, &mod_path(m));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
    assert_eq!(
        db.server.count("/tile/8/0/000"),
        1,
        "{:?}",
        db.server.hits.lock().unwrap()
    );
    let partial_before = db.tile_hits("0/001.p/");
    assert_eq!(partial_before, 1, "partial tiles are kept in memory");
    // The layout go uses in GOMODCACHE/cache/download; no `supported` file, so the cache
    // directory still sends a GOPROXY=file:// client to the database itself.
    let name_dir = cache.join("sumdb").join(DB_NAME);
    let stored = files(&name_dir);
    assert_eq!(stored, vec!["latest", "tile/8/0/000"], "{stored:?}");
    assert_eq!(
        std::fs::read_to_string(name_dir.join("latest")).unwrap(),
        db.signed()
    );
    assert_eq!(
        std::fs::read(name_dir.join("tile/8/0/000")).unwrap().len(),
        8192
    );
    // A restarted proxy on the same cache: the stored tile is used, partial ones fetched.
    let again = start(&cache, &up.url(), cfg());
    let (status, _) = http_get(again.addr, &mod_path(&mods[2]));
    assert_eq!(status, 200);
    assert_eq!(db.server.count("/tile/8/0/000"), 1);
    assert!(db.tile_hits("0/001.p/") > partial_before);
    // The passthrough serves the stored tile, and partial tiles cut from it.
    let (status, body) = http_get(again.addr, &format!("/sumdb/{DB_NAME}/tile/8/0/000"));
    assert_eq!((status, body.len()), (200, 8192));
    let (status, body) = http_get(again.addr, &format!("/sumdb/{DB_NAME}/tile/8/0/000.p/7"));
    assert_eq!((status, body.len()), (200, 7 * 32));
    assert_eq!(db.server.count("/tile/8/0/000"), 1);
    assert_eq!(db.server.count("/tile/8/0/000.p/7"), 0);
    // The real go verifies through the passthrough without the full tile being fetched.
    let (ver, goroot) = newest_goroot().expect("no go toolchains");
    let (ok, _, text) = download(&goroot, &tmp.path().join("h"), &again.url(), &db.vkey, &ALL);
    assert!(ok, "go {ver}: {text}");
    assert_eq!(db.server.count("/tile/8/0/000"), 1);
    // The cache directory works as a file:// proxy (with the database named in GOSUMDB).
    let (ok, _, text) = download(
        &goroot,
        &tmp.path().join("h2"),
        &file_url(&cache),
        &format!("{} {}", db.vkey, db.server.url()),
        &ALL,
    );
    assert!(ok, "go {ver} from file://cache: {text}");
}

#[test]
fn a_forked_database_is_refused_and_go_refuses_it_too() {
    let mods = modules();
    let base = records(&mods, SIZE);
    let db = TestDb::new(base.clone());
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up = file_upstream(up_dir.path(), None);
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let proxy = start(
        &cache,
        &up.url(),
        sumdb_cfg(&db.vkey, &db.server.url(), &[]),
    );
    let latest = cache.join("sumdb").join(DB_NAME).join("latest");
    let get = |m: &Module| {
        let (s, b) = http_get(proxy.addr, &mod_path(m));
        (s, String::from_utf8_lossy(&b).to_string())
    };
    assert_eq!(get(&mods[0]).0, 200);
    let remembered = db.signed();
    assert_eq!(std::fs::read_to_string(&latest).unwrap(), remembered);

    // The same size, another record: a different tree.
    let mut forked = base.clone();
    forked[100].2 = "example.com/filler100 v1.0.0 h1:forked=\n".into();
    db.set(forked.clone());
    let (status, body) = get(&mods[1]);
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("SECURITY ERROR"), "{body}");
    assert!(body.contains(&format!("size {SIZE}")), "{body}");
    // The passthrough refuses it the same way.
    let (status, b) = http_get(
        proxy.addr,
        &format!("/sumdb/{DB_NAME}/lookup/example.com/a@v1.1.0-!r!c1"),
    );
    assert_eq!(status, 502, "{}", String::from_utf8_lossy(&b));

    // A bigger tree that does not extend the remembered one.
    let mut grown_fork = forked.clone();
    grown_fork.extend(records(&[], 20).into_iter().skip(10));
    db.set(grown_fork);
    let (status, body) = get(&mods[2]);
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("not consistent"), "{body}");
    assert_eq!(
        std::fs::read_to_string(&latest).unwrap(),
        remembered,
        "a fork never replaces the remembered tree head"
    );
    let log = proxy.log.lock().unwrap().join("\n");
    assert!(log.contains("SECURITY ERROR"), "{log}");
    let (_, metrics) = http_get(proxy.addr, "/metrics");
    let metrics = String::from_utf8_lossy(&metrics);
    assert!(
        metrics.contains("gomedic_proxy_verification_failures_total 3"),
        "{metrics}"
    );

    // A real extension is accepted and remembered; the old tree (a prefix) still verifies.
    let mut grown = base.clone();
    grown.extend(records(&[], 20).into_iter().skip(10));
    db.set(grown);
    let (status, body) = get(&mods[3]);
    assert_eq!(status, 200, "{body}");
    let newer = db.signed();
    assert_eq!(std::fs::read_to_string(&latest).unwrap(), newer);
    db.set(base.clone());
    let (status, body) = get(&mods[4]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(std::fs::read_to_string(&latest).unwrap(), newer);

    // go itself, against the same database: after one verified download, the fork is
    // refused as misbehaviour.
    let (ver, goroot) = newest_goroot().expect("no go toolchains");
    let home = tmp.path().join("go-home");
    let gosumdb = format!("{} {}", db.vkey, db.server.url());
    let (ok, _, text) = download(
        &goroot,
        &home,
        &file_url(up_dir.path()),
        &gosumdb,
        &[ALL[0]],
    );
    assert!(ok, "go {ver}: {text}");
    db.set(forked);
    let (ok, _, text) = download(
        &goroot,
        &home,
        &file_url(up_dir.path()),
        &gosumdb,
        &[ALL[1]],
    );
    assert!(!ok, "go {ver} accepted a forked database: {text}");
    assert!(text.contains("SECURITY ERROR"), "go {ver}: {text}");
}
