//! gomedic's certificate verification (x509go) against go's own crypto/x509, on chains
//! made with openssl to hit each rule: the same input must give the same answer, word
//! for word, on every go release under test (GOMEDIC_TEST_GOROOTS).

use gomedic_net::gotls::GoTls;
use gomedic_net::x509go::{self, Cert, Pool};
mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;

#[test]
fn verification_matches_go_word_for_word() {
    let chains = toolchains();
    if chains.is_empty() {
        eprintln!("GOMEDIC_TEST_GOROOTS not set: skipping (CI sets it)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let lab = Lab::new(tmp.path());
    let sha = "-sha256";
    lab.selfsigned("root", "rsa:2048", "Test Root", "ca", sha);
    lab.issue(
        "inter",
        "rsa:2048",
        "/CN=Test Intermediate",
        "root",
        "ca",
        sha,
    );
    lab.issue("leaf", "rsa:2048", "/CN=host.example", "root", "leaf", sha);
    lab.issue(
        "ileaf",
        "ec:P-256",
        "/CN=host.example",
        "inter",
        "leaf",
        sha,
    );
    lab.issue(
        "other",
        "rsa:2048",
        "/CN=other.example",
        "root",
        "leaf_other",
        sha,
    );
    lab.issue(
        "cnonly",
        "rsa:2048",
        "/CN=host.example",
        "root",
        "leaf_cn",
        sha,
    );
    lab.issue(
        "cnother",
        "rsa:2048",
        "/O=Example Org/CN=foo",
        "root",
        "leaf_cn",
        sha,
    );
    lab.issue("ip", "rsa:2048", "/CN=ip", "root", "leaf_ip", sha);
    lab.issue("wild", "rsa:2048", "/CN=wild", "root", "leaf_wild", sha);
    lab.issue(
        "client",
        "rsa:2048",
        "/CN=host.example",
        "root",
        "leaf_client",
        sha,
    );
    lab.issue(
        "rsa1024",
        "rsa:1024",
        "/CN=host.example",
        "root",
        "leaf",
        sha,
    );
    lab.issue(
        "sha1leaf",
        "rsa:2048",
        "/CN=host.example",
        "root",
        "leaf",
        "-sha1",
    );
    lab.issue("notca", "rsa:2048", "/CN=Not A CA", "root", "notca", sha);
    lab.issue(
        "undernotca",
        "rsa:2048",
        "/CN=host.example",
        "notca",
        "leaf",
        sha,
    );
    lab.selfsigned("selfca", "rsa:2048", "host.example", "leaf_ca", sha);
    lab.selfsigned(
        "selfleaf",
        "ec:P-256",
        "host.example",
        "leaf_selfnotca",
        sha,
    );
    lab.selfsigned("root521", "ec:P-521", "P-521 Root", "ca", "-sha512");
    lab.issue(
        "leaf521",
        "ec:P-521",
        "/CN=host.example",
        "root521",
        "leaf",
        "-sha512",
    );
    lab.selfsigned("root512", "rsa:512", "Weak Root", "ca", sha);
    lab.issue(
        "under512",
        "rsa:2048",
        "/CN=host.example",
        "root512",
        "leaf",
        sha,
    );
    lab.selfsigned("rooted", "ed25519", "Ed Root", "ca", "");
    lab.issue(
        "leafed",
        "ed25519",
        "/CN=host.example",
        "rooted",
        "leaf",
        "",
    );
    lab.selfsigned("root0", "rsa:2048", "Pathlen0 Root", "ca_pathlen0", sha);
    lab.issue(
        "inter0",
        "rsa:2048",
        "/CN=Inter Under Pathlen0",
        "root0",
        "ca",
        sha,
    );
    lab.issue(
        "leaf0",
        "rsa:2048",
        "/CN=host.example",
        "inter0",
        "leaf",
        sha,
    );

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let year = 365 * 86400;
    // name, chain (leaf first), roots, host, time
    let cases: Vec<(&str, PathBuf, PathBuf, &str, i64)> = vec![
        (
            "ok",
            lab.cat("c1", &["leaf"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "ok_upper_host",
            lab.cat("c1", &["leaf"]),
            lab.cat("r1", &["root"]),
            "HOST.Example.",
            now,
        ),
        (
            "via_intermediate",
            lab.cat("c2", &["ileaf", "inter"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "missing_intermediate",
            lab.cat("c3", &["ileaf"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "wrong_name",
            lab.cat("c4", &["other"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "wrong_name_untrusted",
            lab.cat("c4", &["other"]),
            lab.cat("r2", &["root521"]),
            "host.example",
            now,
        ),
        (
            "cn_only",
            lab.cat("c5", &["cnonly"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "cn_other",
            lab.cat("c6", &["cnother"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "ip_ok",
            lab.cat("c7", &["ip"]),
            lab.cat("r1", &["root"]),
            "127.0.0.1",
            now,
        ),
        (
            "ip_wrong",
            lab.cat("c7", &["ip"]),
            lab.cat("r1", &["root"]),
            "127.0.0.2",
            now,
        ),
        (
            "ip_without_ip_sans",
            lab.cat("c1", &["leaf"]),
            lab.cat("r1", &["root"]),
            "127.0.0.1",
            now,
        ),
        (
            "wildcard",
            lab.cat("c8", &["wild"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "wildcard_too_deep",
            lab.cat("c8", &["wild"]),
            lab.cat("r1", &["root"]),
            "a.host.example",
            now,
        ),
        (
            "client_auth_only",
            lab.cat("c9", &["client"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "expired",
            lab.cat("c1", &["leaf"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now + 20 * year,
        ),
        (
            "not_yet_valid",
            lab.cat("c1", &["leaf"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now - 2 * 86400,
        ),
        (
            "untrusted",
            lab.cat("c1", &["leaf"]),
            lab.cat("r2", &["root521"]),
            "host.example",
            now,
        ),
        (
            "rsa1024_leaf",
            lab.cat("c10", &["rsa1024"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "sha1_signature",
            lab.cat("c11", &["sha1leaf"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "parent_not_ca",
            lab.cat("c12", &["undernotca", "notca"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "self_signed_ca_true_trusted",
            lab.cat("c13", &["selfca"]),
            lab.cat("r3", &["selfca"]),
            "host.example",
            now,
        ),
        (
            "self_signed_ca_false_trusted",
            lab.cat("c14", &["selfleaf"]),
            lab.cat("r4", &["selfleaf"]),
            "host.example",
            now,
        ),
        (
            "self_signed_untrusted",
            lab.cat("c13", &["selfca"]),
            lab.cat("r1", &["root"]),
            "host.example",
            now,
        ),
        (
            "p521",
            lab.cat("c15", &["leaf521"]),
            lab.cat("r5", &["root521"]),
            "host.example",
            now,
        ),
        (
            "rsa512_root",
            lab.cat("c16", &["under512"]),
            lab.cat("r6", &["root512"]),
            "host.example",
            now,
        ),
        (
            "ed25519",
            lab.cat("c17", &["leafed"]),
            lab.cat("r7", &["rooted"]),
            "host.example",
            now,
        ),
        (
            "pathlen_exceeded",
            lab.cat("c18", &["leaf0", "inter0"]),
            lab.cat("r8", &["root0"]),
            "host.example",
            now,
        ),
        (
            "two_roots_one_right",
            lab.cat("c1", &["leaf"]),
            lab.cat("r9", &["root521", "root"]),
            "host.example",
            now,
        ),
    ];

    let mut failures = Vec::new();
    let mut compared = 0;
    for (version, goroot) in &chains {
        let bin = oracle(version, goroot);
        let go = GoTls::for_release(minor(version), "");
        for (name, chain, roots, host, at) in &cases {
            let out = Command::new(&bin)
                .arg(chain)
                .arg(roots)
                .arg(host)
                .arg(at.to_string())
                .env("GODEBUG", "")
                .output()
                .unwrap();
            let want = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let mut pool = Pool::new();
            for d in ders(roots) {
                pool.add_der(&d);
            }
            let certs: Vec<Cert> = ders(chain)
                .iter()
                .map(|d| Cert::parse(d).expect("parses"))
                .collect();
            let got = match x509go::verify(&certs, &pool, host, *at, &go) {
                Ok(_) => "ok".to_string(),
                Err(e) => e.to_string(),
            };
            compared += 1;
            if std::env::var("X509DIFF_SHOW").is_ok() {
                eprintln!("{name} go{version}: {want}");
            }
            if got != want {
                failures.push(format!(
                    "{name} (go {version}):\n  go:      {want}\n  gomedic: {got}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} verifications differ from go:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
