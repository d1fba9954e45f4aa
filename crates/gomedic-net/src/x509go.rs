//! Certificate verification as go's crypto/x509 does it on Linux and the BSDs
//! (`Certificate.Verify` with `DNSName` set, as crypto/tls calls it): the same order of
//! checks (leaf validity, then the host name, then chain building), the same rules
//! (a leaf that is itself in the root pool is trusted as is, whatever its basic
//! constraints; a parent must be a CA; SHA-1 and MD5 signatures refused) and go's own
//! error messages. webpki differs on exactly the cases that matter here: CA:TRUE
//! leaves, certificates trusted directly, RSA below 2048 bits, P-521.
//!
//! Not modelled: name constraints and certificate policies (rare in the private CAs
//! gomedic meets), and the platform verifiers go uses on Windows and macOS.

use crate::gotls::GoTls;
use crate::sig::{self, KeyKind, PublicKey, SigAlg, SigError};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;

/// The fields of a certificate go's verifier looks at.
#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    /// Subject and issuer Names, DER without the outer SEQUENCE header.
    subject: Vec<u8>,
    issuer: Vec<u8>,
    tbs: Vec<u8>,
    sig_oid: String,
    sig_alg: Option<SigAlg>,
    signature: Vec<u8>,
    pub key: PublicKey,
    not_before: i64,
    not_after: i64,
    version: u32,
    bc_valid: bool,
    is_ca: bool,
    max_path_len: Option<u32>,
    /// keyUsage present and without keyCertSign.
    ku_no_cert_sign: bool,
    /// None: no EKU extension. Some((any, server_auth_or_sgc)).
    eku: Option<(bool, bool)>,
    unhandled_critical: bool,
    pub dns_names: Vec<String>,
    ips: Vec<IpAddr>,
    has_san: bool,
    pub common_name: String,
    organization: Option<String>,
    serial: String,
    skid: Vec<u8>,
    akid: Vec<u8>,
    /// A trust anchor known only by subject and key (the public roots): no dates.
    anchor_only: bool,
}

fn name_inner(raw: &[u8]) -> Vec<u8> {
    // Strip the SEQUENCE tag and length so full certificates and bare trust anchors compare.
    if raw.first() == Some(&0x30) && raw.len() >= 2 {
        let l = raw[1];
        let hdr = if l < 0x80 { 2 } else { 2 + (l & 0x7f) as usize };
        if hdr <= raw.len() {
            return raw[hdr..].to_vec();
        }
    }
    raw.to_vec()
}

