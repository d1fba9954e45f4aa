//! Durations on the command line: Go's `time.ParseDuration` syntax (`3s`, `1m30s`,
//! `500ms`, `1.5h`, `2h45m`; units `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), or a plain
//! number of seconds (`10`, `1.5`).

use std::time::Duration;

/// The longest duration any flag accepts.
pub const MAX: Duration = Duration::from_secs(86_400);

/// Nanoseconds per unit, as Go's `unitMap`.
fn unit(u: &str) -> Option<u128> {
    Some(match u {
        "ns" => 1,
        // U+00B5 micro sign and U+03BC Greek small letter mu, as Go accepts both.
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return None,
    })
}

/// Why a duration is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not a duration at all.
    Syntax,
    /// Below zero.
    Negative,
    /// Larger than anything representable (Go: "invalid duration").
    Overflow,
}

/// Parses Go's duration syntax, or a plain decimal number of seconds. A sign is allowed;
/// the result is signed nanoseconds.
pub fn parse_nanos(s: &str) -> Result<i128, Error> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return Err(Error::Syntax);
    }
    let total = if body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        // A plain number: seconds.
        number(body, 1_000_000_000)?
    } else if body == "0" {
        0
    } else {
        let mut total: u128 = 0;
        let mut rest = body;
        while !rest.is_empty() {
            let num_end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or(Error::Syntax)?;
            let (num, tail) = rest.split_at(num_end);
            let unit_end = tail
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(tail.len());
            let (u, tail) = tail.split_at(unit_end);
            let per = unit(u).ok_or(Error::Syntax)?;
            total = total
                .checked_add(number(num, per)?)
                .ok_or(Error::Overflow)?;
            rest = tail;
        }
        total
    };
    // Go's limit: a Duration is an int64 of nanoseconds.
    if total > i64::MAX as u128 {
        return Err(Error::Overflow);
    }
    let v = total as i128;
    if neg && v != 0 {
        return Err(Error::Negative);
    }
    Ok(v)
}

/// `int[.frac]` times `per` nanoseconds; at least one digit, at most one dot.
fn number(s: &str, per: u128) -> Result<u128, Error> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return Err(Error::Syntax);
    }
    let mut v: u128 = 0;
    for b in int.bytes() {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(b - b'0')))
            .filter(|v| *v <= i64::MAX as u128)
            .ok_or(Error::Overflow)?;
    }
    let mut ns = v.checked_mul(per).ok_or(Error::Overflow)?;
    // The fraction as Go's `leadingFraction` reads it: digits until the value would
    // overflow an int64, then scaled in floating point.
    let (mut f, mut scale, mut overflow) = (0u64, 1f64, false);
    for b in frac.bytes() {
        if overflow {
            continue;
        }
        match f
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
        {
            Some(v) if v <= i64::MAX as u64 => {
                f = v;
                scale *= 10.0;
            }
            _ => overflow = true,
        }
    }
    let part = (f as f64 * (per as f64 / scale)) as u128;
    ns = ns.checked_add(part).ok_or(Error::Overflow)?;
    Ok(ns)
}

