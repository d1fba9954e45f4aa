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

/// An OS error as Go prints it (`syscall.Errno.Error()`): `no such file or directory`
/// where Rust says `No such file or directory (os error 2)`. Go's own wording on Unix for
/// the errors a path can give (musl's and glibc's differ from it for some); elsewhere, and
/// for other errors, the system's text without Rust's suffix (Windows: both use
/// FormatMessage).
pub fn go_os_error(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    #[cfg(unix)]
    {
        const ELOOP: i32 = if cfg!(any(target_os = "linux", target_os = "android")) {
            40
        } else {
            62
        };
        let go = match (e.raw_os_error(), e.kind()) {
            (Some(1), _) => Some("operation not permitted"),
            (_, K::NotFound) => Some("no such file or directory"),
            (_, K::PermissionDenied) => Some("permission denied"),
            (_, K::NotADirectory) => Some("not a directory"),
            (_, K::IsADirectory) => Some("is a directory"),
            (_, K::InvalidFilename) => Some("file name too long"),
            (Some(n), _) if n == ELOOP => Some("too many levels of symbolic links"),
            _ => None,
        };
        if let (Some(t), Some(_)) = (go, e.raw_os_error()) {
            return t.to_string();
        }
    }
    let s = e.to_string();
    let s = match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => &s[..i],
        _ => &s[..],
    };
    if cfg!(windows) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod go_os_error_tests {
    use super::go_os_error;
    use std::io::Error;

    #[test]
    #[cfg(unix)]
    fn errno_texts_are_gos() {
        let missing = std::fs::metadata("/nonexistent/gomedic").unwrap_err();
        assert_eq!(go_os_error(&missing), "no such file or directory");
        let not_dir = std::fs::metadata("/etc/hostname/x").unwrap_err();
        assert_eq!(go_os_error(&not_dir), "not a directory");
        assert_eq!(
            go_os_error(&Error::from_raw_os_error(1)),
            "operation not permitted"
        );
        assert_eq!(
            go_os_error(&Error::from_raw_os_error(13)),
            "permission denied"
        );
        // Not from the OS: the text as it is.
        assert_eq!(go_os_error(&Error::other("Odd thing")), "odd thing");
    }
}
