//! `gomedic proxy prefill` from a module cache the real go filled (newest toolchain of
//! GOMEDIC_TEST_GOROOTS), against the test checksum database: the prefilled cache serves
//! go as `GOPROXY=file://` and through a proxy with zero upstream requests; tampered
//! zips are refused; go's bookkeeping files are not copied; a second run copies nothing.

mod common;

use common::*;
use gomedic_proxy::prefill::{find_source, prefill_blocking, PrefillConfig, Report};
use gomedic_proxy::sumdb::SumDb;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const ALL: [&str; 4] = [
    "example.com/Upper/Mod@v1.0.0",
    "example.com/a@v1.1.0-RC1",
    "example.com/inc@v2.0.0+incompatible",
    "example.com/b@v0.0.0-20240102030405-abcdefabcdef",
];

fn run(src: &Path, cache: &Path, db: Option<&Db>, private: &'static str) -> Report {
    let (_, source) = find_source(src).unwrap();
    prefill_blocking(PrefillConfig {
        source,
        cache_dir: cache.to_path_buf(),
        s3: None,
        sumdb: db.map(|d| SumDb::parse(&format!("{} {}", d.vkey, d.server.url())).unwrap()),
        private: Arc::new(move |p: &str| !private.is_empty() && p.starts_with(private)),
        dry_run: false,
        timeout: Duration::from_secs(10),
        log: Arc::new(|_| {}),
    })
    .unwrap()
}

/// The .info/.mod/.zip files of a cache/download directory, relative, sorted.
fn module_files(dir: &Path) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|f| !f.starts_with("sumdb/"))
        .filter(|f| f.ends_with(".info") || f.ends_with(".mod") || f.ends_with(".zip"))
        .collect()
}

fn total_hits(s: &Server) -> usize {
    s.hits.lock().unwrap().values().sum()
}

/// A module cache filled by go: the four fixture modules downloaded, and a go.mod-only
/// version (go reads example.com/single's go.mod for the module graph, not its zip).
fn real_modcache(goroot: &Path, home: &Path, up: &str, db: &Db) -> PathBuf {
    let gosumdb = format!("{} {}", db.vkey, db.server.url());
    let (ok, _, text) = download(goroot, home, up, &gosumdb, &ALL);
    assert!(ok, "{text}");
    let main = home.join("main");
    std::fs::create_dir_all(&main).unwrap();
    std::fs::write(
        main.join("go.mod"),
        "module main\n\ngo 1.21\n\nrequire example.com/single v1.0.0\n",
    )
    .unwrap();
    let out = go(
        goroot,
        home,
        &main,
        &[
            ("GOPROXY", up.to_string()),
            ("GOSUMDB", gosumdb),
            ("GOFLAGS", "-modcacherw -mod=mod".into()),
        ],
        &["mod", "graph"],
    );
    assert!(out.status.success(), "{out:?}");
    home.join("modcache")
}

#[test]
fn prefilled_cache_serves_go_without_upstream() {
    let Some((ver, goroot)) = newest_goroot() else {
        return;
    };
    let mods = modules();
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let tmp = tempfile::tempdir().unwrap();
    let modcache = real_modcache(
        &goroot,
        &tmp.path().join("dev"),
        &file_url(up_dir.path()),
        &db,
    );
    let dl = modcache.join("cache/download");
    let single = dl.join("example.com/single/@v");
    assert!(
        single.join("v1.0.0.mod").exists(),
        "go {ver}: no .mod of the graph-only module"
    );
    assert!(
        !single.join("v1.0.0.zip").exists(),
        "go {ver} downloaded the zip"
    );
    // Leftovers of an interrupted go: never copied.
    let upper = dl.join("example.com/!upper/!mod/@v");
    std::fs::write(upper.join("v1.0.0.partial"), b"").unwrap();
    std::fs::write(upper.join("v1.0.0.zip123456.tmp"), b"junk").unwrap();
    std::fs::write(upper.join("v2.0.0.lock"), b"").unwrap();
    let before = files(&dl);
    assert!(before.iter().any(|f| f.ends_with(".lock")), "{before:?}");
    assert!(before.iter().any(|f| f.ends_with(".ziphash")), "{before:?}");
    assert!(before.iter().any(|f| f.starts_with("sumdb/")), "{before:?}");

    let cache = tmp.path().join("cache");
    let rep = run(&modcache, &cache, Some(&db), "");
    assert!(rep.refused.is_empty() && rep.skipped.is_empty(), "{rep:?}");
    assert!(rep.unverified.is_empty(), "{rep:?}");
    // Besides the module files, only the checksum database's verified tiles and tree head.
    assert_eq!(
        module_files(&cache),
        module_files(&dl),
        "exactly the module files"
    );
    assert!(files(&cache)
        .iter()
        .all(|f| !f.starts_with("sumdb/") || f.contains("/tile/") || f.ends_with("/latest")));
    assert_eq!(rep.copied.len(), module_files(&dl).len());
    assert!(rep.ignored_files >= 3, "{rep:?}");
    assert_eq!(
        rep.bytes,
        module_files(&dl)
            .iter()
            .map(|f| std::fs::metadata(dl.join(f)).unwrap().len())
            .sum::<u64>()
    );
    assert!(files(&cache).contains(&"example.com/single/@v/v1.0.0.mod".to_string()));
    assert!(!files(&cache)
        .iter()
        .any(|f| f.starts_with("example.com/single/@v/v1.0.0.zip")));

    // The prefilled cache is a GOPROXY=file:// on its own.
    let gosumdb = format!("{} {}", db.vkey, db.server.url());
    let (ok, json, text) = download(
        &goroot,
        &tmp.path().join("h1"),
        &file_url(&cache),
        &gosumdb,
        &ALL,
    );
    assert!(ok, "go {ver} from file://prefilled: {text}");
    assert_eq!(json.len(), ALL.len());
    // A proxy on it answers go without asking its upstream once.
    let up = file_upstream(up_dir.path(), Some(500));
    let proxy = start_proxy(&cache, &up.url(), Some((&db.vkey, db.server.url())));
    let (ok, json, text) = download(
        &goroot,
        &tmp.path().join("h2"),
        &proxy.url(),
        &gosumdb,
        &ALL,
    );
    assert!(
        ok,
        "go {ver} through a proxy on the prefilled cache: {text}"
    );
    assert_eq!(json.len(), ALL.len());
    assert_eq!(
        total_hits(&up),
        0,
        "upstream asked: {:?}",
        up.hits.lock().unwrap()
    );

    // Again: nothing to copy.
    let again = run(&modcache, &cache, Some(&db), "");
    assert!(again.copied.is_empty(), "{again:?}");
    assert_eq!(again.present as usize, rep.copied.len());
}

