//! The go command is the oracle: real `go mod download` through the proxy, whose
//! upstreams are loopback file servers of fixture modules and whose checksum database is
//! built here.

mod common;

use common::*;
use gomedic_gomod::dirhash;
use std::time::Duration;

const ALL: [&str; 4] = [
    "example.com/Upper/Mod@v1.0.0",
    "example.com/a@v1.1.0-RC1",
    "example.com/inc@v2.0.0+incompatible",
    "example.com/b@v0.0.0-20240102030405-abcdefabcdef",
];

#[test]
fn go_downloads_through_the_proxy_and_the_cache_works_as_file_proxy() {
    let mods = modules();
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up = file_upstream(up_dir.path(), None);
    for (ver, goroot) in goroots() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let proxy = start_proxy(&cache, &up.url(), Some((&db.vkey, db.server.url())));
        // No URL in GOSUMDB and a name that does not resolve: go can only reach the
        // database through the proxy's /sumdb/ passthrough.
        let (ok, json, text) = download(
            &goroot,
            &tmp.path().join("h1"),
            &proxy.url(),
            &db.vkey,
            &ALL,
        );
        assert!(ok, "go {ver} through the proxy: {text}");
        assert_eq!(json.len(), ALL.len(), "{text}");
        for j in &json {
            assert!(j.get("Error").is_none(), "go {ver}: {j}");
            let (p, v) = (j["Path"].as_str().unwrap(), j["Version"].as_str().unwrap());
            let (_, _, m, z) = mods.iter().find(|m| m.0 == p && m.1 == v).unwrap();
            assert_eq!(j["Sum"].as_str().unwrap(), zip_hash(z), "go {ver} {p}@{v}");
            assert_eq!(
                j["GoModSum"].as_str().unwrap(),
                dirhash::hash_go_mod(m.as_bytes())
            );
        }
        assert!(
            proxy.log.lock().unwrap().is_empty(),
            "{:?}",
            proxy.log.lock().unwrap()
        );
        let cached = files(&cache);
        assert!(
            cached.iter().all(|f| !f.ends_with(".tmp")),
            "go {ver}: {cached:?}"
        );
        assert!(
            cached.contains(&"example.com/!upper/!mod/@v/v1.0.0.zip".to_string()),
            "{cached:?}"
        );
        // The cache directory is a GOPROXY=file:// proxy on its own.
        let (ok, json, text) = download(
            &goroot,
            &tmp.path().join("h2"),
            &file_url(&cache),
            &format!("{} {}", db.vkey, db.server.url()),
            &ALL,
        );
        assert!(ok, "go {ver} from file://cache: {text}");
        assert_eq!(json.len(), ALL.len());
    }
}

#[test]
fn tampered_zip_is_refused_and_not_cached() {
    let mods = modules();
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    let mut bad = mods.clone();
    for m in bad.iter_mut().filter(|m| m.0 == "example.com/tamper") {
        m.3 = module(&m.0, &m.1, "tampered").3;
    }
    publish_all(up_dir.path(), &bad);
    let up = file_upstream(up_dir.path(), None);
    for (ver, goroot) in goroots() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = tmp.path().join("cache");
        let proxy = start_proxy(&cache, &up.url(), Some((&db.vkey, db.server.url())));
        let (ok, _, text) = download(
            &goroot,
            &tmp.path().join("h"),
            &proxy.url(),
            &db.vkey,
            &["example.com/tamper@v1.0.0"],
        );
        assert!(!ok, "go {ver} accepted a tampered zip: {text}");
        // go shows the proxy's 502 body.
        assert!(
            text.contains("checksum mismatch") && text.contains("gomedic proxy: refused"),
            "go {ver}: {text}"
        );
        let cached = files(&cache);
        assert!(
            !cached
                .iter()
                .any(|f| f.ends_with(".zip") || f.ends_with(".tmp")),
            "go {ver}: {cached:?}"
        );
        let log = proxy.log.lock().unwrap().join("\n");
        assert!(
            log.contains("refused") && log.contains("checksum mismatch"),
            "{log}"
        );
    }
}

