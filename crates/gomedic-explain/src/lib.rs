//! `gomedic explain`: the catalogue of known go error signatures (data in
//! `catalogue/signatures.toml`, embedded at build time and parsed once) and a streaming
//! matcher that reads go output line by line in bounded memory.

use gomedic_core::redact::Redactor;
use regex::{Regex, RegexSet};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::BufRead;
use std::sync::OnceLock;

pub mod report;
mod strip;
pub use strip::strip_wrappers;

/// The catalogue source, as shipped.
pub const CATALOGUE_TOML: &str = include_str!("../catalogue/signatures.toml");

/// Layers, in the order docs/explain.md lists them.
pub const LAYERS: &[(&str, &str)] = &[
    ("os_security", "OS security and antivirus"),
    ("network", "Network: DNS, TCP, TLS handshake"),
    ("tls", "TLS certificates"),
    ("proxy", "HTTP and module proxies"),
    ("checksum_db", "Checksum database"),
    ("module_graph", "Module graph"),
    ("toolchain", "Toolchain and installation"),
    ("cgo", "cgo"),
    ("resources", "Resources: memory, disk"),
];

/// What fixes must never advise for a public module: they remove the only check for
/// retagged or tampered versions.
pub const FORBIDDEN_ADVICE: &[&str] = &["GOSUMDB=off", "GONOSUMDB", "GOINSECURE", "-insecure"];

/// Longest part of one line kept (a minified log line can be megabytes long).
pub const MAX_LINE: usize = 64 * 1024;
/// Evidence lines kept per signature.
pub const MAX_EVIDENCE: usize = 3;

/// One catalogue entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub id: String,
    pub title: String,
    pub layer: String,
    pub patterns: Vec<String>,
    #[serde(default)]
    pub supersedes: Vec<String>,
    pub go_versions: String,
    pub os: Vec<String>,
    pub checks: Vec<String>,
    pub codes: Vec<String>,
    pub explanation: String,
    pub fix: String,
    #[serde(default)]
    pub fix_id: Option<String>,
    pub link: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    signature: Vec<Signature>,
}

/// The parsed catalogue with its patterns compiled into one set.
#[derive(Debug)]
pub struct Catalogue {
    pub signatures: Vec<Signature>,
    set: RegexSet,
    /// For every pattern, literal text each of its matches contains: a line none of these
    /// occur in cannot match after wrapper stripping either (unless stripping rewrites its
    /// inside: [`REWRITTEN`]), so [`Matcher::feed_block`] skips it.
    pre: Vec<aho_corasick::AhoCorasick>,
    /// For each pattern of `set`, the index of its signature.
    owner: Vec<usize>,
}

