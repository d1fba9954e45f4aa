//! The module info text: `runtime/debug.ParseBuildInfo` and `BuildInfo.String`, with the
//! quoting of `strconv.Quote`/`Unquote` they use.

use crate::{BuildInfo, Module, Setting};
use std::fmt::Write;

/// go's `ParseBuildInfo`: Err((line number, message)) where it fails.
pub(crate) fn parse(data: &str) -> Result<BuildInfo, (usize, String)> {
    let mut bi = BuildInfo::default();
    // Sized once: growing frees the old buffer, which musl's allocator unmaps.
    let (mut deps, mut settings) = (0, 0);
    for line in data.split('\n') {
        deps += usize::from(line.starts_with("dep\t"));
        settings += usize::from(line.starts_with("build\t"));
    }
    bi.deps.reserve_exact(deps);
    bi.settings.reserve_exact(settings);
    // Which module a `=>` line replaces: None after a replacement or before any module.
    #[derive(Clone, Copy)]
    enum Last {
        None,
        Main,
        Dep(usize),
    }
    let mut last = Last::None;
    let mut rest = data;
    let mut line_num = 1;
    // Like strings.Cut: a last line without '\n' is ignored.
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        if let Some(p) = line.strip_prefix("path\t") {
            bi.path = p.to_string();
        } else if let Some(m) = line.strip_prefix("mod\t") {
            bi.main = Some(module_line(m).map_err(|e| (line_num, e))?);
            last = Last::Main;
        } else if let Some(m) = line.strip_prefix("dep\t") {
            bi.deps.push(module_line(m).map_err(|e| (line_num, e))?);
            last = Last::Dep(bi.deps.len() - 1);
        } else if let Some(m) = line.strip_prefix("=>\t") {
            let mut e = m.split('\t');
            let (Some(path), Some(version), Some(sum), None) =
                (e.next(), e.next(), e.next(), e.next())
            else {
                return Err((
                    line_num,
                    format!(
                        "expected 3 columns for replacement; got {}",
                        m.split('\t').count()
                    ),
                ));
            };
            let rep = Some(Box::new(Module {
                path: path.into(),
                version: version.into(),
                sum: sum.into(),
                replace: None,
            }));
            match last {
                Last::None => {
                    return Err((
                        line_num,
                        "replacement with no module on previous line".into(),
                    ))
                }
                Last::Main => {
                    if let Some(m) = bi.main.as_mut() {
                        m.replace = rep
                    }
                }
                Last::Dep(i) => bi.deps[i].replace = rep,
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            bi.settings.push(build_line(kv).map_err(|e| (line_num, e))?);
        }
        line_num += 1;
    }
    Ok(bi)
}

fn module_line(s: &str) -> Result<Module, String> {
    let mut e = s.split('\t');
    match (e.next(), e.next(), e.next(), e.next()) {
        (Some(path), Some(version), sum, None) => Ok(Module {
            path: path.into(),
            version: version.into(),
            sum: sum.unwrap_or_default().into(),
            replace: None,
        }),
        _ => Err(format!(
            "expected 2 or 3 columns; got {}",
            s.split('\t').count()
        )),
    }
}

fn build_line(kv: &str) -> Result<Setting, String> {
    let (key, raw) = match kv.as_bytes().first() {
        None => return Err("build line missing '='".into()),
        Some(b'=') => return Err("build line with missing key".into()),
        Some(b'`' | b'"') => {
            let n = quoted_prefix(kv).ok_or("invalid quoted key in build line")?;
            match kv.as_bytes().get(n) {
                None => return Err("build line missing '=' after quoted key".into()),
                Some(b'=') => {}
                Some(&c) => {
                    return Err(format!(
                        "unexpected character after quoted key: {}",
                        quote_char(c)
                    ))
                }
            }
            (unquote(&kv[..n]).unwrap_or_default(), &kv[n + 1..])
        }
        Some(_) => {
            let (k, v) = kv
                .split_once('=')
                .ok_or("build line missing '=' after key")?;
            if quote_key(k) {
                return Err(format!("unquoted key {} must be quoted", quote(k)));
            }
            (k.to_string(), v)
        }
    };
    let value = match raw.as_bytes().first() {
        None => String::new(),
        Some(b'`' | b'"') => unquote(raw).ok_or("invalid quoted value in build line")?,
        Some(_) => {
            if quote_value(raw) {
                return Err(format!("unquoted value {} must be quoted", quote(raw)));
            }
            raw.to_string()
        }
    };
    Ok(Setting { key, value })
}

