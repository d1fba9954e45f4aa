//! Go's `net/url.Parse`, `URL.String`, `URL.Redacted` and `net/netip.ParseAddr`, with
//! their exact error messages, for the go command's GOPROXY and GOSUMDB handling. The
//! rules differ between Go releases ([`UrlRules`]).

use crate::gosem::{GoSemantics, UrlRules};

/// A URL as Go's `url.URL` holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoUrl {
    pub scheme: String,
    pub opaque: String,
    pub user: Option<UserInfo>,
    pub host: String,
    pub path: String,
    pub raw_path: String,
    pub omit_host: bool,
    pub force_query: bool,
    pub raw_query: String,
    pub fragment: String,
    pub raw_fragment: String,
}

/// `url.Userinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub username: String,
    pub password: Option<String>,
}

/// Why `url.Parse` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlError {
    /// The `*url.Error` text: `parse "URL": reason`.
    pub message: String,
    /// The reason alone (`net/url: invalid control character in URL`).
    pub reason: String,
}

impl std::fmt::Display for UrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

struct Fail(String);

impl From<String> for Fail {
    fn from(s: String) -> Fail {
        Fail(s)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// `url.Parse(raw)` under `sem`'s rules.
pub fn parse(raw: &str, sem: &GoSemantics) -> Result<GoUrl, UrlError> {
    let wrap = |url: &str, f: Fail| UrlError {
        message: format!("parse {}: {}", quote(url.as_bytes()), f.0),
        reason: f.0,
    };
    let (u, frag) = match raw.find('#') {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, ""),
    };
    let mut url = parse_inner(u, sem).map_err(|f| wrap(u, f))?;
    if frag.is_empty() {
        return Ok(url);
    }
    let f = unescape(frag.as_bytes(), Mode::Fragment).map_err(|f| wrap(raw, f))?;
    url.raw_fragment = if escape(&f, Mode::Fragment) == frag.as_bytes() {
        String::new()
    } else {
        frag.to_string()
    };
    url.fragment = lossy(f);
    Ok(url)
}

fn lossy(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn parse_inner(raw: &str, sem: &GoSemantics) -> Result<GoUrl, Fail> {
    if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
        return Err("net/url: invalid control character in URL"
            .to_string()
            .into());
    }
    let mut url = GoUrl::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some(i) = rest.find('?') {
        url.raw_query = rest[i + 1..].to_string();
        rest = &rest[..i];
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // Rootless paths are opaque (RFC 3986).
            url.opaque = rest.to_string();
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or("");
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon"
                .to_string()
                .into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let mut authority = &rest[2..];
        rest = "";
        if let Some(i) = authority.find('/') {
            rest = &authority[i..];
            authority = &authority[..i];
        }
        let (user, host) = parse_authority(&url.scheme, authority, sem)?;
        url.user = user;
        url.host = host;
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    let path = unescape(rest.as_bytes(), Mode::Path)?;
    url.raw_path = if escape(&path, Mode::Path) == rest.as_bytes() {
        String::new()
    } else {
        rest.to_string()
    };
    url.path = lossy(path);
    Ok(url)
}

fn get_scheme(raw: &str) -> Result<(&str, &str), Fail> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    return Err("missing protocol scheme".to_string().into());
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(
    scheme: &str,
    authority: &str,
    sem: &GoSemantics,
) -> Result<(Option<UserInfo>, String), Fail> {
    let at = authority.rfind('@');
    let host = parse_host(
        scheme,
        match at {
            Some(i) => &authority[i + 1..],
            None => authority,
        },
        sem,
    )?;
    let Some(i) = at else {
        return Ok((None, host));
    };
    let userinfo = &authority[..i];
    if !userinfo.chars().all(|r| {
        r.is_ascii_alphanumeric()
            || matches!(
                r,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
    }) {
        return Err("net/url: invalid userinfo".to_string().into());
    }
    let user = match userinfo.split_once(':') {
        None => UserInfo {
            username: lossy(unescape(userinfo.as_bytes(), Mode::UserPassword)?),
            password: None,
        },
        Some((u, p)) => UserInfo {
            username: lossy(unescape(u.as_bytes(), Mode::UserPassword)?),
            password: Some(lossy(unescape(p.as_bytes(), Mode::UserPassword)?)),
        },
    };
    Ok((Some(user), host))
}

fn bad_port(colon_port: &str) -> Fail {
    Fail(format!(
        "invalid port {} after host",
        quote(colon_port.as_bytes())
    ))
}

fn parse_host(scheme: &str, host: &str, sem: &GoSemantics) -> Result<String, Fail> {
    let rules = sem.url_rules();
    let open = match rules {
        UrlRules::Go121 => host.starts_with('[').then_some(0),
        UrlRules::Go124 => host.rfind('['),
        UrlRules::Go126 => match host.rfind('[') {
            Some(i) if i > 0 => return Err("invalid IP-literal".to_string().into()),
            o => o,
        },
    };
    if let Some(open) = open {
        let Some(close) = host.rfind(']') else {
            return Err("missing ']' in host".to_string().into());
        };
        let colon_port = &host[close + 1..];
        if !valid_optional_port(colon_port) {
            return Err(bad_port(colon_port));
        }
        if rules == UrlRules::Go121 {
            if let Some(zone) = host[..close].find("%25") {
                let mut out = unescape(&host.as_bytes()[..zone], Mode::Host)?;
                out.extend(unescape(&host.as_bytes()[zone..close], Mode::Zone)?);
                out.extend(unescape(&host.as_bytes()[close..], Mode::Host)?);
                return Ok(lossy(out));
            }
            return Ok(lossy(unescape(host.as_bytes(), Mode::Host)?));
        }
        let port = unescape(colon_port.as_bytes(), Mode::Host)?;
        // A valid port after the last ']' holds no '[', so open < close here.
        let hostname = &host[open + 1..close];
        let unescaped = match hostname.find("%25") {
            Some(z) => {
                let mut h = unescape(&hostname.as_bytes()[..z], Mode::Host)?;
                h.extend(unescape(&hostname.as_bytes()[z..], Mode::Zone)?);
                h
            }
            None => unescape(hostname.as_bytes(), Mode::Host)?,
        };
        let unescaped = lossy(unescaped);
        match parse_addr(&unescaped) {
            Err(e) => return Err(format!("invalid host: {e}").into()),
            Ok(true) => return Err("invalid IP-literal".to_string().into()),
            Ok(false) => {}
        }
        return Ok(format!("[{unescaped}]{}", lossy(port)));
    }
    let colon = match rules {
        UrlRules::Go126 => host.find(':').map(|first| {
            let last = host.rfind(':').unwrap_or(first);
            let strict = scheme == "http" || scheme == "https";
            if last != first && (!strict || !sem.url_strict_colons) {
                last
            } else {
                first
            }
        }),
        _ => host.rfind(':'),
    };
    if let Some(i) = colon {
        if !valid_optional_port(&host[i..]) {
            return Err(bad_port(&host[i..]));
        }
    }
    Ok(lossy(unescape(host.as_bytes(), Mode::Host)?))
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        _ if port.is_empty() => true,
        Some(digits) => digits.chars().all(|c| c.is_ascii_digit()),
        None => false,
    }
}

fn unhex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

fn escape_error(s: &[u8]) -> Fail {
    Fail(format!("invalid URL escape {}", quote(s)))
}

fn unescape(s: &[u8], mode: Mode) -> Result<Vec<u8>, Fail> {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                if i + 2 >= s.len()
                    || !s[i + 1].is_ascii_hexdigit()
                    || !s[i + 2].is_ascii_hexdigit()
                {
                    let rest = &s[i..];
                    return Err(escape_error(&rest[..rest.len().min(3)]));
                }
                let esc = &s[i..i + 3];
                // In a host, %-encoding is only for non-ASCII bytes (and %25 in zones).
                if mode == Mode::Host && unhex(s[i + 1]) < 8 && esc != b"%25" {
                    return Err(escape_error(esc));
                }
                if mode == Mode::Zone {
                    let v = (unhex(s[i + 1]) << 4) | unhex(s[i + 2]);
                    if esc != b"%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(escape_error(esc));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    return Err(Fail(format!(
                        "invalid character {} in host name",
                        quote(&s[i..i + 1])
                    )));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            out.push((unhex(s[i + 1]) << 4) | unhex(s[i + 2]));
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => return c == b'?',
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => return false,
            Mode::Host | Mode::Zone => {}
        },
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn escape(s: &[u8], mode: Mode) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if should_escape(c, mode) {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        } else {
            out.push(c);
        }
    }
    out
}