impl Catalogue {
    /// Parses and validates catalogue text: every malformed entry is an error naming it.
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("catalogue: {e}"))?;
        let sigs = file.signature;
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for s in &sigs {
            let who = format!("signature {:?}", s.id);
            if s.id.is_empty()
                || !s
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
            {
                errors.push(format!("{who}: id must be lower-case letters, '.' and '_'"));
            }
            if !seen.insert(s.id.clone()) {
                errors.push(format!("{who}: duplicate id"));
            }
            if !LAYERS.iter().any(|(l, _)| *l == s.layer) {
                errors.push(format!("{who}: unknown layer {:?}", s.layer));
            }
            if s.patterns.is_empty() {
                errors.push(format!("{who}: no patterns"));
            }
            for p in &s.patterns {
                if let Err(e) = Regex::new(p) {
                    errors.push(format!("{who}: pattern {p:?}: {e}"));
                }
                if Regex::new(p).is_ok() && required_literals(p).is_none() {
                    errors.push(format!(
                        "{who}: pattern {p:?}: no literal text of at least {MIN_LITERAL} bytes \
                         that every match contains (explain finds candidate lines by it)"
                    ));
                }
            }
            for o in &s.os {
                if !["linux", "macos", "windows"].contains(&o.as_str()) {
                    errors.push(format!("{who}: unknown os {o:?}"));
                }
            }
            if s.os.is_empty() {
                errors.push(format!("{who}: no os"));
            }
            for (name, v) in [
                ("title", &s.title),
                ("explanation", &s.explanation),
                ("fix", &s.fix),
                ("go_versions", &s.go_versions),
            ] {
                if v.trim().is_empty() {
                    errors.push(format!("{who}: empty {name}"));
                }
            }
            if !s.link.starts_with("https://") {
                errors.push(format!("{who}: link must be an https URL"));
            }
            for bad in FORBIDDEN_ADVICE {
                if s.fix.contains(bad) {
                    errors.push(format!("{who}: the fix advises {bad}"));
                }
            }
            if let Some(f) = &s.fix_id {
                if !s.fix.contains(&format!("gomedic fix {f}")) {
                    errors.push(format!(
                        "{who}: fix_id {f} but the fix text does not say `gomedic fix {f}`"
                    ));
                }
            }
        }
        for s in &sigs {
            for x in &s.supersedes {
                if !seen.contains(x) || x == &s.id {
                    errors.push(format!("signature {:?}: supersedes unknown {x:?}", s.id));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        let mut pats = Vec::new();
        let mut owner = Vec::new();
        for (i, s) in sigs.iter().enumerate() {
            for p in &s.patterns {
                pats.push(p.as_str());
                owner.push(i);
            }
        }
        let set = RegexSet::new(&pats).map_err(|e| format!("catalogue: {e}"))?;
        let mut lits: Vec<Vec<u8>> = Vec::new();
        for p in &pats {
            for l in required_literals(p).unwrap_or_default() {
                // Inside `go test -json` the text is a JSON string: find it escaped too.
                let escaped = go_json_escape(&l);
                if escaped != l {
                    lits.push(escaped);
                }
                lits.push(l);
            }
        }
        lits.sort();
        lits.dedup();
        let pre = prefilters(lits).map_err(|e| format!("catalogue: {e}"))?;
        Ok(Catalogue {
            signatures: sigs,
            set,
            pre,
            owner,
        })
    }

    /// Each pattern with the literals one of which its every match contains.
    pub fn required_literals(&self) -> Vec<(&str, Vec<Vec<u8>>)> {
        self.signatures
            .iter()
            .flat_map(|s| &s.patterns)
            .map(|p| (p.as_str(), required_literals(p).unwrap_or_default()))
            .collect()
    }

    /// The signature with this id.
    pub fn get(&self, id: &str) -> Option<&Signature> {
        self.signatures.iter().find(|s| s.id == id)
    }
}

/// What wrapper stripping rewrites inside a line (ANSI escapes, golangci-lint's
/// `msg="..."`): lines holding these are always matched one by one.
const REWRITTEN: [&[u8]; 4] = [b"\x1b", b"msg=\"", b"\\u001b", b"msg=\\\""];

/// `b` as Go's encoding/json writes it inside a string (test2json's `Output`): quotes,
/// backslashes and control characters escaped, and `<`, `>`, `&`, U+2028, U+2029 as
/// `\uXXXX` (json.Marshal's HTML escaping).
fn go_json_escape(b: &[u8]) -> Vec<u8> {
    let s = String::from_utf8_lossy(b);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.into_bytes()
}

/// The SIMD prefilter (Teddy) behind Aho-Corasick takes at most this many literals; past
/// it the search is about 8x slower, so larger sets are split.
const PREFILTER_MAX: usize = 64;
/// Literals are cut to this many bytes (a line holding a literal holds its prefix), which
/// lets the ones sharing a start collapse into one.
const PREFILTER_CUT: usize = 24;

/// Searchers for `lits`: cut, with every literal that contains another one dropped (the
/// shorter one finds the same lines), in groups the SIMD prefilter accepts.
fn prefilters(
    lits: Vec<Vec<u8>>,
) -> Result<Vec<aho_corasick::AhoCorasick>, aho_corasick::BuildError> {
    let mut cut: Vec<Vec<u8>> = lits
        .into_iter()
        .map(|l| l[..l.len().min(PREFILTER_CUT)].to_vec())
        .collect();
    cut.sort();
    cut.dedup();
    let kept: Vec<Vec<u8>> = cut
        .iter()
        .filter(|a| {
            !cut.iter()
                .any(|b| b.len() < a.len() && a.windows(b.len()).any(|w| w == &b[..]))
        })
        .cloned()
        .collect();
    kept.chunks(PREFILTER_MAX)
        .map(|c| {
            // Leftmost semantics: the standard kind leaves the SIMD prefilter off.
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(c)
        })
        .collect()
}

/// Shortest literal accepted as a pattern's required text.
const MIN_LITERAL: usize = 3;

/// Literal strings one of which every match of `pattern` contains, chosen to be long
/// (rare); None when the pattern has none of at least [`MIN_LITERAL`] bytes.
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let set = required(&hir)?;
    (set.iter().all(|l| l.len() >= MIN_LITERAL)).then_some(set)
}

