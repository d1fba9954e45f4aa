//! `verify` against PE files signed here with osslsigncode: valid, tampered after signing,
//! expired certificate with and without a timestamp, unsigned Go-built PE files, and a
//! Microsoft-signed EFI binary from Debian's shim-signed.

use gomedic_authenticode::{verify, Status};
use std::path::{Path, PathBuf};
use std::process::Command;

fn go() -> PathBuf {
    if let Ok(v) = std::env::var("GOMEDIC_TEST_GOROOTS") {
        if let Some(root) = v
            .split(',')
            .filter_map(|p| p.split_once('='))
            .map(|(_, r)| PathBuf::from(r))
            .next_back()
        {
            return root.join("bin/go");
        }
    }
    let cache =
        PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gomedic/toolchains/linux");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&cache)
        .expect("Go toolchains: run scripts/test.sh")
        .flatten()
        .map(|e| e.path().join("go/bin/go"))
        .filter(|p| p.is_file())
        .collect();
    all.sort();
    all.pop()
        .expect("no Go toolchain installed: run scripts/test.sh")
}

/// A small Go program built for Windows: a real, unsigned, Go-built PE file.
fn go_built_pe(dir: &Path) -> PathBuf {
    let m = dir.join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("go.mod"), "module hello\n\ngo 1.21\n").unwrap();
    std::fs::write(
        m.join("main.go"),
        "package main\n\nfunc main() { println(\"hello\") }\n",
    )
    .unwrap();
    let cache = PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/gomedic/test-gocache");
    let out = dir.join("hello.exe");
    let st = Command::new(go())
        .args(["build", "-trimpath", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(&m)
        .env("GOOS", "windows")
        .env("GOARCH", "amd64")
        .env("GOCACHE", cache)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", "0")
        .status()
        .unwrap();
    assert!(st.success());
    out
}

struct Pki {
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Pki {
    fn new() -> Pki {
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .unwrap_or_else(|_| rcgen::KeyPair::generate().unwrap());
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "gomedic Test Code Signing Root");
        p.not_before = rcgen::date_time_ymd(2019, 1, 1);
        p.not_after = rcgen::date_time_ymd(2045, 1, 1);
        let ca = p.self_signed(&ca_key).unwrap();
        Pki { ca, ca_key }
    }

    /// (cert chain PEM, key PEM) for a leaf with `eku` and validity.
    fn leaf(
        &self,
        cn: &str,
        from: (i32, u8, u8),
        to: (i32, u8, u8),
        tsa: bool,
    ) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(rcgen::DnType::CommonName, cn);
        p.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        p.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
        if tsa {
            // Critical EKU timeStamping, as RFC 3161 requires.
            let eku = vec![
                0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
            ];
            let mut ext = rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 37], eku);
            ext.set_criticality(true);
            p.custom_extensions.push(ext);
        } else {
            p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::CodeSigning];
        }
        let cert = p.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        (
            format!("{}{}", cert.pem(), self.ca.pem()),
            key.serialize_pem(),
        )
    }
}

