//! Secret redaction: [`Redactor::redact`] is the one function every text gomedic prints
//! goes through (reports, `env`, plans, `undo --list`, `net`, error messages).
//!
//! Two layers: literal secrets learned from everything gomedic reads (the process
//! environment, the go env file, `$GOROOT/go.env`, `go env`, `.netrc`, journal entries,
//! command-line values), parsed the way the go command parses them, and patterns that
//! catch secrets gomedic was never told about (URL userinfo with or without a scheme,
//! well-known token prefixes, `token=` query parameters).
//!
//! A learned secret is masked in every form it can be printed in: as is, percent-encoded
//! (as Go's `url.URL.String` and as a full encoding, upper- and lower-case hex), decoded,
//! quoted (`\"` and `\\` escapes of Go's `%q`, Rust's `{:?}` and JSON) and XML-escaped;
//! and a password with an unencoded `/`, `?`, `#` or `@` also in the pieces a URL parser
//! cuts it into.

use std::sync::{OnceLock, RwLock};

/// Replacement text for a masked secret.
pub const MASK: &str = "[REDACTED]";

/// Masks secrets in text. Build one per run from what the run reads (see the module
/// docs), and [`install`] it so that error paths use it too.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// The secrets as learned, in learning order (for merging).
    secrets: Vec<String>,
    /// Every printable form of every secret, longest first.
    forms: Vec<String>,
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

/// Characters a parser may cut an unencoded password at (`url.Parse` ends the authority at
/// `/`, `?` and `#`, and takes the last `@`).
const CUTS: [char; 4] = ['/', '?', '#', '@'];

/// How the URLs in a value are read when learning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Only `scheme://` URLs, their user info as Go's url.Parse finds it (any variable).
    Strict,
    /// Also scheme-less `user:password@host` entries, and passwords with an unencoded
    /// `/`, `?`, `#` or `@` (go settings, command-line arguments).
    Lenient,
    /// Lenient, and a scheme-less `token@host` too: the values the go command reads as
    /// URLs (`GOPROXY=user:pw@host` is `https://user:pw@host`, `HTTPS_PROXY=user:pw@host:3128`
    /// is `http://user:pw@host:3128`), where a bare user name is often a token.
    Url,
}

