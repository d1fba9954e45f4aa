//! Verdicts on TLS as go would reach them: a presented chain judged by go's rules
//! (x509go.rs), and a server gomedic's TLS library refused, judged from its answer to
//! go's own offer (hello.rs).

use crate::gotls::{self, GoTls};
use crate::hello::{self, Answer};
use crate::x509go::{self, Cert, Pool, X509Error};
use gomedic_core::net::Verdict;

/// The chain judged against the system store (what go does) and the public roots.
pub struct Judged {
    pub sys: Result<(), (Verdict, String)>,
    pub moz_ok: bool,
}

pub fn judge_chain(
    system: &Pool,
    public: &Pool,
    go: &GoTls,
    host: &str,
    chain: &[Vec<u8>],
    issuer: &str,
    now: i64,
) -> Judged {
    let certs = match parse_chain(chain) {
        Ok(c) => c,
        Err(e) => {
            return Judged {
                sys: Err((
                    Verdict::TlsFailed,
                    format!("go cannot parse the certificate {host} presents: {e}"),
                )),
                moz_ok: false,
            }
        }
    };
    let sys = x509go::verify(&certs, system, host, now, go)
        .map(|_| ())
        .map_err(|e| describe_failure(host, &certs, issuer, &e));
    let moz_ok = x509go::verify(&certs, public, host, now, go).is_ok();
    Judged { sys, moz_ok }
}

/// The presented chain parsed as crypto/tls parses it; the error is go's.
pub fn parse_chain(chain: &[Vec<u8>]) -> Result<Vec<Cert>, String> {
    chain
        .iter()
        .map(|d| {
            Cert::parse(d)
                .map_err(|e| format!("tls: failed to parse certificate from server: x509: {e}"))
        })
        .collect()
}

/// The verdict and advice for a chain go refuses, at the layer that can fix it.
pub fn describe_failure(
    host: &str,
    certs: &[Cert],
    issuer: &str,
    e: &X509Error,
) -> (Verdict, String) {
    match e {
        X509Error::Hostname { legacy_cn: true, .. } => (
            Verdict::TlsHostnameMismatch,
            format!("the certificate {host} presents names it only in its Common Name, without a subjectAltName, and go refuses that: \"{e}\". The server's certificate must be re-issued with a DNS subjectAltName; installing a CA cannot help"),
        ),
        X509Error::Hostname { .. } => (
            Verdict::TlsHostnameMismatch,
            format!("go refuses the certificate {host} presents: \"{e}\" (issued by {issuer}): a block page, captive portal or misroute, or a certificate issued without this name. go checks the name before the issuer, so installing a CA cannot help"),
        ),
        X509Error::Expired { .. } => (
            Verdict::TlsUntrusted,
            format!("go refuses the certificate of {host}: \"{e}\" (issuer {issuer}); check the machine's clock, else the certificate must be renewed"),
        ),
        X509Error::UnknownAuthority { .. } if certs.len() == 1 && !certs[0].self_issued() => (
            Verdict::TlsUntrusted,
            format!("go refuses the certificate of {host}: \"{e}\". The server sends only its own certificate, and its issuer \"{issuer}\" is not a root this machine trusts: go does not fetch missing intermediate certificates, so the server must send its full chain (or that issuer be added to the trust store)"),
        ),
        X509Error::UnknownAuthority { .. } => (
            Verdict::TlsUntrusted,
            format!("go refuses the certificate chain of {host}: \"{e}\"; issuer: {issuer}. If this is your organisation's CA, add it to the system trust store (or point SSL_CERT_FILE at it); never turn verification off"),
        ),
        X509Error::GomedicCannotCheck(m) => (
            Verdict::TlsUnverifiable,
            format!("gomedic cannot check the certificate signatures of {host} ({m}); go may accept them"),
        ),
        _ => (
            Verdict::TlsUntrusted,
            format!("go refuses the certificate chain of {host}: \"{e}\" (issuer {issuer})"),
        ),
    }
}

/// The verdict for a server gomedic's TLS library could not complete a handshake with.
/// `asked`: its answer to go's own offer, and when that failed, to a wide offer.
pub fn judge_hello(
    system: &Pool,
    public: &Pool,
    go: &GoTls,
    host: &str,
    lib_error: &str,
    asked: Option<(Answer, Option<Answer>)>,
    now: i64,
) -> (Verdict, String) {
    let Some((first, wide)) = asked else {
        return (
            Verdict::TlsFailed,
            format!("TLS handshake with {host} failed: {lib_error}"),
        );
    };
    let old_version = |v: u16| {
        (
            Verdict::TlsFailed,
            format!("{host} speaks only {}; go requires TLS 1.2 or later and fails with \"tls: server selected unsupported protocol version {v:x}\": the server must enable TLS 1.2", hello::version_name(v)),
        )
    };
    match first {
        Answer::Hello { version, .. } if version < 0x0303 => old_version(version),
        Answer::Hello {
            version,
            suite,
            chain,
        } => {
            let name = gotls::suite_name(suite);
            if let Some(why) = gotls::why_refused(go, suite) {
                return (
                    Verdict::TlsFailed,
                    format!("{host} chose {name} although go did not offer it ({why})"),
                );
            }
            if chain.is_empty() {
                return (
                    Verdict::TlsUnverifiable,
                    format!("go's TLS can talk to {host} ({} with {name}), but the server sent no certificate gomedic could read, and gomedic's TLS library does not implement {name} ({lib_error}); go may work", hello::version_name(version)),
                );
            }
            let issuer = chain
                .last()
                .and_then(|d| x509_parser::parse_x509_certificate(d).ok())
                .map(|(_, c)| c.issuer().to_string())
                .unwrap_or_default();
            let j = judge_chain(system, public, go, host, &chain, &issuer, now);
            match j.sys {
                Err(v) => v,
                Ok(()) => (
                    Verdict::TlsUnverifiable,
                    format!("go's TLS accepts {host}: {} with {name}, and the certificate passes go's checks; gomedic's TLS library does not implement {name} ({lib_error}), so the request itself was not tried: go may work", hello::version_name(version)),
                ),
            }
        }
        Answer::NotTls(m) => (Verdict::TlsFailed, format!("{host}: {m}")),
        refused => {
            // What go itself prints for this answer.
            let go_says = match &refused {
                Answer::Alert(_, d) => format!("remote error: tls: {}", hello::alert_name(*d)),
                _ => "EOF".to_string(),
            };
            match wide {
                Some(Answer::Hello { version, .. }) if version < 0x0303 => (
                    Verdict::TlsFailed,
                    format!("{host} speaks only {}; go requires TLS 1.2 or later and fails with \"{go_says}\": the server must enable TLS 1.2", hello::version_name(version)),
                ),
                Some(Answer::Hello { suite, .. }) => {
                    let why = gotls::why_refused(go, suite)
                        .unwrap_or_else(|| format!("{} is one go offers", gotls::suite_name(suite)));
                    (
                        Verdict::TlsFailed,
                        format!("{host} accepts only {} ({why}); go offers none of the suites it accepts and fails with \"{go_says}\": the server must enable a suite go offers (ECDHE with AES-GCM or ChaCha20)", gotls::suite_name(suite)),
                    )
                }
                _ => (
                    Verdict::TlsFailed,
                    format!("TLS handshake with {host} failed ({lib_error}); offered exactly what go offers, the server answered \"{go_says}\""),
                ),
            }
        }
    }
}
