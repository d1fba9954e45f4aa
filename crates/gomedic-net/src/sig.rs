//! Signature verification with the reach of Go's crypto: RSA of any size (go refuses
//! below 1024 bits from 1.24), ECDSA on P-256, P-384 and P-521 with any hash, Ed25519.
//! rustls's own providers refuse RSA below 2048 bits and P-521, which go accepts.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    /// Ed25519 signs the message itself.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    RsaPss,
    Ecdsa,
    Ed25519,
}

/// A certificate's signature algorithm, named as Go names it (`SHA256-RSA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigAlg {
    pub name: &'static str,
    pub hash: Hash,
    pub kind: KeyKind,
}

const fn alg(name: &'static str, hash: Hash, kind: KeyKind) -> SigAlg {
    SigAlg { name, hash, kind }
}

/// The algorithm of an X.509 signature, from its OID (and for RSA-PSS the hash named in
/// its parameters). `None`: an algorithm go does not know either.
pub fn cert_alg(oid: &str, params: &[u8]) -> Option<SigAlg> {
    Some(match oid {
        "1.2.840.113549.1.1.4" => alg("MD5-RSA", Hash::Md5, KeyKind::Rsa),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => alg("SHA1-RSA", Hash::Sha1, KeyKind::Rsa),
        "1.2.840.113549.1.1.11" => alg("SHA256-RSA", Hash::Sha256, KeyKind::Rsa),
        "1.2.840.113549.1.1.12" => alg("SHA384-RSA", Hash::Sha384, KeyKind::Rsa),
        "1.2.840.113549.1.1.13" => alg("SHA512-RSA", Hash::Sha512, KeyKind::Rsa),
        "1.2.840.113549.1.1.10" => {
            // The hash OID inside RSASSA-PSS-params (sha256 .1, sha384 .2, sha512 .3).
            let has = |last: u8| {
                params
                    .windows(11)
                    .any(|w| w == [6, 9, 0x60, 0x86, 0x48, 1, 0x65, 3, 4, 2, last])
            };
            if has(3) {
                alg("SHA512-RSAPSS", Hash::Sha512, KeyKind::RsaPss)
            } else if has(2) {
                alg("SHA384-RSAPSS", Hash::Sha384, KeyKind::RsaPss)
            } else if has(1) {
                alg("SHA256-RSAPSS", Hash::Sha256, KeyKind::RsaPss)
            } else {
                return None;
            }
        }
        "1.2.840.10045.4.1" => alg("ECDSA-SHA1", Hash::Sha1, KeyKind::Ecdsa),
        "1.2.840.10045.4.3.2" => alg("ECDSA-SHA256", Hash::Sha256, KeyKind::Ecdsa),
        "1.2.840.10045.4.3.3" => alg("ECDSA-SHA384", Hash::Sha384, KeyKind::Ecdsa),
        "1.2.840.10045.4.3.4" => alg("ECDSA-SHA512", Hash::Sha512, KeyKind::Ecdsa),
        "1.3.101.112" => alg("Ed25519", Hash::None, KeyKind::Ed25519),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

/// A certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    Ec {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519([u8; 32]),
    /// An algorithm gomedic cannot use (go may: P-224), or none go knows.
    Unsupported(String),
}

impl PublicKey {
    /// From an X.509 SubjectPublicKeyInfo (algorithm OID, its parameters, key bits).
    pub fn from_spki(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> PublicKey {
        let oid = spki.algorithm.algorithm.to_id_string();
        let bits: &[u8] = &spki.subject_public_key.data;
        match oid.as_str() {
            "1.2.840.113549.1.1.1" => match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(k)) => PublicKey::Rsa {
                    n: strip(k.modulus).to_vec(),
                    e: strip(k.exponent).to_vec(),
                },
                _ => PublicKey::Unsupported("malformed RSA public key".into()),
            },
            "1.2.840.10045.2.1" => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                let curve = match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => Curve::P256,
                    Some("1.3.132.0.34") => Curve::P384,
                    Some("1.3.132.0.35") => Curve::P521,
                    Some(o) => return PublicKey::Unsupported(format!("elliptic curve {o}")),
                    None => return PublicKey::Unsupported("elliptic curve not named".into()),
                };
                PublicKey::Ec {
                    curve,
                    point: bits.to_vec(),
                }
            }
            "1.3.101.112" => match <[u8; 32]>::try_from(bits) {
                Ok(k) => PublicKey::Ed25519(k),
                Err(_) => PublicKey::Unsupported("malformed Ed25519 public key".into()),
            },
            o => PublicKey::Unsupported(format!("public key algorithm {o}")),
        }
    }

    pub fn kind(&self) -> Option<KeyKind> {
        match self {
            PublicKey::Rsa { .. } => Some(KeyKind::Rsa),
            PublicKey::Ec { .. } => Some(KeyKind::Ecdsa),
            PublicKey::Ed25519(_) => Some(KeyKind::Ed25519),
            PublicKey::Unsupported(_) => None,
        }
    }

    /// RSA modulus size in bits.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self {
            PublicKey::Rsa { n, .. } => Some(match n.first() {
                Some(&b) => n.len() * 8 - b.leading_zeros() as usize,
                None => 0,
            }),
            _ => None,
        }
    }
}