fn valid_encoded(s: &str, mode: Mode) -> bool {
    s.bytes().all(|c| {
        matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'['
                | b']'
                | b'%'
        ) || !should_escape(c, mode)
    })
}

fn esc_str(s: &str, mode: Mode) -> String {
    lossy(escape(s.as_bytes(), mode))
}

impl UserInfo {
    /// `Userinfo.String()`: escaped `user[:password]`.
    pub fn to_go_string(&self) -> String {
        let mut s = esc_str(&self.username, Mode::UserPassword);
        if let Some(p) = &self.password {
            s.push(':');
            s.push_str(&esc_str(p, Mode::UserPassword));
        }
        s
    }
}

impl GoUrl {
    fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty() && valid_encoded(&self.raw_path, Mode::Path) {
            if let Ok(p) = unescape(self.raw_path.as_bytes(), Mode::Path) {
                if p == self.path.as_bytes() {
                    return self.raw_path.clone();
                }
            }
        }
        if self.path == "*" {
            return "*".into();
        }
        esc_str(&self.path, Mode::Path)
    }

    fn escaped_fragment(&self) -> String {
        if !self.raw_fragment.is_empty() && valid_encoded(&self.raw_fragment, Mode::Fragment) {
            if let Ok(f) = unescape(self.raw_fragment.as_bytes(), Mode::Fragment) {
                if f == self.fragment.as_bytes() {
                    return self.raw_fragment.clone();
                }
            }
        }
        esc_str(&self.fragment, Mode::Fragment)
    }

    /// `URL.String()` as the given release writes it.
    pub fn to_go_string(&self, sem: &GoSemantics) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let no_authority = self.omit_host && self.host.is_empty() && self.user.is_none();
            if (!self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some())
                && !no_authority
            {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(u) = &self.user {
                    buf.push_str(&u.to_go_string());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&esc_str(&self.host, Mode::Host));
                }
            }
            let mut path = self.escaped_path();
            if sem.url_rules() == UrlRules::Go126 && no_authority && path.starts_with("//") {
                buf.push_str("%2F");
                path.remove(0);
            }
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&self.escaped_fragment());
        }
        buf
    }

    /// `URL.Redacted()`: the password, if any, becomes `xxxxx`.
    pub fn redacted(&self, sem: &GoSemantics) -> String {
        let mut u = self.clone();
        if let Some(user) = &mut u.user {
            if user.password.is_some() {
                user.password = Some("xxxxx".into());
            }
        }
        u.to_go_string(sem)
    }

    /// The URL is only a scheme and a path (what the go command requires of `file://`
    /// proxies and checksum database names).
    pub fn is_scheme_and_path_only(&self) -> bool {
        self.opaque.is_empty()
            && self.user.is_none()
            && self.host.is_empty()
            && !self.omit_host
            && !self.force_query
            && self.raw_query.is_empty()
            && self.fragment.is_empty()
            && self.raw_fragment.is_empty()
    }

    /// `fmt.Sprintf("%+v", url)` as the given release prints it (the field order changed
    /// in Go 1.26).
    pub fn debug_plus_v(&self, sem: &GoSemantics) -> String {
        let user = self
            .user
            .as_ref()
            .map(UserInfo::to_go_string)
            .unwrap_or_default();
        if sem.url_rules() == UrlRules::Go126 {
            format!(
                "{{Scheme:{} Opaque:{} User:{} Host:{} Path:{} Fragment:{} RawQuery:{} RawPath:{} RawFragment:{} ForceQuery:{} OmitHost:{}}}",
                self.scheme, self.opaque, user, self.host, self.path, self.fragment,
                self.raw_query, self.raw_path, self.raw_fragment, self.force_query, self.omit_host
            )
        } else {
            format!(
                "{{Scheme:{} Opaque:{} User:{} Host:{} Path:{} RawPath:{} OmitHost:{} ForceQuery:{} RawQuery:{} Fragment:{} RawFragment:{}}}",
                self.scheme, self.opaque, user, self.host, self.path, self.raw_path,
                self.omit_host, self.force_query, self.raw_query, self.fragment, self.raw_fragment
            )
        }
    }
}

