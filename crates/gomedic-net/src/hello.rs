//! A TLS 1.2 ClientHello written by hand, for the servers gomedic's TLS library cannot
//! talk to but go's can (CBC suites, RSA key exchange) or cannot either (TLS 1.0 only).
//! The server's answer up to ServerHelloDone is in clear text in TLS 1.2: its version,
//! the suite it picked and its certificate chain, enough to judge as go would.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The server accepted: its version, chosen suite and certificates (leaf first).
    Hello {
        version: u16,
        suite: u16,
        chain: Vec<Vec<u8>>,
    },
    /// A TLS alert (level, description).
    Alert(u8, u8),
    /// Closed without answering.
    Closed,
    /// Something that is not TLS.
    NotTls(String),
}

pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        v => format!("0x{v:04x}"),
    }
}

/// An alert's text as go prints it ("remote error: tls: <text>"), from crypto/tls alert.go.
pub fn alert_name(d: u8) -> &'static str {
    match d {
        0 => "close notify",
        10 => "unexpected message",
        20 => "bad record MAC",
        21 => "decryption failed",
        22 => "record overflow",
        30 => "decompression failure",
        40 => "handshake failure",
        42 => "bad certificate",
        43 => "unsupported certificate",
        44 => "revoked certificate",
        45 => "expired certificate",
        46 => "unknown certificate",
        47 => "illegal parameter",
        48 => "unknown certificate authority",
        49 => "access denied",
        50 => "error decoding message",
        51 => "error decrypting message",
        60 => "export restriction",
        70 => "protocol version not supported",
        71 => "insufficient security level",
        80 => "internal error",
        86 => "inappropriate fallback",
        90 => "user canceled",
        100 => "no renegotiation",
        109 => "missing extension",
        110 => "unsupported extension",
        111 => "certificate unobtainable",
        112 => "unrecognized name",
        113 => "bad certificate status response",
        114 => "bad certificate hash value",
        115 => "unknown PSK identity",
        116 => "certificate required",
        120 => "no application protocol",
        121 => "encrypted client hello required",
        _ => "alert",
    }
}

fn pseudo_random() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        chunk.copy_from_slice(&h.finish().to_be_bytes());
    }
    out
}

fn u16b(v: &mut Vec<u8>, x: usize) {
    v.extend_from_slice(&(x as u16).to_be_bytes());
}

fn ext(out: &mut Vec<u8>, id: u16, body: &[u8]) {
    out.extend_from_slice(&id.to_be_bytes());
    u16b(out, body.len());
    out.extend_from_slice(body);
}

/// A TLS 1.2 ClientHello offering `suites` with go's groups and signature algorithms.
/// `as_go`: also name TLS 1.2 in supported_versions as go does (go offers no older
/// version, and a TLS 1.0-only server then refuses, as it refuses go); without it the
/// server may pick an older version, which tells what it speaks.
pub fn client_hello(host: &str, suites: &[u16], as_go: bool) -> Vec<u8> {
    let mut exts = Vec::new();
    if as_go {
        ext(&mut exts, 0x002b, &[2, 3, 3]);
    }
    if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() {
        let mut sni = Vec::new();
        u16b(&mut sni, host.len() + 3);
        sni.push(0);
        u16b(&mut sni, host.len());
        sni.extend_from_slice(host.as_bytes());
        ext(&mut exts, 0x0000, &sni);
    }
    // x25519, P-256, P-384, P-521: the groups go offers in TLS 1.2.
    ext(
        &mut exts,
        0x000a,
        &[0, 8, 0, 0x1d, 0, 0x17, 0, 0x18, 0, 0x19],
    );
    ext(&mut exts, 0x000b, &[1, 0]);
    let sigs: [u16; 12] = [
        0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201,
        0x0203,
    ];
    let mut sa = Vec::new();
    u16b(&mut sa, sigs.len() * 2);
    for s in sigs {
        sa.extend_from_slice(&s.to_be_bytes());
    }
    ext(&mut exts, 0x000d, &sa);
    ext(&mut exts, 0x0017, &[]);
    ext(&mut exts, 0xff01, &[0]);
    let alpn = b"\x00\x0c\x08http/1.1\x02h2";
    ext(&mut exts, 0x0010, &alpn[..]);

    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&pseudo_random());
    body.push(0);
    u16b(&mut body, suites.len() * 2);
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]);
    u16b(&mut body, exts.len());
    body.extend_from_slice(&exts);

    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16, 0x03, 0x01];
    u16b(&mut rec, hs.len());
    rec.extend_from_slice(&hs);
    rec
}

const MAX_READ: usize = 512 * 1024;

