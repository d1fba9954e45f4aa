//! The S3 backend against a real S3 server (s3s-fs, started by scripts/s3/start.sh):
//! two proxy instances share one bucket; a module fetched through one is served by the
//! other without touching its upstream. Env: GOMEDIC_TEST_S3_ENDPOINT,
//! GOMEDIC_TEST_S3_ACCESS_KEY, GOMEDIC_TEST_S3_SECRET_KEY, GOMEDIC_TEST_S3_BUCKET; under
//! CI=true the test fails without them.

mod common;

use common::*;
use gomedic_proxy::storage::S3;
use std::path::Path;
use std::time::Duration;

const ALL: [&str; 4] = [
    "example.com/Upper/Mod@v1.0.0",
    "example.com/a@v1.1.0-RC1",
    "example.com/inc@v2.0.0+incompatible",
    "example.com/b@v0.0.0-20240102030405-abcdefabcdef",
];

fn s3_env() -> Option<[String; 4]> {
    let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let all = [
        "GOMEDIC_TEST_S3_ENDPOINT",
        "GOMEDIC_TEST_S3_ACCESS_KEY",
        "GOMEDIC_TEST_S3_SECRET_KEY",
        "GOMEDIC_TEST_S3_BUCKET",
    ];
    let v: Vec<Option<String>> = all.iter().map(|k| get(k)).collect();
    if v.iter().any(Option::is_none) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{} not set: the S3 test needs the server scripts/s3/start.sh starts (scripts/test.sh does)", all.join(", "));
        }
        eprintln!("skipping: GOMEDIC_TEST_S3_* not set (see scripts/s3/start.sh)");
        return None;
    }
    let v: Vec<String> = v.into_iter().flatten().collect();
    Some([v[0].clone(), v[1].clone(), v[2].clone(), v[3].clone()])
}

fn bucket(env: &[String; 4], prefix: &str) -> S3 {
    let [endpoint, key, secret, bucket] = env;
    S3::with_options(
        &format!("s3://{bucket}/{prefix}"),
        [
            ("aws_endpoint", endpoint.as_str()),
            ("aws_access_key_id", key.as_str()),
            ("aws_secret_access_key", secret.as_str()),
            ("aws_region", "us-east-1"),
            ("aws_allow_http", "true"),
        ],
    )
    .unwrap()
}

