//! golang.org/x/mod's `module.CheckPath`: is a string a valid module path? Errors are the
//! go command's (`malformed module path "X": reason`).

use crate::gourl::{quote, quote_rune};

const BAD_WINDOWS_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// `module.CheckPath(path)`.
pub fn check_module_path(path: &str) -> Result<(), String> {
    check(path).map_err(|e| format!("malformed module path {}: {e}", quote(path.as_bytes())))
}

fn check(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty string".into());
    }
    if path.starts_with('-') {
        return Err("leading dash".into());
    }
    if path.contains("//") {
        return Err("double slash".into());
    }
    if path.ends_with('/') {
        return Err("trailing slash".into());
    }
    for elem in path.split('/') {
        check_elem(elem, Kind::Module)?;
    }
    let first = path.split('/').next().unwrap_or("");
    if first.is_empty() {
        return Err("leading slash".into());
    }
    if !first.contains('.') {
        return Err("missing dot in first path element".into());
    }
    if let Some(r) = first
        .chars()
        .find(|&r| !(r == '-' || r == '.' || r.is_ascii_digit() || r.is_ascii_lowercase()))
    {
        return Err(format!(
            "invalid char {} in first path element",
            quote_rune(r)
        ));
    }
    if !split_path_version_ok(path) {
        return Err("invalid version".into());
    }
    Ok(())
}

/// `module.CheckFilePath(path)`: the rules for file names inside a module zip.
pub fn check_file_path(path: &str) -> Result<(), String> {
    check_file(path).map_err(|e| format!("malformed file path {}: {e}", quote(path.as_bytes())))
}

fn check_file(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty string".into());
    }
    if path.contains("//") {
        return Err("double slash".into());
    }
    if path.ends_with('/') {
        return Err("trailing slash".into());
    }
    for elem in path.split('/') {
        check_elem(elem, Kind::File)?;
    }
    Ok(())
}

/// `module.checkElem(elem, filePath)`: what `EscapeVersion` and `UnescapeVersion` require
/// of a version string.
pub fn check_file_elem(elem: &str) -> Result<(), String> {
    check_elem(elem, Kind::File)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Module,
    File,
}

/// `module.fileNameOK`.
fn file_name_ok(r: char) -> bool {
    if r.is_ascii() {
        return r.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(r);
    }
    r.is_alphabetic()
}

fn check_elem(elem: &str, kind: Kind) -> Result<(), String> {
    if elem.is_empty() {
        return Err("empty path element".into());
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(format!("invalid path element {}", quote(elem.as_bytes())));
    }
    if elem.starts_with('.') && kind == Kind::Module {
        return Err("leading dot in path element".into());
    }
    if elem.ends_with('.') {
        return Err("trailing dot in path element".into());
    }
    let ok = |r: char| match kind {
        Kind::Module => r.is_ascii_alphanumeric() || matches!(r, '-' | '.' | '_' | '~'),
        Kind::File => file_name_ok(r),
    };
    if let Some(r) = elem.chars().find(|&r| !ok(r)) {
        return Err(format!("invalid char {}", quote_rune(r)));
    }
    let short = elem.split('.').next().unwrap_or(elem);
    if BAD_WINDOWS_NAMES
        .iter()
        .any(|b| b.eq_ignore_ascii_case(short))
    {
        return Err(format!(
            "{} disallowed as path element component on Windows",
            quote(short.as_bytes())
        ));
    }
    if kind == Kind::File {
        return Ok(());
    }
    if let Some(t) = short.rfind('~') {
        let suffix = &short[t + 1..];
        if !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()) {
            return Err("trailing tilde and digits in path element".into());
        }
    }
    Ok(())
}

/// The `ok` result of `module.SplitPathVersion`.
fn split_path_version_ok(path: &str) -> bool {
    split_path_version(path).2
}

