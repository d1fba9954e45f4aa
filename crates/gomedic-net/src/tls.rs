//! TLS: a handshake that records the presented chain whatever it is, then verification
//! of that chain as go's crypto/x509 would (x509go.rs), against the system trust store
//! and against Mozilla's roots.

use crate::gotls::GoTls;
use crate::sig::{self, Hash, KeyKind, PublicKey};
use crate::x509go::Pool;
use gomedic_core::net::CertInfo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The trust store the go command uses. On Linux and the BSDs this follows crypto/x509:
/// the first readable bundle (SSL_CERT_FILE, or the distribution's bundle paths) plus
/// every certificate in the directories (SSL_CERT_DIR, or /etc/ssl/certs and
/// /etc/pki/tls/certs). On Windows and macOS: the OS store. Returns (store, problems).
pub fn system_roots() -> (Pool, Vec<String>) {
    let mut store = Pool::new();
    if cfg!(any(windows, target_os = "macos")) {
        let res = rustls_native_certs::load_native_certs();
        for c in &res.certs {
            store.add_der(c.as_ref());
        }
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

/// Every certificate of a PEM bundle that parses (go's AppendCertsFromPEM skips the rest).
pub fn add_pem(store: &mut Pool, data: &[u8]) {
    use rustls::pki_types::pem::PemObject;
    for c in CertificateDer::pem_slice_iter(data).filter_map(Result::ok) {
        store.add_der(c.as_ref());
    }
}

pub fn mozilla_roots() -> Pool {
    Pool::from_anchors(webpki_roots::TLS_SERVER_ROOTS)
}

/// Accepts any chain during the handshake but remembers it; the chain is verified after,
/// as go would. Handshake signatures are checked with go's reach (RSA below 2048 bits,
/// P-521), which rustls's providers lack.
#[derive(Debug)]
pub struct Recorder {
    pub chain: Mutex<Vec<CertificateDer<'static>>>,
    go: GoTls,
}

impl Recorder {
    pub fn new(go: GoTls) -> Arc<Recorder> {
        Arc::new(Recorder {
            chain: Mutex::new(Vec::new()),
            go,
        })
    }

    fn check(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let bad = |why: String| rustls::Error::General(why);
        let key = x509_parser::parse_x509_certificate(cert.as_ref())
            .map(|(_, c)| PublicKey::from_spki(c.public_key()))
            .map_err(|e| bad(format!("tls: failed to parse certificate from server: {e}")))?;
        let (kind, hash) = match dss.scheme {
            SignatureScheme::RSA_PKCS1_SHA1 => (KeyKind::Rsa, Hash::Sha1),
            SignatureScheme::RSA_PKCS1_SHA256 => (KeyKind::Rsa, Hash::Sha256),
            SignatureScheme::RSA_PKCS1_SHA384 => (KeyKind::Rsa, Hash::Sha384),
            SignatureScheme::RSA_PKCS1_SHA512 => (KeyKind::Rsa, Hash::Sha512),
            SignatureScheme::RSA_PSS_SHA256 => (KeyKind::RsaPss, Hash::Sha256),
            SignatureScheme::RSA_PSS_SHA384 => (KeyKind::RsaPss, Hash::Sha384),
            SignatureScheme::RSA_PSS_SHA512 => (KeyKind::RsaPss, Hash::Sha512),
            SignatureScheme::ECDSA_SHA1_Legacy => (KeyKind::Ecdsa, Hash::Sha1),
            SignatureScheme::ECDSA_NISTP256_SHA256 => (KeyKind::Ecdsa, Hash::Sha256),
            SignatureScheme::ECDSA_NISTP384_SHA384 => (KeyKind::Ecdsa, Hash::Sha384),
            SignatureScheme::ECDSA_NISTP521_SHA512 => (KeyKind::Ecdsa, Hash::Sha512),
            SignatureScheme::ED25519 => (KeyKind::Ed25519, Hash::None),
            other => return Err(bad(format!("unsupported signature scheme {other:?}"))),
        };
        sig::verify(
            &key,
            kind,
            hash,
            message,
            dss.signature(),
            self.go.min_rsa_bits(),
        )
        .map(|()| HandshakeSignatureValid::assertion())
        .map_err(|e| {
            bad(match e {
                sig::SigError::Go(m) => {
                    format!("tls: invalid signature by the server certificate: {m}")
                }
                sig::SigError::Unsupported(m) => {
                    format!("gomedic cannot check the server's handshake signature: {m}")
                }
            })
        })
    }
}

/// A TLS connector that records the chain (verified afterwards, as go would) and checks
/// handshake signatures with `go`'s reach; `alpn`: offer h2 and http/1.1 as go does.
pub fn recording_connector(go: GoTls, alpn: bool) -> (tokio_rustls::TlsConnector, Arc<Recorder>) {
    let recorder = Recorder::new(go);
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the defaults")
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    if alpn {
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    }
    (tokio_rustls::TlsConnector::from(Arc::new(config)), recorder)
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
        self.check(m, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // TLS 1.3 allows neither PKCS#1 v1.5 nor SHA-1 in CertificateVerify.
        match dss.scheme {
            SignatureScheme::RSA_PKCS1_SHA1
            | SignatureScheme::RSA_PKCS1_SHA256
            | SignatureScheme::RSA_PKCS1_SHA384
            | SignatureScheme::RSA_PKCS1_SHA512
            | SignatureScheme::ECDSA_SHA1_Legacy => Err(rustls::Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            )),
            _ => self.check(m, cert, dss),
        }
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        // go's order (crypto/tls defaultSupportedSignatureAlgorithms).
        vec![
            SignatureScheme::RSA_PSS_SHA256,
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ED25519,
            SignatureScheme::RSA_PSS_SHA384,
            SignatureScheme::RSA_PSS_SHA512,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA384,
            SignatureScheme::RSA_PKCS1_SHA512,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            SignatureScheme::RSA_PKCS1_SHA1,
            SignatureScheme::ECDSA_SHA1_Legacy,
        ]
    }
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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
