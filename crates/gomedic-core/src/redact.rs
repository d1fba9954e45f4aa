//! Secret redaction, applied to a whole report before any renderer sees it.
//!
//! Two layers: literal secrets learned from the environment (values of secret-looking
//! variables, GOAUTH, passwords found in URLs), and patterns that catch secrets we were
//! never told about (URL userinfo, well-known token prefixes, `token=` query parameters).

/// Replacement text for a masked secret.
pub const MASK: &str = "[REDACTED]";

/// Masks secrets in text. Build one per run with [`Redactor::from_env`].
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    literals: Vec<String>,
}

/// Variable-name fragments that mark a value as secret.
const SECRET_NAME_PARTS: &[&str] = &[
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "API_KEY",
    "APIKEY",
    "CREDENTIAL",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "AUTH",
];

/// Token prefixes issued by common forges and clouds.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "xoxb-",
    "xoxp-",
    "AKIA",
    "npm_",
];

/// Query parameters whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "token",
    "access_token",
    "private_token",
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "key",
    "sig",
    "signature",
];

/// Values of these settings are never secret even though the name matches.
const HARMLESS_VALUES: &[&str] = &["", "netrc", "off", "on", "true", "false", "0", "1"];

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns secrets from `KEY=VALUE` pairs (process environment, go env file).
    pub fn from_env<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut r = Redactor::new();
        for (k, v) in vars {
            r.learn_var(k, v);
        }
        r
    }

    /// Learns from one variable: a secret-looking name masks the whole value, and any
    /// URL userinfo in the value is learned too.
    pub fn learn_var(&mut self, key: &str, value: &str) {
        let upper = key.to_ascii_uppercase();
        let secret_name = SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
            && !upper.ends_with("_FILE")
            && !upper.ends_with("_PATH");
        if secret_name && !HARMLESS_VALUES.contains(&value.trim()) {
            self.add_literal(value);
        }
        for info in url_userinfos(value) {
            // Mask the password and, if there is no password, the whole userinfo
            // (a bare token is often passed as the user name).
            match info.split_once(':') {
                Some((user, pass)) => {
                    self.add_literal(pass);
                    self.add_literal(&format!("{user}:{pass}"));
                }
                None => self.add_literal(info),
            }
        }
    }

    /// Adds an exact secret string. Very short strings are ignored: masking "a" everywhere
    /// would destroy the report and reveal nothing useful to hide.
    pub fn add_literal(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.literals.iter().any(|s| s == secret) {
            self.literals.push(secret.to_string());
            // Longest first, so a secret containing another is masked whole.
            self.literals.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Masks secrets in every string of a JSON value, in place.
    pub fn redact_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.redact_json(x)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| self.redact_json(x)),
            _ => {}
        }
    }

    /// Returns `text` with every known and recognisable secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for lit in &self.literals {
            if out.contains(lit.as_str()) {
                out = out.replace(lit.as_str(), MASK);
            }
            // Percent-encoded forms appear in URLs echoed by tools.
            let enc = percent_encode_userinfo(lit);
            if enc != *lit && out.contains(enc.as_str()) {
                out = out.replace(enc.as_str(), MASK);
            }
        }
        let out = mask_url_userinfo(&out);
        let out = mask_token_prefixes(&out);
        mask_query_params(&out)
    }
}

fn is_authority_end(c: char) -> bool {
    matches!(
        c,
        '/' | '?' | '#' | ',' | '|' | '"' | '\'' | '<' | '>' | ')' | ']' | '`'
    ) || c.is_whitespace()
}

/// The userinfo parts (`user:pass`) of every URL in `text`.
fn url_userinfos(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let end = after.find(is_authority_end).unwrap_or(after.len());
        let authority = &after[..end];
        if let Some(at) = authority.rfind('@') {
            if at > 0 {
                found.push(&authority[..at]);
            }
        }
        rest = &after[end..];
    }
    found
}

