//! `verify` against real Microsoft-signed files from public PyPI wheels (downloaded by
//! scripts/fetch-signed-samples.sh; directory in GOMEDIC_TEST_SIGNED_SAMPLES), each
//! cross-checked with osslsigncode, and against copies tampered here: appended bytes, a
//! flipped byte in the timestamp's signature, an edited timestamp time, a removed
//! timestamp, a flipped nested signature.

use gomedic_authenticode::{verify, Pe, Report, Status};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The samples directory; `None` (skip) only outside CI.
fn samples() -> Option<PathBuf> {
    let dir = std::env::var_os("GOMEDIC_TEST_SIGNED_SAMPLES").map(PathBuf::from);
    match dir {
        Some(d) if d.join("mfc90.dll").is_file() => Some(d),
        _ if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "GOMEDIC_TEST_SIGNED_SAMPLES not set or incomplete: run scripts/fetch-signed-samples.sh (scripts/test.sh does)"
        ),
        _ => {
            eprintln!("skipped: GOMEDIC_TEST_SIGNED_SAMPLES not set (scripts/fetch-signed-samples.sh)");
            None
        }
    }
}

/// (tag, header length, value length) of the DER element at `off`.
fn tlv(d: &[u8], off: usize) -> (u8, usize, usize) {
    let l0 = d[off + 1] as usize;
    if l0 < 0x80 {
        (d[off], 2, l0)
    } else {
        let n = l0 & 0x7f;
        let len = d[off + 2..off + 2 + n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | *b as usize);
        (d[off], 2 + n, len)
    }
}

/// Offsets of the children of the constructed element at `off`.
fn kids(d: &[u8], off: usize) -> Vec<usize> {
    let (_, h, l) = tlv(d, off);
    let mut o = off + h;
    let mut out = vec![];
    while o < off + h + l {
        out.push(o);
        let (_, h2, l2) = tlv(d, o);
        o += h2 + l2;
    }
    out
}

fn value(d: &[u8], off: usize) -> std::ops::Range<usize> {
    let (_, h, l) = tlv(d, off);
    off + h..off + h + l
}

/// Offset of the SET of values of the attribute with this encoded OID (the first one).
fn attr_values(d: &[u8], from: usize, oid: &[u8]) -> usize {
    let at = d[from..]
        .windows(oid.len())
        .position(|w| w == oid)
        .expect("attribute present")
        + from;
    at + oid.len()
}

const COUNTERSIG: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x06,
];
const RFC3161: &[u8] = &[
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x03, 0x03, 0x01,
];
const NESTED: &[u8] = &[
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x04, 0x01,
];

/// The signature OCTET STRING of a SignerInfo.
fn signer_info_signature(d: &[u8], si: usize) -> std::ops::Range<usize> {
    let k = kids(d, si);
    let i = k.iter().position(|&o| tlv(d, o).0 == 0x04).unwrap();
    value(d, k[i])
}

/// The SignerInfo of the SignedData inside the ContentInfo at `ci`.
fn signed_data_signer(d: &[u8], ci: usize) -> usize {
    let explicit = kids(d, ci)[1];
    let sd = kids(d, explicit)[0];
    let infos = *kids(d, sd).last().unwrap();
    kids(d, infos)[0]
}

fn osslsigncode(path: &Path, cafile: Option<&Path>) -> (bool, String) {
    let mut c = Command::new("osslsigncode");
    c.arg("verify").arg("-ignore-crl");
    if let Some(ca) = cafile {
        c.arg("-CAfile").arg(ca).arg("-TSA-CAfile").arg(ca);
    }
    let o = c
        .arg("-in")
        .arg(path)
        .output()
        .expect("osslsigncode installed (scripts/test.sh installs it)");
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn field<'a>(out: &'a str, name: &str) -> Option<&'a str> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix(name))
        .map(|v| v.trim_start_matches([' ', ':']).trim())
}