impl Cert {
    pub fn parse(der: &[u8]) -> Result<Cert, String> {
        use x509_parser::extensions::{GeneralName, ParsedExtension};
        let (_, c) = x509_parser::parse_x509_certificate(der).map_err(|e| e.to_string())?;
        let tbs = &c.tbs_certificate;
        let params = c
            .signature_algorithm
            .parameters
            .as_ref()
            .map(|p| p.as_bytes().to_vec())
            .unwrap_or_default();
        let sig_oid = c.signature_algorithm.algorithm.to_id_string();
        let mut out = Cert {
            der: der.to_vec(),
            subject: name_inner(tbs.subject.as_raw()),
            issuer: name_inner(tbs.issuer.as_raw()),
            tbs: tbs.as_ref().to_vec(),
            sig_alg: sig::cert_alg(&sig_oid, &params),
            sig_oid,
            signature: c.signature_value.data.to_vec(),
            key: PublicKey::from_spki(&tbs.subject_pki),
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            version: tbs.version.0 + 1,
            bc_valid: false,
            is_ca: false,
            max_path_len: None,
            ku_no_cert_sign: false,
            eku: None,
            unhandled_critical: false,
            dns_names: Vec::new(),
            ips: Vec::new(),
            has_san: false,
            common_name: tbs
                .subject
                .iter_common_name()
                .last()
                .and_then(|a| a.as_str().ok())
                .unwrap_or_default()
                .to_string(),
            organization: tbs
                .subject
                .iter_organization()
                .next()
                .and_then(|a| a.as_str().ok())
                .map(str::to_string),
            serial: tbs.serial.to_string(),
            skid: Vec::new(),
            akid: Vec::new(),
            anchor_only: false,
        };
        for ext in tbs.extensions() {
            let oid = ext.oid.to_id_string();
            let handled = matches!(
                oid.as_str(),
                "2.5.29.15"
                    | "2.5.29.19"
                    | "2.5.29.17"
                    | "2.5.29.30"
                    | "2.5.29.31"
                    | "2.5.29.35"
                    | "2.5.29.37"
                    | "2.5.29.14"
                    | "2.5.29.32"
                    | "2.5.29.33"
                    | "2.5.29.36"
                    | "2.5.29.54"
                    | "1.3.6.1.5.5.7.1.1"
            );
            if ext.critical && !handled {
                out.unhandled_critical = true;
            }
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    out.bc_valid = true;
                    out.is_ca = bc.ca;
                    out.max_path_len = bc.path_len_constraint;
                }
                ParsedExtension::KeyUsage(ku) => {
                    out.ku_no_cert_sign = ku.flags != 0 && !ku.key_cert_sign();
                }
                ParsedExtension::ExtendedKeyUsage(e) => {
                    // Go accepts Netscape and Microsoft Server Gated Crypto for serverAuth.
                    let sgc = e.other.iter().any(|o| {
                        let s = o.to_id_string();
                        s == "2.16.840.1.113730.4.1" || s == "1.3.6.1.4.1.311.10.3.3"
                    });
                    out.eku = Some((e.any, e.server_auth || sgc));
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    out.has_san = true;
                    for n in &san.general_names {
                        match n {
                            GeneralName::DNSName(d) => out.dns_names.push(d.to_string()),
                            GeneralName::IPAddress(b) => match b.len() {
                                4 => out.ips.push(IpAddr::from(<[u8; 4]>::try_from(*b).unwrap())),
                                16 => out
                                    .ips
                                    .push(IpAddr::from(<[u8; 16]>::try_from(*b).unwrap())),
                                _ => {}
                            },
                            _ => {}
                        }
                    }
                }
                ParsedExtension::SubjectKeyIdentifier(k) => out.skid = k.0.to_vec(),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    out.akid = a
                        .key_identifier
                        .as_ref()
                        .map(|k| k.0.to_vec())
                        .unwrap_or_default()
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// A root known by subject and public key only (webpki's trust anchors).
    pub fn anchor(subject: &[u8], spki_contents: &[u8]) -> Option<Cert> {
        use x509_parser::prelude::FromDer;
        let mut spki = Vec::with_capacity(spki_contents.len() + 4);
        spki.push(0x30);
        push_len(&mut spki, spki_contents.len());
        spki.extend_from_slice(spki_contents);
        let (_, pk) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&spki).ok()?;
        Some(Cert {
            der: Vec::new(),
            subject: name_inner(subject),
            issuer: name_inner(subject),
            tbs: Vec::new(),
            sig_oid: String::new(),
            sig_alg: None,
            signature: Vec::new(),
            key: PublicKey::from_spki(&pk),
            not_before: i64::MIN,
            not_after: i64::MAX,
            version: 3,
            bc_valid: true,
            is_ca: true,
            max_path_len: None,
            ku_no_cert_sign: false,
            eku: None,
            unhandled_critical: false,
            dns_names: Vec::new(),
            ips: Vec::new(),
            has_san: false,
            common_name: String::new(),
            organization: None,
            serial: String::new(),
            skid: Vec::new(),
            akid: Vec::new(),
            anchor_only: true,
        })
    }

    /// Issuer and subject are the same name (a root, or a self-signed certificate).
    pub fn self_issued(&self) -> bool {
        self.issuer == self.subject
    }

    /// How go names a certificate in an unknown-authority hint.
    fn hint_name(&self) -> String {
        if !self.common_name.is_empty() {
            self.common_name.clone()
        } else if let Some(o) = &self.organization {
            o.clone()
        } else {
            format!("serial:{}", self.serial)
        }
    }

    fn same(&self, other: &Cert) -> bool {
        if self.anchor_only || other.anchor_only {
            return self.subject == other.subject && self.key == other.key;
        }
        self.der == other.der
    }
}

