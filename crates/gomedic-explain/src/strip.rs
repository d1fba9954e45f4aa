//! Wrappers CI systems and IDEs put around go's lines (go-error-signatures.md section 2).

use regex::Regex;
use std::borrow::Cow;
use std::sync::OnceLock;

struct Res {
    ansi: Regex,
    prefix: Regex,
    golangci: Regex,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| Res {
        // Literal patterns, covered by the tests: they compile.
        ansi: Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").expect("ansi"),
        prefix: Regex::new(concat!(
            r"^(?:",
            // GitHub Actions raw log timestamp.
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ",
            // Jenkins timestamper.
            r"|\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\] ",
            // Docker BuildKit step and seconds.
            r"|#\d+ \d+\.\d+ ",
            // Open Build Service.
            r"|\[\s*\d+s\] ",
            // GitHub Actions tags and workflow commands.
            r"|##\[[a-z]+\]",
            r"|::(?:error|warning|notice|debug)[^:]*::",
            // gopls in old VS Code Go.
            r"|Your workspace is misconfigured: ",
            r")"
        ))
        .expect("prefix"),
        golangci: Regex::new(r#"msg="((?:[^"\\]|\\.)*)""#).expect("golangci"),
    })
}

/// The go lines inside one raw log line: prefixes, ANSI colours and GoLand's
/// ` #gosetup` removed; golangci-lint's `msg="..."` unescaped into its lines.
pub fn strip_wrappers(line: &str) -> Vec<Cow<'_, str>> {
    if let Some(out) = test2json_output(line) {
        // `go test -json` (test2json): the text go printed is the event's Output.
        return out
            .split('\n')
            .filter(|l| !l.is_empty())
            .flat_map(|l| {
                strip_wrappers(l)
                    .into_iter()
                    .map(|c| Cow::Owned(c.into_owned()))
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    let r = res();
    let mut s: Cow<str> = Cow::Borrowed(line.trim_end_matches('\r'));
    if s.contains('\x1b') {
        s = Cow::Owned(r.ansi.replace_all(&s, "").into_owned());
    }
    // Prefixes nest (an Actions timestamp before an ##[error] tag).
    for _ in 0..4 {
        match r.prefix.find(&s) {
            Some(m) if m.end() > 0 => s = Cow::Owned(s[m.end()..].to_string()),
            _ => break,
        }
    }
    if let Some(t) = s.strip_suffix(" #gosetup") {
        s = Cow::Owned(t.to_string());
    }
    if s.contains("msg=\"") && s.contains('\\') {
        if let Some(c) = r.golangci.captures(&s) {
            let body = unescape(&c[1]);
            let mut out = vec![Cow::Owned(s.to_string())];
            out.extend(body.split('\n').map(|l| Cow::Owned(l.to_string())));
            return out;
        }
    }
    vec![s]
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

/// The `Output` of a `go test -json` event line (`{"Time":...,"Action":"output",...}`,
/// also `build-output` since Go 1.24), decoded.
fn test2json_output(line: &str) -> Option<String> {
    let t = line.trim();
    if !(t.starts_with('{') && t.ends_with('}') && t.contains("\"Output\":")) {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Event {
        #[serde(rename = "Output")]
        output: Option<String>,
    }
    serde_json::from_str::<Event>(t).ok()?.output
}
