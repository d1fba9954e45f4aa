//! Text for a terminal: widths in terminal cells (a CJK character takes two), and values
//! and paths shown as the user types them (`C:\Users\张三\go`, not Rust's `{:?}` with
//! doubled backslashes).

use unicode_width::UnicodeWidthStr;

/// Width of `s` in terminal cells.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` padded with spaces to `cells` terminal cells (longer text is left as it is).
pub fn pad(s: &str, cells: usize) -> String {
    let w = width(s);
    let mut out = String::with_capacity(s.len() + cells.saturating_sub(w));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// A value or path as the user types it: bare when it can be (`C:\Users\张三\go`,
/// `https://proxy.golang.org,direct`), in double quotes when it is empty or has blanks or
/// quotes (`"C:\Program Files\Go"`, `""`). Backslashes are never doubled; control
/// characters and bidirectional overrides are shown as escapes (`\x1b`, `\u{202e}`) so
/// they cannot act on the terminal, and a `"` inside quotes as `\"`.
pub fn shown(s: &str) -> String {
    let needs_quotes = s.is_empty() || s.chars().any(|c| c.is_whitespace() || c == '"');
    let mut out = String::with_capacity(s.len() + 2);
    if needs_quotes {
        out.push('"');
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if escaped(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if escaped(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    if needs_quotes {
        out.push('"');
    }
    out
}

/// Always in double quotes (for a value next to prose, where a bare word would blur),
/// otherwise as [`shown`].
pub fn quoted(s: &str) -> String {
    let v = shown(s);
    if v.starts_with('"') {
        v
    } else {
        format!("\"{v}\"")
    }
}

fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_in_cells() {
        assert_eq!(width("GOPATH"), 6);
        assert_eq!(width(r"C:\Users\张三\go"), 16);
        assert_eq!(width("日本語"), 6);
        assert_eq!(pad("张三", 6), "张三  ");
        assert_eq!(width(&pad("张三", 6)), 6);
        assert_eq!(pad("toolong", 3), "toolong");
    }

    #[test]
    fn values_as_typed() {
        assert_eq!(shown(r"C:\Users\张三\go"), r"C:\Users\张三\go");
        assert_eq!(shown(r"C:\Program Files\Go"), r#""C:\Program Files\Go""#);
        assert_eq!(shown(""), r#""""#);
        assert_eq!(shown(r#""C:\Go\bin""#), r#""\"C:\Go\bin\"""#);
        assert_eq!(shown("a\u{1b}[2Jb"), r"a\x1b[2Jb");
        assert_eq!(shown("a\u{202e}b"), r"a\u{202e}b");
        assert_eq!(shown("x\ny"), r#""x\ny""#);
        assert_eq!(quoted(r"C:\Go"), r#""C:\Go""#);
        assert_eq!(quoted("a b"), r#""a b""#);
    }
}
