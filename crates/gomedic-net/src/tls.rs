//! TLS: a handshake that records the presented chain whatever it is, then verification
//! of that chain against the system trust store and against Mozilla's roots.

use gomedic_core::net::CertInfo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex};

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The trust store the go command uses. On Linux and the BSDs this follows crypto/x509:
/// the first readable bundle (SSL_CERT_FILE, or the distribution's bundle paths) plus
/// every certificate in the directories (SSL_CERT_DIR, or /etc/ssl/certs and
/// /etc/pki/tls/certs). On Windows and macOS: the OS store. Returns (store, problems).
pub fn system_roots() -> (RootCertStore, Vec<String>) {
    let mut store = RootCertStore::empty();
    if cfg!(any(windows, target_os = "macos")) {
        let res = rustls_native_certs::load_native_certs();
        let _ = store.add_parsable_certificates(res.certs);
        return (store, res.errors.iter().map(|e| e.to_string()).collect());
    }
    let mut problems = Vec::new();
    let files: Vec<String> = match std::env::var("SSL_CERT_FILE")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(f) => vec![f],
        None => [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/pki/tls/cacert.pem",
            "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
            "/etc/ssl/cert.pem",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    };
    for f in &files {
        if let Ok(data) = read_bundle(std::path::Path::new(f)) {
            add_pem(&mut store, &data);
            break;
        }
    }
    let dirs: Vec<String> = match std::env::var("SSL_CERT_DIR").ok().filter(|v| !v.is_empty()) {
        Some(d) => d.split(':').map(str::to_string).collect(),
        None => vec!["/etc/ssl/certs".into(), "/etc/pki/tls/certs".into()],
    };
    for d in &dirs {
        let Ok(rd) = std::fs::read_dir(d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_file() {
                match read_bundle(&p) {
                    Ok(data) => add_pem(&mut store, &data),
                    Err(err) => problems.push(format!("{}: {err}", p.display())),
                }
            }
        }
    }
    (store, problems)
}

/// A certificate file or bundle: a regular file of at most 64 MiB (SSL_CERT_FILE may name
/// a FIFO, which would block, or a device such as /dev/zero, which never ends).
fn read_bundle(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    const MAX: u64 = 64 << 20;
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut data = Vec::new();
    std::fs::File::open(path)?
        .take(MAX + 1)
        .read_to_end(&mut data)?;
    if data.len() as u64 > MAX {
        return Err(std::io::Error::other(format!("larger than {MAX} bytes")));
    }
    Ok(data)
}

fn add_pem(store: &mut RootCertStore, data: &[u8]) {
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(data)
        .filter_map(Result::ok)
        .collect();
    let _ = store.add_parsable_certificates(certs);
}

pub fn mozilla_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// Accepts any chain during the handshake but remembers it; verification happens after.
#[derive(Debug)]
pub struct Recorder {
    pub chain: Mutex<Vec<CertificateDer<'static>>>,
    provider: Arc<CryptoProvider>,
}

impl Recorder {
    pub fn new() -> Arc<Recorder> {
        Arc::new(Recorder {
            chain: Mutex::new(Vec::new()),
            provider: provider(),
        })
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut c = self.chain.lock().expect("not poisoned");
        c.clear();
        c.push(end_entity.clone().into_owned());
        c.extend(intermediates.iter().map(|i| i.clone().into_owned()));
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            m,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            m,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Outcome of verifying a chain against one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    Trusted,
    WrongName,
    Expired,
    Untrusted(String),
}

pub fn verify(roots: &RootCertStore, chain: &[CertificateDer<'static>], host: &str) -> Trust {
    if roots.is_empty() {
        return Trust::Untrusted("the trust store is empty".into());
    }
    let Some((leaf, rest)) = chain.split_first() else {
        return Trust::Untrusted("no certificate presented".into());
    };
    let verifier =
        match WebPkiServerVerifier::builder_with_provider(Arc::new(roots.clone()), provider())
            .build()
        {
            Ok(v) => v,
            Err(e) => return Trust::Untrusted(e.to_string()),
        };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return Trust::Untrusted(format!("{host} is not a valid server name"));
    };
    match verifier.verify_server_cert(leaf, rest, &name, &[], UnixTime::now()) {
        Ok(_) => Trust::Trusted,
        Err(rustls::Error::InvalidCertificate(e)) => match e {
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. } => Trust::WrongName,
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. } => {
                Trust::Expired
            }
            other => Trust::Untrusted(format!("{other:?}")),
        },
        Err(e) => Trust::Untrusted(e.to_string()),
    }
}

/// Subject, issuer and expiry of each certificate.
pub fn describe(chain: &[CertificateDer<'static>]) -> Vec<CertInfo> {
    chain
        .iter()
        .map(
            |der| match x509_parser::parse_x509_certificate(der.as_ref()) {
                Ok((_, c)) => CertInfo {
                    subject: c.subject().to_string(),
                    issuer: c.issuer().to_string(),
                    not_after: c
                        .validity()
                        .not_after
                        .to_rfc2822()
                        .unwrap_or_else(|_| c.validity().not_after.to_string()),
                    expired: !c.validity().is_valid(),
                },
                Err(e) => CertInfo {
                    subject: format!("(unparsable certificate: {e})"),
                    ..Default::default()
                },
            },
        )
        .collect()
}
