//! PKCS#7/CMS SignedData as Authenticode uses it: the signer's signature, the chain of
//! certificates carried inside the signature, and the two kinds of timestamp (legacy
//! countersignature, RFC 3161 token), each verified down to its binding to the signature
//! it vouches for.
//!
//! The CMS structures (ContentInfo, SignedData, SignerInfo, attributes, the TSTInfo) are
//! decoded with RustCrypto's `cms`, `x509-cert` and `der`; the bytes a signature covers
//! are taken from the encoding itself (see `tlv`). Certificates and the signature math
//! stay with x509-parser and ring.

use crate::tlv::{children, decode_first, read, Tlv};
use ::cms::content_info::CmsVersion;
use ::cms::content_info::ContentInfo;
use ::cms::signed_data::{
    DigestAlgorithmIdentifiers, EncapsulatedContentInfo, SignerIdentifier,
    SignerInfo as CmsSignerInfo,
};
use der::asn1::{AnyRef, IntRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Reader, Sequence, SliceReader, Tag, TagNumber, Tagged};
use ring::digest;
use spki::AlgorithmIdentifierRef;
use x509_cert::name::Name;
use x509_parser::prelude::*;

pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
pub const OID_COUNTERSIGNATURE: &str = "1.2.840.113549.1.9.6";
pub const OID_RFC3161: &str = "1.3.6.1.4.1.311.3.3.1";
pub const OID_NESTED: &str = "1.3.6.1.4.1.311.2.4.1";
const OID_TSTINFO: &str = "1.2.840.113549.1.9.16.1.4";

/// Digest algorithms by OID: (ring algorithm, name).
pub fn algorithm(oid: &str) -> Option<(&'static digest::Algorithm, &'static str)> {
    match oid {
        "1.3.14.3.2.26" => Some((&digest::SHA1_FOR_LEGACY_USE_ONLY, "sha1")),
        "2.16.840.1.101.3.4.2.1" => Some((&digest::SHA256, "sha256")),
        "2.16.840.1.101.3.4.2.2" => Some((&digest::SHA384, "sha384")),
        "2.16.840.1.101.3.4.2.3" => Some((&digest::SHA512, "sha512")),
        _ => None,
    }
}

/// A parsed ContentInfo { SignedData }.
pub struct SignedData<'a> {
    pub content_type: String,
    /// The eContent, still wrapped in its own TLV (for Authenticode a SEQUENCE, for a
    /// timestamp token an OCTET STRING).
    pub content: Tlv<'a>,
    pub certs: Vec<X509Certificate<'a>>,
    pub signer: SignerInfo<'a>,
}

pub fn parse_signed_data(blob: &[u8]) -> Result<(SignedData<'_>, &[u8]), String> {
    let (ci, rest) =
        decode_first::<ContentInfo>(blob).map_err(|e| format!("bad ContentInfo: {e}"))?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err("not PKCS#7 SignedData".into());
    }
    let (ci_raw, _) = read(blob)?;
    let explicit = *children(ci_raw.value)?.get(1).ok_or("no content")?;
    let (sd_raw, _) = read(explicit.value)?;
    let sd = signed_data(sd_raw.raw).map_err(|e| format!("bad SignedData: {e}"))?;
    if sd.digest_algorithms.is_empty() {
        return Err("SignedData's digestAlgorithms set is empty".into());
    }
    let content_type = sd.encap_content_info.econtent_type.to_string();
    if sd.encap_content_info.econtent.is_none() {
        return Err("SignedData carries no content".into());
    }
    let si = match sd.signer_infos.as_slice() {
        [one] => one,
        [] => return Err("SignedData has no SignerInfo".into()),
        more => {
            return Err(format!(
                "SignedData has {} SignerInfos; Authenticode allows exactly one",
                more.len()
            ))
        }
    };
    // The same elements as encoded: the content and the SignerInfo byte for byte, the
    // certificates in their order. `cms` accepted the structure, so they are there.
    let sd_parts = children(sd_raw.value)?;
    let encap = sd_parts.get(2).ok_or("SignedData has no content")?;
    let explicit = *children(encap.value)?
        .get(1)
        .ok_or("SignedData carries no content")?;
    let (content, _) = read(explicit.value)?;
    let mut certs = Vec::new();
    for t in sd_parts.iter().skip(3).filter(|t| t.tag == 0xa0) {
        for c in children(t.value)? {
            // Attribute certificates and other choices are not X.509 certificates.
            if let Ok((_, c)) = X509Certificate::from_der(c.raw) {
                certs.push(c);
            }
        }
    }
    let infos = sd_parts.last().ok_or("no SignerInfos")?;
    let raw = *children(infos.value)?.first().ok_or("no SignerInfo")?;
    let signer = signer_info(si, raw)?;
    Ok((
        SignedData {
            content_type,
            content,
            certs,
            signer,
        },
        rest,
    ))
}