/// `netip.ParseAddr(s)`: `Ok(true)` for IPv4, `Ok(false)` for IPv6, else Go's error text.
pub fn parse_addr(s: &str) -> Result<bool, String> {
    for c in s.bytes() {
        match c {
            b'.' => return parse_ipv4_fields(s, 0, s.len()).map(|_| true),
            b':' => return parse_ipv6(s).map(|_| false),
            b'%' => return Err(addr_error(s, "missing IPv6 address", "")),
            _ => {}
        }
    }
    Err(addr_error(s, "unable to parse IP", ""))
}

fn addr_error(input: &str, msg: &str, at: &str) -> String {
    if at.is_empty() {
        format!("ParseAddr({}): {msg}", quote(input.as_bytes()))
    } else {
        format!(
            "ParseAddr({}): {msg} (at {})",
            quote(input.as_bytes()),
            quote(at.as_bytes())
        )
    }
}

fn parse_ipv4_fields(input: &str, off: usize, end: usize) -> Result<(), String> {
    let s = &input.as_bytes()[off..end];
    let (mut val, mut pos, mut dig_len) = (0u32, 0, 0);
    for (i, &c) in s.iter().enumerate() {
        if c.is_ascii_digit() {
            if dig_len == 1 && val == 0 {
                return Err(addr_error(
                    input,
                    "IPv4 field has octet with leading zero",
                    "",
                ));
            }
            val = val * 10 + u32::from(c - b'0');
            dig_len += 1;
            if val > 255 {
                return Err(addr_error(input, "IPv4 field has value >255", ""));
            }
        } else if c == b'.' {
            if i == 0 || i == s.len() - 1 || s[i - 1] == b'.' {
                return Err(addr_error(
                    input,
                    "IPv4 field must have at least one digit",
                    &input[off + i..end],
                ));
            }
            if pos == 3 {
                return Err(addr_error(input, "IPv4 address too long", ""));
            }
            pos += 1;
            val = 0;
            dig_len = 0;
        } else {
            return Err(addr_error(
                input,
                "unexpected character",
                &String::from_utf8_lossy(&s[i..]),
            ));
        }
    }
    if pos < 3 {
        return Err(addr_error(input, "IPv4 address too short", ""));
    }
    Ok(())
}

