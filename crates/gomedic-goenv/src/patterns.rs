//! Module path pattern lists (GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE) exactly as the
//! go command matches them: golang.org/x/mod's `module.MatchPrefixPatterns` over Go's
//! `path.Match`. Parsed once into [`Patterns`], with per-entry diagnostics.

use serde::Serialize;

/// `path.ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadPattern;

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("syntax error in pattern")
    }
}

/// Go's `path.Match(pattern, name)`: `*` and `?` never match `/`; a malformed pattern is
/// an error whatever the name (Go checks the rest of the pattern before returning false).
pub fn path_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing * matches the rest of the name unless it has a /.
            return Ok(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        // The last chunk must use up the name; otherwise the star may still match.
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // Before answering false, check the rest of the pattern is well formed.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off the next chunk: leading stars, then everything up to the next star outside
/// a character class.
fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let Some((b'*', rest)) = pattern.split_first() {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            b'\\' if i + 1 < pattern.len() => {
                i += 1;
            }
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => return (star, &pattern[..i], &pattern[i..]),
            _ => {}
        }
        i += 1;
    }
    (star, pattern, &[])
}

/// Decodes one UTF-8 sequence as Go's `utf8.DecodeRuneInString` does: an invalid byte
/// is U+FFFD of width 1.
fn decode_rune(s: &[u8]) -> (u32, usize) {
    let n = match s.first() {
        None => return (0xFFFD, 0),
        Some(b) if *b < 0x80 => return (u32::from(*b), 1),
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(_) => 2,
    };
    match s.get(..n).map(std::str::from_utf8) {
        Some(Ok(v)) => (v.chars().next().unwrap() as u32, n),
        _ => (0xFFFD, 1),
    }
}

/// Does `chunk` (no stars) match the start of `s`? Returns the rest of `s`. The whole chunk
/// is always scanned, so a malformed chunk is an error even after a mismatch.
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), BadPattern> {
    let mut failed = false;
    while !chunk.is_empty() {
        failed = failed || s.is_empty();
        match chunk[0] {
            b'[' => {
                let mut r = 0u32;
                if !failed {
                    let (c, n) = decode_rune(s);
                    r = c;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk[0] == b'-' {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    matched = matched || (lo <= r && r <= hi);
                    nrange += 1;
                }
                failed = failed || matched == negated;
            }
            b'?' => {
                if !failed {
                    failed = s[0] == b'/';
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            c => {
                let lit = if c == b'\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(BadPattern)?
                } else {
                    c
                };
                if !failed {
                    failed = lit != s[0];
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    if failed {
        return Ok((&[], false));
    }
    Ok((s, true))
}

/// A possibly escaped character of a class; the class must go on after it.
fn get_esc(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(BadPattern);
            }
        }
        _ => {}
    }
    let (r, n) = decode_rune(chunk);
    let rest = &chunk[n..];
    if (r == 0xFFFD && n == 1 && chunk[0] >= 0x80) || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

/// Something worth telling about one entry of a pattern list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternIssue {
    /// The entry has spaces (around it, usually after a comma): the go command does not
    /// trim them, so it matches no module path.
    PatternWhitespace,
    /// Not a valid `path.Match` pattern: the go command silently skips it.
    PatternMalformed,
    /// One trailing `/`: the go command removes it (harmless).
    TrailingSlash,
    /// An empty element (`//`, or a leading or second trailing `/`): no module path
    /// can match.
    PatternNeverMatches,
    /// An empty entry (`a,,b`, a trailing comma): skipped (harmless).
    EmptyEntry,
}

impl PatternIssue {
    /// The code suffix: a check reports `<setting in lower case>.<this>`, for example
    /// `goprivate.pattern_whitespace`.
    pub fn as_str(self) -> &'static str {
        match self {
            PatternIssue::PatternWhitespace => "pattern_whitespace",
            PatternIssue::PatternMalformed => "pattern_malformed",
            PatternIssue::TrailingSlash => "trailing_slash",
            PatternIssue::PatternNeverMatches => "pattern_never_matches",
            PatternIssue::EmptyEntry => "empty_entry",
        }
    }

    /// Harmless issues change nothing about what matches.
    pub fn harmless(self) -> bool {
        matches!(self, PatternIssue::TrailingSlash | PatternIssue::EmptyEntry)
    }

    pub const ALL: [PatternIssue; 5] = [
        PatternIssue::PatternWhitespace,
        PatternIssue::PatternMalformed,
        PatternIssue::TrailingSlash,
        PatternIssue::PatternNeverMatches,
        PatternIssue::EmptyEntry,
    ];
}

/// One comma-separated entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternEntry {
    /// Exactly as written between the commas.
    pub raw: String,
    /// What the go command matches: `raw` without one trailing `/`. Empty: skipped.
    pub glob: String,
    /// Not a valid `path.Match` pattern (never matches).
    pub malformed: bool,
    pub issues: Vec<PatternIssue>,
}

/// A parsed pattern list (GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Patterns {
    pub value: String,
    pub entries: Vec<PatternEntry>,
}