fn required(h: &regex_syntax::hir::Hir) -> Option<Vec<Vec<u8>>> {
    use regex_syntax::hir::HirKind;
    match h.kind() {
        HirKind::Literal(l) => Some(vec![l.0.to_vec()]),
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Concat(items) => items.iter().filter_map(required).max_by_key(|set| {
            let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
            (shortest, std::cmp::Reverse(set.len()))
        }),
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for a in alts {
                all.extend(required(a)?);
            }
            Some(all)
        }
        _ => None,
    }
}

/// The shipped catalogue, parsed once. An error only if the shipped data is malformed,
/// which the crate's tests rule out.
pub fn catalogue() -> Result<&'static Catalogue, &'static str> {
    static CAT: OnceLock<Result<Catalogue, String>> = OnceLock::new();
    CAT.get_or_init(|| Catalogue::parse(CATALOGUE_TOML))
        .as_ref()
        .map_err(|e| e.as_str())
}

/// A line of output that matched.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Evidence {
    /// 1-based line number in the input.
    pub line: u64,
    /// The line after wrapper stripping, redacted; a tab-indented continuation line is
    /// preceded by the line it continues.
    pub text: String,
}

/// A signature found in the output.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    #[serde(flatten)]
    pub signature: Signature,
    /// Lines that matched.
    pub count: u64,
    pub evidence: Vec<Evidence>,
}

/// Feeds lines one at a time; memory is bounded by the catalogue, not the input.
pub struct Matcher<'c> {
    cat: &'c Catalogue,
    hits: Vec<(u64, Vec<Evidence>)>,
    line_no: u64,
    /// The last line that was not a tab-indented continuation (go nests errors that way).
    header: String,
    redactor: Redactor,
}

impl<'c> Matcher<'c> {
    pub fn new(cat: &'c Catalogue, redactor: Redactor) -> Self {
        Matcher {
            cat,
            hits: vec![(0, Vec::new()); cat.signatures.len()],
            line_no: 0,
            header: String::new(),
            redactor,
        }
    }

    /// One raw line (without its newline; invalid UTF-8 is replaced).
    pub fn feed(&mut self, raw: &[u8]) {
        self.line_no += 1;
        let raw = &raw[..raw.len().min(MAX_LINE)];
        let text = String::from_utf8_lossy(raw);
        for line in strip_wrappers(&text) {
            self.feed_stripped(&line);
        }
    }

