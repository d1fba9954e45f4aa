//! Authenticode inspection of PE files, on every OS.
//!
//! Computes the image digest the way Windows does (everything but the checksum, the
//! certificate directory entry and the certificate table), compares it with the digest in
//! the signature, verifies the PKCS#7 signer's signature and the certificate chain inside
//! the signature, and reports timestamps and page hashes. It never claims a file is
//! *trusted*: that needs a Windows root store (WinVerifyTrust). It says whether the
//! signature is intact and who signed.
//!
//! The PKCS#7/CMS structures (ContentInfo, SignedData, SignerInfo, attributes, the
//! countersignature's SignerInfo, the RFC 3161 TSTInfo) are decoded with RustCrypto's
//! `cms` 0.2, `der` 0.7 and `spki`; the Authenticode content (SpcIndirectDataContent,
//! page hashes, nested signatures) is ours; certificates and signature math are
//! x509-parser's and ring's. Measured on real files, `cms` cannot decode the whole
//! SignedData: the certificate set of mfc90.dll (Microsoft, 2007) repeats certificates,
//! which `der` refuses in a SET OF, and Microsoft's TSA puts an attribute certificate
//! (`[1]`) in its tokens, a choice `cms` does not model. So the certificate and CRL sets
//! are skipped by `cms` and read as before (x509-parser, non-certificates ignored).
//! `der` also sorts a SET OF while decoding, so the signed attributes are hashed as
//! encoded and unsigned attributes taken in their encoded order (`tlv`), and genTime is
//! read by us (TSAs write fractions of a second, which `der`'s GeneralizedTime rejects).

mod cms;
mod pe;
mod tlv;
pub mod wdac;

use cms::{algorithm, dn};
use ring::digest;
use serde::Serialize;
use tlv::read;
use x509_parser::prelude::*;

pub use pe::{Image, Pe};

/// The outcome for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Signed, digest matches, signer signature and chain links verify, not expired (or
    /// timestamped by a timestamp that verifies).
    Valid,
    Unsigned,
    /// The file changed after signing: the image digest differs from the signed one, or
    /// bytes were appended after the certificate table.
    Tampered,
    /// The PKCS#7 signature or a chain link does not verify.
    BadSignature,
    /// A timestamp is present but does not verify (its signature, chain, binding to the
    /// signature or time); it excuses nothing.
    BadTimestamp,
    /// The signing certificate has expired and no verified timestamp lies within its validity.
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
    /// `YYYY-MM-DDTHH:MM:SSZ`, empty when unreadable.
    pub time: String,
    /// The timestamp's signature, chain, binding and time all verify.
    pub verified: bool,
    /// Why it does not verify.
    pub problem: Option<String>,
    /// The countersigner's or TSA's subject.
    pub signer: Option<String>,
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
    /// Bytes after the certificate table (Authenticode covers them: never `valid`).
    pub appended_bytes: u64,
    /// Weak algorithms and structures references accept but frown on.
    pub warnings: Vec<String>,
    /// Which signature decided the status: `primary` or `nested N`.
    pub decided_by: Option<String>,
    /// Each nested signature's own report.
    pub nested: Vec<Report>,
    /// CPU and subsystem from the PE headers (`None` when not a PE file).
    pub image: Option<Image>,
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
            appended_bytes: 0,
            warnings: vec![],
            decided_by: None,
            nested: vec![],
            image: None,
        }
    }
}

const OID_SPC_INDIRECT: &str = "1.3.6.1.4.1.311.2.1.4";

pub(crate) fn hex(b: &[u8]) -> String {
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
        subject: dn(c.subject()),
        issuer: dn(c.issuer()),
        not_before: c.validity().not_before.to_string(),
        not_after: c.validity().not_after.to_string(),
        expired: c.validity().not_after < now,
    }
}

/// Verifies one file's bytes.
pub fn verify(data: &[u8]) -> Report {
    let mut rep = verify_image(data);
    rep.image = Image::parse(data).ok();
    rep
}