fn parse_ipv6(input: &str) -> Result<(), String> {
    let mut s = input;
    let mut zone = "";
    if let Some(i) = s.find('%') {
        zone = &s[i + 1..];
        s = &s[..i];
        if zone.is_empty() {
            return Err(addr_error(input, "zone must be a non-empty string", ""));
        }
    }
    let mut ellipsis: Option<usize> = None;
    if s.starts_with("::") {
        ellipsis = Some(0);
        s = &s[2..];
        if s.is_empty() {
            return Ok(());
        }
    }
    let mut i = 0;
    while i < 16 {
        let b = s.as_bytes();
        let mut off = 0;
        let mut acc: u32 = 0;
        while off < b.len() {
            let c = b[off];
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => break,
            };
            acc = (acc << 4) + u32::from(d);
            if off > 3 {
                return Err(addr_error(
                    input,
                    "each group must have 4 or less digits",
                    s,
                ));
            }
            if acc > 0xffff {
                return Err(addr_error(input, "IPv6 field has value >=2^16", s));
            }
            off += 1;
        }
        if off == 0 {
            return Err(addr_error(
                input,
                "each colon-separated field must have at least one digit",
                s,
            ));
        }
        if off < b.len() && b[off] == b'.' {
            if ellipsis.is_none() && i != 12 {
                return Err(addr_error(
                    input,
                    "embedded IPv4 address must replace the final 2 fields of the address",
                    s,
                ));
            }
            if i + 4 > 16 {
                return Err(addr_error(
                    input,
                    "too many hex fields to fit an embedded IPv4 at the end of the address",
                    s,
                ));
            }
            let mut end = input.len();
            if !zone.is_empty() {
                end -= zone.len() + 1;
            }
            parse_ipv4_fields(input, end - s.len(), end)?;
            s = "";
            i += 4;
            break;
        }
        i += 2;
        s = &s[off..];
        if s.is_empty() {
            break;
        }
        if !s.starts_with(':') {
            return Err(addr_error(input, "unexpected character, want colon", s));
        } else if s.len() == 1 {
            return Err(addr_error(
                input,
                "colon must be followed by more characters",
                s,
            ));
        }
        s = &s[1..];
        if s.starts_with(':') {
            if ellipsis.is_some() {
                return Err(addr_error(input, "multiple :: in address", s));
            }
            ellipsis = Some(i);
            s = &s[1..];
            if s.is_empty() {
                break;
            }
        }
    }
    if !s.is_empty() {
        return Err(addr_error(input, "trailing garbage after address", s));
    }
    if i < 16 {
        if ellipsis.is_none() {
            return Err(addr_error(input, "address string too short", ""));
        }
    } else if ellipsis.is_some() {
        return Err(addr_error(
            input,
            "the :: must expand to at least one field of zeros",
            "",
        ));
    }
    Ok(())
}