/// `module.SplitPathVersion`: (prefix, pathMajor, ok), pathMajor "" or "/vN" (".vN" for
/// gopkg.in).
pub fn split_path_version(path: &str) -> (&str, &str, bool) {
    let b = path.as_bytes();
    if path.starts_with("gopkg.in/") {
        let mut i = b.len();
        if path.ends_with("-unstable") {
            i -= "-unstable".len();
        }
        while i > 0 && b[i - 1].is_ascii_digit() {
            i -= 1;
        }
        if i <= 1 || b[i - 1] != b'v' || b[i - 2] != b'.' {
            return (path, "", false);
        }
        let (prefix, major) = path.split_at(i - 2);
        if major.len() <= 2 || (major.as_bytes()[2] == b'0' && major != ".v0") {
            return (path, "", false);
        }
        return (prefix, major, true);
    }
    let mut i = b.len();
    let mut dot = false;
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        if b[i - 1] == b'.' {
            dot = true;
        }
        i -= 1;
    }
    if i <= 1 || i == b.len() || b[i - 1] != b'v' || b[i - 2] != b'/' {
        return (path, "", true);
    }
    let (prefix, major) = path.split_at(i - 2);
    if dot || major.len() <= 2 || major.as_bytes()[2] == b'0' || major == "/v1" {
        return (path, "", false);
    }
    (prefix, major, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `ok` (module path) column of every row of golang.org/x/mod's checkPathTests
    /// (module/module_test.go, github.com/golang/mod at fe2ec04).
    const CHECK_PATH: &[(&str, bool)] = &[
        ("x.y/z", true),
        ("x.y", true),
        ("", false),
        // ("x.y/\\xFFz", false): invalid UTF-8 cannot occur in a Rust string.
        ("/x.y/z", false),
        ("x./z", false),
        (".x/z", false),
        ("-x/z", false),
        ("x..y/z", true),
        ("x.y/z/../../w", false),
        ("x.y//z", false),
        ("x.y/z//w", false),
        ("x.y/z/", false),
        ("x.y/z/v0", false),
        ("x.y/z/v1", false),
        ("x.y/z/v2", true),
        ("x.y/z/v2.0", false),
        ("X.y/z", false),
        ("!x.y/z", false),
        ("_x.y/z", false),
        ("x.y!/z", false),
        ("x.y\"/z", false),
        ("x.y#/z", false),
        ("x.y$/z", false),
        ("x.y%/z", false),
        ("x.y&/z", false),
        ("x.y'/z", false),
        ("x.y(/z", false),
        ("x.y)/z", false),
        ("x.y*/z", false),
        ("x.y+/z", false),
        ("x.y,/z", false),
        ("x.y-/z", true),
        ("x.y./zt", false),
        ("x.y:/z", false),
        ("x.y;/z", false),
        ("x.y</z", false),
        ("x.y=/z", false),
        ("x.y>/z", false),
        ("x.y?/z", false),
        ("x.y@/z", false),
        ("x.y[/z", false),
        ("x.y\\/z", false),
        ("x.y]/z", false),
        ("x.y^/z", false),
        ("x.y_/z", false),
        ("x.y`/z", false),
        ("x.y{/z", false),
        ("x.y}/z", false),
        ("x.y~/z", false),
        ("x.y/z!", false),
        ("x.y/z\"", false),
        ("x.y/z#", false),
        ("x.y/z$", false),
        ("x.y/z%", false),
        ("x.y/z&", false),
        ("x.y/z'", false),
        ("x.y/z(", false),
        ("x.y/z)", false),
        ("x.y/z*", false),
        ("x.y/z++", false),
        ("x.y/z,", false),
        ("x.y/z-", true),
        ("x.y/z.t", true),
        ("x.y/z/t", true),
        ("x.y/z:", false),
        ("x.y/z;", false),
        ("x.y/z<", false),
        ("x.y/z=", false),
        ("x.y/z>", false),
        ("x.y/z?", false),
        ("x.y/z@", false),
        ("x.y/z[", false),
        ("x.y/z\\", false),
        ("x.y/z]", false),
        ("x.y/z^", false),
        ("x.y/z_", true),
        ("x.y/z`", false),
        ("x.y/z{", false),
        ("x.y/z}", false),
        ("x.y/z~", true),
        ("x.y/x.foo", true),
        ("x.y/aux.foo", false),
        ("x.y/prn", false),
        ("x.y/prn2", true),
        ("x.y/com", true),
        ("x.y/com1", false),
        ("x.y/com1.txt", false),
        ("x.y/calm1", true),
        ("x.y/z~", true),
        ("x.y/z~0", false),
        ("x.y/z~09", false),
        ("x.y/z09", true),
        ("x.y/z09~", true),
        ("x.y/z09~09z", true),
        ("x.y/z09~09z~09", false),
        ("github.com/!123/logrus", false),
        ("github.com/user/unicode/испытание", false),
        ("../x", false),
        ("./y", false),
        ("x:y", false),
        (r"\temp\foo", false),
        (".gitignore", false),
        (".github/ISSUE_TEMPLATE", false),
        ("x☺y", false),
    ];

    #[test]
    fn check_path_table() {
        for &(p, ok) in CHECK_PATH {
            assert_eq!(check_module_path(p).is_ok(), ok, "CheckPath({p:?})");
        }
    }

    #[test]
    fn messages_like_go() {
        assert_eq!(
            check_module_path("Example.com/m").unwrap_err(),
            r#"malformed module path "Example.com/m": invalid char 'E' in first path element"#
        );
        assert_eq!(
            check_module_path("example.com/m/v1").unwrap_err(),
            r#"malformed module path "example.com/m/v1": invalid version"#
        );
        assert_eq!(
            check_module_path("ex/m").unwrap_err(),
            r#"malformed module path "ex/m": missing dot in first path element"#
        );
        assert_eq!(
            check_module_path("example.com/a b").unwrap_err(),
            r#"malformed module path "example.com/a b": invalid char ' '"#
        );
        assert!(check_module_path("gopkg.in/yaml.v2").is_ok());
        assert!(check_module_path("gopkg.in/yaml").is_err());
        assert!(check_module_path("golang.org/toolchain").is_ok());
    }
}
