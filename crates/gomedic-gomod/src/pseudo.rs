//! golang.org/x/mod/module's pseudo-versions: `vX.0.0-yyyymmddhhmmss-rev`,
//! `vX.Y.Z-pre.0.yyyymmddhhmmss-rev` and `vX.Y.(Z+1)-0.yyyymmddhhmmss-rev`, each with
//! optional build metadata such as `+incompatible`.

use crate::semver;

/// `module.IsPseudoVersion`.
pub fn is_pseudo_version(v: &str) -> bool {
    v.matches('-').count() >= 2 && semver::is_valid(v) && matches_re(v)
}

/// The regexp `^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`.
fn matches_re(v: &str) -> bool {
    let (main, build) = match v.find('+') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    if let Some(b) = build {
        let ok = b
            .split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
        if !ok {
            return false;
        }
    }
    // The revision has no '-', so the last one starts it.
    let Some(j) = main.rfind('-') else {
        return false;
    };
    let rev = &main[j + 1..];
    if rev.is_empty() || !rev.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let head = &main[..j];
    if head.len() < 14 || !head.is_char_boundary(head.len() - 14) {
        return false;
    }
    let (head, ts) = head.split_at(head.len() - 14);
    if !ts.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let Some(rest) = head.strip_prefix('v') else {
        return false;
    };
    let rest = skip_digits(rest);
    let Some(rest) = rest.and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    if rest == "0.0-" {
        return true;
    }
    // `\d+\.\d+-([^+]*\.)?0\.`
    let Some(rest) = rest.strip_suffix("0.") else {
        return false;
    };
    let Some(rest) = skip_digits(rest).and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    let Some(rest) = skip_digits(rest).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    rest.is_empty() || rest.ends_with('.')
}

fn skip_digits(s: &str) -> Option<&str> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| &s[n..])
}

/// The parts of a pseudo-version: (base, timestamp, rev, build).
fn parse(v: &str) -> Result<(&str, &str, &str, &str), String> {
    if !is_pseudo_version(v) {
        return Err(invalid(v, "syntax error"));
    }
    let build = semver::build(v);
    let v = &v[..v.len() - build.len()];
    let j = v.rfind('-').unwrap_or(0);
    let (v, rev) = (&v[..j], &v[j + 1..]);
    let i = v.rfind('-').unwrap_or(0);
    match v.rfind('.') {
        Some(d) if d > i => Ok((&v[..d], &v[d + 1..], rev, build)),
        _ => Ok((&v[..i], &v[i + 1..], rev, build)),
    }
}

/// Go's `InvalidVersionError{Pseudo: true}` text.
fn invalid(v: &str, err: &str) -> String {
    format!(
        "pseudo-version {} invalid: {err}",
        gomedic_goenv::gourl::quote(v.as_bytes())
    )
}

/// `module.PseudoVersionRev`: the 12-hex-digit (or other) revision.
pub fn pseudo_version_rev(v: &str) -> Result<&str, String> {
    parse(v).map(|p| p.2)
}

/// A pseudo-version's UTC commit time, `time.Parse("20060102150405", ts)` validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PseudoTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// `module.PseudoVersionTime`.
pub fn pseudo_version_time(v: &str) -> Result<PseudoTime, String> {
    let (_, ts, _, _) = parse(v)?;
    let n = |a: usize, b: usize| ts[a..b].parse::<u32>().unwrap_or(u32::MAX);
    let t = PseudoTime {
        year: n(0, 4),
        month: n(4, 6),
        day: n(6, 8),
        hour: n(8, 10),
        minute: n(10, 12),
        second: n(12, 14),
    };
    let leap =
        t.year.is_multiple_of(4) && (!t.year.is_multiple_of(100) || t.year.is_multiple_of(400));
    let days = match t.month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    if t.day < 1 || t.day > days || t.hour > 23 || t.minute > 59 || t.second > 59 {
        return Err(invalid(
            v,
            &format!(
                "malformed time {}",
                gomedic_goenv::gourl::quote(ts.as_bytes())
            ),
        ));
    }
    Ok(t)
}

/// `module.PseudoVersionBase`: the tagged version a pseudo-version builds on ("" for the
/// `vX.0.0-` form).
pub fn pseudo_version_base(v: &str) -> Result<String, String> {
    let (base, _, _, build) = parse(v)?;
    match semver::prerelease(base) {
        "" => {
            if !build.is_empty() {
                return Err(invalid(
                    v,
                    &format!(
                        "lacks base version, but has build metadata {}",
                        gomedic_goenv::gourl::quote(build.as_bytes())
                    ),
                ));
            }
            Ok(String::new())
        }
        "-0" => {
            let base = &base[..base.len() - 2];
            let i = base.rfind('.').unwrap_or(0);
            match dec_decimal(&base[i + 1..]) {
                None => Err(invalid(
                    v,
                    &format!("version before {base} would have negative patch number"),
                )),
                Some(patch) => Ok(format!("{}{patch}{build}", &base[..i + 1])),
            }
        }
        _ => Ok(format!(
            "{}{build}",
            base.strip_suffix(".0").unwrap_or(base)
        )),
    }
}

fn dec_decimal(d: &str) -> Option<String> {
    let mut digits = d.as_bytes().to_vec();
    let mut i = digits.len();
    while i > 0 && digits[i - 1] == b'0' {
        digits[i - 1] = b'9';
        i -= 1;
    }
    if i == 0 {
        return None;
    }
    if i == 1 && digits[0] == b'1' && digits.len() > 1 {
        digits.remove(0);
    } else {
        digits[i - 1] -= 1;
    }
    String::from_utf8(digits).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golang_mod_pseudo_examples() {
        for (v, base) in [
            ("v0.0.0-20060102150405-hash", ""),
            ("v1.2.3-0.20060102150405-hash", "v1.2.2"),
            (
                "v1.2.3-0.20060102150405-hash+incompatible",
                "v1.2.2+incompatible",
            ),
            ("v1.2.3-pre.0.20060102150405-hash", "v1.2.3-pre"),
            ("v1.2.3-pre.0.20060102150405-hash+meta", "v1.2.3-pre+meta"),
            ("v1.2.10-0.20060102150405-hash", "v1.2.9"),
        ] {
            assert!(is_pseudo_version(v), "{v}");
            assert_eq!(pseudo_version_base(v), Ok(base.to_string()), "{v}");
            assert_eq!(pseudo_version_rev(v), Ok("hash"));
        }
        assert_eq!(
            pseudo_version_base("v1.0.0-0.20060102150405-hash"),
            Err("pseudo-version \"v1.0.0-0.20060102150405-hash\" invalid: version before v1.0.0 would have negative patch number".into())
        );
        for v in [
            "v1.2.3",
            "v1.2.3-pre",
            "v1.2.3-0.2006010215040-hash",
            "v0.0.0-20060102150405-",
        ] {
            assert!(!is_pseudo_version(v), "{v}");
        }
        assert!(pseudo_version_time("v0.0.0-20061302150405-hash").is_err());
        assert_eq!(
            pseudo_version_time("v0.0.0-20240229235959-abc").map(|t| t.day),
            Ok(29)
        );
    }
}
