//! Writing the go env file exactly as `go env -w` / `go env -u` do (cmd/go envcmd):
//! the same validation, the same line edits, the same sorting, byte for byte.

use crate::keys;
use std::collections::BTreeMap;

/// Why a change is refused; the message matches the go command's where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates one `KEY=VALUE` as `go env -w` does (`checkEnvWrite`). `existing` holds keys
/// already in the file (the go command accepts any key it finds there). `windows` selects
/// the path rules.
pub fn check_write(
    key: &str,
    val: &str,
    existing: &[String],
    windows: bool,
) -> Result<(), Refused> {
    match key {
        "GOEXE" | "GOGCCFLAGS" | "GOHOSTARCH" | "GOHOSTOS" | "GOMOD" | "GOWORK" | "GOTOOLDIR" | "GOVERSION" | "GOTELEMETRY"
        | "GOTELEMETRYDIR" => return Err(Refused(format!("{key} cannot be modified"))),
        "GOENV" | "GODEBUG" => return Err(Refused(format!("{key} can only be set using the OS environment"))),
        // Go itself allows this in some versions; gomedic refuses because a GOROOT in the
        // env file overrides every installation and breaks the go command when stale.
        "GOROOT" => {
            return Err(Refused(
                "GOROOT cannot be set with gomedic: the go command finds its own installation, and a GOROOT in the go env file breaks every other Go version".into(),
            ))
        }
        _ => {}
    }
    if !keys::is_known(key) && !existing.iter().any(|k| k == key) {
        return Err(Refused(format!("unknown go command variable {key}")));
    }
    let is_abs = |p: &str| {
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
    };
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
            if !is_abs(val) && !val.is_empty() {
                return Err(Refused(format!(
                    "GOPATH entry is relative; must be absolute path: {val:?}"
                )));
            }
        }
        "GOMODCACHE" if !is_abs(val) && !val.is_empty() => {
            return Err(Refused(format!(
                "GOMODCACHE entry is relative; must be absolute path: {val:?}"
            )));
        }
        "GOTMPDIR" if !is_abs(val) && !val.is_empty() => {
            return Err(Refused("GOTMPDIR must be an absolute path".into()));
        }
        "CC" | "CXX" if !val.is_empty() => {
            let words = quoted_split(val).map_err(|e| Refused(format!("invalid {key}: {e}")))?;
            let first = words.first().map(String::as_str);
            match first {
                None => return Err(Refused(format!("{key} entry cannot contain only space"))),
                Some(a) => {
                    let base = a.rsplit(['/', '\\']).next().unwrap_or(a);
                    if !is_abs(a) && a != base {
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

/// Go's `quoted.Split`: whitespace-separated words; single or double quotes group.
pub fn quoted_split(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut word = String::new();
        if c == '"' || c == '\'' {
            chars.next();
            let mut closed = false;
            for ch in chars.by_ref() {
                if ch == c {
                    closed = true;
                    break;
                }
                word.push(ch);
            }
            if !closed {
                return Err(format!("unterminated {c} string"));
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err("quoted string must be followed by a space".into());
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                word.push(ch);
                chars.next();
            }
        }
        out.push(word);
    }
    Ok(out)
}

/// `GOOS/GOARCH` pairs the go command supports (`go tool dist list`, Go 1.27).
pub const PORTS: &[&str] = &[
    "aix/ppc64",
    "android/386",
    "android/amd64",
    "android/arm",
    "android/arm64",
    "darwin/amd64",
    "darwin/arm64",
    "dragonfly/amd64",
    "freebsd/386",
    "freebsd/amd64",
    "freebsd/arm",
    "freebsd/arm64",
    "freebsd/riscv64",
    "illumos/amd64",
    "ios/amd64",
    "ios/arm64",
    "js/wasm",
    "linux/386",
    "linux/amd64",
    "linux/arm",
    "linux/arm64",
    "linux/loong64",
    "linux/mips",
    "linux/mips64",
    "linux/mips64le",
    "linux/mipsle",
    "linux/ppc64",
    "linux/ppc64le",
    "linux/riscv64",
    "linux/s390x",
    "netbsd/386",
    "netbsd/amd64",
    "netbsd/arm",
    "netbsd/arm64",
    "openbsd/386",
    "openbsd/amd64",
    "openbsd/arm",
    "openbsd/arm64",
    "openbsd/ppc64",
    "openbsd/riscv64",
    "plan9/386",
    "plan9/amd64",
    "plan9/arm",
    "solaris/amd64",
    "wasip1/wasm",
    "windows/386",
    "windows/amd64",
    "windows/arm",
    "windows/arm64",
];

/// Go's check after `go env -w GOOS=`/`GOARCH=`: the pair must be a supported port.
pub fn check_port(goos: &str, goarch: &str) -> Result<(), Refused> {
    if PORTS.contains(&format!("{goos}/{goarch}").as_str()) {
        Ok(())
    } else {
        Err(Refused(format!(
            "unsupported GOOS/GOARCH pair {goos}/{goarch}"
        )))
    }
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
}