impl Reading {
    /// The reading for a variable or setting named `upper` (upper case).
    pub fn of(upper: &str) -> Reading {
        if matches!(upper, "GOPROXY" | "GOSUMDB") || upper.ends_with("_PROXY") {
            Reading::Url
        } else if upper.starts_with("GO") {
            Reading::Lenient
        } else {
            Reading::Strict
        }
    }
}

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

    /// What this process can know before reading anything: its environment, and URL
    /// credentials in its command line (`gomedic net https://u:pw@host`).
    pub fn from_process() -> Self {
        let mut r = Redactor::new();
        for (k, v) in std::env::vars_os() {
            r.learn_var(&k.to_string_lossy(), &v.to_string_lossy());
        }
        for a in std::env::args_os().skip(1) {
            let a = a.to_string_lossy();
            // `KEY=VALUE` arguments (`env set`) as settings; URLs (`net URL`) and
            // `user:pw@host` as URLs. Other arguments (`file@2x.exe`) teach nothing.
            match a.split_once('=') {
                Some((k, v)) if !k.is_empty() && !k.starts_with('-') => r.learn_var(k, v),
                _ => r.learn_urls(&a, Reading::Lenient),
            }
        }
        r
    }

    /// Learns from one variable or setting: a secret-looking name masks the whole value,
    /// and every URL credential in the value is learned, parsed as the go command parses
    /// the value (for go settings and `*_PROXY` variables also scheme-less entries and
    /// passwords with an unencoded `/`, `?`, `#` or `@`).
    pub fn learn_var(&mut self, key: &str, value: &str) {
        let upper = key.trim().to_ascii_uppercase();
        let secret_name = SECRET_NAME_PARTS.iter().any(|p| upper.contains(p))
            && !upper.ends_with("_FILE")
            && !upper.ends_with("_PATH");
        if secret_name && !HARMLESS_VALUES.contains(&value.trim()) {
            self.add_literal(value);
            self.add_literal(value.trim());
        }
        if upper == "GOAUTH" {
            // `GOAUTH=netrc; git /dir; command helper --flag`: each command on its own.
            // Each command, and each of its arguments (a helper may take a token).
            for part in value.split(';').map(str::trim) {
                if !HARMLESS_VALUES.contains(&part) {
                    self.add_literal(part);
                }
                for arg in part.split_whitespace().skip(1) {
                    self.add_literal(arg);
                    if let Some((_, v)) = arg.split_once('=') {
                        self.add_literal(v);
                    }
                }
            }
        }
        self.learn_urls(value, Reading::of(&upper));
    }

    /// Learns the credentials of every URL in `text`, read as `reading` says.
    pub fn learn_urls(&mut self, text: &str, reading: Reading) {
        for info in userinfo_candidates(text, reading) {
            self.learn_userinfo(&info);
        }
    }

    /// Learns a URL's user info: the password, `user:password`, and (a bare token is often
    /// passed as the user name) a user info without a password whole.
    fn learn_userinfo(&mut self, info: &str) {
        let Some((user, pass)) = info.split_once(':') else {
            self.add_literal(info);
            return;
        };
        self.add_literal(pass);
        self.add_literal(info);
        // An unencoded '/', '?', '#' or '@' makes a URL parser cut the password: what it
        // prints then holds the pieces (`invalid port ":pa" after host`).
        if pass.contains(CUTS) {
            for piece in pass.split(CUTS) {
                self.add_literal(piece);
            }
            let first = pass.split(CUTS).next().unwrap_or("");
            self.add_literal(&format!(":{first}"));
            // Go quotes it: `invalid port ":pa" after host` (masked even when short).
            if !first.is_empty() {
                self.add_literal(&format!("\":{first}\""));
            }
            self.add_literal(&format!("{user}:{first}"));
        }
    }

    /// Learns the passwords of a `.netrc` file (sent by the go command with GOAUTH=netrc).
    pub fn learn_netrc(&mut self, text: &str) {
        let mut words = text.split_whitespace();
        while let Some(w) = words.next() {
            if w == "password" {
                if let Some(p) = words.next() {
                    self.add_literal(p);
                }
            }
        }
    }

    /// Learns every `KEY=VALUE` line of a go env file's bytes (the file itself, or the
    /// contents a journal entry recorded).
    pub fn learn_env_file(&mut self, bytes: &[u8]) {
        for line in String::from_utf8_lossy(bytes).lines() {
            let line = line.trim_end_matches('\r');
            if let Some((k, v)) = line.split_once('=') {
                if !k.trim_start().starts_with('#') {
                    self.learn_var(k.trim(), v);
                }
            }
        }
    }

    /// Everything `other` learned.
    pub fn merge(&mut self, other: &Redactor) {
        for s in &other.secrets {
            self.add_literal(s);
        }
    }

    /// Whether nothing was learned (patterns still apply).
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Adds an exact secret string, in every form it can be printed in. Very short strings
    /// are ignored: masking "a" everywhere would destroy the output and reveal nothing
    /// useful to hide.
    pub fn add_literal(&mut self, secret: &str) {
        if secret.len() < 4 || HARMLESS_VALUES.contains(&secret) || secret == MASK {
            return;
        }
        if self.secrets.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.push(secret.to_string());
        let mut forms = vec![secret.to_string()];
        if secret.contains('%') {
            if let Some(d) = percent_decode(secret) {
                forms.push(d);
            }
        }
        for f in forms.clone() {
            forms.push(percent_encode_all(&f, false));
            forms.push(percent_encode_all(&f, true));
            forms.push(go_userinfo_escape(&f));
            forms.push(quote_escape(&f));
            forms.push(xml_escape(&f));
        }
        for f in forms {
            if f.len() >= 4 && !self.forms.contains(&f) {
                self.forms.push(f);
            }
        }
        // Longest first, so a secret containing another is masked whole.
        self.forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Masks secrets in every string (and object key) of a JSON value, in place.
    pub fn redact_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.redact_json(x)),
            serde_json::Value::Object(o) => {
                if o.keys().any(|k| self.redact(k) != *k) {
                    let old = std::mem::take(o);
                    for (k, x) in old {
                        o.insert(self.redact(&k), x);
                    }
                }
                o.values_mut().for_each(|x| self.redact_json(x));
            }
            _ => {}
        }
    }

    /// Returns `text` with every known and recognisable secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for f in &self.forms {
            if out.contains(f.as_str()) {
                out = out.replace(f.as_str(), MASK);
            }
        }
        // Each mask acts only where its trigger appears: texts without one (most) skip it.
        if out.contains("://") {
            out = mask_url_userinfo(&out);
        }
        if out.contains('@') {
            out = mask_schemeless_userinfo(&out);
        }
        if token_prefixes().is_match(&out) {
            out = mask_token_prefixes(&out);
        }
        if out.contains(['?', '&']) {
            out = mask_query_params(&out);
        }
        out
    }
}