pub(crate) fn quote_key(k: &str) -> bool {
    k.is_empty() || k.contains('=') || quote_value(k)
}

pub(crate) fn quote_value(v: &str) -> bool {
    v.bytes()
        .any(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'`'))
}

/// go's `ParseBuildInfo` then `String()`, appended to `out` after `indent` on each line.
/// Text in the order go's linker writes it (path, mod, dep lines each with its `=>`,
/// build lines, nothing quoted) is printed as it is read, without building a
/// [`BuildInfo`] (a file costs no allocation); anything else goes through [`parse`] and
/// [`render_into`], so the output is the same. On Err nothing is appended.
pub(crate) fn write_parsed(
    out: &mut String,
    data: &str,
    indent: &str,
) -> Result<(), (usize, String)> {
    let mark = out.len();
    if stream(out, data, indent) {
        return Ok(());
    }
    out.truncate(mark);
    let bi = parse(data)?;
    render_into(out, &bi, false, indent);
    Ok(())
}

/// [`write_parsed`]'s fast path: false (with `out` partly written) for any text whose
/// parse and render could differ from printing it line by line.
fn stream(out: &mut String, data: &str, indent: &str) -> bool {
    type Mod<'a> = (&'a str, &'a str, &'a str, &'a str);
    fn columns<'a>(word: &'static str, s: &'a str) -> Option<Mod<'a>> {
        let mut e = s.split('\t');
        match (e.next(), e.next(), e.next(), e.next()) {
            (Some(path), Some(version), sum, None) => {
                Some((word, path, version, sum.unwrap_or("")))
            }
            _ => None,
        }
    }
    fn push(out: &mut String, parts: &[&str]) {
        for p in parts {
            out.push_str(p);
        }
    }
    // A module is printed once the next line shows whether a `=>` replaces it.
    let flush = |out: &mut String, m: &mut Option<Mod>| {
        if let Some((word, path, version, sum)) = m.take() {
            push(
                out,
                &[indent, word, "\t", path, "\t", version, "\t", sum, "\n"],
            );
        }
    };
    // 0: start, 1: path seen, 2: mod seen, 3: in deps, 4: in build lines.
    let mut stage = 0;
    let mut pending: Option<Mod> = None;
    let mut rest = data;
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        if let Some(p) = line.strip_prefix("path\t") {
            if stage != 0 {
                return false;
            }
            stage = 1;
            if !p.is_empty() {
                push(out, &[indent, "path\t", p, "\n"]);
            }
        } else if let Some(m) = line.strip_prefix("mod\t") {
            let Some(m @ (_, path, version, sum)) = columns("mod", m).filter(|_| stage < 2) else {
                return false;
            };
            // go leaves out a zero main module.
            if path.is_empty() && version.is_empty() && sum.is_empty() {
                return false;
            }
            pending = Some(m);
            stage = 2;
        } else if let Some(m) = line.strip_prefix("dep\t") {
            let Some(m) = columns("dep", m).filter(|_| stage <= 3) else {
                return false;
            };
            flush(out, &mut pending);
            pending = Some(m);
            stage = 3;
        } else if let Some(m) = line.strip_prefix("=>\t") {
            let (Some((word, path, version, _)), Some((_, rp, rv, rs))) =
                (pending.take(), columns("=>", m))
            else {
                return false;
            };
            if m.split('\t').count() != 3 {
                return false;
            }
            // go drops the replaced module's sum and ends `=>` with an empty line.
            push(out, &[indent, word, "\t", path, "\t", version, "\n"]);
            push(
                out,
                &[indent, "=>\t", rp, "\t", rv, "\t", rs, "\n", indent, "\n"],
            );
        } else if let Some(kv) = line.strip_prefix("build\t") {
            let Some((k, v)) = kv.split_once('=') else {
                return false;
            };
            if quote_key(k)
                || k.starts_with(['"', '`'])
                || v.starts_with(['"', '`'])
                || quote_value(v)
            {
                return false;
            }
            flush(out, &mut pending);
            stage = 4;
            push(out, &[indent, "build\t", k, "=", v, "\n"]);
        }
        // Other lines: go ignores them.
    }
    flush(out, &mut pending);
    true
}