/// Sends the ClientHello and reads the answer up to the certificate chain.
pub async fn exchange<S>(
    io: &mut S,
    host: &str,
    suites: &[u16],
    as_go: bool,
) -> std::io::Result<Answer>
where
    S: AsyncRead + tokio::io::AsyncWrite + Unpin + ?Sized,
{
    io.write_all(&client_hello(host, suites, as_go)).await?;
    io.flush().await?;
    let mut hs: Vec<u8> = Vec::new();
    let mut total = 0usize;
    let mut hello: Option<(u16, u16)> = None;
    loop {
        let mut hdr = [0u8; 5];
        if let Err(e) = io.read_exact(&mut hdr).await {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                return Ok(match hello {
                    Some((version, suite)) => Answer::Hello {
                        version,
                        suite,
                        chain: Vec::new(),
                    },
                    None => Answer::Closed,
                });
            }
            return Err(e);
        }
        let len = u16::from_be_bytes([hdr[3], hdr[4]]) as usize;
        if !(0x14..=0x17).contains(&hdr[0]) || hdr[1] != 3 || len > 18432 {
            let peek = String::from_utf8_lossy(&hdr).into_owned();
            return Ok(Answer::NotTls(format!(
                "the server answered with bytes that are not TLS ({peek:?}...): plain HTTP or another protocol on this port"
            )));
        }
        let mut rec = vec![0u8; len];
        io.read_exact(&mut rec).await?;
        total += len;
        if hdr[0] == 0x15 && rec.len() >= 2 {
            return Ok(Answer::Alert(rec[0], rec[1]));
        }
        if hdr[0] != 0x16 {
            continue;
        }
        hs.extend_from_slice(&rec);
        // Parse whole handshake messages.
        let mut off = 0;
        while hs.len() >= off + 4 {
            let ty = hs[off];
            let mlen = u32::from_be_bytes([0, hs[off + 1], hs[off + 2], hs[off + 3]]) as usize;
            if hs.len() < off + 4 + mlen {
                break;
            }
            let body = &hs[off + 4..off + 4 + mlen];
            match ty {
                2 => hello = parse_server_hello(body),
                11 => {
                    if let Some((version, suite)) = hello {
                        return Ok(Answer::Hello {
                            version,
                            suite,
                            chain: parse_certificates(body),
                        });
                    }
                }
                14 => {
                    if let Some((version, suite)) = hello {
                        return Ok(Answer::Hello {
                            version,
                            suite,
                            chain: Vec::new(),
                        });
                    }
                }
                _ => {}
            }
            off += 4 + mlen;
        }
        hs.drain(..off);
        if total > MAX_READ {
            return Ok(Answer::NotTls(
                "the TLS handshake is implausibly large".into(),
            ));
        }
    }
}

fn parse_server_hello(b: &[u8]) -> Option<(u16, u16)> {
    let version = u16::from_be_bytes([*b.first()?, *b.get(1)?]);
    let sid = *b.get(34)? as usize;
    let at = 35 + sid;
    let suite = u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]);
    Some((version, suite))
}

fn parse_certificates(b: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    if b.len() < 3 {
        return out;
    }
    let total = (u32::from_be_bytes([0, b[0], b[1], b[2]]) as usize).min(b.len() - 3);
    let list = &b[3..3 + total];
    let mut off = 0;
    while off + 3 <= list.len() {
        let l = u32::from_be_bytes([0, list[off], list[off + 1], list[off + 2]]) as usize;
        if off + 3 + l > list.len() {
            break;
        }
        out.push(list[off + 3..off + 3 + l].to_vec());
        off += 3 + l;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_a_well_formed_record() {
        let h = client_hello("proxy.example", &[0xc013, 0x002f], true);
        assert_eq!(&h[..3], &[0x16, 3, 1]);
        assert_eq!(u16::from_be_bytes([h[3], h[4]]) as usize, h.len() - 5);
        assert_eq!(h[5], 1);
        let body_len = u32::from_be_bytes([0, h[6], h[7], h[8]]) as usize;
        assert_eq!(body_len, h.len() - 9);
        // No SNI for an address.
        let ip = client_hello("127.0.0.1", &[0xc013], true);
        assert!(ip.len() < h.len());
    }

    #[test]
    fn server_hello_and_certificates_parse() {
        let mut sh = vec![3, 3];
        sh.extend_from_slice(&[0; 32]);
        sh.push(2);
        sh.extend_from_slice(&[9, 9]);
        sh.extend_from_slice(&[0xc0, 0x13, 0]);
        assert_eq!(parse_server_hello(&sh), Some((0x0303, 0xc013)));
        let certs = [0, 0, 8, 0, 0, 2, 1, 2, 0, 0, 0];
        assert_eq!(parse_certificates(&certs), vec![vec![1, 2], vec![]]);
    }
}