impl Patterns {
    pub fn parse(value: &str) -> Patterns {
        let mut entries = Vec::new();
        if value.is_empty() {
            return Patterns::default();
        }
        for raw in value.split(',') {
            let glob = raw.strip_suffix('/').unwrap_or(raw);
            let mut issues = Vec::new();
            if glob.is_empty() {
                issues.push(PatternIssue::EmptyEntry);
            }
            if raw.ends_with('/') && !glob.is_empty() {
                issues.push(PatternIssue::TrailingSlash);
            }
            if raw.chars().any(char::is_whitespace) {
                issues.push(PatternIssue::PatternWhitespace);
            }
            let malformed = !glob.is_empty() && path_match(glob, "").is_err();
            if malformed {
                issues.push(PatternIssue::PatternMalformed);
            }
            if !glob.is_empty()
                && (glob.starts_with('/') || glob.ends_with('/') || glob.contains("//"))
            {
                issues.push(PatternIssue::PatternNeverMatches);
            }
            entries.push(PatternEntry {
                raw: raw.to_string(),
                glob: glob.to_string(),
                malformed,
                issues,
            });
        }
        Patterns {
            value: value.to_string(),
            entries,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// `module.MatchPrefixPatterns(value, path)`.
    pub fn matches(&self, path: &str) -> bool {
        self.matching(path).is_some()
    }

    /// The first entry that matches `path`: a pattern with N slashes is matched against
    /// the first N+1 elements of the path.
    pub fn matching(&self, path: &str) -> Option<&PatternEntry> {
        self.entries.iter().find(|e| {
            if e.glob.is_empty() || e.malformed {
                return false;
            }
            let mut n = e.glob.matches('/').count();
            let mut prefix = path;
            for (i, b) in path.bytes().enumerate() {
                if b == b'/' {
                    if n == 0 {
                        prefix = &path[..i];
                        break;
                    }
                    n -= 1;
                }
            }
            n == 0 && path_match(&e.glob, prefix).unwrap_or(false)
        })
    }

    /// Every (entry, issue) pair, in order.
    pub fn issues(&self) -> impl Iterator<Item = (&PatternEntry, PatternIssue)> {
        self.entries
            .iter()
            .flat_map(|e| e.issues.iter().map(move |i| (e, *i)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go's own path.Match table (src/path/match_test.go, go1.27.3): pattern, name,
    /// match, bad pattern.
    const MATCH_TESTS: &[(&str, &str, bool, bool)] = &[
        ("abc", "abc", true, false),
        ("*", "abc", true, false),
        ("*c", "abc", true, false),
        ("a*", "a", true, false),
        ("a*", "abc", true, false),
        ("a*", "ab/c", false, false),
        ("a*/b", "abc/b", true, false),
        ("a*/b", "a/c/b", false, false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true, false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true, false),
        ("a*b?c*x", "abxbbxdbxebxczzy", false, false),
        ("ab[c]", "abc", true, false),
        ("ab[b-d]", "abc", true, false),
        ("ab[e-g]", "abc", false, false),
        ("ab[^c]", "abc", false, false),
        ("ab[^b-d]", "abc", false, false),
        ("ab[^e-g]", "abc", true, false),
        ("a\\*b", "a*b", true, false),
        ("a\\*b", "ab", false, false),
        ("a?b", "a☺b", true, false),
        ("a[^a]b", "a☺b", true, false),
        ("a???b", "a☺b", false, false),
        ("a[^a][^a][^a]b", "a☺b", false, false),
        ("[a-ζ]*", "α", true, false),
        ("*[a-ζ]", "A", false, false),
        ("a?b", "a/b", false, false),
        ("a*b", "a/b", false, false),
        ("[\\]a]", "]", true, false),
        ("[\\-]", "-", true, false),
        ("[x\\-]", "x", true, false),
        ("[x\\-]", "-", true, false),
        ("[x\\-]", "z", false, false),
        ("[\\-x]", "x", true, false),
        ("[\\-x]", "-", true, false),
        ("[\\-x]", "a", false, false),
        ("[]a]", "]", false, true),
        ("[-]", "-", false, true),
        ("[x-]", "x", false, true),
        ("[x-]", "-", false, true),
        ("[x-]", "z", false, true),
        ("[-x]", "x", false, true),
        ("[-x]", "-", false, true),
        ("[-x]", "a", false, true),
        ("\\", "a", false, true),
        ("[a-b-c]", "a", false, true),
        ("[", "a", false, true),
        ("[^", "a", false, true),
        ("[^bc", "a", false, true),
        ("a[", "a", false, true),
        ("a[", "ab", false, true),
        ("a[", "x", false, true),
        ("a/b[", "x", false, true),
        ("*x", "xxx", true, false),
    ];

    #[test]
    fn path_match_table() {
        for &(p, n, want, bad) in MATCH_TESTS {
            let got = path_match(p, n);
            if bad {
                assert_eq!(got, Err(BadPattern), "Match({p:?}, {n:?})");
            } else {
                assert_eq!(got, Ok(want), "Match({p:?}, {n:?})");
            }
        }
    }

    /// Every row of TestMatchPrefixPatterns in golang.org/x/mod's module/module_test.go
    /// (github.com/golang/mod at fe2ec04, which includes "module: accept trailing slash
    /// in MatchPrefixPattern"): globs, target, want.
    const PREFIX_TESTS: &[(&str, &str, bool)] = &[
        ("", "rsc.io/quote", false),
        ("/", "rsc.io/quote", false),
        ("*/quote", "rsc.io/quote", true),
        ("*/quo", "rsc.io/quote", false),
        ("*/quo??", "rsc.io/quote", true),
        ("*/quo*", "rsc.io/quote", true),
        ("*quo*", "rsc.io/quote", false),
        ("rsc.io", "rsc.io/quote", true),
        ("*.io", "rsc.io/quote", true),
        ("rsc.io/", "rsc.io/quote", true),
        ("rsc", "rsc.io/quote", false),
        ("rsc*", "rsc.io/quote", true),
        ("rsc.io", "rsc.io/quote/v3", true),
        ("*/quote", "rsc.io/quote/v3", true),
        ("*/quote/", "rsc.io/quote/v3", true),
        ("*/quote/*", "rsc.io/quote/v3", true),
        ("*/quote/*/", "rsc.io/quote/v3", true),
        ("*/v3", "rsc.io/quote/v3", false),
        ("*/*/v3", "rsc.io/quote/v3", true),
        ("*/*/*", "rsc.io/quote/v3", true),
        ("*/*/*/", "rsc.io/quote/v3", true),
        ("*/*/*", "rsc.io/quote", false),
        ("*/*/*/", "rsc.io/quote", false),
        ("*/*/*,,", "rsc.io/quote", false),
        ("*/*/*,,*/quote", "rsc.io/quote", true),
        (",,*/quote", "rsc.io/quote", true),
    ];

    #[test]
    fn match_prefix_patterns_table() {
        for &(globs, target, want) in PREFIX_TESTS {
            assert_eq!(
                Patterns::parse(globs).matches(target),
                want,
                "MatchPrefixPatterns({globs:?}, {target:?})"
            );
        }
    }

    #[test]
    fn go_command_quirks() {
        // Spaces are not trimmed: " b.example" matches nothing.
        let p = Patterns::parse("a.example, b.example");
        assert!(p.matches("a.example/x"));
        assert!(!p.matches("b.example/x"));
        assert_eq!(p.entries[1].issues, vec![PatternIssue::PatternWhitespace]);
        // A malformed pattern is skipped; the others still match.
        let p = Patterns::parse("[,corp.example");
        assert!(p.matches("corp.example/x"));
        assert!(!p.matches("[/x"));
        assert_eq!(p.entries[0].issues, vec![PatternIssue::PatternMalformed]);
        // One trailing slash is removed, a second is not.
        let p = Patterns::parse("corp.example/,other.example//");
        assert!(p.matches("corp.example/x"));
        assert!(!p.matches("other.example/x"));
        assert_eq!(p.entries[0].issues, vec![PatternIssue::TrailingSlash]);
        assert_eq!(
            p.entries[1].issues,
            vec![
                PatternIssue::TrailingSlash,
                PatternIssue::PatternNeverMatches
            ]
        );
        assert_eq!(
            Patterns::parse("a,").entries[1].issues,
            vec![PatternIssue::EmptyEntry]
        );
        assert!(Patterns::parse("").entries.is_empty());
        // Matched against leading elements only.
        let p = Patterns::parse("github.com/acme");
        assert!(p.matches("github.com/acme/tool/v2"));
        assert!(!p.matches("github.com/acmeinc/tool"));
        assert!(!p.matches("github.com"));
        assert_eq!(
            Patterns::parse("x.example,*.corp.example")
                .matching("git.corp.example/a")
                .map(|e| e.raw.as_str()),
            Some("*.corp.example")
        );
    }
}