/// `BuildInfo.String()` (its `go` line included when the version is set).
pub(crate) fn render(bi: &BuildInfo, with_go: bool) -> String {
    let mut b = String::new();
    render_into(&mut b, bi, with_go, "");
    b
}

/// [`render`] appended to `b`, each line after `indent`.
pub(crate) fn render_into(b: &mut String, bi: &BuildInfo, with_go: bool, indent: &str) {
    let line = |b: &mut String, parts: &[&str]| {
        b.push_str(indent);
        for p in parts {
            b.push_str(p);
        }
        b.push('\n');
    };
    if with_go && !bi.go_version.is_empty() {
        line(b, &["go\t", &bi.go_version]);
    }
    if !bi.path.is_empty() {
        line(b, &["path\t", &bi.path]);
    }
    fn module(b: &mut String, indent: &str, word: &str, m: &Module) {
        for p in [indent, word, "\t", &m.path, "\t", &m.version] {
            b.push_str(p);
        }
        match &m.replace {
            None => {
                b.push('\t');
                b.push_str(&m.sum);
                b.push('\n');
            }
            // go drops the replaced module's sum and ends `=>` with an empty line.
            Some(r) => {
                b.push('\n');
                module(b, indent, "=>", r);
                b.push_str(indent);
                b.push('\n');
            }
        }
    }
    // go prints `mod` unless Main is the zero Module.
    if let Some(m) = bi.main.as_ref().filter(|m| **m != Module::default()) {
        module(b, indent, "mod", m);
    }
    for d in &bi.deps {
        module(b, indent, "dep", d);
    }
    for s in &bi.settings {
        let k = if quote_key(&s.key) {
            quote(&s.key).into()
        } else {
            std::borrow::Cow::from(&s.key)
        };
        let v = if quote_value(&s.value) {
            quote(&s.value).into()
        } else {
            std::borrow::Cow::from(&s.value)
        };
        line(b, &["build\t", &k, "=", &v]);
    }
}

/// `strconv.Quote`. Non-ASCII printability follows `unicode.IsPrint` closely but not
/// exactly (std has no general categories): format and separator characters are escaped.
pub fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            _ if is_print(c) => o.push(c),
            '\x07' => o.push_str("\\a"),
            '\x08' => o.push_str("\\b"),
            '\x0c' => o.push_str("\\f"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            '\x0b' => o.push_str("\\v"),
            _ if (c as u32) < 0x20 || c == '\x7f' => {
                let _ = write!(o, "\\x{:02x}", c as u32);
            }
            _ if (c as u32) < 0x10000 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            _ => {
                let _ = write!(o, "\\U{:08x}", c as u32);
            }
        }
    }
    o.push('"');
    o
}

fn quote_char(c: u8) -> String {
    // %q of a byte: a Go rune literal.
    match c {
        b'\'' => "'\\''".into(),
        b'\\' => "'\\\\'".into(),
        0x20..=0x7e => format!("'{}'", c as char),
        b'\n' => "'\\n'".into(),
        b'\t' => "'\\t'".into(),
        b'\r' => "'\\r'".into(),
        _ if c < 0x80 => format!("'\\x{c:02x}'"),
        _ if is_print(char::from(c)) => format!("'{}'", char::from(c)),
        _ => format!("'\\u{c:04x}'"),
    }
}

fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !(c.is_control()
        || (c.is_whitespace())
        || matches!(c, '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
            | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
            | '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..))
}

/// The length of the Go-quoted string at the start of `s` (`strconv.QuotedPrefix`).
fn quoted_prefix(s: &str) -> Option<usize> {
    unquote_prefix(s).map(|(_, n)| n)
}

/// `strconv.Unquote` of a whole string.
fn unquote(s: &str) -> Option<String> {
    let (v, n) = unquote_prefix(s)?;
    (n == s.len()).then_some(v)
}

fn unquote_prefix(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let q = *b.first()?;
    match q {
        b'`' => {
            let end = 1 + s[1..].find('`')?;
            Some((s[1..end].replace('\r', ""), end + 1))
        }
        b'"' => {
            let mut out: Vec<u8> = Vec::new();
            let mut i = 1;
            loop {
                let c = *b.get(i)?;
                match c {
                    b'"' => break,
                    b'\n' => return None,
                    b'\\' => {
                        let e = *b.get(i + 1)?;
                        i += 2;
                        let simple = match e {
                            b'a' => Some(7),
                            b'b' => Some(8),
                            b'f' => Some(12),
                            b'n' => Some(b'\n'),
                            b'r' => Some(b'\r'),
                            b't' => Some(b'\t'),
                            b'v' => Some(11),
                            b'\\' => Some(b'\\'),
                            b'"' => Some(b'"'),
                            _ => None,
                        };
                        if let Some(v) = simple {
                            out.push(v);
                            continue;
                        }
                        match e {
                            b'x' | b'u' | b'U' => {
                                let n = match e {
                                    b'x' => 2,
                                    b'u' => 4,
                                    _ => 8,
                                };
                                let hex = s.get(i..i + n)?;
                                if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                                    return None;
                                }
                                let v = u32::from_str_radix(hex, 16).ok()?;
                                i += n;
                                if e == b'x' {
                                    out.push(v as u8);
                                } else {
                                    let ch = char::from_u32(v)?;
                                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                                }
                            }
                            b'0'..=b'7' => {
                                let d = b.get(i..i + 2)?;
                                if !d.iter().all(|x| (b'0'..=b'7').contains(x)) {
                                    return None;
                                }
                                let v = u32::from(e - b'0') << 6
                                    | u32::from(d[0] - b'0') << 3
                                    | u32::from(d[1] - b'0');
                                if v > 255 {
                                    return None;
                                }
                                out.push(v as u8);
                                i += 2;
                            }
                            _ => return None,
                        }
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            Some((String::from_utf8_lossy(&out).into_owned(), i + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The slow path's answer: what [`write_parsed`] must equal.
    fn slow(data: &str) -> Result<String, (usize, String)> {
        let bi = parse(data)?;
        let mut b = String::from("x");
        render_into(&mut b, &bi, false, "\t");
        Ok(b)
    }

    fn fast(data: &str) -> Result<String, (usize, String)> {
        let mut b = String::from("x");
        let r = write_parsed(&mut b, data, "\t");
        if r.is_err() {
            assert_eq!(b, "x", "an error appends nothing");
        }
        r.map(|()| b)
    }

    #[test]
    fn streamed_text_is_parse_then_render() {
        let real = "path\tgolang.org/x/tools/gopls\nmod\tgolang.org/x/tools/gopls\tv0.16.0\th1:a=\n\
            dep\tgithub.com/a/b\tv1.0.0\th1:b=\ndep\tgithub.com/c/d\tv1.0.0\t\n=>\t../d\t(devel)\t\n\
            build\t-buildmode=exe\nbuild\t-ldflags=\"-s -w\"\nbuild\tCGO_ENABLED=1\nbuild\tGOOS=linux\n";
        assert_eq!(fast(real), slow(real));
        assert!(stream(
            &mut String::new(),
            &real.replace("\"-s -w\"", "-s"),
            ""
        ));
        for odd in [
            "build\tA=1\ndep\tx\tv1\n",
            "path\ta\npath\tb\n",
            "mod\t\t\n",
            "=>\ta\tb\tc\n",
            "mod\ta\tv1\n=>\tb\tv2\th\n=>\tc\tv3\th\n",
            "dep\ta\tv1\nmod\tb\tv2\n",
            "build\t=1\n",
            "build\tA\n",
            "build\tA=x y\n",
            "build\tA=`x`\n",
            "build\t\"A\"=1\n",
            "dep\ta\n",
            "dep\ta\tb\tc\td\n",
            "mod\ta\tv1\n=>\tb\tv2\n",
            "junk\nmod\ta\tv1\njunk\n=>\tb\tv2\th\nbuild\tk=v",
        ] {
            assert_eq!(fast(odd), slow(odd), "{odd:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// Lines made of the words go's format uses, in any order and shape.
        #[test]
        fn streamed_text_equals_parse_then_render(lines in proptest::collection::vec(
            (proptest::sample::select(vec!["path\t", "mod\t", "dep\t", "=>\t", "build\t", "x\t", ""]),
             proptest::collection::vec(proptest::sample::select(vec![
                 "a", "v1.0.0", "", "\t", "=", "\"", "`", " ", "\"q r\"", "h1:z=", "é", "\r",
                 "\u{0}", "\\", "=>"]), 0..6)),
            0..8), end in proptest::bool::ANY) {
            let mut data = String::new();
            for (word, parts) in &lines {
                data.push_str(word);
                for p in parts {
                    data.push_str(p);
                }
                data.push('\n');
            }
            if end {
                data.push_str("build\tlast=1");
            }
            proptest::prop_assert_eq!(fast(&data), slow(&data), "{:?}", data);
        }
    }

    #[test]
    fn quoting_round_trips() {
        for s in ["-s -w", "a\"b`c", "tab\there", "x\u{7f}\u{1}é", "\u{2028}"] {
            let q = quote(s);
            assert_eq!(unquote(&q).as_deref(), Some(s), "{q}");
        }
        assert_eq!(quote("-s -w"), "\"-s -w\"");
        assert_eq!(quote("a\x01"), "\"a\\x01\"");
        assert_eq!(unquote("`a\rb`").as_deref(), Some("ab"));
        assert_eq!(unquote("\"\\101\\x41\\u0041\""), Some("AAA".into()));
        assert_eq!(unquote("\"a\nb\""), None);
        assert_eq!(unquote("\"a\" "), None);
        assert_eq!(unquote("\"\\'\""), None);
    }

    #[test]
    fn parse_matches_go_rules() {
        let t = "path\tx/cmd\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\th1:a=\n=>\t../a\t(devel)\t\n\ndep\tb\tv1.1.0\nbuild\t-ldflags=\"-s -w\"\nbuild\t\"a b\"=c\nbuild\tGOOS=linux\nunknown line\n";
        let bi = parse(t).unwrap();
        assert_eq!(bi.path, "x/cmd");
        assert_eq!(bi.main.as_ref().unwrap().version, "(devel)");
        assert_eq!(bi.deps[0].replace.as_ref().unwrap().path, "../a");
        assert_eq!(bi.deps[1].sum, "");
        assert_eq!(bi.settings[0].value, "-s -w");
        assert_eq!(bi.settings[1].key, "a b");
        // go drops a replaced module's sum and ends the `=>` line with a blank line.
        assert_eq!(
            render(&bi, false),
            "path\tx/cmd\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\n=>\t../a\t(devel)\t\n\ndep\tb\tv1.1.0\t\nbuild\t-ldflags=\"-s -w\"\nbuild\t\"a b\"=c\nbuild\tGOOS=linux\n"
        );
        assert_eq!(parse("=>\ta\tb\tc\n").unwrap_err().0, 1);
        assert_eq!(
            parse("path\tx\nbuild\tk=a b\n").unwrap_err(),
            (2, "unquoted value \"a b\" must be quoted".into())
        );
        assert_eq!(
            parse("mod\ta\n").unwrap_err().1,
            "expected 2 or 3 columns; got 1"
        );
        assert_eq!(
            parse("build\t\"k\"x\n").unwrap_err().1,
            "unexpected character after quoted key: 'x'"
        );
        // The last line without a newline is not read (strings.Cut).
        assert_eq!(parse("path\tx").unwrap().path, "");
    }
}