fn mask_url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        out.push_str(&rest[..i + 3]);
        let after = &rest[i + 3..];
        let end = after.find(is_authority_end).unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) if at > 0 && &authority[..at] != MASK => {
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn mask_token_prefixes(text: &str) -> String {
    let mut out = text.to_string();
    for prefix in TOKEN_PREFIXES {
        let mut search_from = 0;
        while let Some(pos) = out[search_from..].find(prefix) {
            let start = search_from + pos;
            // Only at a token boundary, so "AKIA" inside a word is left alone.
            let boundary = out[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !is_token_char(c));
            let body_start = start + prefix.len();
            let body_len = out[body_start..]
                .find(|c: char| !is_token_char(c))
                .unwrap_or(out.len() - body_start);
            if boundary && body_len >= 8 {
                out.replace_range(start..body_start + body_len, MASK);
                search_from = start + MASK.len();
            } else {
                search_from = body_start;
            }
        }
    }
    out
}

fn mask_query_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let c = bytes[i];
        if (c == b'?' || c == b'&') && i + 1 < text.len() {
            out.push(c as char);
            let rest = &text[i + 1..];
            if let Some(eq) = rest.find('=') {
                let name = &rest[..eq];
                if SECRET_PARAMS.iter().any(|p| name.eq_ignore_ascii_case(p)) {
                    let val_len = rest[eq + 1..]
                        .find(|ch: char| {
                            ch == '&' || ch == '#' || ch.is_whitespace() || ch == '"' || ch == '\''
                        })
                        .unwrap_or(rest.len() - eq - 1);
                    out.push_str(name);
                    out.push('=');
                    out.push_str(MASK);
                    i += 1 + eq + 1 + val_len;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        let ch = text[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn percent_encode_userinfo(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_userinfo_in_goproxy_lists() {
        let r = Redactor::new();
        assert_eq!(
            r.redact("GOPROXY=https://alice:s3cret@proxy.corp,https://tok@other.example|direct"),
            "GOPROXY=https://[REDACTED]@proxy.corp,https://[REDACTED]@other.example|direct"
        );
    }

    #[test]
    fn learned_password_is_masked_even_outside_urls() {
        let mut r = Redactor::new();
        r.learn_var("GOPROXY", "https://alice:hunter22@proxy.corp");
        assert_eq!(
            r.redact("dial failed for hunter22"),
            "dial failed for [REDACTED]"
        );
        assert_eq!(r.redact("pw hunter%32%32?"), "pw hunter%32%32?");
    }

    #[test]
    fn percent_encoded_secret_is_masked() {
        let mut r = Redactor::new();
        r.learn_var("GOPROXY", "https://alice:p@ss:w0rd@proxy.corp");
        let out = r.redact("user alice:p%40ss%3Aw0rd here");
        assert!(!out.contains("w0rd"), "{out}");
    }

    #[test]
    fn secret_named_vars_and_goauth() {
        let r = Redactor::from_env([
            ("GITHUB_TOKEN", "abcdefgh12345"),
            (
                "GOAUTH",
                "command /usr/local/bin/cred-helper --key=zzzz9999",
            ),
            ("GONOSUMDB", "corp.example"),
            ("GOAUTH_OFF", "off"),
        ]);
        assert_eq!(r.redact("t=abcdefgh12345"), "t=[REDACTED]");
        assert_eq!(
            r.redact("GOAUTH=command /usr/local/bin/cred-helper --key=zzzz9999"),
            "GOAUTH=[REDACTED]"
        );
        assert_eq!(r.redact("corp.example off"), "corp.example off");
    }

    #[test]
    fn token_prefixes_and_query_params() {
        let r = Redactor::new();
        assert_eq!(
            r.redact("use ghp_0123456789abcdef now"),
            "use [REDACTED] now"
        );
        assert_eq!(r.redact("ghp_short"), "ghp_short");
        assert_eq!(
            r.redact("https://h/x?token=abc123&page=2"),
            "https://h/x?token=[REDACTED]&page=2"
        );
    }

    #[test]
    fn leaves_plain_text_alone() {
        let r = Redactor::new();
        let s = "go version go1.22.10 linux/amd64 — ok ✓ https://proxy.golang.org,direct";
        assert_eq!(r.redact(s), s);
    }
}
