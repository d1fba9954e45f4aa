//! Writing the go env file exactly as `go env -w` / `go env -u` do (cmd/go envcmd):
//! the same validation, the same line edits, the same sorting, byte for byte.

use std::collections::BTreeMap;

/// Why a change is refused; the message matches the go command's where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates one `KEY=VALUE` as `go env -w` does (`checkEnvWrite`), for any Go from
/// 1.21 to 1.27 (see [`crate::rules`] for one version), plus gomedic's own refusal to
/// write GOROOT. `existing` holds keys already in a go env file (the go command accepts
/// any key it finds there). `windows` selects the path rules.
pub fn check_write(
    key: &str,
    val: &str,
    existing: &[String],
    windows: bool,
) -> Result<(), Refused> {
    // Go 1.21-1.24 allow this; gomedic refuses because a GOROOT in the env file
    // overrides every installation and breaks the go command when stale.
    if key == "GOROOT" {
        return Err(Refused(GOROOT_REFUSAL.into()));
    }
    crate::rules::Rules::for_version(None).check_write(key, val, existing, windows)
}

/// Why gomedic does not write GOROOT into the go env file.
pub const GOROOT_REFUSAL: &str = "the go command finds its own installation, and a GOROOT in the go env file overrides it for every Go version";

/// `filepath.IsAbs` of the target OS.
pub fn is_abs(p: &str, windows: bool) -> bool {
    if windows {
        let b = p.as_bytes();
        (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/'))
            || p.starts_with("\\\\")
    } else {
        p.starts_with('/')
    }
}

/// The value checks of `checkEnvWrite` (the same in Go 1.21 to 1.27).
pub fn check_value_syntax(key: &str, val: &str, windows: bool) -> Result<(), Refused> {
    match key {
        "GO111MODULE" if !matches!(val, "" | "auto" | "on" | "off") => {
            return Err(Refused(format!("invalid {key} value {val:?}")));
        }
        "GOPATH" => {
            if val.starts_with('~') {
                return Err(Refused(format!(
                    "GOPATH entry cannot start with shell metacharacter '~': {val:?}"
                )));
            }
            if !is_abs(val, windows) && !val.is_empty() {
                return Err(Refused(format!(
                    "GOPATH entry is relative; must be absolute path: {val:?}"
                )));
            }
        }
        "GOMODCACHE" if !is_abs(val, windows) && !val.is_empty() => {
            return Err(Refused(format!(
                "GOMODCACHE entry is relative; must be absolute path: {val:?}"
            )));
        }
        "CC" | "CXX" if !val.is_empty() => {
            let words = quoted_split(val).map_err(|e| Refused(format!("invalid {key}: {e}")))?;
            match words.first() {
                None => return Err(Refused(format!("{key} entry cannot contain only space"))),
                Some(a) => {
                    let base = a
                        .rsplit(if windows {
                            &['/', '\\'][..]
                        } else {
                            &['/'][..]
                        })
                        .next()
                        .unwrap_or(a);
                    if !is_abs(a, windows) && a != base {
                        return Err(Refused(format!(
                            "{key} entry is relative; must be absolute path: {a:?}"
                        )));
                    }
                }
            }
        }
        _ => {}
    }
    if val.contains('\0') {
        return Err(Refused(format!("invalid NUL in {key}=... value")));
    }
    if val.contains(['\x0b', '\r', '\n']) {
        return Err(Refused(format!("invalid newline in {key}=... value")));
    }
    Ok(())
}

/// Go's `quoted.Split`: fields separated by ASCII space, tab, CR or LF; a field that
/// starts with a single or double quote runs to the next such quote, without escapes.
pub fn quoted_split(s: &str) -> Result<Vec<String>, String> {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && is_space(b[i]) {
            i += 1;
        }
        if i == b.len() {
            break;
        }
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            let start = i + 1;
            let Some(len) = b[start..].iter().position(|c| *c == q) else {
                return Err(format!("unterminated {} string", q as char));
            };
            // A quote is ASCII, so these are char boundaries.
            out.push(s[start..start + len].to_string());
            i = start + len + 1;
            continue;
        }
        let start = i;
        while i < b.len() && !is_space(b[i]) {
            i += 1;
        }
        out.push(s[start..i].to_string());
    }
    Ok(out)
}

/// Go's check after `go env -w GOOS=`/`GOARCH=` for any Go from 1.21 to 1.27.
pub fn check_port(goos: &str, goarch: &str) -> Result<(), Refused> {
    crate::rules::Rules::for_version(None).check_port(goos, goarch)
}

/// Validates a key for `go env -u`: read-only and unknown keys are refused as the go
/// command does; removing GOROOT is always allowed.
pub fn check_unset(key: &str, existing: &[String], windows: bool) -> Result<(), Refused> {
    if key == "GOROOT" {
        return Ok(());
    }
    check_write(key, "", existing, windows)
}

/// The key of a `KEY=VALUE` line as envcmd's `lineToKey` sees it, or "".
fn line_key(line: &str) -> &str {
    match line.find('=') {
        Some(i) if !line[..i].contains('#') => &line[..i],
        _ => "",
    }
}

