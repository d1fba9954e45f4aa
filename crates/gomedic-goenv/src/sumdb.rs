//! GOSUMDB exactly as the go command reads it (cmd/go/internal/modfetch/sumdb.go `dbDial`,
//! golang.org/x/mod/sumdb/note `NewVerifier`): parsed once into [`GoSumDb`], which says
//! which database is consulted, where, or the error every verified download fails with.

use crate::gosem::GoSemantics;
use crate::gourl;
use serde::Serialize;

/// The go command's built-in verifier keys (modfetch/key.go).
pub const KNOWN_SUMDB_KEYS: &[(&str, &str)] = &[(
    "sum.golang.org",
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8",
)];

/// A usable checksum database configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SumDbConfig {
    /// The database name (the verifier key's name).
    pub name: String,
    /// The full verifier key (`name+hash+key`).
    pub key: String,
    /// The key came from the go command's built-in list (`sum.golang.org`).
    pub known_key: bool,
    /// `GOSUMDB=sum.golang.google.cn`, the go command's alias for
    /// `sum.golang.org https://sum.golang.google.cn`.
    pub alias: bool,
    /// The URL given after the key (in `URL.Redacted` form): the go command uses only it,
    /// bypassing the proxies.
    pub explicit_url: Option<String>,
    /// `https://NAME` (as Go prints the parsed URL): used when no proxy serves the
    /// database.
    pub direct_url: String,
    /// Why every lookup at `explicit_url` fails (an unsupported scheme), if it does.
    pub unusable_url: Option<String>,
}

impl SumDbConfig {
    /// Where lookups go when the proxies are not used.
    pub fn url(&self) -> &str {
        self.explicit_url.as_deref().unwrap_or(&self.direct_url)
    }
}

/// GOSUMDB, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GoSumDb {
    /// Exactly `off`: no verification (except for golang.org/toolchain, which then fails).
    Off,
    Db(SumDbConfig),
    /// The go command rejects the value: every download it must verify fails with
    /// `error` (`invalid GOSUMDB: ...`).
    Invalid {
        error: String,
    },
    /// The go command crashes (a nil pointer dereference in `dbDial`) when it needs the
    /// database: the name is not a URL host.
    Crash {
        reason: String,
    },
}

impl GoSumDb {
    /// Parses GOSUMDB as `dbDial` does.
    pub fn parse(value: &str, sem: &GoSemantics) -> GoSumDb {
        let mut alias = false;
        let gosumdb = if value == "sum.golang.google.cn" {
            alias = true;
            "sum.golang.org https://sum.golang.google.cn"
        } else {
            value
        };
        if gosumdb == "off" {
            return GoSumDb::Off;
        }
        let mut fields: Vec<&str> = gosumdb.split_whitespace().collect();
        let mut known_key = false;
        if let Some(first) = fields.first_mut() {
            if let Some((_, k)) = KNOWN_SUMDB_KEYS.iter().find(|(n, _)| n == first) {
                *first = k;
                known_key = true;
            }
        }
        let invalid = |e: String| GoSumDb::Invalid { error: e };
        if fields.is_empty() {
            return invalid("missing GOSUMDB".into());
        }
        if fields.len() > 2 {
            return invalid("invalid GOSUMDB: too many fields".into());
        }
        let name = match parse_verifier_key(fields[0]) {
            Ok(name) => name,
            Err(e) => return invalid(format!("invalid GOSUMDB: {}", e.as_str())),
        };
        // No funny business in the database name.
        let direct = match gourl::parse(&format!("https://{name}"), sem) {
            Ok(u) => u,
            Err(e) => {
                return GoSumDb::Crash {
                    reason: format!(
                        "the checksum database name {name:?} is not a valid URL host ({e})"
                    ),
                }
            }
        };
        if name.ends_with('/')
            || !direct.opaque.is_empty()
            || direct.user.is_some()
            || direct.omit_host
            || direct.force_query
            || !direct.raw_query.is_empty()
            || !direct.fragment.is_empty()
            || !direct.raw_fragment.is_empty()
            || !direct.raw_path.is_empty()
            || direct.host.is_empty()
        {
            return invalid(format!(
                "invalid sumdb name (must be host[/path]): {name} {}",
                direct.debug_plus_v(sem)
            ));
        }
        let mut explicit_url = None;
        let mut unusable_url = None;
        if let Some(raw) = fields.get(1) {
            match gourl::parse(raw, sem) {
                Err(e) => return invalid(format!("invalid GOSUMDB URL: {e}")),
                Ok(u) => {
                    let shown = u.redacted(sem);
                    if !matches!(u.scheme.as_str(), "" | "http" | "https" | "file") {
                        unusable_url = Some(format!("unsupported scheme: {shown}"));
                    }
                    explicit_url = Some(shown);
                }
            }
        }
        GoSumDb::Db(SumDbConfig {
            direct_url: direct.redacted(sem),
            name,
            key: fields[0].to_string(),
            known_key,
            alias,
            explicit_url,
            unusable_url,
        })
    }
}