fn sign(
    dir: &Path,
    input: &Path,
    out: &Path,
    leaf: &(String, String),
    tsa: Option<(&(String, String), i64)>,
) {
    std::fs::write(dir.join("certs.pem"), &leaf.0).unwrap();
    std::fs::write(dir.join("key.pem"), &leaf.1).unwrap();
    let mut cmd = Command::new("osslsigncode");
    cmd.args(["sign", "-h", "sha256", "-ph", "-n", "gomedic test"])
        .arg("-certs")
        .arg(dir.join("certs.pem"))
        .arg("-key")
        .arg(dir.join("key.pem"));
    if let Some((t, time)) = tsa {
        std::fs::write(dir.join("tsa.pem"), &t.0).unwrap();
        std::fs::write(dir.join("tsakey.pem"), &t.1).unwrap();
        cmd.arg("-TSA-certs")
            .arg(dir.join("tsa.pem"))
            .arg("-TSA-key")
            .arg(dir.join("tsakey.pem"))
            .arg("-TSA-time")
            .arg(time.to_string());
    }
    let _ = std::fs::remove_file(out);
    let o = cmd
        .arg("-in")
        .arg(input)
        .arg("-out")
        .arg(out)
        .output()
        .expect("osslsigncode installed (scripts/test.sh installs it)");
    assert!(
        o.status.success(),
        "osslsigncode: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn signed_tampered_expired_and_unsigned() {
    let d = tempfile::tempdir().unwrap();
    let unsigned = go_built_pe(d.path());
    let data = std::fs::read(&unsigned).unwrap();
    let r = verify(&data);
    assert_eq!(r.status, Status::Unsigned, "{r:?}");

    let pki = Pki::new();
    let good = pki.leaf("gomedic Test Publisher", (2020, 1, 1), (2044, 1, 1), false);
    let signed = d.path().join("signed.exe");
    sign(d.path(), &unsigned, &signed, &good, None);
    let r = verify(&std::fs::read(&signed).unwrap());
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    assert_eq!(r.digest_algorithm.as_deref(), Some("sha256"));
    assert_eq!(r.computed_digest, r.signed_digest);
    assert!(r
        .signer
        .as_ref()
        .unwrap()
        .subject
        .contains("gomedic Test Publisher"));
    assert_eq!(r.chain.len(), 2, "leaf and the root included by -certs");
    assert_eq!(
        r.page_hashes.as_deref(),
        Some("sha256"),
        "-ph adds page hashes"
    );
    // Our first-page hash (used by WDAC "Hash Page" rules) equals the one osslsigncode signed.
    let signed_bytes = std::fs::read(&signed).unwrap();
    let pe = gomedic_authenticode::Pe::parse(&signed_bytes).unwrap();
    assert_eq!(
        gomedic_authenticode::signed_first_page_hash(&signed_bytes).expect("page hash table"),
        gomedic_authenticode::first_page_hash(&pe, &ring::digest::SHA256)
    );
    // And the Authenticode hash of the signed file equals the unsigned file's.
    let w1 = gomedic_authenticode::wdac_hashes(&data).unwrap();
    let w2 = gomedic_authenticode::wdac_hashes(&signed_bytes).unwrap();
    assert_eq!(w1.sha256, w2.sha256);
    assert_eq!(w1.sha256, r.computed_digest.clone().unwrap().to_uppercase());
    assert!(r.timestamp.is_none());

    // Tampered after signing: one byte in the code changes the image digest.
    let mut bytes = std::fs::read(&signed).unwrap();
    let pe = gomedic_authenticode::Pe::parse(&bytes).unwrap();
    let (ptr, _) = pe.sections[0];
    bytes[ptr + 100] ^= 0xff;
    let r = verify(&bytes);
    assert_eq!(r.status, Status::Tampered, "{r:#?}");
    assert_eq!(
        r.page_hashes_match,
        Some(false),
        "the changed page is found too"
    );

    // Expired signing certificate, no timestamp.
    let expired = pki.leaf(
        "gomedic Expired Publisher",
        (2020, 1, 1),
        (2021, 1, 1),
        false,
    );
    let e1 = d.path().join("expired.exe");
    sign(d.path(), &unsigned, &e1, &expired, None);
    let r = verify(&std::fs::read(&e1).unwrap());
    assert_eq!(r.status, Status::ExpiredWithoutTimestamp, "{r:#?}");

    // Same expired certificate, but timestamped while it was valid (2020-06-01).
    let tsa = pki.leaf("gomedic Test TSA", (2019, 6, 1), (2044, 1, 1), true);
    let e2 = d.path().join("expired-ts.exe");
    sign(
        d.path(),
        &unsigned,
        &e2,
        &expired,
        Some((&tsa, 1_590_969_600)),
    );
    let r = verify(&std::fs::read(&e2).unwrap());
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    let ts = r.timestamp.as_ref().expect("timestamp");
    assert_eq!(ts.kind, "rfc3161");
    assert!(ts.time.starts_with("2020-06-01"), "{ts:?}");
    assert!(ts.verified, "{ts:?}");

    // A timestamp whose time lies outside its TSA certificate's validity excuses nothing.
    let e3 = d.path().join("expired-badts.exe");
    sign(
        d.path(),
        &unsigned,
        &e3,
        &expired,
        Some((&tsa, 1_577_836_800)), // 2020-01-01: within both validities
    );
    let r = verify(&std::fs::read(&e3).unwrap());
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    let early_tsa = pki.leaf("gomedic Late TSA", (2020, 3, 1), (2044, 1, 1), true);
    sign(
        d.path(),
        &unsigned,
        &e3,
        &expired,
        Some((&early_tsa, 1_577_836_800)), // 2020-01-01: before the TSA certificate's validity
    );
    let r = verify(&std::fs::read(&e3).unwrap());
    assert_eq!(r.status, Status::BadTimestamp, "{r:#?}");
    let ts = r
        .timestamp
        .as_ref()
        .expect("timestamp shown although it fails");
    assert!(
        !ts.verified
            && ts
                .problem
                .as_deref()
                .unwrap()
                .contains("outside the validity"),
        "{ts:?}"
    );

    // Not a PE, and a truncated one.
    assert_eq!(verify(b"#!/bin/sh\n").status, Status::NotPe);
    let r = verify(&std::fs::read(&signed).unwrap()[..600]);
    assert!(matches!(r.status, Status::Malformed), "{r:?}");
}

#[test]
fn microsoft_signed_efi_from_debian() {
    let p = Path::new("/usr/lib/shim/shimx64.efi.signed");
    if !p.exists() {
        panic!(
            "{} missing: scripts/test.sh installs Debian's shim-signed",
            p.display()
        );
    }
    let r = verify(&std::fs::read(p).unwrap());
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    assert!(
        r.signer.as_ref().unwrap().subject.contains("Microsoft"),
        "{r:#?}"
    );
}

/// The certificate table's entries: (security directory offset in the file, table
/// offset, table size, first entry's bytes).
fn cert_table(d: &[u8]) -> (usize, usize, usize, Vec<u8>) {
    let pe = u32::from_le_bytes(d[0x3c..0x40].try_into().unwrap()) as usize;
    let magic = u16::from_le_bytes(d[pe + 24..pe + 26].try_into().unwrap());
    let dir = pe + 24 + if magic == 0x20b { 112 } else { 96 } + 4 * 8;
    let addr = u32::from_le_bytes(d[dir..dir + 4].try_into().unwrap()) as usize;
    let size = u32::from_le_bytes(d[dir + 4..dir + 8].try_into().unwrap()) as usize;
    let len = u32::from_le_bytes(d[addr..addr + 4].try_into().unwrap()) as usize;
    (dir, addr, size, d[addr..addr + len].to_vec())
}

/// A copy of `d` whose certificate table is `table` (the table is the file's end).
fn with_table(d: &[u8], table: &[u8]) -> Vec<u8> {
    let (dir, addr, _, _) = cert_table(d);
    let mut out = d[..addr].to_vec();
    out.extend_from_slice(table);
    out[dir + 4..dir + 8].copy_from_slice(&(table.len() as u32).to_le_bytes());
    out
}

fn padded8(mut v: Vec<u8>) -> Vec<u8> {
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
    v
}

fn osslsigncode_accepts(dir: &Path, file: &Path, ca: &Path) -> bool {
    let o = Command::new("osslsigncode")
        .args(["verify", "-ignore-crl", "-CAfile"])
        .arg(ca)
        .arg("-in")
        .arg(file)
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .any(|l| l.trim() == "Succeeded")
}

#[test]
fn win_certificate_strictness_compared_with_osslsigncode() {
    let d = tempfile::tempdir().unwrap();
    let pki = Pki::new();
    let leaf = pki.leaf("gomedic strictness", (2024, 1, 1), (2044, 1, 1), false);
    let signed = d.path().join("signed.exe");
    sign(d.path(), &go_built_pe(d.path()), &signed, &leaf, None);
    let ca = d.path().join("ca.pem");
    std::fs::write(&ca, pki.ca.pem()).unwrap();
    let data = std::fs::read(&signed).unwrap();
    assert!(osslsigncode_accepts(d.path(), &signed, &ca));
    assert_eq!(verify(&data).status, Status::Valid);
    let (_, _, _, entry) = cert_table(&data);

    // MS13-098: bytes hidden after the PKCS#7 blob inside its entry. osslsigncode accepts
    // the file, as Windows does without EnableCertPaddingCheck: valid, with a warning.
    let mut e = entry.clone();
    e.extend_from_slice(b"hidden payload!!");
    let n = e.len() as u32;
    e[..4].copy_from_slice(&n.to_le_bytes());
    let padded = d.path().join("padded.exe");
    std::fs::write(&padded, with_table(&data, &padded8(e))).unwrap();
    assert!(osslsigncode_accepts(d.path(), &padded, &ca));
    let r = verify(&std::fs::read(&padded).unwrap());
    assert_eq!(r.status, Status::Valid, "{}", r.detail);
    assert!(
        r.warnings.iter().any(|w| w.contains("MS13-098")),
        "{:?}",
        r.warnings
    );

    // A second signature entry: osslsigncode refuses the table ("Corrupted attribute
    // certificate table"); Windows reads only the first entry, and real files carry two
    // (Debian's Microsoft-signed shim): valid from the first, with a warning naming it.
    let one = padded8(entry.clone());
    let mut two = one.clone();
    two.extend_from_slice(&one);
    let dup = d.path().join("dup.exe");
    std::fs::write(&dup, with_table(&data, &two)).unwrap();
    assert!(!osslsigncode_accepts(d.path(), &dup, &ca));
    let r = verify(&std::fs::read(&dup).unwrap());
    assert_eq!(r.status, Status::Valid, "{}", r.detail);
    assert!(
        r.warnings.iter().any(|w| w.contains("2 signature entries")),
        "{:?}",
        r.warnings
    );

    // An entry whose length runs past the table: both refuse it.
    let mut bad = one.clone();
    let n = (bad.len() + 64) as u32;
    bad[..4].copy_from_slice(&n.to_le_bytes());
    let broken = d.path().join("broken.exe");
    std::fs::write(&broken, with_table(&data, &bad)).unwrap();
    assert!(!osslsigncode_accepts(d.path(), &broken, &ca));
    let r = verify(&std::fs::read(&broken).unwrap());
    assert_ne!(r.status, Status::Valid, "{}", r.detail);
}

/// A DER node: a tag with either contents or (constructed) children.
enum Node {
    Prim(u8, Vec<u8>),
    Cons(u8, Vec<Node>),
}

fn der_parse(mut b: &[u8]) -> Vec<Node> {
    let mut out = Vec::new();
    // Trailing zeros are the entry's alignment padding.
    while !b.is_empty() && b.iter().any(|x| *x != 0) {
        let tag = b[0];
        let (len, hdr) = if b[1] < 0x80 {
            (b[1] as usize, 2)
        } else {
            let n = (b[1] & 0x7f) as usize;
            (
                b[2..2 + n].iter().fold(0usize, |a, x| a << 8 | *x as usize),
                2 + n,
            )
        };
        let body = &b[hdr..hdr + len];
        out.push(if tag & 0x20 != 0 {
            Node::Cons(tag, der_parse(body))
        } else {
            Node::Prim(tag, body.to_vec())
        });
        b = &b[hdr + len..];
    }
    out
}

fn der_write(nodes: &[Node]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in nodes {
        let (tag, body) = match n {
            Node::Prim(t, v) => (*t, v.clone()),
            Node::Cons(t, c) => (*t, der_write(c)),
        };
        out.push(tag);
        if body.len() < 0x80 {
            out.push(body.len() as u8);
        } else {
            let l = body.len().to_be_bytes();
            let skip = l.iter().position(|x| *x != 0).unwrap();
            out.push(0x80 | (l.len() - skip) as u8);
            out.extend_from_slice(&l[skip..]);
        }
        out.extend_from_slice(&body);
    }
    out
}

/// Edits the SignedData inside a WIN_CERTIFICATE entry (ContentInfo > [0] > SignedData).
fn edit_signed_data(entry: &[u8], f: impl Fn(&mut Vec<Node>)) -> Vec<u8> {
    let mut tree = der_parse(&entry[8..]);
    let Node::Cons(_, ci) = &mut tree[0] else {
        panic!()
    };
    let Node::Cons(_, explicit) = &mut ci[1] else {
        panic!()
    };
    let Node::Cons(_, sd) = &mut explicit[0] else {
        panic!()
    };
    f(sd);
    let blob = der_write(&tree[..1]);
    let mut e = entry[..8].to_vec();
    e.extend_from_slice(&blob);
    let n = e.len() as u32;
    e[..4].copy_from_slice(&n.to_le_bytes());
    padded8(e)
}

#[test]
fn signed_data_strictness_compared_with_osslsigncode() {
    let d = tempfile::tempdir().unwrap();
    let pki = Pki::new();
    let leaf = pki.leaf("gomedic strictness", (2024, 1, 1), (2044, 1, 1), false);
    let signed = d.path().join("signed.exe");
    sign(d.path(), &go_built_pe(d.path()), &signed, &leaf, None);
    let ca = d.path().join("ca.pem");
    std::fs::write(&ca, pki.ca.pem()).unwrap();
    let data = std::fs::read(&signed).unwrap();
    let (_, _, _, entry) = cert_table(&data);

    // The structure re-encoded unchanged is still valid for both (the editor is sound).
    let same = d.path().join("same.exe");
    std::fs::write(&same, with_table(&data, &edit_signed_data(&entry, |_| {}))).unwrap();
    assert!(osslsigncode_accepts(d.path(), &same, &ca));
    assert_eq!(verify(&std::fs::read(&same).unwrap()).status, Status::Valid);

    // SignedData: version, digestAlgorithms, contentInfo, [0] certificates, signerInfos.
    #[allow(clippy::type_complexity)]
    let cases: [(&str, Box<dyn Fn(&mut Vec<Node>)>); 2] = [
        (
            "empty digestAlgorithms",
            Box::new(|sd: &mut Vec<Node>| {
                if let Node::Cons(_, algs) = &mut sd[1] {
                    algs.clear();
                }
            }),
        ),
        (
            "two SignerInfos",
            Box::new(|sd: &mut Vec<Node>| {
                let last = sd.len() - 1;
                if let Node::Cons(_, infos) = &mut sd[last] {
                    let copy = der_parse(&der_write(&infos[..1]));
                    infos.extend(copy);
                }
            }),
        ),
    ];
    for (name, f) in cases {
        let file = d.path().join(format!("{}.exe", name.replace(' ', "_")));
        std::fs::write(&file, with_table(&data, &edit_signed_data(&entry, f))).unwrap();
        let theirs = osslsigncode_accepts(d.path(), &file, &ca);
        let ours = verify(&std::fs::read(&file).unwrap());
        assert!(!theirs, "{name}: osslsigncode accepted it");
        assert_eq!(ours.status, Status::Malformed, "{name}: {}", ours.detail);
    }
}