fn push_len(v: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        v.push(n as u8);
    } else {
        let b = n.to_be_bytes();
        let skip = b.iter().position(|&x| x != 0).unwrap_or(b.len() - 1);
        v.push(0x80 | (b.len() - skip) as u8);
        v.extend_from_slice(&b[skip..]);
    }
}

/// A certificate pool, looked up by subject as go's CertPool is.
#[derive(Debug, Default, Clone)]
pub struct Pool {
    certs: Vec<Arc<Cert>>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    sums: HashSet<[u8; 32]>,
}

impl Pool {
    pub fn new() -> Pool {
        Pool::default()
    }

    pub fn add(&mut self, c: Cert) {
        if !c.der.is_empty() {
            let sum: [u8; 32] = Sha256::digest(&c.der).into();
            if !self.sums.insert(sum) {
                return;
            }
        }
        self.by_subject
            .entry(c.subject.clone())
            .or_default()
            .push(self.certs.len());
        self.certs.push(Arc::new(c));
    }

    /// Adds every certificate in DER form that parses (go skips the others too).
    pub fn add_der(&mut self, der: &[u8]) -> bool {
        match Cert::parse(der) {
            Ok(c) => {
                self.add(c);
                true
            }
            Err(_) => false,
        }
    }

    pub fn from_anchors(anchors: &[rustls::pki_types::TrustAnchor<'_>]) -> Pool {
        let mut p = Pool::new();
        for a in anchors {
            if let Some(c) = Cert::anchor(&a.subject, &a.subject_public_key_info) {
                p.add(c);
            }
        }
        p
    }

    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    fn contains(&self, c: &Cert) -> bool {
        if !c.der.is_empty()
            && self
                .sums
                .contains(&<[u8; 32]>::from(Sha256::digest(&c.der)))
        {
            return true;
        }
        // Anchors are known by subject and key only.
        self.by_subject.get(&c.subject).is_some_and(|ix| {
            ix.iter()
                .any(|&i| self.certs[i].anchor_only && self.certs[i].same(c))
        })
    }

    /// Candidate parents in go's order: key ids match, one key id missing, mismatch.
    fn potential_parents(&self, c: &Cert) -> Vec<Arc<Cert>> {
        let Some(ix) = self.by_subject.get(&c.issuer) else {
            return Vec::new();
        };
        let (mut m, mut one, mut mis) = (Vec::new(), Vec::new(), Vec::new());
        for &i in ix {
            let cand = &self.certs[i];
            if cand.skid == c.akid {
                m.push(cand.clone());
            } else if cand.skid.is_empty() != c.akid.is_empty() {
                one.push(cand.clone());
            } else {
                mis.push(cand.clone());
            }
        }
        m.extend(one);
        m.extend(mis);
        m
    }
}

/// A verification failure, displayed as go displays it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum X509Error {
    /// Outside its validity period.
    Expired {
        detail: String,
    },
    /// Not valid for the host; `legacy_cn` when only the Common Name would match.
    Hostname {
        message: String,
        legacy_cn: bool,
    },
    UnknownAuthority {
        hint: Option<(String, String)>,
    },
    NotAuthorizedToSign,
    TooManyIntermediates,
    IncompatibleUsage,
    NameMismatch,
    UnhandledCriticalExtension,
    /// A signature gomedic cannot check (go may): the verdict is left open.
    GomedicCannotCheck(String),
    Other(String),
}

