//! Authenticode inspection of PE files, on every OS.
//!
//! Computes the image digest the way Windows does (everything but the checksum, the
//! certificate directory entry and the certificate table), compares it with the digest in
//! the signature, verifies the PKCS#7 signer's signature and the certificate chain inside
//! the signature, and reports timestamps and page hashes. It never claims a file is
//! *trusted*: that needs a Windows root store (WinVerifyTrust). It says whether the
//! signature is intact and who signed.

mod der;
mod pe;
pub mod wdac;

use der::{children, expect, oid, read, Tlv};
use ring::digest;
use serde::Serialize;
use x509_parser::prelude::*;

pub use pe::Pe;

/// The outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Signed, digest matches, signer signature and chain links verify, not expired (or timestamped).
    Valid,
    Unsigned,
    /// The file changed after signing: the image digest differs from the signed one.
    Tampered,
    /// The PKCS#7 signature or a chain link does not verify.
    BadSignature,
    /// The signing certificate has expired and the signature carries no timestamp.
    ExpiredWithoutTimestamp,
    NotPe,
    Malformed,
}

#[derive(Debug, Clone, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timestamp {
    /// `rfc3161` or `authenticode` (legacy countersignature).
    pub kind: String,
    pub time: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub status: Status,
    pub detail: String,
    pub digest_algorithm: Option<String>,
    pub computed_digest: Option<String>,
    pub signed_digest: Option<String>,
    pub signer: Option<CertSummary>,
    /// Signer first, then issuers found inside the signature.
    pub chain: Vec<CertSummary>,
    pub timestamp: Option<Timestamp>,
    /// `sha1` or `sha256` when the signature carries page hashes.
    pub page_hashes: Option<String>,
    /// Whether every recorded page hash matches the file (`None` without page hashes).
    pub page_hashes_match: Option<bool>,
    pub nested_signatures: usize,
}

impl Report {
    fn new(status: Status, detail: impl Into<String>) -> Report {
        Report {
            status,
            detail: detail.into(),
            digest_algorithm: None,
            computed_digest: None,
            signed_digest: None,
            signer: None,
            chain: vec![],
            timestamp: None,
            page_hashes: None,
            page_hashes_match: None,
            nested_signatures: 0,
        }
    }
}

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_SPC_INDIRECT: &str = "1.3.6.1.4.1.311.2.1.4";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
const OID_COUNTERSIGNATURE: &str = "1.2.840.113549.1.9.6";
const OID_RFC3161: &str = "1.3.6.1.4.1.311.3.3.1";
const OID_NESTED: &str = "1.3.6.1.4.1.311.2.4.1";