/// SignedData as `cms` has it, but with the certificates and CRLs left encoded: `cms`
/// 0.2 rejects two real Microsoft signatures there. mfc90.dll (2007) carries the same
/// certificate twice (`der` refuses duplicates in a SET OF) and Microsoft's TSA adds an
/// attribute certificate (`[1]`, a choice `cms` does not model) to its tokens.
struct LenientSignedData {
    digest_algorithms: DigestAlgorithmIdentifiers,
    encap_content_info: EncapsulatedContentInfo,
    /// Each one decoded alone: two equal ones are two SignerInfos, not a `der` error.
    signer_infos: Vec<CmsSignerInfo>,
}

fn signed_data(raw: &[u8]) -> der::Result<LenientSignedData> {
    let mut r = SliceReader::new(raw)?;
    let sd = r.sequence(|r| {
        CmsVersion::decode(r)?;
        let digest_algorithms = DigestAlgorithmIdentifiers::decode(r)?;
        let encap_content_info = EncapsulatedContentInfo::decode(r)?;
        for n in [0, 1] {
            let tag = Tag::ContextSpecific {
                constructed: true,
                number: TagNumber::new(n),
            };
            if r.peek_tag().ok() == Some(tag) {
                AnyRef::decode(r)?;
            }
        }
        let set = AnyRef::decode(r)?;
        if set.tag() != Tag::Set {
            return Err(set.tag().value_error());
        }
        let mut infos = SliceReader::new(set.value())?;
        let mut signer_infos = Vec::new();
        while !infos.is_finished() {
            signer_infos.push(CmsSignerInfo::decode(&mut infos)?);
        }
        Ok(LenientSignedData {
            digest_algorithms,
            encap_content_info,
            signer_infos,
        })
    })?;
    r.finish(sd)
}

pub enum SignerId {
    IssuerSerial { issuer: Name, serial: Vec<u8> },
    KeyId(Vec<u8>),
}

pub struct SignerInfo<'a> {
    pub sid: SignerId,
    pub digest_oid: String,
    /// As encoded, `[0] IMPLICIT` tag included.
    pub signed_attrs: Option<Tlv<'a>>,
    pub signature: Vec<u8>,
    pub unsigned_attrs: Option<Tlv<'a>>,
}

/// A SignerInfo on its own (a legacy countersignature).
pub fn parse_signer_info<'a>(raw: &Tlv<'a>) -> Result<SignerInfo<'a>, String> {
    let si = CmsSignerInfo::from_der(raw.raw).map_err(|e| format!("bad SignerInfo: {e}"))?;
    signer_info(&si, *raw)
}

fn signer_info<'a>(si: &CmsSignerInfo, raw: Tlv<'a>) -> Result<SignerInfo<'a>, String> {
    let sid = match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(i) => SignerId::IssuerSerial {
            issuer: i.issuer.clone(),
            serial: i.serial_number.as_bytes().to_vec(),
        },
        SignerIdentifier::SubjectKeyIdentifier(k) => SignerId::KeyId(k.0.as_bytes().to_vec()),
    };
    // Only the attribute sets are tagged [0] and [1] constructed in a SignerInfo.
    let parts = children(raw.value)?;
    let tagged = |tag| parts.iter().find(|t| t.tag == tag).copied();
    Ok(SignerInfo {
        sid,
        digest_oid: si.digest_alg.oid.to_string(),
        signed_attrs: si.signed_attrs.as_ref().and(tagged(0xa0)),
        signature: si.signature.as_bytes().to_vec(),
        unsigned_attrs: si.unsigned_attrs.as_ref().and(tagged(0xa1)),
    })
}