impl std::fmt::Display for X509Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            X509Error::Expired { detail } => {
                write!(
                    f,
                    "x509: certificate has expired or is not yet valid: {detail}"
                )
            }
            X509Error::Hostname { message, .. } => f.write_str(message),
            X509Error::UnknownAuthority { hint } => {
                f.write_str("x509: certificate signed by unknown authority")?;
                if let Some((err, name)) = hint {
                    write!(f, " (possibly because of {err:?} while trying to verify candidate authority certificate {name:?})")?;
                }
                Ok(())
            }
            X509Error::NotAuthorizedToSign => {
                f.write_str("x509: certificate is not authorized to sign other certificates")
            }
            X509Error::TooManyIntermediates => {
                f.write_str("x509: too many intermediates for path length constraint")
            }
            X509Error::IncompatibleUsage => {
                f.write_str("x509: certificate specifies an incompatible key usage")
            }
            X509Error::NameMismatch => {
                f.write_str("x509: issuer name does not match subject from issuing certificate")
            }
            X509Error::UnhandledCriticalExtension => {
                f.write_str("x509: unhandled critical extension")
            }
            X509Error::GomedicCannotCheck(s) => {
                write!(f, "gomedic cannot check this signature: {s}")
            }
            X509Error::Other(s) => f.write_str(s),
        }
    }
}

use gomedic_core::time::rfc3339;

#[derive(Clone, Copy, PartialEq, Eq)]
enum CertType {
    Leaf,
    Intermediate,
    Root,
}

fn is_valid(c: &Cert, ty: CertType, chain: &[Arc<Cert>], now: i64) -> Result<(), X509Error> {
    if c.unhandled_critical {
        return Err(X509Error::UnhandledCriticalExtension);
    }
    if let Some(child) = chain.last() {
        if child.issuer != c.subject {
            return Err(X509Error::NameMismatch);
        }
    }
    if now < c.not_before {
        return Err(X509Error::Expired {
            detail: format!(
                "current time {} is before {}",
                rfc3339(now),
                rfc3339(c.not_before)
            ),
        });
    }
    if now > c.not_after {
        return Err(X509Error::Expired {
            detail: format!(
                "current time {} is after {}",
                rfc3339(now),
                rfc3339(c.not_after)
            ),
        });
    }
    if ty == CertType::Intermediate && (!c.bc_valid || !c.is_ca) {
        return Err(X509Error::NotAuthorizedToSign);
    }
    if c.bc_valid {
        if let Some(max) = c.max_path_len {
            if chain.len().saturating_sub(1) > max as usize {
                return Err(X509Error::TooManyIntermediates);
            }
        }
    }
    Ok(())
}

/// `child.CheckSignatureFrom(parent)`.
fn check_signature_from(child: &Cert, parent: &Cert, go: &GoTls) -> Result<(), X509Error> {
    if (parent.version == 3 && !parent.bc_valid) || (parent.bc_valid && !parent.is_ca) {
        return Err(X509Error::Other(
            "x509: invalid signature: parent certificate cannot sign this kind of certificate"
                .into(),
        ));
    }
    if parent.ku_no_cert_sign {
        return Err(X509Error::Other(
            "x509: invalid signature: parent certificate cannot sign this kind of certificate"
                .into(),
        ));
    }
    if let PublicKey::Unsupported(what) = &parent.key {
        if what.starts_with("public key algorithm") {
            return Err(X509Error::Other(
                "x509: cannot verify signature: algorithm unimplemented".into(),
            ));
        }
    }
    let Some(alg) = child.sig_alg else {
        return Err(X509Error::Other(
            "x509: cannot verify signature: algorithm unimplemented".into(),
        ));
    };
    match alg.hash {
        sig::Hash::Md5 => {
            return Err(X509Error::Other(format!(
                "x509: cannot verify signature: insecure algorithm {}",
                alg.name
            )))
        }
        sig::Hash::Sha1 if !go.x509sha1 => {
            return Err(X509Error::Other(format!(
                "x509: cannot verify signature: insecure algorithm {}{}",
                alg.name,
                go.sha1_hint()
            )))
        }
        _ => {}
    }
    let key_kind = match alg.kind {
        KeyKind::RsaPss => KeyKind::Rsa,
        k => k,
    };
    if parent.key.kind().is_some_and(|k| k != key_kind) {
        return Err(X509Error::Other(format!(
            "x509: signature algorithm specifies an {} public key, but have public key of another type",
            match key_kind {
                KeyKind::Rsa | KeyKind::RsaPss => "RSA",
                KeyKind::Ecdsa => "ECDSA",
                KeyKind::Ed25519 => "Ed25519",
            }
        )));
    }
    match sig::verify(
        &parent.key,
        alg.kind,
        alg.hash,
        &child.tbs,
        &child.signature,
        go.min_rsa_bits(),
    ) {
        Ok(()) => Ok(()),
        Err(SigError::Go(e)) => Err(X509Error::Other(e)),
        Err(SigError::Unsupported(e)) => Err(X509Error::GomedicCannotCheck(format!(
            "{} ({e})",
            child.sig_oid
        ))),
    }
}

