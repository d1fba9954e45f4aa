//! golang.org/x/mod/semver: `v`-prefixed semantic versions, where `v1` and `v1.2` are
//! shorthands for `v1.0.0` and `v1.2.0`, and build metadata never affects ordering.

use std::cmp::Ordering;

#[derive(Default)]
struct Parsed<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    short: &'static str,
    prerelease: &'a str,
    build: &'a str,
}

fn parse(v: &str) -> Option<Parsed<'_>> {
    let rest = v.strip_prefix('v')?;
    let mut p = Parsed::default();
    let (major, rest) = parse_int(rest)?;
    p.major = major;
    if rest.is_empty() {
        p.minor = "0";
        p.patch = "0";
        p.short = ".0.0";
        return Some(p);
    }
    let (minor, rest) = parse_int(rest.strip_prefix('.')?)?;
    p.minor = minor;
    if rest.is_empty() {
        p.patch = "0";
        p.short = ".0";
        return Some(p);
    }
    let (patch, mut rest) = parse_int(rest.strip_prefix('.')?)?;
    p.patch = patch;
    if rest.starts_with('-') {
        let end = rest.find('+').unwrap_or(rest.len());
        let pre = &rest[..end];
        if !idents_ok(&pre[1..], true) {
            return None;
        }
        p.prerelease = pre;
        rest = &rest[end..];
    }
    if rest.starts_with('+') {
        if !idents_ok(&rest[1..], false) {
            return None;
        }
        p.build = rest;
        rest = "";
    }
    rest.is_empty().then_some(p)
}

fn parse_int(v: &str) -> Option<(&str, &str)> {
    let n = v.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (v.as_bytes()[0] == b'0' && n != 1) {
        return None;
    }
    Some(v.split_at(n))
}

/// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`; in a prerelease, numeric ones
/// have no leading zero.
fn idents_ok(s: &str, prerelease: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
            && !(prerelease && is_bad_num(id))
    })
}

fn is_bad_num(v: &str) -> bool {
    is_num(v) && v.len() > 1 && v.starts_with('0')
}

fn is_num(v: &str) -> bool {
    v.bytes().all(|c| c.is_ascii_digit())
}

/// `semver.IsValid`.
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// `semver.Canonical`: `vMAJOR.MINOR.PATCH[-pre]`, build dropped; "" if invalid.
pub fn canonical(v: &str) -> String {
    match parse(v) {
        None => String::new(),
        Some(p) if !p.build.is_empty() => v[..v.len() - p.build.len()].to_string(),
        Some(p) => format!("{v}{}", p.short),
    }
}

/// `semver.Major`: `vN`; "" if invalid.
pub fn major(v: &str) -> &str {
    parse(v).map_or("", |p| &v[..1 + p.major.len()])
}

/// `semver.Prerelease`: `-pre` or "".
pub fn prerelease(v: &str) -> &str {
    parse(v).map_or("", |p| p.prerelease)
}

/// `semver.Build`: `+build` or "".
pub fn build(v: &str) -> &str {
    parse(v).map_or("", |p| p.build)
}

/// `semver.Compare`: invalid versions sort before all valid ones and equal each other.
pub fn compare(v: &str, w: &str) -> Ordering {
    match (parse(v), parse(w)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare_int(a.major, b.major)
            .then_with(|| compare_int(a.minor, b.minor))
            .then_with(|| compare_int(a.patch, b.patch))
            .then_with(|| compare_prerelease(a.prerelease, b.prerelease)),
    }
}

/// `semver.Sort`: by `compare`, ties (e.g. differing build metadata) by string order.
pub fn sort<S: AsRef<str>>(list: &mut [S]) {
    list.sort_by(|a, b| compare(a.as_ref(), b.as_ref()).then_with(|| a.as_ref().cmp(b.as_ref())));
}

/// `module.CanonicalVersion`: `semver.Canonical` keeping `+incompatible`.
pub fn canonical_module_version(v: &str) -> String {
    let mut c = canonical(v);
    if build(v) == "+incompatible" {
        c.push_str("+incompatible");
    }
    c
}

fn compare_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    if x.is_empty() {
        return Ordering::Greater;
    }
    if y.is_empty() {
        return Ordering::Less;
    }
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (Some(dx), Some(dy)) => {
                if dx == dy {
                    continue;
                }
                return match (is_num(dx), is_num(dy)) {
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (true, true) => compare_int(dx, dy),
                    (false, false) => dx.cmp(dy),
                };
            }
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (None, None) => return Ordering::Equal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_mod_examples() {
        for (v, c) in [
            ("bad", ""),
            ("v1-alpha.beta.gamma", ""),
            ("v1-pre", ""),
            ("v1+meta", ""),
            ("v1-pre+meta", ""),
            ("v1.2-pre", ""),
            ("v1.2+meta", ""),
            ("v1.2-pre+meta", ""),
            ("v1.0.0-alpha", "v1.0.0-alpha"),
            ("v1.0.0-alpha.1", "v1.0.0-alpha.1"),
            ("v1.0.0-alpha.beta", "v1.0.0-alpha.beta"),
            ("v1.0.0-beta", "v1.0.0-beta"),
            ("v1.0.0-beta.2", "v1.0.0-beta.2"),
            ("v1.0.0-beta.11", "v1.0.0-beta.11"),
            ("v1.0.0-rc.1", "v1.0.0-rc.1"),
            ("v1", "v1.0.0"),
            ("v1.0", "v1.0.0"),
            ("v1.0.0", "v1.0.0"),
            ("v1.2", "v1.2.0"),
            ("v1.2.0", "v1.2.0"),
            ("v1.2.3-456", "v1.2.3-456"),
            ("v1.2.3-456.789", "v1.2.3-456.789"),
            ("v1.2.3-456-789", "v1.2.3-456-789"),
            ("v1.2.3-456a", "v1.2.3-456a"),
            ("v1.2.3-pre", "v1.2.3-pre"),
            ("v1.2.3-pre+meta", "v1.2.3-pre"),
            ("v1.2.3-pre.1", "v1.2.3-pre.1"),
            ("v1.2.3-zzz", "v1.2.3-zzz"),
            ("v1.2.3", "v1.2.3"),
            ("v1.2.3+meta", "v1.2.3"),
            ("v1.2.3+meta-pre", "v1.2.3"),
            ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
            ("v1.2.3-01", ""),
            ("v01.2.3", ""),
        ] {
            assert_eq!(canonical(v), c, "{v}");
        }
    }
}
