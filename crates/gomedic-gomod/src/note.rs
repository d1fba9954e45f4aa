//! golang.org/x/mod/sumdb/note: signed notes (text, blank line, `— name base64(hash||sig)`
//! lines) with Ed25519 verifier keys `name+hash+base64(0x01||key)`.

use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use gomedic_goenv::sumdb::{decode_base64_std, key_hash, parse_verifier_key};

const ALG_ED25519: u8 = 1;
const SIG_PREFIX: &str = "\u{2014} ";

/// A parsed verifier key.
#[derive(Debug, Clone)]
pub struct NoteVerifier {
    pub name: String,
    pub hash: u32,
    key: VerifyingKey,
}

impl NoteVerifier {
    /// `note.NewVerifier`, with Go's reasons.
    pub fn parse(vkey: &str) -> Result<NoteVerifier, String> {
        let name = parse_verifier_key(vkey).map_err(|e| e.as_str().to_string())?;
        let mut it = vkey.splitn(3, '+').skip(1);
        let hash = it.next().and_then(|h| u32::from_str_radix(h, 16).ok());
        let raw = it.next().and_then(decode_base64_std);
        let (Some(hash), Some(raw)) = (hash, raw) else {
            return Err("malformed verifier id".into());
        };
        let key: [u8; 32] = raw[1..].try_into().map_err(|_| "malformed verifier id")?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| "malformed verifier id")?;
        Ok(NoteVerifier { name, hash, key })
    }

    /// The verifier key string for an Ed25519 public key.
    pub fn key_string(name: &str, key: &VerifyingKey) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(key.as_bytes());
        format!(
            "{name}+{:08x}+{}",
            key_hash(name, &raw),
            base64::engine::general_purpose::STANDARD.encode(&raw)
        )
    }
}

/// `note.isValidName`.
fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

/// `note.Open` with one known verifier: returns the note's text (ending in a newline)
/// once a signature by `v` verifies. Go's reasons: `malformed note`,
/// `invalid signature`, `note has no verifiable signatures`.
pub fn open<'a>(msg: &'a [u8], v: &NoteVerifier) -> Result<&'a str, String> {
    let malformed = || "malformed note".to_string();
    let s = std::str::from_utf8(msg).map_err(|_| malformed())?;
    if s.chars().any(|c| (c as u32) < 0x20 && c != '\n') {
        return Err(malformed());
    }
    let split = s.rfind("\n\n").ok_or_else(malformed)?;
    let (text, sigs) = (&s[..split + 1], &s[split + 2..]);
    if !sigs.ends_with('\n') {
        return Err(malformed());
    }
    let mut verified = false;
    for (count, line) in sigs[..sigs.len() - 1].split('\n').enumerate() {
        let line = line.strip_prefix(SIG_PREFIX).ok_or_else(malformed)?;
        let (name, b64) = line.split_once(' ').unwrap_or((line, ""));
        let sig = decode_base64_std(b64).unwrap_or_default();
        if !valid_name(name) || b64.is_empty() || sig.len() < 5 || count >= 100 {
            return Err(malformed());
        }
        let hash = u32::from_be_bytes([sig[0], sig[1], sig[2], sig[3]]);
        if name != v.name || hash != v.hash {
            continue;
        }
        let ok = Signature::from_slice(&sig[4..])
            .is_ok_and(|sig| v.key.verify(text.as_bytes(), &sig).is_ok());
        if !ok {
            return Err("invalid signature".into());
        }
        verified = true;
    }
    if !verified {
        return Err("note has no verifiable signatures".into());
    }
    Ok(text)
}

/// `note.Sign` with one Ed25519 signer: text (must end in a newline) plus its signature
/// line.
pub fn sign(text: &str, name: &str, key: &SigningKey) -> String {
    let mut raw = vec![ALG_ED25519];
    raw.extend_from_slice(key.verifying_key().as_bytes());
    let mut sig = key_hash(name, &raw).to_be_bytes().to_vec();
    sig.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    format!(
        "{text}\n{SIG_PREFIX}{name} {}\n",
        base64::engine::general_purpose::STANDARD.encode(sig)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from golang.org/x/mod/sumdb/note's documentation.
    #[test]
    fn opens_go_doc_example() {
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let msg = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let v = NoteVerifier::parse(vkey).unwrap();
        assert!(open(msg.as_bytes(), &v)
            .unwrap()
            .starts_with("If you think"));
        let tampered = msg.replace("answer", "Answer");
        assert_eq!(
            open(tampered.as_bytes(), &v),
            Err("invalid signature".into())
        );
        assert_eq!(open(b"no sig\n", &v), Err("malformed note".into()));
    }

    #[test]
    fn sign_then_open() {
        let k = SigningKey::from_bytes(&[7; 32]);
        let vkey = NoteVerifier::key_string("test.example", &k.verifying_key());
        let v = NoteVerifier::parse(&vkey).unwrap();
        let msg = sign("hello\n", "test.example", &k);
        assert_eq!(open(msg.as_bytes(), &v), Ok("hello\n"));
    }
}