/// Why `note.NewVerifier` rejects a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifierError {
    MalformedId,
    InvalidHash,
    UnknownAlgorithm,
}

impl VerifierError {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifierError::MalformedId => "malformed verifier id",
            VerifierError::InvalidHash => "invalid verifier hash",
            VerifierError::UnknownAlgorithm => "unknown verifier algorithm",
        }
    }
}

/// `note.NewVerifier(vkey)`: `name+hash+base64(alg||key)`, where hash is the first 4 bytes
/// of SHA-256(name "\n" alg||key) in hex and alg 1 is Ed25519 (32-byte key). Returns the
/// name.
pub fn parse_verifier_key(vkey: &str) -> Result<String, VerifierError> {
    let (name, rest) = vkey.split_once('+').unwrap_or((vkey, ""));
    let (hash16, key64) = rest.split_once('+').unwrap_or((rest, ""));
    let hash = parse_hex32(hash16);
    let key = decode_base64_std(key64);
    let valid_name =
        !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+');
    let (Some(hash), Some(key), true, 8) = (hash, key, valid_name, hash16.len()) else {
        return Err(VerifierError::MalformedId);
    };
    if key.is_empty() {
        return Err(VerifierError::MalformedId);
    }
    if hash != key_hash(name, &key) {
        return Err(VerifierError::InvalidHash);
    }
    if key[0] != 1 {
        return Err(VerifierError::UnknownAlgorithm);
    }
    if key.len() != 33 {
        return Err(VerifierError::MalformedId);
    }
    Ok(name.to_string())
}