fn verify_image(data: &[u8]) -> Report {
    let pe = match Pe::parse(data) {
        Ok(p) => p,
        Err(e) if e.starts_with("not a PE") => return Report::new(Status::NotPe, e),
        Err(e) => return Report::new(Status::Malformed, e),
    };
    let (sigs, table_warnings) = match pe.signature_entries() {
        Ok(s) => s,
        Err(e) => return Report::new(Status::Malformed, e),
    };
    let Some(first) = sigs.first() else {
        let mut r = Report::new(Status::Unsigned, "no Authenticode signature");
        r.warnings = table_warnings;
        return r;
    };
    let mut rep = verify_blob(&pe, first, 0);
    rep.warnings.splice(0..0, table_warnings);
    rep.appended_bytes = pe.appended() as u64;
    if rep.appended_bytes > 0 && rep.status != Status::Malformed {
        rep.status = Status::Tampered;
        rep.detail = format!(
            "{} bytes appended after the signature: Authenticode covers every byte outside the certificate table, so the file is not the one that was signed",
            rep.appended_bytes
        );
    }
    rep.decided_by = Some("primary".into());
    if rep.status == Status::Valid {
        if let Some((i, n)) = rep
            .nested
            .iter()
            .enumerate()
            .find(|(_, n)| n.status != Status::Valid)
        {
            rep.status = n.status;
            rep.detail = format!("nested signature {}: {}", i + 1, n.detail);
            rep.decided_by = Some(format!("nested {}", i + 1));
        }
    }
    rep
}

/// Verifies one PKCS#7 signature of `pe`; `depth` counts nesting.
fn verify_blob(pe: &Pe<'_>, blob: &[u8], depth: usize) -> Report {
    match verify_pkcs7(pe, blob, depth) {
        Ok(r) => r,
        Err(e) => Report::new(Status::Malformed, format!("unreadable signature: {e}")),
    }
}