/// (type OID, values) of each attribute in a SET OF Attribute.
pub fn attributes<'a>(set: &Tlv<'a>) -> Result<Vec<(String, Vec<Tlv<'a>>)>, String> {
    // Decoded by `cms` with the SignerInfo already; read again here in their encoded order.
    let mut out = Vec::new();
    for a in children(set.value)? {
        let parts = children(a.value)?;
        match (parts.first(), parts.get(1)) {
            (Some(k), Some(v)) if v.tag == 0x31 => {
                let k = ObjectIdentifier::from_der(k.raw).map_err(|_| "malformed attribute")?;
                out.push((k.to_string(), children(v.value)?))
            }
            _ => return Err("malformed attribute".into()),
        }
    }
    Ok(out)
}

fn strip0(b: &[u8]) -> &[u8] {
    let mut s = b;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    s
}

pub fn find_cert<'c, 'a>(
    sid: &SignerId,
    certs: &'c [&'c X509Certificate<'a>],
) -> Option<&'c X509Certificate<'a>> {
    certs.iter().copied().find(|c| {
        match sid {
        SignerId::IssuerSerial { issuer, serial } => {
            strip0(c.raw_serial()) == strip0(serial)
                && Name::from_der(c.tbs_certificate.issuer.as_raw()).is_ok_and(|n| n == *issuer)
        }
        SignerId::KeyId(k) => c.extensions().iter().any(|e| {
            matches!(e.parsed_extension(), ParsedExtension::SubjectKeyIdentifier(s) if s.0 == k.as_slice())
        }),
    }
    })
}

/// What a verified SignerInfo yields.
pub struct Signed<'c, 'a> {
    pub cert: &'c X509Certificate<'a>,
    pub digest_name: &'static str,
    pub signing_time: Option<String>,
}

/// Checks one SignerInfo: its messageDigest attribute equals the digest of `content` (or
/// of one of `alternatives`), and its signature over the signed attributes verifies with
/// the key of the certificate it names.
pub fn check_signer<'c, 'a>(
    si: &SignerInfo<'_>,
    contents: &[&[u8]],
    certs: &'c [&'c X509Certificate<'a>],
) -> Result<Signed<'c, 'a>, String> {
    let (alg, name) = algorithm(&si.digest_oid)
        .ok_or_else(|| format!("unsupported digest algorithm {}", si.digest_oid))?;
    let cert = find_cert(&si.sid, certs).ok_or("the signer's certificate is not included")?;
    let attrs = si.signed_attrs.ok_or("no signed attributes")?;
    let mut md = None;
    let mut signing_time = None;
    for (k, v) in attributes(&attrs)? {
        match k.as_str() {
            OID_MESSAGE_DIGEST => md = v.first().filter(|t| t.tag == 0x04).map(|t| t.value),
            OID_SIGNING_TIME => signing_time = v.first().and_then(time_string),
            _ => {}
        }
    }
    let md = md.ok_or("no messageDigest attribute")?;
    if !contents
        .iter()
        .any(|c| digest::digest(alg, c).as_ref() == md)
    {
        return Err("the signed attributes do not match the signed content".into());
    }
    let mut msg = attrs.raw.to_vec();
    msg[0] = 0x31; // signed as a SET OF, not as [0] IMPLICIT
    verify_with(cert.public_key(), name, &msg, &si.signature).map_err(|e| {
        format!(
            "the signature of {} does not verify: {e}",
            dn(cert.subject())
        )
    })?;
    Ok(Signed {
        cert,
        digest_name: name,
        signing_time,
    })
}

/// Verifies `sig` over `msg` with `key`, hashing with `digest` (a name from `algorithm`
/// or `md5`).
fn verify_with(
    key: &SubjectPublicKeyInfo<'_>,
    digest: &str,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    use ring::signature as s;
    let key_oid = key.algorithm.algorithm.to_id_string();
    let curve = key
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let alg: &dyn s::VerificationAlgorithm = match (key_oid.as_str(), curve.as_deref(), digest) {
        // Windows still accepts 1024-bit RSA in old signatures; so must we to agree.
        ("1.2.840.113549.1.1.1", _, "sha1") => &s::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.1", _, "sha256") => &s::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.1", _, "sha384") => &s::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.1", _, "sha512") => &s::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        ("1.2.840.113549.1.1.1", _, "md5") => {
            return Err("MD5 signatures are broken and not accepted".into())
        }
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7"), "sha256") => &s::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7"), "sha384") => &s::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.2.1", Some("1.3.132.0.34"), "sha256") => &s::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.2.1", Some("1.3.132.0.34"), "sha384") => &s::ECDSA_P384_SHA384_ASN1,
        (k, c, d) => {
            return Err(format!(
                "unsupported key and digest ({k}{}, {d})",
                c.map(|c| format!(" {c}")).unwrap_or_default()
            ))
        }
    };
    s::UnparsedPublicKey::new(alg, key.subject_public_key.data.as_ref())
        .verify(msg, sig)
        .map_err(|_| "bad signature".to_string())
}