fn algorithm(oid: &str) -> Option<(&'static digest::Algorithm, &'static str)> {
    match oid {
        "1.3.14.3.2.26" => Some((&digest::SHA1_FOR_LEGACY_USE_ONLY, "sha1")),
        "2.16.840.1.101.3.4.2.1" => Some((&digest::SHA256, "sha256")),
        "2.16.840.1.101.3.4.2.2" => Some((&digest::SHA384, "sha384")),
        "2.16.840.1.101.3.4.2.3" => Some((&digest::SHA512, "sha512")),
        _ => None,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The Authenticode image digest of a PE file.
pub fn image_digest(pe: &Pe<'_>, alg: &'static digest::Algorithm) -> Vec<u8> {
    let mut ctx = digest::Context::new(alg);
    for (a, b) in pe.digest_ranges() {
        if a < b {
            ctx.update(&pe.data[a..b]);
        }
    }
    // Unsigned images are hashed with the padding signing adds (to 8 bytes).
    if pe.cert_size == 0 && !pe.data.len().is_multiple_of(8) {
        ctx.update(&vec![0u8; 8 - pe.data.len() % 8]);
    }
    ctx.finish().as_ref().to_vec()
}

/// The hash of the first page as Authenticode page hashes define it: the headers without
/// the checksum and the certificate directory entry, followed by (4096 - SizeOfHeaders)
/// zero bytes.
pub fn first_page_hash(pe: &Pe<'_>, alg: &'static digest::Algorithm) -> Vec<u8> {
    let mut page = Vec::with_capacity(4096);
    let h = pe.size_of_headers.min(pe.data.len());
    page.extend_from_slice(&pe.data[..pe.checksum_off]);
    page.extend_from_slice(&pe.data[pe.checksum_off + 4..pe.secdir_off]);
    page.extend_from_slice(&pe.data[pe.secdir_off + 8..h]);
    page.resize(page.len() + 4096usize.saturating_sub(h), 0);
    digest::digest(alg, &page).as_ref().to_vec()
}

/// The four hashes an App Control (WDAC) hash rule set uses for a file.
#[derive(Debug, Clone, Serialize)]
pub struct WdacHashes {
    pub sha256: String,
    pub sha1: String,
    pub page_sha256: String,
    pub page_sha1: String,
}

pub fn wdac_hashes(data: &[u8]) -> Result<WdacHashes, String> {
    let pe = Pe::parse(data)?;
    let sha1 = &digest::SHA1_FOR_LEGACY_USE_ONLY;
    Ok(WdacHashes {
        sha256: hex(&image_digest(&pe, &digest::SHA256)).to_uppercase(),
        sha1: hex(&image_digest(&pe, sha1)).to_uppercase(),
        page_sha256: hex(&first_page_hash(&pe, &digest::SHA256)).to_uppercase(),
        page_sha1: hex(&first_page_hash(&pe, sha1)).to_uppercase(),
    })
}

/// The full page-hash table of the image as Authenticode defines it: the header page,
/// then every 4096-byte page of each section (the last one zero-padded), then a final
/// entry with the end offset and a zero hash. Each entry: 4-byte offset + digest.
pub fn page_hash_table(pe: &Pe<'_>, alg: &'static digest::Algorithm) -> Vec<u8> {
    const PAGE: usize = 4096;
    let mdlen = alg.output_len();
    let mut out = Vec::new();
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&first_page_hash(pe, alg));
    let mut lastpos = 0usize;
    for &(ptr, size) in &pe.sections {
        if ptr >= pe.data.len() || size > pe.data.len() - ptr {
            break;
        }
        let mut l = 0;
        while l < size {
            out.extend_from_slice(&((ptr + l) as u32).to_le_bytes());
            let end = (l + PAGE).min(size);
            let mut ctx = digest::Context::new(alg);
            ctx.update(&pe.data[ptr + l..ptr + end]);
            if end - l < PAGE {
                ctx.update(&vec![0u8; PAGE - (end - l)]);
            }
            out.extend_from_slice(ctx.finish().as_ref());
            l += PAGE;
        }
        lastpos = ptr + size;
    }
    out.extend_from_slice(&(lastpos as u32).to_le_bytes());
    out.extend_from_slice(&vec![0u8; mdlen]);
    out
}

/// The page-hash table recorded in a signature: (algorithm, table bytes).
fn signed_page_hashes(spc_raw: &[u8]) -> Option<(&'static digest::Algorithm, Vec<u8>)> {
    let v1 = [
        0x06u8, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x03, 0x01,
    ];
    let v2 = [
        0x06u8, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x03, 0x02,
    ];
    for (oid, alg) in [
        (v2, &digest::SHA256),
        (v1, &digest::SHA1_FOR_LEGACY_USE_ONLY),
    ] {
        if let Some(at) = spc_raw.windows(oid.len()).position(|w| w == oid) {
            let (set, _) = read(&spc_raw[at + oid.len()..]).ok()?;
            let (octets, _) = read(set.value).ok()?;
            return Some((alg, octets.value.to_vec()));
        }
    }
    None
}

/// The first page hash recorded in a signature's page-hash table (V2 = SHA-256), if any.
pub fn signed_first_page_hash(data: &[u8]) -> Option<Vec<u8>> {
    let pe = Pe::parse(data).ok()?;
    let blob = *pe.signatures().ok()?.first()?;
    let v2 = [
        0x06u8, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x03, 0x02,
    ];
    let at = blob.windows(v2.len()).position(|w| w == v2)? + v2.len();
    // SET { OCTET STRING table }: table = (u32 offset, 32-byte hash)...
    let (set, _) = read(&blob[at..]).ok()?;
    let (octets, _) = read(set.value).ok()?;
    octets.value.get(4..36).map(<[u8]>::to_vec)
}

fn summary(c: &X509Certificate<'_>) -> CertSummary {
    let now = ASN1Time::now();
    CertSummary {
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        not_before: c.validity().not_before.to_string(),
        not_after: c.validity().not_after.to_string(),
        expired: c.validity().not_after < now,
    }
}

/// Verifies one file's bytes.
pub fn verify(data: &[u8]) -> Report {
    let pe = match Pe::parse(data) {
        Ok(p) => p,
        Err(e) if e.starts_with("not a PE") => return Report::new(Status::NotPe, e),
        Err(e) => return Report::new(Status::Malformed, e),
    };
    let sigs = match pe.signatures() {
        Ok(s) => s,
        Err(e) => return Report::new(Status::Malformed, e),
    };
    let Some(first) = sigs.first() else {
        return Report::new(Status::Unsigned, "no Authenticode signature");
    };
    match verify_pkcs7(&pe, first) {
        Ok(r) => r,
        Err(e) => Report::new(Status::Malformed, format!("unreadable signature: {e}")),
    }
}

fn verify_pkcs7(pe: &Pe<'_>, blob: &[u8]) -> Result<Report, String> {
    // ContentInfo
    let (ci, _) = read(blob)?;
    expect(&ci, 0x30, "ContentInfo")?;
    let ci_parts = children(ci.value)?;
    if ci_parts.len() < 2 || oid(ci_parts[0].value) != OID_SIGNED_DATA {
        return Err("not PKCS#7 SignedData".into());
    }
    let (sd, _) = read(ci_parts[1].value)?;
    let sd_parts = children(sd.value)?;
    // version, digestAlgorithms, encapContentInfo, [0] certs?, [1] crls?, signerInfos
    let encap = sd_parts.get(2).ok_or("SignedData has no content")?;
    let encap_parts = children(encap.value)?;
    if encap_parts.is_empty() || oid(encap_parts[0].value) != OID_SPC_INDIRECT {
        return Err("content is not SpcIndirectDataContent".into());
    }
    let (spc, _) = read(encap_parts.get(1).ok_or("no SpcIndirectDataContent")?.value)?;
    let spc_parts = children(spc.value)?;
    let digest_info = children(spc_parts.get(1).ok_or("no DigestInfo")?.value)?;
    let alg_oid = oid(
        children(digest_info.first().ok_or("empty DigestInfo")?.value)?
            .first()
            .ok_or("no digest algorithm")?
            .value,
    );
    let signed_digest = digest_info.get(1).ok_or("no digest")?.value.to_vec();
    let (alg, alg_name) =
        algorithm(&alg_oid).ok_or_else(|| format!("unsupported digest algorithm {alg_oid}"))?;

    let mut rep = Report::new(Status::Valid, String::new());
    rep.digest_algorithm = Some(alg_name.to_string());
    rep.signed_digest = Some(hex(&signed_digest));
    let computed = image_digest(pe, alg);
    rep.computed_digest = Some(hex(&computed));
    rep.page_hashes = page_hashes(spc.raw);
    let page_ok = signed_page_hashes(spc.raw).map(|(alg, table)| table == page_hash_table(pe, alg));
    rep.page_hashes_match = page_ok;

    let certs: Vec<X509Certificate<'_>> = sd_parts
        .iter()
        .filter(|t| t.tag == 0xa0)
        .flat_map(|t| children(t.value).unwrap_or_default())
        .filter_map(|c| X509Certificate::from_der(c.raw).ok().map(|(_, c)| c))
        .collect();
    let signer_infos = sd_parts
        .iter()
        .rev()
        .find(|t| t.tag == 0x31)
        .ok_or("no SignerInfos")?;
    let si = children(signer_infos.value)?
        .into_iter()
        .next()
        .ok_or("no SignerInfo")?;
    let si_parts = children(si.value)?;
    let sid = children(si_parts.get(1).ok_or("no signer id")?.value)?;
    let (issuer_raw, serial) = (
        sid.first().ok_or("no issuer")?.raw,
        sid.get(1).ok_or("no serial")?.value,
    );
    let signer = certs
        .iter()
        .find(|c| {
            c.tbs_certificate.issuer.as_raw() == issuer_raw
                && strip0(c.raw_serial()) == strip0(serial)
        })
        .ok_or("the signer's certificate is not in the signature")?;
    rep.signer = Some(summary(signer));

    // Chain inside the signature, verifying each link.
    let mut chain = vec![signer];
    let mut broken: Option<String> = None;
    while chain.len() < 8 {
        let cur = *chain.last().expect("non-empty");
        if cur.subject().as_raw() == cur.issuer().as_raw() {
            if cur.verify_signature(None).is_err() {
                broken = Some(format!(
                    "self-signed certificate {} does not verify",
                    cur.subject()
                ));
            }
            break;
        }
        match certs.iter().find(|c| {
            c.subject().as_raw() == cur.issuer().as_raw()
                && !chain.iter().any(|x| std::ptr::eq(*x, *c))
        }) {
            Some(parent) => {
                if cur.verify_signature(Some(parent.public_key())).is_err() {
                    broken = Some(format!(
                        "{} is not validly signed by {}",
                        cur.subject(),
                        parent.subject()
                    ));
                    break;
                }
                chain.push(parent);
            }
            None => break,
        }
    }
    rep.chain = chain.iter().map(|c| summary(c)).collect();

    // Signed attributes: messageDigest must match the content; the signature covers them.
    let mut idx = 3;
    let signed_attrs = si_parts.get(idx).filter(|t| t.tag == 0xa0).copied();
    if signed_attrs.is_some() {
        idx += 1;
    }
    let sig_alg = children(si_parts.get(idx).ok_or("no signature algorithm")?.value)?;
    let sig_alg_oid = oid(sig_alg.first().ok_or("no signature algorithm oid")?.value);
    let signature = si_parts.get(idx + 1).ok_or("no signature")?.value;
    let digest_alg_oid = oid(
        children(si_parts.get(2).ok_or("no digest algorithm")?.value)?
            .first()
            .ok_or("no oid")?
            .value,
    );
    let (si_alg, _) = algorithm(&digest_alg_oid)
        .ok_or_else(|| format!("unsupported signer digest {digest_alg_oid}"))?;
    let Some(attrs) = signed_attrs else {
        return Err("SignerInfo has no signed attributes".into());
    };
    let mut md: Option<&[u8]> = None;
    for a in children(attrs.value)? {
        let parts = children(a.value)?;
        let (Some(kind), Some(values)) = (parts.first(), parts.get(1)) else {
            return Err("malformed signed attribute".into());
        };
        if oid(kind.value) == OID_MESSAGE_DIGEST {
            md = children(values.value)?.first().map(|t| t.value);
        }
    }
    let content_digest = digest::digest(si_alg, spc.value);
    let content_digest_whole = digest::digest(si_alg, spc.raw);
    let md_ok =
        md.is_some_and(|m| m == content_digest.as_ref() || m == content_digest_whole.as_ref());
    let mut to_verify = attrs.raw.to_vec();
    to_verify[0] = 0x31;
    let sig_ok = verify_sig(signer, &sig_alg_oid, &digest_alg_oid, &to_verify, signature);

    // Unsigned attributes: timestamps and nested signatures.
    if let Some(unsigned) = si_parts.get(idx + 2).filter(|t| t.tag == 0xa1) {
        for a in children(unsigned.value)? {
            let parts = children(a.value)?;
            let kind = oid(parts.first().ok_or("malformed unsigned attribute")?.value);
            let values = children(parts.get(1).map(|p| p.value).unwrap_or(&[]))?;
            match kind.as_str() {
                OID_COUNTERSIGNATURE => {
                    if let Some(t) = values
                        .first()
                        .and_then(|v| countersignature_time(v).ok().flatten())
                    {
                        rep.timestamp = Some(Timestamp {
                            kind: "authenticode".into(),
                            time: t,
                        });
                    }
                }
                OID_RFC3161 => {
                    if let Some(t) = values.first().and_then(|v| rfc3161_time(v).ok().flatten()) {
                        rep.timestamp = Some(Timestamp {
                            kind: "rfc3161".into(),
                            time: t,
                        });
                    }
                }
                OID_NESTED => rep.nested_signatures += values.len(),
                _ => {}
            }
        }
    }

    // Verdict, most serious first.
    if computed != signed_digest || page_ok == Some(false) {
        rep.status = Status::Tampered;
        rep.detail = if computed != signed_digest {
            "the file was modified after it was signed: its Authenticode digest does not match the signed digest".into()
        } else {
            "the file was modified after it was signed: a page hash does not match the signed page-hash table".into()
        };
    } else if !md_ok || !sig_ok {
        rep.status = Status::BadSignature;
        rep.detail = if !md_ok {
            "the signed attributes do not match the signed content".into()
        } else {
            "the signer's signature does not verify".into()
        };
    } else if let Some(b) = broken {
        rep.status = Status::BadSignature;
        rep.detail = b;
    } else if signer.validity().not_after < ASN1Time::now()
        && !timestamp_within(&rep.timestamp, signer)
    {
        rep.status = Status::ExpiredWithoutTimestamp;
        rep.detail = format!(
            "the signing certificate expired on {} and the signature has no timestamp",
            signer.validity().not_after
        );
    } else {
        let top = chain
            .last()
            .map(|c| c.issuer().to_string())
            .unwrap_or_default();
        rep.detail = format!(
            "signature intact; signed by {}; chain ends at \"{top}\" (trust in that root is decided by Windows, not by gomedic)",
            signer.subject()
        );
    }
    Ok(rep)
}

fn strip0(b: &[u8]) -> &[u8] {
    let mut s = b;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    s
}

fn verify_sig(
    cert: &X509Certificate<'_>,
    sig_oid: &str,
    digest_oid: &str,
    msg: &[u8],
    sig: &[u8],
) -> bool {
    use ring::signature as s;
    let key = cert.public_key().subject_public_key.data.as_ref();
    let key_oid = cert.public_key().algorithm.algorithm.to_id_string();
    let alg: &dyn s::VerificationAlgorithm = match (key_oid.as_str(), sig_oid, digest_oid) {
        ("1.2.840.113549.1.1.1", _, "2.16.840.1.101.3.4.2.1") => &s::RSA_PKCS1_2048_8192_SHA256,
        ("1.2.840.113549.1.1.1", _, "2.16.840.1.101.3.4.2.2") => &s::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.1", _, "2.16.840.1.101.3.4.2.3") => &s::RSA_PKCS1_2048_8192_SHA512,
        ("1.2.840.113549.1.1.1", _, "1.3.14.3.2.26") => {
            &s::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.10045.2.1", _, "2.16.840.1.101.3.4.2.1") => &s::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.2.1", _, "2.16.840.1.101.3.4.2.2") => &s::ECDSA_P384_SHA384_ASN1,
        _ => return false,
    };
    s::UnparsedPublicKey::new(alg, key).verify(msg, sig).is_ok()
}

fn page_hashes(spc_raw: &[u8]) -> Option<String> {
    // SPC_PE_IMAGE_PAGE_HASHES_V1 / _V2 (1.3.6.1.4.1.311.2.3.1 / .2) inside SpcPeImageData.
    let v1 = [
        0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x03, 0x01,
    ];
    let v2 = [
        0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x03, 0x02,
    ];
    let has = |p: &[u8]| spc_raw.windows(p.len()).any(|w| w == p);
    if has(&v2) {
        Some("sha256".into())
    } else if has(&v1) {
        Some("sha1".into())
    } else {
        None
    }
}

fn time_string(t: &Tlv<'_>) -> Option<String> {
    // ASCII only: the slicing below is by byte.
    let s = std::str::from_utf8(t.value).ok().filter(|s| s.is_ascii())?;
    match t.tag {
        0x17 if s.len() >= 12 => {
            let yy: u32 = s[..2].parse().ok()?;
            let y = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            Some(format!(
                "{y}-{}-{}T{}:{}:{}Z",
                &s[2..4],
                &s[4..6],
                &s[6..8],
                &s[8..10],
                &s[10..12]
            ))
        }
        0x18 if s.len() >= 14 => Some(format!(
            "{}-{}-{}T{}:{}:{}Z",
            &s[..4],
            &s[4..6],
            &s[6..8],
            &s[8..10],
            &s[10..12],
            &s[12..14]
        )),
        _ => None,
    }
}

fn countersignature_time(si: &Tlv<'_>) -> Result<Option<String>, String> {
    for p in children(si.value)? {
        if p.tag == 0xa0 {
            for a in children(p.value)? {
                let parts = children(a.value)?;
                let (Some(kind), Some(values)) = (parts.first(), parts.get(1)) else {
                    return Err("malformed countersignature attribute".into());
                };
                if oid(kind.value) == OID_SIGNING_TIME {
                    return Ok(children(values.value)?.first().and_then(time_string));
                }
            }
        }
    }
    Ok(None)
}

fn rfc3161_time(ci: &Tlv<'_>) -> Result<Option<String>, String> {
    let parts = children(ci.value)?;
    let (sd, _) = read(parts.get(1).ok_or("no content")?.value)?;
    let sd_parts = children(sd.value)?;
    let encap = children(sd_parts.get(2).ok_or("no encap")?.value)?;
    let (octets, _) = read(encap.get(1).ok_or("no eContent")?.value)?;
    let (tst, _) = read(octets.value)?;
    let f = children(tst.value)?;
    Ok(f.iter().find(|t| t.tag == 0x18).and_then(time_string))
}

fn timestamp_within(ts: &Option<Timestamp>, cert: &X509Certificate<'_>) -> bool {
    let Some(t) = ts.as_ref().and_then(|t| unix_of(&t.time)) else {
        return false;
    };
    cert.validity().not_before.timestamp() <= t && t <= cert.validity().not_after.timestamp()
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ`.
fn unix_of(s: &str) -> Option<i64> {
    let d: Vec<i64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (y, m, day, hh, mm, ss) = (
        *d.first()?,
        *d.get(1)?,
        *d.get(2)?,
        *d.get(3)?,
        *d.get(4)?,
        *d.get(5)?,
    );
    // days from civil (H. Hinnant)
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_times() {
        assert_eq!(super::unix_of("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(super::unix_of("2000-03-01T00:00:01Z"), Some(951_868_801));
    }
}