    fn feed_stripped(&mut self, line: &str) {
        let m = self.cat.set.matches(line);
        if m.matched_any() {
            let mut done = Vec::new();
            for p in m.iter() {
                let i = self.cat.owner[p];
                if done.contains(&i) {
                    continue;
                }
                done.push(i);
                let (count, ev) = &mut self.hits[i];
                *count += 1;
                if ev.len() < MAX_EVIDENCE {
                    let shown: Cow<str> = if line.starts_with('\t') && !self.header.is_empty() {
                        Cow::Owned(format!("{}\n{line}", self.header))
                    } else {
                        Cow::Borrowed(line)
                    };
                    ev.push(Evidence {
                        line: self.line_no,
                        text: self.redactor.redact(&shown),
                    });
                }
            }
        }
        if !line.starts_with('\t') && !line.trim().is_empty() {
            self.header.clear();
            self.header.push_str(line);
        }
    }

    /// Whole lines at once (each ended by `\n`, the last one possibly not, at the end of
    /// the input). Only lines holding one of the catalogue's required literals are stripped
    /// and matched one by one; the rest are only counted, which makes a large log cheap.
    pub fn feed_block(&mut self, block: &[u8]) {
        let pre = &self.cat.pre;
        let find = |k: usize, from: usize| -> Option<usize> {
            let hay = &block[from..];
            let at = match pre.get(k) {
                Some(ac) => ac.find(hay).map(|m| m.start()),
                None => memchr::memmem::find(hay, REWRITTEN[k - pre.len()]),
            };
            at.map(|p| p + from)
        };
        // The next occurrence of each searcher's literals at or after the cursor (None: no
        // more), kept across lines so each searcher reads each stretch of the block once.
        // The leftmost one is safe to take: no literal spans lines, so no earlier line
        // holds one.
        let mut next: Vec<Option<usize>> = (0..pre.len() + REWRITTEN.len())
            .map(|k| find(k, 0))
            .collect();
        let mut cursor = 0;
        while cursor < block.len() {
            for (k, n) in next.iter_mut().enumerate() {
                if n.is_some_and(|p| p < cursor) {
                    *n = find(k, cursor);
                }
            }
            let rest = &block[cursor..];
            let Some(at) = next.iter().flatten().min().map(|n| n - cursor) else {
                self.skip(rest);
                return;
            };
            let start = memchr::memrchr(b'\n', &rest[..at]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &rest[at..]).map_or(rest.len(), |i| at + i);
            self.skip(&rest[..start]);
            self.feed(trim_cr(&rest[start..end]));
            cursor += end + 1;
        }
    }

    /// Counts the whole lines in `b` and keeps the last one that can head a continuation.
    fn skip(&mut self, b: &[u8]) {
        if b.is_empty() {
            return;
        }
        let n = memchr::memchr_iter(b'\n', b).count() as u64;
        self.line_no += n + u64::from(!b.ends_with(b"\n"));
        let body = b.strip_suffix(b"\n").unwrap_or(b);
        for raw in body.rsplit(|&c| c == b'\n') {
            let raw = &raw[..raw.len().min(MAX_LINE)];
            let text = String::from_utf8_lossy(trim_cr(raw));
            let last = strip_wrappers(&text)
                .into_iter()
                .rfind(|l| !l.starts_with('\t') && !l.trim().is_empty());
            if let Some(l) = last {
                self.header.clear();
                self.header.push_str(&l);
                return;
            }
        }
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.line_no
    }

    /// The signatures found, in catalogue order, without those a more specific match
    /// supersedes.
    pub fn finish(self) -> Vec<Match> {
        let found: Vec<&str> = self
            .cat
            .signatures
            .iter()
            .zip(&self.hits)
            .filter(|(_, h)| h.0 > 0)
            .map(|(s, _)| s.id.as_str())
            .collect();
        let superseded: Vec<&str> = self
            .cat
            .signatures
            .iter()
            .filter(|s| found.contains(&s.id.as_str()))
            .flat_map(|s| s.supersedes.iter().map(String::as_str))
            .collect();
        self.cat
            .signatures
            .iter()
            .zip(self.hits)
            .filter(|(s, h)| h.0 > 0 && !superseded.contains(&s.id.as_str()))
            .map(|(s, (count, evidence))| Match {
                signature: s.clone(),
                count,
                evidence,
            })
            .collect()
    }
}