#[test]
fn tampered_and_private_modules() {
    let Some((ver, goroot)) = newest_goroot() else {
        return;
    };
    let mods = modules();
    let db = sumdb(&mods);
    let private = module("example.com/private", "v1.0.0", "private");
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    publish_all(up_dir.path(), std::slice::from_ref(&private));
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("dev");
    let gosumdb = format!("{} {}", db.vkey, db.server.url());
    let (ok, _, text) = download(
        &goroot,
        &home,
        &file_url(up_dir.path()),
        &gosumdb,
        &["example.com/tamper@v1.0.0", "example.com/single@v1.0.0"],
    );
    assert!(ok, "{text}");
    let (ok, _, text) = download(
        &goroot,
        &home,
        &file_url(up_dir.path()),
        "off",
        &["example.com/private@v1.0.0"],
    );
    assert!(ok, "go {ver}: {text}");
    let modcache = home.join("modcache");
    let v = modcache.join("cache/download/example.com/tamper/@v");
    let evil = module("example.com/tamper", "v1.0.0", "tampered").3;
    std::fs::write(v.join("v1.0.0.zip"), &evil).unwrap();

    // The zip no longer matches go's own .ziphash.
    let cache = tmp.path().join("c1");
    let rep = run(&modcache, &cache, Some(&db), "");
    let refused: Vec<_> = rep
        .refused
        .iter()
        .map(|e| (e.module.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(refused.len(), 1, "{rep:?}");
    assert_eq!(refused[0].0, "example.com/tamper");
    assert!(refused[0].1.contains(".ziphash"), "{refused:?}");
    assert!(
        !files(&cache).iter().any(|f| f.contains("tamper")),
        "{:?}",
        files(&cache)
    );
    // The private module is unknown to the database: skipped and said so.
    assert_eq!(rep.skipped.len(), 1, "{rep:?}");
    assert_eq!(rep.skipped[0].module, "example.com/private");
    assert!(rep.skipped[0].reason.contains("--private"), "{rep:?}");
    assert!(files(&cache).contains(&"example.com/single/@v/v1.0.0.zip".to_string()));

    // .ziphash rewritten to match: the checksum database still catches it.
    std::fs::write(v.join("v1.0.0.ziphash"), zip_hash(&evil)).unwrap();
    let rep = run(
        &modcache,
        &tmp.path().join("c2"),
        Some(&db),
        "example.com/private",
    );
    assert_eq!(rep.refused.len(), 1, "{rep:?}");
    assert!(
        rep.refused[0].reason.contains("checksum mismatch")
            && rep.refused[0].reason.contains("checksum database"),
        "{rep:?}"
    );
    // --private: copied without asking the database, and listed as such.
    assert!(rep.skipped.is_empty(), "{rep:?}");
    assert_eq!(
        rep.unverified,
        vec!["example.com/private@v1.0.0 (--private)".to_string()]
    );
    assert!(
        files(&tmp.path().join("c2")).contains(&"example.com/private/@v/v1.0.0.zip".to_string())
    );

    // --sumdb off copies what the .ziphash agrees with: that is what "off" means.
    let rep = run(&modcache, &tmp.path().join("c3"), None, "");
    assert!(rep.refused.is_empty(), "{rep:?}");
    assert_eq!(rep.unverified.len(), 3, "{rep:?}");
    // A zip go would refuse (wrong prefix) is refused even then.
    let bad = make_zip(&[("other@v1.0.0/x.go", b"package x\n")]);
    std::fs::write(v.join("v1.0.0.zip"), &bad).unwrap();
    std::fs::write(v.join("v1.0.0.ziphash"), zip_hash(&bad)).unwrap();
    let rep = run(&modcache, &tmp.path().join("c4"), None, "");
    assert_eq!(rep.refused.len(), 1, "{rep:?}");
    assert!(
        rep.refused[0].reason.contains("invalid module zip"),
        "{rep:?}"
    );
    assert!(!files(&tmp.path().join("c4"))
        .iter()
        .any(|f| f.contains("tamper") || f.ends_with(".tmp")));
}