/// Splits file contents into lines that keep their `\n` (readEnvFileLines).
fn split_lines(data: &str) -> Vec<String> {
    if data.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<String> = data.split_inclusive('\n').map(str::to_string).collect();
    if let Some(last) = lines.last_mut() {
        if !last.ends_with('\n') {
            last.push('\n');
        }
    }
    lines
}

/// Applies `go env -w` (`add`) and `go env -u` (`del`) to the file contents `data`,
/// returning the new contents, as updateEnvFile does.
pub fn update(data: &str, add: &BTreeMap<String, String>, del: &[String]) -> String {
    let mut lines: Vec<String> = split_lines(data);
    // Only the last copy of a key takes effect; earlier copies are dropped.
    let mut prev: BTreeMap<String, usize> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let key = line_key(line);
        if !key.is_empty() {
            prev.insert(key.to_string(), i);
        }
    }
    for (i, line) in lines.iter_mut().enumerate() {
        let key = line_key(line).to_string();
        if !key.is_empty() && prev.get(&key) != Some(&i) {
            line.clear();
        }
    }
    let mut to_append: Vec<(&String, &String)> = Vec::new();
    for (k, v) in add {
        match prev.get(k) {
            Some(&p) => lines[p] = format!("{k}={v}\n"),
            None => to_append.push((k, v)),
        }
    }
    for (k, v) in to_append {
        lines.push(format!("{k}={v}\n"));
    }
    for k in del {
        if let Some(&p) = prev.get(k) {
            lines[p].clear();
        }
    }
    // Sort runs of KEY=VALUE lines separated by comments, blank, invalid or removed lines.
    let mut start = 0;
    for i in 0..=lines.len() {
        if i == lines.len() || line_key(&lines[i]).is_empty() {
            lines[start..i].sort_by(|a, b| line_key(a).cmp(line_key(b)));
            start = i + 1;
        }
    }
    lines.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn write_sorts_and_replaces_like_go() {
        let out = update(
            "",
            &add(&[("GOPROXY", "https://a"), ("GOFLAGS", "-mod=mod")]),
            &[],
        );
        assert_eq!(out, "GOFLAGS=-mod=mod\nGOPROXY=https://a\n");
        let out = update(
            "GOSUMDB=x\n# c\nGOPROXY=old\nGOAMD64=v2",
            &add(&[("GOPROXY", "new")]),
            &[],
        );
        assert_eq!(out, "GOSUMDB=x\n# c\nGOAMD64=v2\nGOPROXY=new\n");
    }

    #[test]
    fn unset_and_duplicates() {
        let out = update(
            "GOPROXY=a\nGOSUMDB=b\nGOPROXY=c\n",
            &BTreeMap::new(),
            &["GOSUMDB".to_string()],
        );
        assert_eq!(out, "GOPROXY=c\n");
    }

    #[test]
    fn validation_matches_go() {
        assert!(check_write("GOPROXY", "https://x,direct", &[], false).is_ok());
        assert_eq!(
            check_write("GOVERSION", "x", &[], false).unwrap_err().0,
            "GOVERSION cannot be modified"
        );
        assert_eq!(
            check_write("GOENV", "x", &[], false).unwrap_err().0,
            "GOENV can only be set using the OS environment"
        );
        assert_eq!(
            check_write("GOPROXYY", "x", &[], false).unwrap_err().0,
            "unknown go command variable GOPROXYY"
        );
        assert!(check_write("GOPROXYY", "x", &["GOPROXYY".into()], false).is_ok());
        assert!(check_write("GOPATH", "rel", &[], false).is_err());
        assert!(check_write("GOPATH", "~/go", &[], false).is_err());
        assert!(check_write("GOPATH", "C:\\go", &[], true).is_ok());
        assert!(check_write("GO111MODULE", "maybe", &[], false).is_err());
        assert!(check_write("GOPROXY", "a\nb", &[], false).is_err());
        assert!(check_write("CC", "bin/gcc", &[], false).is_err());
        assert!(check_write("CC", "gcc -m64", &[], false).is_ok());
        assert!(check_write("CC", "\"/opt/my cc/gcc\" -m64", &[], false).is_ok());
        assert!(check_write("CC", "\"/opt/my cc/gcc", &[], false).is_err());
        assert!(check_port("linux", "arm64").is_ok());
        assert_eq!(
            check_port("banana", "amd64").unwrap_err().0,
            "unsupported GOOS/GOARCH pair banana/amd64"
        );
        assert!(check_write("GOROOT", "/x", &[], false).is_err());
    }

    #[test]
    fn quoted_split_is_gos() {
        let ok = |s: &str| quoted_split(s).unwrap();
        assert_eq!(ok("  -a\t'-b c'  \"-d=e f\" "), ["-a", "-b c", "-d=e f"]);
        // No space is needed after a closing quote; inner quotes are literal.
        assert_eq!(ok("\"a\"b -x=\"y z\""), ["a", "b", "-x=\"y", "z\""]);
        // Only ASCII space, tab, CR and LF separate fields.
        assert_eq!(ok("a\u{a0}b\x0bc"), ["a\u{a0}b\x0bc"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(quoted_split("'a").unwrap_err(), "unterminated ' string");
        assert_eq!(quoted_split("x \"").unwrap_err(), "unterminated \" string");
    }
}