/// Our digest and timestamp agree with osslsigncode's.
fn cross_check(path: &Path, r: &Report) {
    let (_, out) = osslsigncode(path, None);
    assert_eq!(
        field(&out, "Calculated message digest").map(str::to_lowercase),
        r.computed_digest,
        "{out}"
    );
    let ts = r.timestamp.as_ref().expect("timestamp");
    // osslsigncode: "Timestamp time: Nov  7 06:04:21 2007 GMT"
    let theirs = field(&out, "Timestamp time").expect("osslsigncode timestamp");
    let hms = &ts.time[11..19];
    assert!(
        theirs.contains(hms) && theirs.contains(&ts.time[..4]),
        "{theirs} vs {ts:?}"
    );
}

struct Scratch(tempfile::TempDir);
impl Scratch {
    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

/// The PKCS#7 blob's offset in the file.
fn blob_off(data: &[u8]) -> usize {
    let pe = Pe::parse(data).unwrap();
    pe.cert_off + 8
}

#[test]
fn microsoft_2007_legacy_countersignature() {
    let Some(dir) = samples() else { return };
    let path = dir.join("mfc90.dll");
    let data = std::fs::read(&path).unwrap();
    let r = verify(&data);
    assert_eq!(r.status, Status::Valid, "{r:#?}");
    assert_eq!(r.digest_algorithm.as_deref(), Some("sha1"));
    let ts = r.timestamp.as_ref().unwrap();
    assert_eq!((ts.kind.as_str(), ts.verified), ("authenticode", true));
    assert_eq!(ts.time, "2007-11-07T06:04:21Z");
    assert!(r.signer.as_ref().unwrap().expired);
    assert!(r
        .chain
        .last()
        .unwrap()
        .subject
        .contains("Microsoft Root Authority"));
    assert!(r.warnings.iter().any(|w| w.contains("SHA-1")), "{r:#?}");
    cross_check(&path, &r);
    // With the signature's own certificates as trust anchors, osslsigncode accepts it too.
    let s = Scratch(tempfile::tempdir().unwrap());
    let ca = certs_pem(&s, &path);
    let (ok, out) = osslsigncode(&path, Some(&ca));
    assert!(ok, "{out}");

    let off = blob_off(&data);
    let cs = attr_values(&data, off, COUNTERSIG);
    let si = kids(&data, cs)[0];
    let check = |name: &str, bytes: &[u8], want: Status| {
        let r = verify(bytes);
        assert_eq!(r.status, want, "{name}: {r:#?}");
        let p = s.write(name, bytes);
        let (ok, out) = osslsigncode(&p, Some(&ca));
        assert!(!ok, "osslsigncode accepts {name}: {out}");
        r
    };

    let mut appended = data.clone();
    appended.extend_from_slice(&[0x41; 16]);
    let r = check("appended.dll", &appended, Status::Tampered);
    assert_eq!(r.appended_bytes, 16);
    assert!(r.detail.contains("16 bytes appended"), "{}", r.detail);

    let mut flipped = data.clone();
    let sig = signer_info_signature(&data, si);
    flipped[sig.start + 20] ^= 0x01;
    let r = check("ts-sig.dll", &flipped, Status::BadTimestamp);
    assert!(!r.timestamp.unwrap().verified);

    let mut edited = data.clone();
    let t = data[value(&data, si)]
        .windows(13)
        .position(|w| w == b"071107060421Z")
        .unwrap()
        + value(&data, si).start;
    edited[t + 1] = b'8'; // 2007 -> 2008
    let r = check("ts-time.dll", &edited, Status::BadTimestamp);
    assert_eq!(r.timestamp.unwrap().time, "2008-11-07T06:04:21Z");

    // Removed: the attribute no longer names a countersignature; the certificate expired.
    let mut removed = data.clone();
    removed[cs - 1] = 0x7f;
    let r = check("ts-removed.dll", &removed, Status::ExpiredWithoutTimestamp);
    assert!(r.timestamp.is_none());
}

#[test]
fn microsoft_current_rfc3161_and_nested() {
    let Some(dir) = samples() else { return };
    let s = Scratch(tempfile::tempdir().unwrap());
    for name in ["vcruntime140.dll", "msvcp140.dll"] {
        let path = dir.join(name);
        let data = std::fs::read(&path).unwrap();
        let r = verify(&data);
        assert_eq!(r.status, Status::Valid, "{name}: {r:#?}");
        let ts = r.timestamp.as_ref().unwrap();
        assert_eq!((ts.kind.as_str(), ts.verified), ("rfc3161", true), "{name}");
        assert_eq!(r.nested.len(), 1, "{name}");
        assert_eq!(r.nested[0].status, Status::Valid, "{name}");
        assert_eq!(r.decided_by.as_deref(), Some("primary"));
        cross_check(&path, &r);
    }
    let path = dir.join("vcruntime140.dll");
    let data = std::fs::read(&path).unwrap();
    let off = blob_off(&data);
    // The primary signature's own RFC 3161 token comes before the nested signature.
    let tok_set = attr_values(&data, off, RFC3161);
    let tok = kids(&data, tok_set)[0];
    let tsa_si = signed_data_signer(&data, tok);

    let mut appended = data.clone();
    appended.extend_from_slice(b"\0\0\0\0\0\0\0\x01");
    let r = verify(&appended);
    assert_eq!(r.status, Status::Tampered, "{r:#?}");
    assert!(r.detail.contains("8 bytes appended"), "{}", r.detail);
    let (ok, out) = osslsigncode(&s.write("appended.dll", &appended), None);
    assert!(
        !ok && out.contains("not at the end of the file"),
        "osslsigncode rejects the appended bytes too: {out}"
    );

    let mut flipped = data.clone();
    let sig = signer_info_signature(&data, tsa_si);
    flipped[sig.start + 30] ^= 0x80;
    let r = verify(&flipped);
    assert_eq!(r.status, Status::BadTimestamp, "{r:#?}");
    let (ok, out) = osslsigncode(&s.write("ts-sig.dll", &flipped), None);
    assert!(!ok && out.contains("Timestamp Server Signature verification: failed"));

    // genTime is inside the TSTInfo, which the TSA's signed attributes hash.
    let mut edited = data.clone();
    let tok_range = value(&data, tok);
    let g = data[tok_range.clone()]
        .windows(2)
        .position(|w| w == [0x18, 0x0f] || w == [0x18, 0x13])
        .unwrap()
        + tok_range.start;
    edited[g + 2 + 3] = if data[g + 5] == b'5' { b'4' } else { b'5' };
    let r = verify(&edited);
    assert_eq!(r.status, Status::BadTimestamp, "{r:#?}");
    assert!(r.detail.contains("do not match"), "{}", r.detail);

    // Removed: the certificate is still valid today, so the file stays valid, untimestamped.
    let mut removed = data.clone();
    removed[tok_set - 1] = 0x7f;
    let r = verify(&removed);
    assert!(r.timestamp.is_none(), "{r:#?}");

    // A flipped byte in the nested signature: the nested one decides.
    let mut nested = data.clone();
    let n_set = attr_values(&data, off, NESTED);
    let n_si = signed_data_signer(&data, kids(&data, n_set)[0]);
    let sig = signer_info_signature(&data, n_si);
    nested[sig.start + 40] ^= 0x01;
    let r = verify(&nested);
    assert_eq!(r.status, Status::BadSignature, "{r:#?}");
    assert_eq!(r.decided_by.as_deref(), Some("nested 1"));
    assert_eq!(r.nested[0].status, Status::BadSignature);
    let (ok, _) = osslsigncode(&s.write("nested.dll", &nested), None);
    assert!(!ok);

    // A garbage nested-signature attribute is not a nested signature that verifies.
    let mut garbage = data.clone();
    let inner = kids(&data, n_set)[0];
    let ct = kids(&data, inner)[0];
    garbage[value(&data, ct).end - 1] ^= 0x05; // not SignedData any more
    let r = verify(&garbage);
    assert_ne!(r.status, Status::Valid, "{r:#?}");
    assert_eq!(r.nested[0].status, Status::Malformed);
}

/// The certificates inside a file's signature, as PEM (osslsigncode's trust anchors).
fn certs_pem(s: &Scratch, path: &Path) -> PathBuf {
    let p7 = s.0.path().join("sig.pem");
    let out = s.0.path().join("certs.pem");
    let st = Command::new("osslsigncode")
        .args(["extract-signature", "-pem", "-in"])
        .arg(path)
        .arg("-out")
        .arg(&p7)
        .output()
        .unwrap();
    assert!(st.status.success());
    let st = Command::new("openssl")
        .args(["pkcs7", "-print_certs", "-in"])
        .arg(&p7)
        .arg("-out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    out
}