const MAX_SIG_CHECKS: usize = 100;

fn build_chains(
    c: &Arc<Cert>,
    chain: &[Arc<Cert>],
    checks: &mut usize,
    roots: &Pool,
    inter: &Pool,
    now: i64,
    go: &GoTls,
) -> Result<Vec<Vec<Arc<Cert>>>, X509Error> {
    let mut chains = Vec::new();
    let mut err: Option<X509Error> = None;
    let mut hint: Option<(String, String)> = None;
    'outer: for (ty, cands) in [
        (CertType::Root, roots.potential_parents(c)),
        (CertType::Intermediate, inter.potential_parents(c)),
    ] {
        for cand in cands {
            *checks += 1;
            if *checks > MAX_SIG_CHECKS {
                err = Some(X509Error::Other(
                    "x509: signature check attempts limit reached while verifying certificate chain"
                        .into(),
                ));
                break 'outer;
            }
            if chain.iter().any(|x| x.same(&cand)) {
                continue;
            }
            if let Err(e) = check_signature_from(c, &cand, go) {
                if hint.is_none() {
                    hint = Some((e.to_string(), cand.hint_name()));
                }
                if matches!(e, X509Error::GomedicCannotCheck(_)) {
                    err = Some(e);
                }
                continue;
            }
            // Go assigns the outer error here: the last failing candidate's error wins
            // over "unknown authority".
            if let Err(e) = is_valid(&cand, ty, chain, now) {
                if hint.is_none() {
                    hint = Some((e.to_string(), cand.hint_name()));
                }
                err = Some(e);
                continue;
            }
            err = None;
            let mut next = chain.to_vec();
            next.push(cand.clone());
            match ty {
                CertType::Root => chains.push(next),
                _ => match build_chains(&cand, &next, checks, roots, inter, now, go) {
                    Ok(cs) => chains.extend(cs),
                    Err(e) => err = Some(e),
                },
            }
        }
    }
    if !chains.is_empty() {
        return Ok(chains);
    }
    Err(err.unwrap_or(X509Error::UnknownAuthority { hint }))
}

fn valid_hostname(host: &str, pattern: bool) -> bool {
    let host = if pattern {
        host
    } else {
        host.strip_suffix('.').unwrap_or(host)
    };
    if host.is_empty() || host == "*" {
        return false;
    }
    for (i, part) in host.split('.').enumerate() {
        if part.is_empty() {
            return false;
        }
        if pattern && i == 0 && part == "*" {
            continue;
        }
        for (j, ch) in part.chars().enumerate() {
            if ch.is_ascii_alphanumeric() || ch == '_' || (ch == '-' && j != 0) {
                continue;
            }
            return false;
        }
    }
    true
}

fn split_hostname(h: &str) -> Vec<String> {
    h.strip_suffix('.')
        .unwrap_or(h)
        .to_ascii_lowercase()
        .split('.')
        .map(str::to_string)
        .collect()
}

fn match_hostnames(pattern: &str, host: &[String]) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    let parts: Vec<&str> = pattern.split('.').collect();
    if parts.len() != host.len() {
        return false;
    }
    parts
        .iter()
        .enumerate()
        .all(|(i, p)| (i == 0 && *p == "*") || *p == host[i])
}

fn match_exactly(a: &str, b: &str) -> bool {
    if a.is_empty() || a == "." || b.is_empty() || b == "." {
        return false;
    }
    a.eq_ignore_ascii_case(b)
}