/// Block size for [`scan`].
const BLOCK: usize = 1 << 20;

/// Reads `r` to the end in blocks of whole lines (a line longer than [`MAX_LINE`] is cut
/// there, so a huge input is never held whole) and feeds the matcher.
pub fn scan<R: std::io::Read>(mut r: R, m: &mut Matcher<'_>) -> std::io::Result<()> {
    let mut buf = vec![0u8; BLOCK + MAX_LINE];
    let mut len = 0;
    // Inside a line longer than MAX_LINE whose kept part was already fed.
    let mut skipping = false;
    loop {
        let n = match r.read(&mut buf[len..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        len += n;
        let mut start = 0;
        if skipping {
            match memchr::memchr(b'\n', &buf[..len]) {
                Some(i) => {
                    start = i + 1;
                    skipping = false;
                }
                None => {
                    len = 0;
                    if eof {
                        return Ok(());
                    }
                    continue;
                }
            }
        }
        let data = &buf[start..len];
        if eof {
            m.feed_block(data);
            return Ok(());
        }
        match memchr::memrchr(b'\n', data) {
            Some(i) if len == buf.len() || i + 1 >= BLOCK / 2 => {
                m.feed_block(&data[..=i]);
                let keep = data.len() - (i + 1);
                buf.copy_within(start + i + 1..len, 0);
                len = keep;
            }
            None if data.len() >= MAX_LINE => {
                // One line fills the buffer: feed its first MAX_LINE bytes, drop the rest.
                m.feed(&data[..MAX_LINE]);
                skipping = true;
                len = 0;
            }
            _ => {
                buf.copy_within(start..len, 0);
                len -= start;
            }
        }
    }
}

/// Calls `f` with each line of `r` (without `\n` or `\r\n`, cut at [`MAX_LINE`] bytes),
/// reading in the reader's own chunks.
pub fn for_each_line<R: BufRead>(mut r: R, mut f: impl FnMut(&[u8])) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(256);
    let mut pending = false;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if pending {
                f(trim_cr(&line));
            }
            return Ok(());
        }
        let (chunk, used, eol) = match memchr(buf) {
            Some(i) => (&buf[..i], i + 1, true),
            None => (buf, buf.len(), false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        pending = true;
        r.consume(used);
        if eol {
            f(trim_cr(&line));
            line.clear();
            pending = false;
        }
    }
}

fn memchr(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

fn trim_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Convenience: the matches in a whole text.
pub fn explain_text(cat: &Catalogue, text: &str, redactor: Redactor) -> Vec<Match> {
    let mut m = Matcher::new(cat, redactor);
    // Reading from a byte slice cannot fail.
    let _ = scan(text.as_bytes(), &mut m);
    m.finish()
}

/// docs/explain.md, generated from the catalogue.
pub fn markdown(cat: &Catalogue) -> String {
    let mut s = String::new();
    s.push_str("# `gomedic explain`: the catalogue\n\n");
    s.push_str("<!-- Generated from crates/gomedic-explain/catalogue/signatures.toml by\n     `UPDATE_DOCS=1 cargo test -p gomedic-explain`; do not edit by hand. -->\n\n");
    s.push_str(USAGE_DOC);
    s.push_str(&format!(
        "\n## Signatures ({} entries)\n\nEach line of output is matched after CI and IDE wrappers are stripped (GitHub Actions timestamps and `##[error]` tags, workflow commands, Docker/Jenkins/OBS prefixes, GoLand's ` #gosetup`, ANSI colours, golangci-lint's `msg=\"...\"`). Patterns are regular expressions.\n",
        cat.signatures.len()
    ));
    for (layer, name) in LAYERS {
        let sigs: Vec<&Signature> = cat
            .signatures
            .iter()
            .filter(|s| s.layer == *layer)
            .collect();
        if sigs.is_empty() {
            continue;
        }
        s.push_str(&format!("\n### {name} (`{layer}`)\n"));
        for g in sigs {
            s.push_str(&format!("\n#### `{}`: {}\n\n", g.id, g.title));
            s.push_str("Patterns:\n\n");
            for p in &g.patterns {
                s.push_str(&format!("- `{}`\n", p.replace('`', "\\`")));
            }
            s.push('\n');
            s.push_str(&format!(
                "- Go versions: {}; OS: {}\n",
                g.go_versions,
                g.os.join(", ")
            ));
            if !g.checks.is_empty() {
                s.push_str(&format!("- Related checks: {}\n", code_list(&g.checks)));
            }
            if !g.codes.is_empty() {
                s.push_str(&format!(
                    "- Related finding codes: {}\n",
                    code_list(&g.codes)
                ));
            }
            if !g.supersedes.is_empty() {
                s.push_str(&format!(
                    "- Replaces when both match: {}\n",
                    code_list(&g.supersedes)
                ));
            }
            s.push_str(&format!("- What happened: {}\n", g.explanation));
            s.push_str(&format!("- Fix: {}\n", g.fix));
            s.push_str(&format!("- More: <{}>\n", g.link));
        }
    }
    s
}

fn code_list(v: &[String]) -> String {
    v.iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

const USAGE_DOC: &str = "\
When a go command fails, run it again under `gomedic explain`, or give explain its output:

```sh
gomedic explain -- go build ./...      # runs the command; its output passes through
go test ./... 2>&1 | gomedic explain --log -
gomedic explain --log ci.log --format json
```

explain matches the output against the catalogue below and prints, for each known cause:
what happened, the layer, the evidence (the matching lines, secrets redacted), and the fix
(`gomedic fix ID` where one exists, exact commands otherwise). Output it does not
recognise is reported as such, with a pointer to `gomedic check`. It never advises
`GOSUMDB=off`, `GONOSUMDB` or `GOINSECURE`.

- Input is read line by line (lines longer than 64 KiB are cut), so a large CI log is
  never held in memory.
- `go test -json` output is understood: each event's `Output` is decoded and matched
  (build errors arrive as `build-output` events since Go 1.24), and the evidence quotes
  the decoded text.
- `-- CMD ARGS...`: the command's stdout and stderr are passed through unchanged as they
  arrive (with `--format json`, the command's stdout goes to stderr so that stdout carries
  only the JSON document); the explanation follows on stderr (human) or stdout (JSON).
- After matching, explain runs the checks the matched entries name (and only those) on
  this machine, in the environment it was started in, with 3-second network probes, and
  shows each verdict under the cause (`on this machine now:`), the findings the entry
  names, and the automatic fixes they offer (`fix now: gomedic fix ID`). When they all pass,
  it says the cause may lie where the command ran (a CI runner, a container) or may have
  passed. `--offline` runs them without network probes; `--no-checks` only matches.

Exit codes:

| Code | `explain --log` | `explain -- CMD` |
|---|---|---|
| `0` | no known error signature in the output | the command's own exit code, whatever explain found, so wrapping a command never changes whether a CI step passes |
| `1` | at least one known signature matched | (the command's code) |
| `2` | usage error; the log file cannot be read | usage error; the command cannot be started |
| `3` | gomedic failed (stdout not writable) | gomedic failed |

A command killed by a signal exits `128 + N`, as in a shell.

JSON (`--format json`, schema `gomedic.explain/v1`): `source` (`log` or `command`),
`input` (the file, `-`, or the command line, redacted), `lines`, `command_exit_code`
(command mode), `recognised` (bool), `matches` (each signature's fields: `id`, `title`,
`layer`, `patterns`, `go_versions`, `os`, `checks`, `codes`, `explanation`, `fix`, `fix_id`,
`link`, `supersedes`, plus `count` and `evidence`: `[{line, text}]`), and `suggestion`
when nothing was recognised.
";

#[cfg(test)]
mod tests;