fn strip(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// Go's own error text for this failure.
    Go(String),
    /// gomedic cannot check this signature (go may be able to).
    Unsupported(String),
}

pub fn digest(h: Hash, msg: &[u8]) -> Vec<u8> {
    match h {
        Hash::Sha1 => Sha1::digest(msg).to_vec(),
        Hash::Sha256 => Sha256::digest(msg).to_vec(),
        Hash::Sha384 => Sha384::digest(msg).to_vec(),
        Hash::Sha512 => Sha512::digest(msg).to_vec(),
        Hash::Md5 | Hash::None => msg.to_vec(),
    }
}

/// Verifies `sig` over `msg` with `key`. `min_rsa_bits`: go 1.24+ refuses smaller RSA keys.
pub fn verify(
    key: &PublicKey,
    kind: KeyKind,
    hash: Hash,
    msg: &[u8],
    sig: &[u8],
    min_rsa_bits: usize,
) -> Result<(), SigError> {
    use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
    match (key, kind) {
        (PublicKey::Rsa { n, e }, KeyKind::Rsa | KeyKind::RsaPss) => {
            let bits = key.rsa_bits().unwrap_or(0);
            if bits < min_rsa_bits {
                return Err(SigError::Go(format!("crypto/rsa: {bits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)")));
            }
            let pk = RsaPublicKey::new_with_max_size(
                BigUint::from_bytes_be(n),
                BigUint::from_bytes_be(e),
                16384,
            )
            .map_err(|e| SigError::Unsupported(format!("RSA key: {e}")))?;
            let hashed = digest(hash, msg);
            let res = match (kind, hash) {
                (KeyKind::Rsa, Hash::Sha1) => pk.verify(Pkcs1v15Sign::new::<Sha1>(), &hashed, sig),
                (KeyKind::Rsa, Hash::Sha256) => {
                    pk.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, sig)
                }
                (KeyKind::Rsa, Hash::Sha384) => {
                    pk.verify(Pkcs1v15Sign::new::<Sha384>(), &hashed, sig)
                }
                (KeyKind::Rsa, Hash::Sha512) => {
                    pk.verify(Pkcs1v15Sign::new::<Sha512>(), &hashed, sig)
                }
                (KeyKind::RsaPss, Hash::Sha256) => {
                    pk.verify(rsa::Pss::new_with_salt::<Sha256>(32), &hashed, sig)
                }
                (KeyKind::RsaPss, Hash::Sha384) => {
                    pk.verify(rsa::Pss::new_with_salt::<Sha384>(48), &hashed, sig)
                }
                (KeyKind::RsaPss, Hash::Sha512) => {
                    pk.verify(rsa::Pss::new_with_salt::<Sha512>(64), &hashed, sig)
                }
                _ => return Err(SigError::Unsupported(format!("RSA with {hash:?}"))),
            };
            res.map_err(|_| SigError::Go("crypto/rsa: verification error".into()))
        }
        (PublicKey::Ec { curve, point }, KeyKind::Ecdsa) => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            let hashed = digest(hash, msg);
            let fail = || SigError::Go("x509: ECDSA verification failure".into());
            let ok = match curve {
                Curve::P256 => {
                    let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| fail())?;
                    let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| fail())?;
                    k.verify_prehash(&hashed, &s).is_ok()
                }
                Curve::P384 => {
                    let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| fail())?;
                    let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| fail())?;
                    k.verify_prehash(&hashed, &s).is_ok()
                }
                Curve::P521 => {
                    let k = p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| fail())?;
                    let s = p521::ecdsa::Signature::from_der(sig).map_err(|_| fail())?;
                    k.verify_prehash(&hashed, &s).is_ok()
                }
            };
            if ok {
                Ok(())
            } else {
                Err(fail())
            }
        }
        (PublicKey::Ed25519(k), KeyKind::Ed25519) => {
            let fail = || SigError::Go("x509: Ed25519 verification failure".into());
            let vk = ed25519_dalek::VerifyingKey::from_bytes(k).map_err(|_| fail())?;
            let s = ed25519_dalek::Signature::from_slice(sig).map_err(|_| fail())?;
            vk.verify_strict(msg, &s).map_err(|_| fail())
        }
        (PublicKey::Unsupported(what), _) => Err(SigError::Unsupported(what.clone())),
        _ => Err(SigError::Go(format!(
            "x509: signature algorithm specifies an {kind:?} public key, but have public key of another type"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_hash_comes_from_the_parameters() {
        // RSASSA-PSS-params naming sha384 (2.16.840.1.101.3.4.2.2).
        let p = [
            0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05,
            0x00,
        ];
        assert_eq!(
            cert_alg("1.2.840.113549.1.1.10", &p).unwrap().name,
            "SHA384-RSAPSS"
        );
        assert!(cert_alg("1.2.840.113549.1.1.10", &[]).is_none());
        assert_eq!(
            cert_alg("1.2.840.10045.4.3.4", &[]).unwrap().hash,
            Hash::Sha512
        );
    }
}