/// `Certificate.VerifyHostname`, with go's HostnameError text.
pub fn verify_hostname(c: &Cert, h: &str) -> Result<(), X509Error> {
    let ip_text = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    if let Ok(ip) = ip_text.parse::<IpAddr>() {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let norm = |a: &IpAddr| match a {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(*a),
            v4 => *v4,
        };
        if c.ips.iter().any(|a| norm(a) == ip) {
            return Ok(());
        }
        return Err(hostname_error(c, &ip.to_string()));
    }
    let lower = h.to_ascii_lowercase();
    let valid_name = valid_hostname(&lower, false);
    let parts = split_hostname(&lower);
    for m in &c.dns_names {
        if valid_name && valid_hostname(m, true) {
            if match_hostnames(m, &parts) {
                return Ok(());
            }
        } else if match_exactly(m, &lower) {
            return Ok(());
        }
    }
    Err(hostname_error(c, h))
}

fn hostname_error(c: &Cert, host: &str) -> X509Error {
    if !c.has_san && match_hostnames(&c.common_name, &split_hostname(host)) {
        return X509Error::Hostname {
            message: "x509: certificate relies on legacy Common Name field, use SANs instead"
                .into(),
            legacy_cn: true,
        };
    }
    let message = if host.parse::<IpAddr>().is_ok() {
        if c.ips.is_empty() {
            format!("x509: cannot validate certificate for {host} because it doesn't contain any IP SANs")
        } else if c.ips.len() >= 100 {
            format!(
                "x509: certificate is valid for {} IP SANs, but none matched {host}",
                c.ips.len()
            )
        } else {
            let v: Vec<String> = c.ips.iter().map(|i| i.to_string()).collect();
            format!(
                "x509: certificate is valid for {}, not {host}",
                v.join(", ")
            )
        }
    } else if c.dns_names.len() >= 100 {
        format!(
            "x509: certificate is valid for {} names, but none matched {host}",
            c.dns_names.len()
        )
    } else if c.dns_names.is_empty() {
        format!("x509: certificate is not valid for any names, but wanted to match {host}")
    } else {
        format!(
            "x509: certificate is valid for {}, not {host}",
            c.dns_names.join(", ")
        )
    };
    X509Error::Hostname {
        message,
        legacy_cn: false,
    }
}

fn chain_allows_server_auth(chain: &[Arc<Cert>]) -> bool {
    chain.iter().all(|c| match c.eku {
        None => true,
        Some((any, server)) => any || server,
    })
}

/// The outcome of verifying a presented chain.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The verified chain, leaf first, ending at a root of the pool.
    pub chain: Vec<Arc<Cert>>,
}

/// `certs[0].Verify(opts)` as crypto/tls calls it: `presented` is the server's chain
/// (leaf first), `host` the name dialled, `now` Unix seconds.
pub fn verify(
    presented: &[Cert],
    roots: &Pool,
    host: &str,
    now: i64,
    go: &GoTls,
) -> Result<Verified, X509Error> {
    let Some(leaf) = presented.first() else {
        return Err(X509Error::Other("tls: server sent no certificates".into()));
    };
    let leaf = Arc::new(leaf.clone());
    is_valid(&leaf, CertType::Leaf, &[], now)?;
    if !host.is_empty() {
        verify_hostname(&leaf, host)?;
    }
    let candidates = if roots.contains(&leaf) {
        vec![vec![leaf.clone()]]
    } else {
        let mut inter = Pool::new();
        for c in &presented[1..] {
            inter.add(c.clone());
        }
        let mut checks = 0;
        build_chains(
            &leaf,
            std::slice::from_ref(&leaf),
            &mut checks,
            roots,
            &inter,
            now,
            go,
        )?
    };
    candidates
        .into_iter()
        .find(|ch| chain_allows_server_auth(ch))
        .map(|chain| Verified { chain })
        .ok_or(X509Error::IncompatibleUsage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_patterns_as_go() {
        let host = split_hostname("a.example.com");
        assert!(match_hostnames("*.example.com", &host));
        assert!(!match_hostnames("*.com", &host));
        assert!(!match_hostnames(
            "a*.example.com",
            &split_hostname("ab.example.com")
        ));
        assert!(valid_hostname("under_score.example", false));
        assert!(!valid_hostname("-lead.example", false));
        assert!(valid_hostname("trailing.dot.", false));
    }
}