/// A duration flag's value: more than zero and at most [`MAX`]. The message names the
/// flag and shows the value.
pub fn positive(flag: &str, s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let hint = "a duration such as 500ms, 3s, 1m30s or 1h, or a number of seconds";
    match parse_nanos(s) {
        Err(Error::Syntax) => Err(format!("{flag}: `{s}` is not {hint}")),
        Err(Error::Negative) => Err(format!("{flag}: `{s}` is negative; it must be more than 0")),
        Ok(0) => Err(format!("{flag}: `{s}` is zero; it must be more than 0")),
        Err(Error::Overflow) => Err(format!("{flag}: `{s}` is too long; at most 24h")),
        Ok(n) if n > MAX.as_nanos() as i128 => {
            Err(format!("{flag}: `{s}` is too long; at most 24h"))
        }
        Ok(n) => Ok(Duration::from_nanos(n as u64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> Result<u128, String> {
        positive("--t", s).map(|d| d.as_millis())
    }

    #[test]
    fn go_syntax_and_plain_seconds() {
        assert_eq!(ms("3s"), Ok(3000));
        assert_eq!(ms("1m30s"), Ok(90_000));
        assert_eq!(ms("500ms"), Ok(500));
        assert_eq!(ms("1.5h"), Ok(5_400_000));
        assert_eq!(ms("1h2m3.5s"), Ok(3_723_500));
        assert_eq!(ms("+2s"), Ok(2000));
        assert_eq!(ms(".5s"), Ok(500));
        assert_eq!(ms("5.s"), Ok(5000));
        assert_eq!(ms("10"), Ok(10_000));
        assert_eq!(ms("1.5"), Ok(1500));
        assert_eq!(ms("0.25"), Ok(250));
        assert_eq!(ms(" 2s "), Ok(2000));
        assert_eq!(
            positive("--t", "1500us").unwrap(),
            Duration::from_micros(1500)
        );
        assert_eq!(
            positive("--t", "1500µs").unwrap(),
            Duration::from_micros(1500)
        );
        assert_eq!(
            positive("--t", "1500μs").unwrap(),
            Duration::from_micros(1500)
        );
        assert_eq!(positive("--t", "7ns").unwrap(), Duration::from_nanos(7));
        assert_eq!(ms("24h"), Ok(86_400_000));
    }

    #[test]
    fn refusals_name_the_flag() {
        for bad in [
            "", "s", ".", ".s", "1", "x", "1x", "1 s", "1s2", "3sec", "1..5s", "NaN", "inf", "1e3",
            "-", "+", "--1s", "1h-2m", "0x10s",
        ] {
            if bad == "1" {
                continue;
            }
            let e = positive("--timeout", bad).unwrap_err();
            assert!(e.starts_with("--timeout: "), "{bad}: {e}");
        }
        assert!(positive("--deadline", "0").unwrap_err().contains("zero"));
        assert!(positive("--deadline", "0s").unwrap_err().contains("zero"));
        assert!(positive("--deadline", "0.0").unwrap_err().contains("zero"));
        assert!(positive("--deadline", "-5")
            .unwrap_err()
            .contains("negative"));
        assert!(positive("--deadline", "-1m")
            .unwrap_err()
            .contains("negative"));
        assert!(positive("--deadline", "24h1ns")
            .unwrap_err()
            .contains("at most 24h"));
        assert!(positive("--deadline", "1e30").is_err());
        assert!(positive("--deadline", "99999999999999999999999h")
            .unwrap_err()
            .contains("at most 24h"));
        assert!(positive("--deadline", "9223372036854775807ns")
            .unwrap_err()
            .contains("at most"));
        // Sub-nanosecond values round down to zero.
        assert!(positive("--t", "0.1ns").unwrap_err().contains("zero"));
    }

    #[test]
    fn like_go_parse_duration() {
        // Cases from Go's time package tests.
        let ns = |s: &str| parse_nanos(s);
        assert_eq!(ns("0"), Ok(0));
        assert_eq!(ns("-0"), Ok(0));
        assert_eq!(ns("1.004s"), Ok(1_004_000_000));
        assert_eq!(ns("100.00100s"), Ok(100_001_000_000));
        assert_eq!(ns("2.2h3m4.5s"), Ok(7_920_000_000_000 + 184_500_000_000));
        assert_eq!(ns("9223372036854775807ns"), Ok(i64::MAX as i128));
        assert_eq!(ns("9223372036854775808ns"), Err(Error::Overflow));
        assert_eq!(ns("0.3333333333333333333h"), Ok(1_200_000_000_000));
        assert_eq!(ns("0.100000000000000000000h"), Ok(360_000_000_000));
        assert_eq!(ns("0.830103483285477580700h"), Ok(2_988_372_539_827));
        assert_eq!(ns("3000000h"), Err(Error::Overflow));
        assert_eq!(ns("1d"), Err(Error::Syntax));
    }
}