/// The digest a certificate's signature algorithm uses.
fn cert_sig_digest(c: &X509Certificate<'_>) -> Option<&'static str> {
    Some(
        match c.signature_algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.113549.1.1.4" => "md5",
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "sha1",
            "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => "sha256",
            "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => "sha384",
            "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => "sha512",
            _ => return None,
        },
    )
}

/// The chain from `leaf` through the certificates inside the signature. Each link is
/// verified; the top certificate's self-signature is not (a root is trusted or not, and
/// Windows does not check it either). Returns the chain, the first broken link, and the
/// weak algorithms met on the way.
pub fn chain<'c, 'a>(
    leaf: &'c X509Certificate<'a>,
    certs: &'c [&'c X509Certificate<'a>],
) -> (Vec<&'c X509Certificate<'a>>, Option<String>, Vec<String>) {
    let mut chain = vec![leaf];
    let mut weak = Vec::new();
    while chain.len() < 8 {
        let cur = *chain.last().expect("non-empty");
        if cur.subject().as_raw() == cur.issuer().as_raw() {
            break;
        }
        let Some(parent) = certs.iter().copied().find(|c| {
            c.subject().as_raw() == cur.issuer().as_raw()
                && !chain.iter().any(|x| std::ptr::eq(*x, *c))
        }) else {
            break;
        };
        let d = cert_sig_digest(cur);
        let ok = match d {
            Some(d) => verify_with(
                parent.public_key(),
                d,
                cur.tbs_certificate.as_ref(),
                cur.signature_value.data.as_ref(),
            ),
            None => Err(format!(
                "unsupported signature algorithm {}",
                cur.signature_algorithm.algorithm.to_id_string()
            )),
        };
        if let Err(e) = ok {
            let link = format!(
                "{} is not validly signed by {}: {e}",
                dn(cur.subject()),
                dn(parent.subject())
            );
            return (chain, Some(link), weak);
        }
        if let Some(d @ ("sha1" | "md5")) = d {
            weak.push(format!(
                "{} is signed with {} (weak)",
                dn(cur.subject()),
                d.to_uppercase().replace("SHA1", "SHA-1")
            ));
        }
        chain.push(parent);
    }
    (chain, None, weak)
}

/// A verified (or failed) timestamp.
pub struct Checked {
    pub kind: &'static str,
    pub time: Option<String>,
    pub signer: Option<String>,
    pub digest: Option<&'static str>,
    pub problem: Option<String>,
    pub weak: Vec<String>,
}

pub fn in_validity(t: &str, c: &X509Certificate<'_>) -> bool {
    unix_of(t).is_some_and(|t| {
        c.validity().not_before.timestamp() <= t && t <= c.validity().not_after.timestamp()
    })
}

/// A legacy countersignature: a SignerInfo over the primary signature's value, its
/// certificate among the outer SignedData's certificates.
pub fn countersignature<'a>(
    v: &Tlv<'a>,
    signature: &[u8],
    certs: &[&X509Certificate<'a>],
) -> Checked {
    let mut out = Checked {
        kind: "authenticode",
        time: None,
        signer: None,
        digest: None,
        problem: None,
        weak: vec![],
    };
    let r = (|| -> Result<(), String> {
        let si = parse_signer_info(v)?;
        // The time is read before the checks so that a failed timestamp still shows it.
        if let Some(a) = si.signed_attrs {
            out.time = attributes(&a).ok().and_then(|v| {
                v.into_iter()
                    .find(|(k, _)| k == OID_SIGNING_TIME)
                    .and_then(|(_, v)| v.first().and_then(time_string))
            });
        }
        let s = check_signer(&si, &[signature], certs)?;
        out.signer = Some(dn(s.cert.subject()));
        out.digest = Some(s.digest_name);
        let time = s.signing_time.ok_or("no signing time")?;
        finish(&mut out, s.cert, &time, certs)
    })();
    out.problem = r.err();
    out
}