fn verify_pkcs7(pe: &Pe<'_>, blob: &[u8], depth: usize) -> Result<Report, String> {
    let (sd, rest) = cms::parse_signed_data(blob)?;
    let mut rep = Report::new(Status::Valid, String::new());
    // MS13-098: data hidden after the PKCS#7 blob inside its WIN_CERTIFICATE entry. Windows
    // accepts it unless EnableCertPaddingCheck is set; up to 7 zero bytes are alignment.
    if rest.len() > 7 || rest.iter().any(|b| *b != 0) {
        rep.warnings.push(format!(
            "{} bytes after the signature inside its WIN_CERTIFICATE entry (rejected by Windows with EnableCertPaddingCheck, MS13-098)",
            rest.len()
        ));
    }
    if sd.content_type != OID_SPC_INDIRECT || sd.content.tag != 0x30 {
        return Err("content is not SpcIndirectDataContent".into());
    }
    let spc = sd.content;
    let spc_parts = tlv::children(spc.value)?;
    let digest_info = tlv::children(spc_parts.get(1).ok_or("no DigestInfo")?.value)?;
    let alg_oid = tlv::oid(
        tlv::children(digest_info.first().ok_or("empty DigestInfo")?.value)?
            .first()
            .ok_or("no digest algorithm")?
            .value,
    );
    let signed_digest = digest_info
        .get(1)
        .filter(|t| t.tag == 0x04)
        .ok_or("no digest")?
        .value
        .to_vec();
    let (alg, alg_name) =
        algorithm(&alg_oid).ok_or_else(|| format!("unsupported digest algorithm {alg_oid}"))?;
    if alg_name == "sha1" {
        rep.warnings
            .push("the file digest uses SHA-1 (weak: collisions are practical)".into());
    }
    rep.digest_algorithm = Some(alg_name.to_string());
    rep.signed_digest = Some(hex(&signed_digest));
    // The page hashes cover the file a second time: on another core, alongside the digest.
    let signed_pages = signed_page_hashes(spc.raw);
    let (computed, page_ok) = std::thread::scope(|s| {
        let pages = signed_pages
            .as_ref()
            .map(|(alg, _)| s.spawn(|| page_hash_table(pe, alg)));
        let computed = image_digest(pe, alg);
        let page_ok = match (pages, &signed_pages) {
            (Some(h), Some((alg, table))) => {
                Some(*table == h.join().unwrap_or_else(|_| page_hash_table(pe, alg)))
            }
            _ => None,
        };
        (computed, page_ok)
    });
    rep.computed_digest = Some(hex(&computed));
    rep.page_hashes = page_hashes(spc.raw);
    rep.page_hashes_match = page_ok;

    let certs: Vec<&X509Certificate<'_>> = sd.certs.iter().collect();
    let si = &sd.signer;
    let signer = cms::find_cert(&si.sid, &certs)
        .ok_or("the signer's certificate is not in the signature")?;
    rep.signer = Some(summary(signer));
    let (chain, broken, weak) = cms::chain(signer, &certs);
    rep.warnings.extend(weak);
    rep.chain = chain.iter().map(|c| summary(c)).collect();
    // The messageDigest covers the content of SpcIndirectDataContent (without its tag and
    // length); some signers hash the whole encoding.
    let signed = cms::check_signer(si, &[spc.value, spc.raw], &certs);
    if let Ok(s) = &signed {
        if s.digest_name == "sha1" {
            rep.warnings
                .push("the signer's signature uses SHA-1 (weak)".into());
        }
    }

    // Unsigned attributes: timestamps and nested signatures.
    let mut stamps = Vec::new();
    if let Some(unsigned) = si.unsigned_attrs {
        for (kind, values) in cms::attributes(&unsigned)? {
            match kind.as_str() {
                cms::OID_COUNTERSIGNATURE => {
                    for v in &values {
                        stamps.push(cms::countersignature(v, &si.signature, &certs));
                    }
                }
                cms::OID_RFC3161 => {
                    for v in &values {
                        stamps.push(cms::rfc3161(v, &si.signature, &certs));
                    }
                }
                cms::OID_NESTED => {
                    rep.nested_signatures += values.len();
                    for v in &values {
                        rep.nested.push(if depth < 4 {
                            verify_blob(pe, v.raw, depth + 1)
                        } else {
                            Report::new(Status::Malformed, "signatures nested too deeply")
                        });
                    }
                }
                _ => {}
            }
        }
    }
    if stamps.len() > 1 {
        rep.warnings.push(format!(
            "{} timestamps; the first failing one is reported",
            stamps.len()
        ));
    }
    let failed_stamp = stamps.iter().position(|t| t.problem.is_some());
    let shown = failed_stamp.or(if stamps.is_empty() { None } else { Some(0) });
    if let Some(i) = shown {
        let t = &stamps[i];
        for w in &t.weak {
            rep.warnings.push(format!("timestamp: {w}"));
        }
        rep.timestamp = Some(Timestamp {
            kind: t.kind.into(),
            time: t.time.clone().unwrap_or_default(),
            verified: t.problem.is_none(),
            problem: t.problem.clone(),
            signer: t.signer.clone(),
        });
    }

    // Verdict, most serious first.
    let expired = signer.validity().not_after < ASN1Time::now();
    let ts_time = rep
        .timestamp
        .as_ref()
        .filter(|t| t.verified)
        .map(|t| t.time.clone());
    if computed != signed_digest || page_ok == Some(false) {
        rep.status = Status::Tampered;
        rep.detail = if computed != signed_digest {
            "the file was modified after it was signed: its Authenticode digest does not match the signed digest".into()
        } else {
            "the file was modified after it was signed: a page hash does not match the signed page-hash table".into()
        };
    } else if let Err(e) = &signed {
        rep.status = Status::BadSignature;
        rep.detail = e.clone();
    } else if let Some(b) = broken {
        rep.status = Status::BadSignature;
        rep.detail = b;
    } else if let Some(t) = rep.timestamp.as_ref().filter(|t| !t.verified) {
        rep.status = Status::BadTimestamp;
        rep.detail = format!(
            "the {} timestamp does not verify: {}",
            if t.kind == "rfc3161" {
                "RFC 3161"
            } else {
                "countersignature"
            },
            t.problem.as_deref().unwrap_or("?")
        );
    } else if let Some(t) = ts_time.filter(|t| !cms::in_validity(t, signer)) {
        rep.status = if expired {
            Status::ExpiredWithoutTimestamp
        } else {
            Status::BadTimestamp
        };
        rep.detail = format!(
            "the timestamp {t} lies outside the signing certificate's validity ({} to {})",
            signer.validity().not_before,
            signer.validity().not_after
        );
    } else if expired && rep.timestamp.is_none() {
        rep.status = Status::ExpiredWithoutTimestamp;
        rep.detail = format!(
            "the signing certificate expired on {} and the signature has no timestamp",
            signer.validity().not_after
        );
    } else {
        let top = chain.last().map(|c| dn(c.issuer())).unwrap_or_default();
        rep.detail = format!(
            "signature intact; signed by {}; chain ends at \"{top}\" (trust in that root is decided by Windows, not by gomedic)",
            dn(signer.subject())
        );
    }
    Ok(rep)
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