#[test]
fn upstream_failover_follows_comma_and_pipe() {
    let mods = modules();
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let good = file_upstream(up_dir.path(), None);
    let missing = file_upstream(up_dir.path(), Some(404));
    let broken = file_upstream(up_dir.path(), Some(500));
    let dbu = || Some((db.vkey.as_str(), db.server.url()));
    let info = "/example.com/a/@v/v1.1.0-!r!c1.info";
    let zip = "/example.com/a/@v/v1.1.0-%21r%21c1.zip";
    for (list, want) in [
        (format!("{},{}", missing.url(), good.url()), 200),
        (format!("{},{}", broken.url(), good.url()), 502),
        (format!("{}|{}", broken.url(), good.url()), 200),
        (format!("{}|{}", missing.url(), missing.url()), 404),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let proxy = start_proxy(tmp.path(), &list, dbu());
        for p in [info, zip] {
            let (status, body) = http_get(proxy.addr, p);
            assert_eq!(
                status,
                want,
                "{list} {p}: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
}

#[test]
fn concurrent_requests_make_one_upstream_fetch() {
    let mods = modules();
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up = file_upstream(up_dir.path(), None);
    let tmp = tempfile::tempdir().unwrap();
    let proxy = start_proxy(tmp.path(), &up.url(), Some((&db.vkey, db.server.url())));
    let path = "/example.com/single/@v/v1.0.0.zip";
    let addr = proxy.addr;
    let threads: Vec<_> = (0..20)
        .map(|_| std::thread::spawn(move || http_get(addr, path)))
        .collect();
    let want = &mods.iter().find(|m| m.0 == "example.com/single").unwrap().3;
    for t in threads {
        let (status, body) = t.join().unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert_eq!(&body, want);
    }
    assert_eq!(up.count(path), 1);
}

#[test]
fn bad_requests_get_short_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let up = file_upstream(tmp.path(), Some(404));
    let proxy = start_proxy(&tmp.path().join("c"), &up.url(), None);
    for (p, want) in [
        ("/x", 404),
        ("/example.com/a/@v/master.zip", 404),
        ("/example.com/../x/@v/v1.0.0.zip", 404),
        ("/example.com/%zz/@v/list", 404),
        ("/sumdb/sum.golang.org/supported", 404),
        ("/example.com/a/@v/v1.0.0.info", 404),
    ] {
        let (status, body) = http_get(proxy.addr, p);
        assert_eq!(status, want, "{p}");
        assert!(body.len() < 700 && body.ends_with(b"\n"), "{p}");
    }
    let long = format!("/{}", "a".repeat(10_000));
    assert_eq!(http_get(proxy.addr, &long).0, 404);
}

#[test]
fn lists_are_refreshed_after_the_ttl_and_served_stale_when_upstreams_fail() {
    let up_dir = tempfile::tempdir().unwrap();
    write_list(up_dir.path(), "example.com/a", "v1.0.0\nv1.1.0-RC1\n");
    let good = file_upstream(up_dir.path(), None);
    let broken = file_upstream(up_dir.path(), Some(500));
    let tmp = tempfile::tempdir().unwrap();
    let list = "/example.com/a/@v/list";
    let fresh = start_proxy_ttl(tmp.path(), &good.url(), None, Duration::from_secs(60));
    assert_eq!(
        http_get(fresh.addr, list),
        (200, b"v1.0.0\nv1.1.0-RC1\n".to_vec())
    );
    assert_eq!(http_get(fresh.addr, list).0, 200);
    assert_eq!(good.count(list), 1, "served from the cache within the TTL");
    let stale = start_proxy_ttl(tmp.path(), &broken.url(), None, Duration::ZERO);
    assert_eq!(
        http_get(stale.addr, list),
        (200, b"v1.0.0\nv1.1.0-RC1\n".to_vec())
    );
    assert_eq!(broken.count(list), 1);
    assert!(stale.log.lock().unwrap().join("").contains("stale"));
    assert_eq!(http_get(stale.addr, "/example.com/b/@v/list").0, 502);
}