/// An RFC 3161 token: SignedData over a TSTInfo whose messageImprint is the digest of the
/// primary signature's value, signed by a TSA whose certificates the token carries.
pub fn rfc3161<'a>(v: &Tlv<'a>, signature: &[u8], outer: &[&X509Certificate<'a>]) -> Checked {
    let mut out = Checked {
        kind: "rfc3161",
        time: None,
        signer: None,
        digest: None,
        problem: None,
        weak: vec![],
    };
    let r = (|| -> Result<(), String> {
        let (sd, _) = parse_signed_data(v.raw)?;
        if sd.content_type != OID_TSTINFO || sd.content.tag != 0x04 {
            return Err("the token does not carry a TSTInfo".into());
        }
        let tst = tst_info(sd.content.value).map_err(|e| format!("bad TSTInfo: {e}"))?;
        let gen_time = Some(tst.gen_time)
            .filter(|t| t.tag() == der::Tag::GeneralizedTime)
            .and_then(|t| {
                time_string(&Tlv {
                    tag: 0x18,
                    raw: t.value(),
                    value: t.value(),
                })
            });
        out.time = gen_time.clone();
        let i_oid = tst.imprint.hash_algorithm.oid.to_string();
        let (ialg, _) =
            algorithm(&i_oid).ok_or_else(|| format!("unsupported imprint algorithm {i_oid}"))?;
        if digest::digest(ialg, signature).as_ref() != tst.imprint.hashed_message.as_bytes() {
            return Err("its message imprint does not match the signature it timestamps".into());
        }
        let mut certs: Vec<&X509Certificate<'_>> = sd.certs.iter().collect();
        certs.extend(outer.iter().copied());
        let s = check_signer(&sd.signer, &[sd.content.value], &certs)?;
        out.signer = Some(dn(s.cert.subject()));
        out.digest = Some(s.digest_name);
        let time = gen_time.ok_or("no genTime")?;
        finish(&mut out, s.cert, &time, &certs)
    })();
    out.problem = r.err();
    out
}

#[derive(Sequence)]
struct MessageImprint<'a> {
    hash_algorithm: AlgorithmIdentifierRef<'a>,
    hashed_message: OctetStringRef<'a>,
}

/// The parts of a TSTInfo (RFC 3161) that bind it: the imprint and the time.
struct TstInfo<'a> {
    imprint: MessageImprint<'a>,
    /// Not `der`'s GeneralizedTime: TSAs write fractions of a second, which it rejects.
    gen_time: AnyRef<'a>,
}

fn tst_info(b: &[u8]) -> der::Result<TstInfo<'_>> {
    let mut r = SliceReader::new(b)?;
    let t = r.sequence(|r| {
        IntRef::decode(r)?; // version
        ObjectIdentifier::decode(r)?; // policy
        let imprint = MessageImprint::decode(r)?;
        IntRef::decode(r)?; // serialNumber
        let gen_time = AnyRef::decode(r)?;
        // accuracy, ordering, nonce, tsa, extensions: not needed
        r.read_slice(r.remaining_len())?;
        Ok(TstInfo { imprint, gen_time })
    })?;
    r.finish(t)
}