static GLOBAL: OnceLock<RwLock<Redactor>> = OnceLock::new();

fn global_cell() -> &'static RwLock<Redactor> {
    GLOBAL.get_or_init(|| RwLock::new(Redactor::from_process()))
}

/// Adds what `r` learned to the process-wide redactor, which error paths use.
pub fn install(r: &Redactor) {
    global_cell()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .merge(r);
}

/// The process-wide redactor: the process environment and command line, plus everything
/// [`install`]ed.
pub fn global() -> Redactor {
    global_cell()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// `text` through the process-wide redactor.
pub fn text(text: &str) -> String {
    global_cell()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .redact(text)
}

/// Where a URL in free text ends (learning: a password may hold anything else).
fn is_span_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | '|' | '"' | '\'' | '<' | '>' | '`')
}

/// Candidate user infos in `text`: of every `scheme://` URL, and (not `Strict`) of every
/// scheme-less entry holding an `@` (with a ':' unless `Url`).
fn userinfo_candidates(text: &str, reading: Reading) -> Vec<String> {
    let lenient = reading != Reading::Strict;
    let mut out: Vec<String> = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("://") {
        let start = from + i + 3;
        let after = &text[start..];
        let end = after.find(is_span_end).unwrap_or(after.len());
        span_userinfos(&after[..end], lenient, &mut out);
        from = start;
    }
    if lenient {
        let mut schemeless = Vec::new();
        for tok in text.split(is_span_end) {
            if tok.contains("://") || !tok.contains('@') {
                continue;
            }
            span_userinfos(tok, true, &mut schemeless);
            // `-flag=user:pw@host` (GOFLAGS): the URL starts after the last '='.
            let at = tok.rfind('@').unwrap_or(0);
            if let Some(eq) = tok[..at].rfind('=') {
                span_userinfos(&tok[eq + 1..], true, &mut schemeless);
            }
        }
        // Outside URL-valued settings, `name@host` is not a credential (`file@2x.exe`).
        schemeless.retain(|s| reading == Reading::Url || s.contains(':'));
        out.extend(schemeless);
    }
    out.retain(|s| !s.is_empty());
    out.dedup();
    out
}

/// The user infos of one URL without its scheme (`user:pw@host/path`): as Go's url.Parse
/// reads it (the authority ends at the first '/', '?' or '#'; the user info at its last
/// '@'), and (`lenient`) as a person means it: before any '@' whose prefix has a ':'
/// before its first '/', '?' or '#' (an unencoded password), or has none of them.
fn span_userinfos(span: &str, lenient: bool, out: &mut Vec<String>) {
    let auth_end = span.find(['/', '?', '#']).unwrap_or(span.len());
    if let Some(at) = span[..auth_end].rfind('@') {
        if at > 0 {
            out.push(span[..at].to_string());
        }
    }
    if !lenient {
        return;
    }
    for (j, _) in span.match_indices('@') {
        let pre = &span[..j];
        if pre.is_empty() {
            continue;
        }
        let ok = match (pre.find(['/', '?', '#']), pre.find(':')) {
            (None, _) => true,
            (Some(cut), Some(colon)) => colon < cut,
            (Some(_), None) => false,
        };
        if ok && !out.iter().any(|s| s == pre) {
            out.push(pre.to_string());
        }
    }
}

fn is_authority_end(c: char) -> bool {
    matches!(
        c,
        '/' | '?' | '#' | ',' | '|' | '"' | '\'' | '<' | '>' | ')' | ']' | '`'
    ) || c.is_whitespace()
}

/// `scheme://userinfo@host` → `scheme://[REDACTED]@host`, for URLs never learned.
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

/// Where a scheme-less `user:pw@host` starts, looking back from its '@'.
fn is_token_start_stop(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | ',' | '|' | '(' | '<' | '=' | ';' | '>'
        )
}

/// `user:pw@host` (no scheme: the go command adds `https://` to such a GOPROXY entry, and
/// `http://` to such an HTTPS_PROXY) → `[REDACTED]@host`, for values never learned.
/// Needs a ':' with text on both sides and no '/' or '\' before the '@', so module
/// versions (`example.com/m@v1.2.3`), `git@host:path` and Windows paths stay.
fn mask_schemeless_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (j, _) in text.match_indices('@') {
        if j < last {
            continue;
        }
        let host_ok = text[j + 1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '[');
        if !host_ok {
            continue;
        }
        let start = text[last..j]
            .rfind(is_token_start_stop)
            .map(|s| last + s + text[last + s..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(last);
        let tok = &text[start..j];
        let masked = tok.split_once(':').is_some_and(|(user, pass)| {
            !user.is_empty()
                && !pass.is_empty()
                && !tok.contains(['/', '\\'])
                && !tok.contains(MASK)
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._~%+-!$&*".contains(c))
        });
        if masked {
            out.push_str(&text[last..start]);
            out.push_str(MASK);
            last = j;
        }
    }
    out.push_str(&text[last..]);
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Finds any of [`TOKEN_PREFIXES`] in one pass.
fn token_prefixes() -> &'static aho_corasick::AhoCorasick {
    static AC: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(TOKEN_PREFIXES)
            .expect("token prefixes are plain literals")
    })
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