/// Go's `strconv.Quote` of a byte string (invalid UTF-8 bytes become `\xNN`).
pub fn quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut rest = s;
    while !rest.is_empty() {
        let (c, n) = match std::str::from_utf8(rest) {
            Ok(v) => {
                let c = v.chars().next().unwrap();
                (Some(c), c.len_utf8())
            }
            Err(e) if e.valid_up_to() > 0 => {
                let v = std::str::from_utf8(&rest[..e.valid_up_to()]).unwrap();
                let c = v.chars().next().unwrap();
                (Some(c), c.len_utf8())
            }
            Err(_) => (None, 1),
        };
        match c {
            None => out.push_str(&format!("\\x{:02x}", rest[0])),
            Some(c) => push_quoted_char(&mut out, c, '"'),
        }
        rest = &rest[n..];
    }
    out.push('"');
    out
}

/// Go's `%q` of a rune: `'E'`.
pub fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    push_quoted_char(&mut out, c, '\'');
    out.push('\'');
    out
}

fn push_quoted_char(out: &mut String, c: char, q: char) {
    match c {
        _ if c == q || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        ' '..='~' => out.push(c),
        _ if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        _ if !c.is_control() && !c.is_whitespace() => out.push(c),
        _ if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        _ => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sem(v: &str) -> GoSemantics {
        GoSemantics::for_version(Some(v))
    }

    fn err(raw: &str, v: &str) -> String {
        parse(raw, &sem(v)).unwrap_err().message
    }

    #[test]
    fn parses_like_go() {
        let s = sem("1.27.3");
        let u = parse("https://user:pw@proxy.example:8080/a%2Fb/c?x=1#frag", &s).unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "proxy.example:8080");
        assert_eq!(u.path, "/a/b/c");
        assert_eq!(u.raw_path, "/a%2Fb/c");
        assert_eq!(u.raw_query, "x=1");
        assert_eq!(u.fragment, "frag");
        assert_eq!(
            u.user,
            Some(UserInfo {
                username: "user".into(),
                password: Some("pw".into())
            })
        );
        assert_eq!(
            u.redacted(&s),
            "https://user:xxxxx@proxy.example:8080/a%2Fb/c?x=1#frag"
        );
        let f = parse("file:///srv/proxy", &s).unwrap();
        assert!(f.is_scheme_and_path_only() && f.path == "/srv/proxy");
        assert!(parse("file:/srv/proxy", &s).unwrap().omit_host);
        assert_eq!(parse("FTP://x", &s).unwrap().scheme, "ftp");
        assert_eq!(parse("banana", &s).unwrap().path, "banana");
        assert_eq!(parse("c:\\proxy", &s).unwrap().opaque, "\\proxy");
    }

    #[test]
    fn errors_like_go() {
        assert_eq!(
            err("http://a b", "1.21.13"),
            r#"parse "http://a b": invalid character " " in host name"#
        );
        assert_eq!(
            err("http://x:y", "1.27.3"),
            r#"parse "http://x:y": invalid port ":y" after host"#
        );
        assert_eq!(
            err(":foo", "1.27.3"),
            r#"parse ":foo": missing protocol scheme"#
        );
        assert_eq!(
            err("1a:b", "1.27.3"),
            r#"parse "1a:b": first path segment in URL cannot contain colon"#
        );
        assert_eq!(parse("a:b/c%zz", &sem("1.27.3")).unwrap().opaque, "b/c%zz");
        assert_eq!(
            err("http://x/%zz", "1.27.3"),
            r#"parse "http://x/%zz": invalid URL escape "%zz""#
        );
        assert_eq!(
            err("http://x\x01", "1.27.3"),
            "parse \"http://x\\x01\": net/url: invalid control character in URL"
        );
        assert_eq!(
            err("http://u s@x", "1.27.3"),
            r#"parse "http://u s@x": net/url: invalid userinfo"#
        );
    }

    #[test]
    fn host_rules_differ_by_release() {
        // a[::1]: 1.21 sees the port ":1]"; 1.24 takes the bracketed part; 1.26 refuses.
        assert_eq!(
            err("https://a[::1]", "1.21.13"),
            r#"parse "https://a[::1]": invalid port ":1]" after host"#
        );
        assert_eq!(
            parse("https://a[::1]", &sem("1.24.11")).unwrap().host,
            "[::1]"
        );
        assert_eq!(
            err("https://a[::1]", "1.27.3"),
            r#"parse "https://a[::1]": invalid IP-literal"#
        );
        // x:1:2: the last colon before 1.26; the first for http(s) since.
        assert_eq!(
            parse("https://x:1:2", &sem("1.24.11")).unwrap().host,
            "x:1:2"
        );
        assert_eq!(
            err("https://x:1:2", "1.27.3"),
            r#"parse "https://x:1:2": invalid port ":1:2" after host"#
        );
        assert!(parse(
            "https://x:1:2",
            &sem("1.27.3").with_godebug("urlstrictcolons=0")
        )
        .is_ok());
        assert!(parse("ftp://x:1:2", &sem("1.27.3")).is_ok());
        // Bracketed IPv4 and garbage: accepted before 1.24, refused since.
        assert!(parse("http://[1.2.3.4]", &sem("1.22.10")).is_ok());
        assert_eq!(
            err("http://[1.2.3.4]", "1.24.11"),
            r#"parse "http://[1.2.3.4]": invalid IP-literal"#
        );
        assert_eq!(
            err("http://[zz]", "1.27.3"),
            r#"parse "http://[zz]": invalid host: ParseAddr("zz"): unable to parse IP"#
        );
        assert_eq!(
            parse("http://[fe80::1%25en0]:80/", &sem("1.27.3"))
                .unwrap()
                .host,
            "[fe80::1%en0]:80"
        );
        assert_eq!(
            err("http://]x[", "1.24.11"),
            r#"parse "http://]x[": invalid port "x[" after host"#
        );
    }

    #[test]
    fn netip_errors() {
        assert_eq!(parse_addr("::1"), Ok(false));
        assert_eq!(parse_addr("1.2.3.4"), Ok(true));
        assert_eq!(parse_addr("::ffff:1.2.3.4"), Ok(false));
        assert_eq!(
            parse_addr("1.2.3"),
            Err(r#"ParseAddr("1.2.3"): IPv4 address too short"#.into())
        );
        assert_eq!(
            parse_addr("1::2::3"),
            Err(r#"ParseAddr("1::2::3"): multiple :: in address (at ":3")"#.into())
        );
        assert_eq!(
            parse_addr("fe80::1%"),
            Err(r#"ParseAddr("fe80::1%"): zone must be a non-empty string"#.into())
        );
    }

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote(b"a\"b\\c\x01\xff"), r#""a\"b\\c\x01\xff""#);
        assert_eq!(quote("é".as_bytes()), "\"é\"");
        assert_eq!(quote_rune('E'), "'E'");
        assert_eq!(quote_rune('\''), "'\\''");
    }
}