fn finish(
    out: &mut Checked,
    tsa: &X509Certificate<'_>,
    time: &str,
    certs: &[&X509Certificate<'_>],
) -> Result<(), String> {
    let (_, broken, weak) = chain(tsa, certs);
    out.weak = weak;
    if out.digest == Some("sha1") {
        out.weak
            .push("the timestamp's signature uses SHA-1 (weak)".into());
    }
    if let Some(b) = broken {
        return Err(b);
    }
    // A timestamp counts only from a certificate issued for time stamping (RFC 3161 2.3;
    // Windows checks the EKU too). Old certificates without the extension pass.
    if let Ok(Some(eku)) = tsa.extended_key_usage() {
        if !eku.value.time_stamping && !eku.value.any {
            return Err(format!(
                "its signer's certificate {} is not for time stamping (its extended key usage lacks timeStamping)",
                dn(tsa.subject())
            ));
        }
    }
    if !in_validity(time, tsa) {
        return Err(format!(
            "its time {time} lies outside the validity of its signer's certificate ({} to {})",
            tsa.validity().not_before,
            tsa.validity().not_after
        ));
    }
    Ok(())
}

pub fn time_string(t: &Tlv<'_>) -> Option<String> {
    // ASCII digits only: the slicing below is by byte.
    let s = std::str::from_utf8(t.value).ok().filter(|s| s.is_ascii())?;
    let digits = |r: std::ops::Range<usize>| {
        s.get(r.clone())
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
    };
    let (y, rest) = match t.tag {
        0x17 => {
            let yy: u32 = digits(0..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        0x18 => (digits(0..4)?.parse().ok()?, 4),
        _ => return None,
    };
    Some(format!(
        "{y:04}-{}-{}T{}:{}:{}Z",
        digits(rest..rest + 2)?,
        digits(rest + 2..rest + 4)?,
        digits(rest + 4..rest + 6)?,
        digits(rest + 6..rest + 8)?,
        digits(rest + 8..rest + 10)?
    ))
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ`.
pub fn unix_of(s: &str) -> Option<i64> {
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

/// A distinguished name with RFC 4514 escaping of its values, in the certificate's order.
pub fn dn(n: &X509Name<'_>) -> String {
    let mut out = String::new();
    for rdn in n.iter() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        for (i, atv) in rdn.iter().enumerate() {
            if i > 0 {
                out.push('+');
            }
            let t = atv.attr_type();
            match x509_parser::objects::oid2abbrev(t, x509_parser::objects::oid_registry()) {
                Ok(a) => out.push_str(a),
                Err(_) => out.push_str(&t.to_id_string()),
            }
            out.push('=');
            match atv.as_str() {
                Ok(v) => escape_into(&mut out, v),
                Err(_) => {
                    out.push('#');
                    out.push_str(&crate::hex(atv.attr_value().data));
                }
            }
        }
    }
    out
}

fn escape_into(out: &mut String, v: &str) {
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i + 1 == n => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c if c.is_control() => out.push_str(&format!("\\{:02x}", c as u32 & 0xff)),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_signer_must_be_for_time_stamping() {
        // osslsigncode refuses to sign with such a certificate: built here instead.
        let key = rcgen::KeyPair::generate().unwrap();
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "Not A TSA");
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2040, 1, 1);
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::CodeSigning];
        let der = p.clone().self_signed(&key).unwrap().der().to_vec();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        let mut out = Checked {
            kind: "rfc3161",
            time: None,
            signer: None,
            digest: None,
            problem: None,
            weak: vec![],
        };
        let e = finish(&mut out, &cert, "2025-01-01T00:00:00Z", &[&cert]).unwrap_err();
        assert!(e.contains("not for time stamping"), "{e}");
        p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::TimeStamping];
        let der = p.self_signed(&key).unwrap().der().to_vec();
        let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(
            finish(&mut out, &cert, "2025-01-01T00:00:00Z", &[&cert]),
            Ok(())
        );
    }

    #[test]
    fn unix_times() {
        assert_eq!(unix_of("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_of("2000-03-01T00:00:01Z"), Some(951_868_801));
    }

    #[test]
    fn times_need_digits() {
        let t = |tag, v: &'static [u8]| {
            time_string(&Tlv {
                tag,
                raw: v,
                value: v,
            })
        };
        assert_eq!(
            t(0x17, b"070101120000Z").as_deref(),
            Some("2007-01-01T12:00:00Z")
        );
        assert_eq!(
            t(0x18, b"20260527021428.123Z").as_deref(),
            Some("2026-05-27T02:14:28Z")
        );
        assert_eq!(t(0x18, b"2026x527021428Z"), None);
        assert_eq!(t(0x18, b"2026"), None);
    }

    #[test]
    fn escapes_like_rfc4514() {
        let mut s = String::new();
        escape_into(&mut s, "OpenAI OpCo, LLC");
        assert_eq!(s, "OpenAI OpCo\\, LLC");
        let mut s = String::new();
        escape_into(&mut s, "#a+b ");
        assert_eq!(s, "\\#a\\+b\\ ");
    }
}