/// Every byte but the unreserved ones as `%XX`.
fn percent_encode_all(s: &str, lower: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// As Go's `url.URL.String` writes a user name or password (`encodeUserPassword`): the
/// reserved characters `$&+,;=` stay, `@/?:` and everything else not unreserved is escaped.
fn go_userinfo_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~$&+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` decoded, as Go's url.Parse decodes user info; `None` if not valid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Inside quotes as Go's `%q`, Rust's `{:?}` and JSON write it: `"` and `\` escaped.
fn quote_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// As the JUnit report writes text.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// `u` without its userinfo (`https://user:pw@host/p` -> `https://host/p`), for naming an
/// upstream or a mirror in logs, metrics and errors.
pub fn url_without_userinfo(u: &str) -> String {
    let Some((scheme, rest)) = u.split_once("://") else {
        return u.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let (auth, tail) = rest.split_at(end);
    match auth.rfind('@') {
        Some(i) => format!("{scheme}://{}{tail}", &auth[i + 1..]),
        None => u.to_string(),
    }
}

#[cfg(test)]
mod tests {

    /// Skipping a mask when its trigger is absent changes nothing: the same output as
    /// running every mask, over texts made of the pieces secrets are found in.
    #[test]
    fn skipped_masks_change_nothing() {
        let pieces = [
            "https://",
            "u:p",
            "@",
            "host",
            "/p",
            "?",
            "&",
            "token=",
            "abc123def456",
            "ghp_",
            "github_pat_",
            "AKIA",
            "xoxb-",
            " ",
            "\n",
            "é",
            ":",
            "=",
            "-",
            "_",
            "npm_",
            "key=",
            "x",
            "git@github.com:",
            "user:pass@10.0.0.1",
        ];
        let r = Redactor::from_env([("GOPROXY", "https://alice:s3cret@corp.example")]);
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut t = String::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut all = t.clone();
            for f in &r.forms {
                if all.contains(f.as_str()) {
                    all = all.replace(f.as_str(), MASK);
                }
            }
            let all = mask_query_params(&mask_token_prefixes(&mask_schemeless_userinfo(
                &mask_url_userinfo(&all),
            )));
            assert_eq!(r.redact(&t), all, "{t:?}");
        }
    }

    #[test]
    fn urls_lose_their_userinfo_only() {
        let f = super::url_without_userinfo;
        assert_eq!(f("https://u:p@proxy.example/p"), "https://proxy.example/p");
        assert_eq!(f("https://u:p@w@h:8080/x@y"), "https://h:8080/x@y");
        assert_eq!(f("http://127.0.0.1:1"), "http://127.0.0.1:1");
        assert_eq!(f("https://h/a@b"), "https://h/a@b");
        assert_eq!(f("u:p@host"), "u:p@host");
    }

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

    /// Every form go accepts: scheme-less, unencoded '/', '?', '#', '@' in the password,
    /// lists with ',' and '|', GOSUMDB's URL, GOFLAGS, proxies, .netrc.
    #[test]
    fn learns_every_form_go_accepts() {
        let cases: &[(&str, &str, &str)] = &[
            ("GOPROXY", "alice:Zq8Hush1@proxy.corp", "Zq8Hush1"),
            (
                "GOPROXY",
                "https://alice:pa/Zq8Hush2@proxy.corp",
                "pa/Zq8Hush2",
            ),
            ("GOPROXY", "https://u:p?Zq8H#ush3@proxy.corp", "p?Zq8H#ush3"),
            ("GOPROXY", "https://u:p@Zq8Hush4@proxy.corp/x", "p@Zq8Hush4"),
            (
                "GOPROXY",
                "https://a.example,bob:Zq8Hush5@b.example|direct",
                "Zq8Hush5",
            ),
            (
                "GOSUMDB",
                "sum.golang.org https://u:Zq8Hush6@mirror.corp",
                "Zq8Hush6",
            ),
            (
                "GOFLAGS",
                "-x -ldflags=-X=main.u=u:Zq8Hush7@h.corp",
                "Zq8Hush7",
            ),
            ("HTTPS_PROXY", "carol:Zq8Hush8@proxy.corp:3128", "Zq8Hush8"),
            (
                "https_proxy",
                "http://carol:Zq8/Hush9@proxy.corp:3128",
                "Zq8/Hush9",
            ),
            (
                "ALL_PROXY",
                "socks5://carol:Zq8Hush10@proxy.corp",
                "Zq8Hush10",
            ),
            ("GONOSUMDB", "u:Zq8Hush11@corp.example", "Zq8Hush11"),
            ("GOPROXY", "https://u:Zq8%2FHush12@proxy.corp", "Zq8/Hush12"),
        ];
        for (k, v, pw) in cases {
            let r = Redactor::from_env([(*k, *v)]);
            for shown in [
                v.to_string(),
                format!("{v:?}"),
                format!("parse \"https://{v}\": invalid"),
                percent_encode_all(pw, false),
                percent_encode_all(pw, true),
                go_userinfo_escape(pw),
                format!("x {pw} y"),
            ] {
                let out = r.redact(&shown);
                assert!(!out.contains(pw), "{k}={v}: {shown} -> {out}");
            }
        }
    }

    #[test]
    fn pieces_of_a_cut_password_are_masked() {
        let r = Redactor::from_env([("GOPROXY", "https://user:first/Second?third@h.corp")]);
        let out = r.redact(
            r#"parse "https://user:first/Second?third@h.corp": invalid port ":first" after host"#,
        );
        for piece in ["first", "Second", "third"] {
            assert!(!out.contains(piece), "{out}");
        }
        assert!(out.contains("h.corp"), "{out}");
        let r = Redactor::from_env([("GOPROXY", "https://u:pa/Second@h.corp")]);
        let out = r.redact(r#"invalid port ":pa" after host"#);
        assert_eq!(out, "invalid port [REDACTED] after host");
    }

    #[test]
    fn netrc_env_file_and_merge() {
        let mut r = Redactor::new();
        r.learn_netrc(
            "machine proxy.corp login alice password n3trcPass\ndefault login x password d3fault",
        );
        r.learn_env_file(
            b"# c\r\nGOPROXY=bob:envF1le@p.corp\r\nGOAUTH=command /bin/helper --k=abcd1234\n",
        );
        let mut g = Redactor::new();
        g.merge(&r);
        let out = g.redact("n3trcPass d3fault envF1le abcd1234");
        assert_eq!(out, "[REDACTED] [REDACTED] [REDACTED] [REDACTED]");
    }

    #[test]
    fn schemeless_pattern_without_learning() {
        let r = Redactor::new();
        assert_eq!(
            r.redact(r#"GOPROXY entry "alice:s3cr3t@proxy.corp" has no scheme"#),
            r#"GOPROXY entry "[REDACTED]@proxy.corp" has no scheme"#
        );
        for keep in [
            "go: downloading example.com/m@v1.2.3",
            "git@github.com:org/repo.git",
            "example.com/m@v1.2.3: invalid version",
            "12:30 at 10:00@ the office",
            r"C:\Users\bob@corp\go",
        ] {
            assert_eq!(r.redact(keep), keep);
        }
    }

    #[test]
    fn json_keys_and_values() {
        let r = Redactor::from_env([("GOPROXY", "u:js0nPass@p.corp")]);
        let mut v = serde_json::json!({"js0nPass": ["x js0nPass", {"k": "u:js0nPass@p.corp"}]});
        r.redact_json(&mut v);
        assert!(!v.to_string().contains("js0nPass"), "{v}");
    }

    #[test]
    fn go_keys_do_not_over_mask_other_variables() {
        // Only go settings and proxies are read without a scheme: an e-mail is not a secret.
        let r = Redactor::from_env([("GIT_AUTHOR_EMAIL", "alice.smith@example.com")]);
        assert_eq!(r.redact("alice.smith"), "alice.smith");
        let r = Redactor::from_env([("GOFLAGS", "-modfile=alt@2.mod")]);
        assert_eq!(r.redact("-modfile=alt@2.mod"), "-modfile=alt@2.mod");
        let mut r = Redactor::new();
        r.learn_urls("file@2x.exe", Reading::Lenient);
        assert!(r.is_empty());
        // A bare token is a credential where go reads a URL.
        let r = Redactor::from_env([("GOPROXY", "t0kenValue@proxy.corp")]);
        assert_eq!(r.redact("t0kenValue"), "[REDACTED]");
    }
}