/// The key hash of a verifier key: SHA-256(name "\n" key), first 4 bytes, big-endian.
pub fn key_hash(name: &str, key: &[u8]) -> u32 {
    let mut msg = Vec::with_capacity(name.len() + 1 + key.len());
    msg.extend_from_slice(name.as_bytes());
    msg.push(b'\n');
    msg.extend_from_slice(key);
    let d = sha256(&msg);
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// `strconv.ParseUint(s, 16, 32)`.
fn parse_hex32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// `base64.StdEncoding.DecodeString`: padded standard alphabet; `\r` and `\n` are ignored;
/// unused trailing bits need not be zero.
pub fn decode_base64_std(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let b: Vec<u8> = s.bytes().filter(|&c| c != b'\r' && c != b'\n').collect();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let groups = b.len() / 4;
    for (gi, g) in b.chunks(4).enumerate() {
        let pad = g.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && gi + 1 != groups) {
            return None;
        }
        let mut n = 0u32;
        for &c in &g[..4 - pad] {
            n = (n << 6) | val(c)?;
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

/// SHA-256 (FIPS 180-4).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                block[4 * i],
                block[4 * i + 1],
                block[4 * i + 2],
                block[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sem() -> GoSemantics {
        GoSemantics::for_version(Some("1.27.3"))
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// A verifier key for `name` over the bytes 0..32 (what the go command checks: the
    /// hash, the algorithm byte and the length; it is not a curve point check).
    fn key_for(name: &str) -> String {
        let mut k = vec![1u8];
        k.extend(0u8..32);
        format!("{name}+{:08x}+{}", key_hash(name, &k), encode(&k))
    }

    fn encode(b: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in b.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn sha256_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(decode_base64_std("AQ=="), Some(vec![1]));
        assert_eq!(decode_base64_std("AQI="), Some(vec![1, 2]));
        assert_eq!(decode_base64_std("AQ"), None, "padding is required");
        assert_eq!(decode_base64_std("A\nQ=\r="), Some(vec![1]));
        assert_eq!(
            decode_base64_std("AR=="),
            Some(vec![1]),
            "trailing bits ignored"
        );
        assert_eq!(decode_base64_std("AQ==AQ=="), None);
        assert_eq!(decode_base64_std("A-=="), None);
        assert_eq!(decode_base64_std(""), Some(vec![]));
    }

    #[test]
    fn verifier_keys() {
        // The real sum.golang.org key passes every check.
        assert_eq!(
            parse_verifier_key(KNOWN_SUMDB_KEYS[0].1),
            Ok("sum.golang.org".into())
        );
        let k = key_for("sum.example");
        assert_eq!(parse_verifier_key(&k), Ok("sum.example".into()));
        let wrong_hash = k.replacen(&k[12..20], "00000000", 1);
        assert_eq!(
            parse_verifier_key(&wrong_hash),
            Err(VerifierError::InvalidHash)
        );
        assert_eq!(
            parse_verifier_key("sum.example"),
            Err(VerifierError::MalformedId)
        );
        assert_eq!(
            parse_verifier_key("a+0123abcd+AAAAkey"),
            Err(VerifierError::MalformedId)
        );
        // Algorithm 2 with a matching hash.
        let k2 = vec![2u8, 0, 0, 0];
        let v = format!("x+{:08x}+{}", key_hash("x", &k2), encode(&k2));
        assert_eq!(parse_verifier_key(&v), Err(VerifierError::UnknownAlgorithm));
        // Ed25519 with a short key.
        let k3 = vec![1u8, 0, 0];
        let v = format!("x+{:08x}+{}", key_hash("x", &k3), encode(&k3));
        assert_eq!(parse_verifier_key(&v), Err(VerifierError::MalformedId));
    }

    #[test]
    fn gosumdb_values() {
        let s = sem();
        assert_eq!(GoSumDb::parse("off", &s), GoSumDb::Off);
        let inv = |v: &str| match GoSumDb::parse(v, &s) {
            GoSumDb::Invalid { error } => error,
            other => panic!("{v:?}: {other:?}"),
        };
        assert_eq!(inv(" off"), "invalid GOSUMDB: malformed verifier id");
        assert_eq!(inv(""), "missing GOSUMDB");
        assert_eq!(
            inv(" sum.golang.google.cn"),
            "invalid GOSUMDB: malformed verifier id"
        );
        assert_eq!(inv("my.sumdb"), "invalid GOSUMDB: malformed verifier id");
        assert_eq!(inv("a+b+c d e"), "invalid GOSUMDB: too many fields");
        let k = key_for("sum.example");
        assert_eq!(
            inv(&format!("{k} http://a%zz")),
            r#"invalid GOSUMDB URL: parse "http://a%zz": invalid URL escape "%zz""#
        );
        assert_eq!(
            inv(&key_for("host/")),
            "invalid sumdb name (must be host[/path]): host/ {Scheme:https Opaque: User: Host:host Path:/ Fragment: RawQuery: RawPath: RawFragment: ForceQuery:false OmitHost:false}"
        );
        assert_eq!(
            match GoSumDb::parse(&key_for("host/"), &GoSemantics::for_version(Some("1.21.13"))) {
                GoSumDb::Invalid { error } => error,
                o => panic!("{o:?}"),
            },
            "invalid sumdb name (must be host[/path]): host/ {Scheme:https Opaque: User: Host:host Path:/ RawPath: OmitHost:false ForceQuery:false RawQuery: Fragment: RawFragment:}"
        );
        assert!(matches!(
            GoSumDb::parse(&key_for("a%zz"), &s),
            GoSumDb::Crash { .. }
        ));
        // Versions differ: a[::1] crashes 1.21 and 1.27, works in 1.24.
        let a = key_for("a[::1]");
        assert!(matches!(
            GoSumDb::parse(&a, &GoSemantics::for_version(Some("1.21.13"))),
            GoSumDb::Crash { .. }
        ));
        assert!(matches!(
            GoSumDb::parse(&a, &GoSemantics::for_version(Some("1.24.11"))),
            GoSumDb::Db(_)
        ));
        assert!(matches!(GoSumDb::parse(&a, &s), GoSumDb::Crash { .. }));

        let GoSumDb::Db(d) = GoSumDb::parse("sum.golang.google.cn", &s) else {
            panic!()
        };
        assert!(d.alias && d.known_key);
        assert_eq!(d.name, "sum.golang.org");
        assert_eq!(
            d.explicit_url.as_deref(),
            Some("https://sum.golang.google.cn")
        );
        let GoSumDb::Db(d) = GoSumDb::parse(" sum.golang.org ", &s) else {
            panic!()
        };
        assert_eq!(d.url(), "https://sum.golang.org");
        let GoSumDb::Db(d) = GoSumDb::parse(&format!("{k}  ftp://u:pw@x"), &s) else {
            panic!()
        };
        assert_eq!(
            d.unusable_url.as_deref(),
            Some("unsupported scheme: ftp://u:xxxxx@x")
        );
        let GoSumDb::Db(d) = GoSumDb::parse(&format!("{k} http://127.0.0.1:9"), &s) else {
            panic!()
        };
        assert!(d.unusable_url.is_none() && !d.known_key);
    }
}
