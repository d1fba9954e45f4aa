//! The go.dev/dl release index (`?mode=json&include=all`): releases newest first, each
//! with its files, their SHA-256 and size.

use gomedic_goenv::version::GoVersion;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// `go1.22.10`
    pub version: String,
    #[serde(default)]
    pub stable: bool,
    #[serde(default)]
    pub files: Vec<File>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    pub filename: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    #[serde(default)]
    pub version: String,
    /// Hex; empty for very old releases, which only ever had SHA-1.
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub size: u64,
    /// `archive`, `installer` or `source`.
    #[serde(default)]
    pub kind: String,
}

impl File {
    pub fn is_archive(&self) -> bool {
        self.kind == "archive"
            && (self.filename.ends_with(".tar.gz") || self.filename.ends_with(".zip"))
    }

    /// A well-formed SHA-256 (64 hex digits), lower-cased; None when missing or malformed.
    pub fn sha256(&self) -> Option<String> {
        let s = self.sha256.trim().to_ascii_lowercase();
        (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then_some(s)
    }
}

/// Parses the index. Releases whose version gomedic cannot read are kept (listed) but
/// never chosen by `resolve`.
pub fn parse(bytes: &[u8]) -> Result<Vec<Release>, String> {
    let v: Vec<Release> = serde_json::from_slice(bytes).map_err(|e| {
        format!("not a go.dev/dl JSON release index ({e}); is the mirror URL right?")
    })?;
    for r in &v {
        if r.files
            .iter()
            .any(|f| f.filename.contains(['/', '\\']) || f.filename.starts_with('.'))
        {
            return Err(format!(
                "the index lists a file name with a path in it for {}: refusing the index",
                r.version
            ));
        }
    }
    Ok(v)
}

/// The version a user asked for: `latest` (newest stable), `1.22.10` / `go1.22.10` (that
/// release), `1.22` (the newest 1.22.x release: a language version names no toolchain,
/// so gomedic picks its newest patch and says so), `1.23rc1`.
pub fn resolve<'a>(releases: &'a [Release], want: &str) -> Result<&'a Release, String> {
    let w = want.trim();
    if w == "latest" {
        return newest(releases.iter().filter(|r| r.stable))
            .ok_or_else(|| "the index lists no stable release".to_string());
    }
    let Some(v) = GoVersion::parse(w) else {
        return Err(format!(
            "{want:?} is not a Go version: use latest, 1.22.10, go1.22.10 or 1.22"
        ));
    };
    if v.is_lang() {
        return newest(
            releases
                .iter()
                .filter(|r| parsed(r).is_some_and(|rv| rv.lang() == v && rv.pre.is_none())),
        )
        .ok_or_else(|| format!("the index has no go{w} release"));
    }
    releases
        .iter()
        .find(|r| parsed(r).as_ref() == Some(&v))
        .ok_or_else(|| format!("the index has no release go{}", w.trim_start_matches("go")))
}

fn parsed(r: &Release) -> Option<GoVersion> {
    GoVersion::parse_toolchain(&r.version).filter(|_| r.version.starts_with("go"))
}

fn newest<'a>(it: impl Iterator<Item = &'a Release>) -> Option<&'a Release> {
    it.filter_map(|r| Some((parsed(r)?, r)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, r)| r)
}

/// The archive (`.tar.gz` or `.zip`) of `release` for GOOS/GOARCH (`arm` is `armv6l` in
/// the index).
pub fn archive_for<'a>(release: &'a Release, goos: &str, goarch: &str) -> Option<&'a File> {
    let arch = if goarch == "arm" { "armv6l" } else { goarch };
    release
        .files
        .iter()
        .find(|f| f.os == goos && f.arch == arch && f.is_archive())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"[
 {"version":"go1.23rc1","stable":false,"files":[{"filename":"go1.23rc1.linux-amd64.tar.gz","os":"linux","arch":"amd64","version":"go1.23rc1","sha256":"aa","size":1,"kind":"archive"}]},
 {"version":"go1.22.10","stable":true,"files":[
   {"filename":"go1.22.10.src.tar.gz","os":"","arch":"","version":"go1.22.10","sha256":"","size":1,"kind":"source"},
   {"filename":"go1.22.10.linux-amd64.tar.gz","os":"linux","arch":"amd64","version":"go1.22.10","sha256":"736CE492A19D756A92719A6121226087CCD91B652ED5CAEC40AD6DBFB2252092","size":2,"kind":"archive"},
   {"filename":"go1.22.10.linux-armv6l.tar.gz","os":"linux","arch":"armv6l","version":"go1.22.10","sha256":"","size":2,"kind":"archive"},
   {"filename":"go1.22.10.windows-amd64.msi","os":"windows","arch":"amd64","version":"go1.22.10","sha256":"bb","size":3,"kind":"installer"},
   {"filename":"go1.22.10.windows-amd64.zip","os":"windows","arch":"amd64","version":"go1.22.10","sha256":"cc","size":3,"kind":"archive"}]},
 {"version":"go1.22.9","stable":true,"files":[]},
 {"version":"go1.21.13","stable":true,"files":[]},
 {"version":"go1","stable":true,"files":[]}
]"#;

    #[test]
    fn versions_resolve_as_users_write_them() {
        let r = parse(INDEX.as_bytes()).unwrap();
        assert_eq!(resolve(&r, "latest").unwrap().version, "go1.22.10");
        assert_eq!(resolve(&r, "1.22").unwrap().version, "go1.22.10");
        assert_eq!(resolve(&r, "go1.22.9").unwrap().version, "go1.22.9");
        assert_eq!(resolve(&r, "1.21.13").unwrap().version, "go1.21.13");
        assert_eq!(resolve(&r, "1.23rc1").unwrap().version, "go1.23rc1");
        assert!(resolve(&r, "1.23").is_err(), "an rc is not a 1.23 release");
        assert!(resolve(&r, "1.20.1")
            .unwrap_err()
            .contains("no release go1.20.1"));
        assert!(resolve(&r, "banana")
            .unwrap_err()
            .contains("not a Go version"));
    }

    #[test]
    fn archives_and_checksums() {
        let r = parse(INDEX.as_bytes()).unwrap();
        let rel = resolve(&r, "1.22.10").unwrap();
        let f = archive_for(rel, "linux", "amd64").unwrap();
        assert_eq!(f.filename, "go1.22.10.linux-amd64.tar.gz");
        assert_eq!(
            f.sha256().unwrap(),
            "736ce492a19d756a92719a6121226087ccd91b652ed5caec40ad6dbfb2252092"
        );
        assert!(archive_for(rel, "linux", "arm").unwrap().sha256().is_none());
        assert_eq!(
            archive_for(rel, "windows", "amd64").unwrap().filename,
            "go1.22.10.windows-amd64.zip"
        );
        assert!(archive_for(rel, "darwin", "arm64").is_none());
    }

    #[test]
    fn bad_indexes_are_refused() {
        assert!(parse(b"<html>")
            .unwrap_err()
            .contains("not a go.dev/dl JSON"));
        let evil =
            r#"[{"version":"go1.22.0","files":[{"filename":"../x.tar.gz","kind":"archive"}]}]"#;
        assert!(parse(evil.as_bytes()).is_err());
    }
}
