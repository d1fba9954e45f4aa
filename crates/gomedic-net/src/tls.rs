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

/// The trust store the go command uses: on Linux SSL_CERT_FILE / SSL_CERT_DIR or the
/// distribution bundle, on Windows and macOS the OS store. Returns (store, load problems).
pub fn system_roots() -> (RootCertStore, Vec<String>) {
    let res = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    let (_, _) = store.add_parsable_certificates(res.certs);
    (store, res.errors.iter().map(|e| e.to_string()).collect())
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