fn download(goroot: &Path, home: &Path, goproxy: &str, gosumdb: &str) -> (bool, String) {
    std::fs::create_dir_all(home).unwrap();
    let mut args = vec!["mod", "download", "-json"];
    args.extend_from_slice(&ALL);
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
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn total_hits(s: &Server) -> usize {
    s.hits.lock().unwrap().values().sum()
}

fn cached_kinds(keys: Vec<String>) -> Vec<String> {
    keys.into_iter()
        .filter(|k| k.ends_with(".info") || k.ends_with(".mod") || k.ends_with(".zip"))
        .collect()
}

#[test]
fn two_proxies_share_one_bucket() {
    let Some(env) = s3_env() else { return };
    // The newest toolchain is enough here; proxy_go.rs covers the others.
    let Some((ver, goroot)) = newest_goroot() else {
        return;
    };
    let mods = modules();
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up_a = file_upstream(up_dir.path(), None);
    let up_b = file_upstream(up_dir.path(), None);
    let prefix = format!(
        "run-{}-{}/cache",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let tmp = tempfile::tempdir().unwrap();
    let (scratch_a, scratch_b) = (tmp.path().join("scratch-a"), tmp.path().join("scratch-b"));
    let ttl = Duration::from_secs(60);
    let db_arg = || Some((db.vkey.as_str(), db.server.url()));
    let a = start_proxy_with(
        &scratch_a,
        Some(bucket(&env, &prefix)),
        &up_a.url(),
        db_arg(),
        ttl,
    );
    let b = start_proxy_with(
        &scratch_b,
        Some(bucket(&env, &prefix)),
        &up_b.url(),
        db_arg(),
        ttl,
    );
    let gosumdb = format!("{} {}", db.vkey, db.server.url());

    let (ok, text) = download(&goroot, &tmp.path().join("h1"), &a.url(), &gosumdb);
    assert!(ok, "go {ver} through proxy A: {text}");
    assert!(total_hits(&up_a) > 0);
    assert!(a.log.lock().unwrap().is_empty(), "{:?}", a.log.lock());

    // A fresh module cache through B: everything comes from the bucket.
    let (ok, text) = download(&goroot, &tmp.path().join("h2"), &b.url(), &gosumdb);
    assert!(ok, "go {ver} through proxy B: {text}");
    assert_eq!(
        total_hits(&up_b),
        0,
        "B asked its upstream: {:?}",
        up_b.hits.lock().unwrap()
    );
    assert!(b.log.lock().unwrap().is_empty(), "{:?}", b.log.lock());

    // The bucket holds exactly the GOMODCACHE/cache/download keys go wrote itself.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let keys = rt.block_on(bucket(&env, &prefix).keys()).unwrap();
    assert!(
        keys.contains(&"example.com/!upper/!mod/@v/v1.0.0.zip".to_string()),
        "{keys:?}"
    );
    let modcache = files(&tmp.path().join("h2/modcache/cache/download"));
    assert_eq!(cached_kinds(keys), cached_kinds(modcache));
    // No temp file is left in the scratch directories.
    for d in [&scratch_a, &scratch_b] {
        assert!(files(d).is_empty(), "{:?}", files(d));
    }
    // A zip served by B is byte for byte the fixture.
    let (status, body) = http_get(b.addr, "/example.com/!upper/!mod/@v/v1.0.0.zip");
    assert_eq!(status, 200);
    let (_, _, _, z) = mods
        .iter()
        .find(|m| m.0 == "example.com/Upper/Mod" && m.1 == "v1.0.0")
        .unwrap();
    assert_eq!(&body, z);
    assert_eq!(total_hits(&up_b), 0);
}

/// A zip larger than one 8 MiB part goes to the bucket as a multipart upload, and B
/// serves it byte for byte without asking its upstream.
#[test]
fn large_zip_goes_up_in_parts_and_is_shared() {
    let Some(env) = s3_env() else { return };
    let (path, version) = ("example.com/big", "v1.0.0");
    // 12 MiB that deflate cannot shrink.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..12 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let go_mod = format!("module {path}\n");
    let zip = make_zip(&[
        (&format!("{path}@{version}/go.mod"), go_mod.as_bytes()),
        (&format!("{path}@{version}/blob.bin"), &data),
    ]);
    assert!(zip.len() > 9 << 20);
    let mut mods = modules();
    mods.push((path.into(), version.into(), go_mod, zip.clone()));
    let db = sumdb(&mods);
    let up_dir = tempfile::tempdir().unwrap();
    publish_all(up_dir.path(), &mods);
    let up_a = file_upstream(up_dir.path(), None);
    let up_b = file_upstream(up_dir.path(), None);
    let prefix = format!("big-{}", std::process::id());
    let tmp = tempfile::tempdir().unwrap();
    let ttl = Duration::from_secs(60);
    let db_arg = || Some((db.vkey.as_str(), db.server.url()));
    let a = start_proxy_with(
        &tmp.path().join("a"),
        Some(bucket(&env, &prefix)),
        &up_a.url(),
        db_arg(),
        ttl,
    );
    let b = start_proxy_with(
        &tmp.path().join("b"),
        Some(bucket(&env, &prefix)),
        &up_b.url(),
        db_arg(),
        ttl,
    );
    let url = format!("/{path}/@v/{version}.zip");
    let (status, body) = http_get(a.addr, &url);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == zip, "A served other bytes");
    assert_eq!(up_a.count(&url), 1);
    let (status, body) = http_get(b.addr, &url);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(body == zip, "B served other bytes");
    assert_eq!(total_hits(&up_b), 0);
    assert!(a.log.lock().unwrap().is_empty(), "{:?}", a.log.lock());
    assert!(files(&tmp.path().join("a")).is_empty());
    // A multipart object's ETag ends in -<number of parts>.
    let [endpoint, key, secret, bkt] = &env;
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_access_key_id(key)
        .with_secret_access_key(secret)
        .with_region("us-east-1")
        .with_allow_http(true)
        .with_bucket_name(bkt)
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let meta = rt
        .block_on(object_store::ObjectStoreExt::head(
            &raw,
            &object_store::path::Path::parse(format!("{prefix}/{path}/@v/{version}.zip")).unwrap(),
        ))
        .unwrap();
    assert_eq!(meta.size, zip.len() as u64);
    let etag = meta.e_tag.unwrap_or_default();
    assert!(etag.trim_matches('"').ends_with("-2"), "{etag}");
}
