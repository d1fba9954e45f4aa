//! golang.org/x/mod/zip's `CheckZip`: the rules a module zip must meet before the go
//! command extracts it, with Go's error texts.

use crate::semver;
use gomedic_goenv::gourl::quote;
use gomedic_goenv::modpath::{check_file_path, check_module_path, split_path_version};
use std::collections::HashMap;
use std::io::{Read, Seek};

pub const MAX_ZIP_FILE: u64 = 500 << 20;
pub const MAX_GO_MOD: u64 = 16 << 20;
pub const MAX_LICENSE: u64 = 16 << 20;

/// `zip.CheckedFiles` for a zip: entries kept, entries rejected (name, reason) and a size
/// error.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckedZip {
    pub valid: Vec<String>,
    pub invalid: Vec<(String, String)>,
    pub size_error: Option<String>,
}

impl CheckedZip {
    /// `CheckedFiles.Err`: the size error, else every invalid entry as `name: reason`
    /// lines.
    pub fn err(&self) -> Option<String> {
        if let Some(e) = &self.size_error {
            return Some(e.clone());
        }
        if self.invalid.is_empty() {
            return None;
        }
        let lines: Vec<String> = self
            .invalid
            .iter()
            .map(|(p, e)| format!("{p}: {e}"))
            .collect();
        Some(lines.join("\n"))
    }
}

/// `module.Check(path, version)`.
pub fn check_module_version(path: &str, version: &str) -> Result<(), String> {
    check_module_path(path)?;
    if !semver::is_valid(version) {
        return Err(format!(
            "{path}@{version}: invalid version: not a semantic version"
        ));
    }
    let (_, path_major, _) = split_path_version(path);
    check_path_major(version, path_major)
        .map_err(|e| format!("{path}@{version}: invalid version: {e}"))
}

/// `module.CheckPathMajor`'s reason.
fn check_path_major(v: &str, path_major: &str) -> Result<(), String> {
    let mut pm = path_major;
    if pm.starts_with(".v") {
        pm = pm.strip_suffix("-unstable").unwrap_or(pm);
    }
    if v.starts_with("v0.0.0-") && pm == ".v1" {
        return Ok(());
    }
    let m = semver::major(v);
    let want = if pm.is_empty() {
        if m == "v0" || m == "v1" || semver::build(v) == "+incompatible" {
            return Ok(());
        }
        "v0 or v1"
    } else {
        if &pm[1..] == m {
            return Ok(());
        }
        &pm[1..]
    };
    Err(format!("should be {want}, not {m}"))
}

/// `zip.CheckZip(m, zipFile)`. An `Err` is a failure before entries are looked at (bad
/// module version, oversized or unreadable zip); entry problems are in `CheckedZip`.
pub fn check_zip<R: Read + Seek>(
    path: &str,
    version: &str,
    r: R,
    zip_size: u64,
) -> Result<CheckedZip, String> {
    let canon = semver::canonical_module_version(version);
    if canon != version {
        return Err(format!(
            "version {} is not canonical (should be {})",
            quote(version.as_bytes()),
            quote(canon.as_bytes())
        ));
    }
    check_module_version(path, version)?;
    if zip_size > MAX_ZIP_FILE {
        return Ok(CheckedZip {
            size_error: Some(format!(
                "module zip file is too large ({zip_size} bytes; limit is {MAX_ZIP_FILE} bytes)"
            )),
            ..Default::default()
        });
    }
    let mut z = zip::ZipArchive::new(r).map_err(|e| format!("zip: {e}"))?;
    let prefix = format!("{path}@{version}/");
    let mut cf = CheckedZip::default();
    let mut collisions = HashMap::new();
    let mut size: u64 = 0;
    for i in 0..z.len() {
        let zf = z.by_index_raw(i).map_err(|e| format!("zip: {e}"))?;
        // Go keeps names as raw bytes; invalid UTF-8 then fails CheckFilePath.
        let full = String::from_utf8_lossy(zf.name_raw()).into_owned();
        let utf8 = std::str::from_utf8(zf.name_raw()).is_ok();
        let sz = zf.size();
        let mut add = |e: String| cf.invalid.push((full.clone(), e));
        let Some(name) = full.strip_prefix(&prefix) else {
            add(format!(
                "path does not have prefix {}",
                quote(prefix.as_bytes())
            ));
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let is_dir = name.ends_with('/');
        let name = name.strip_suffix('/').unwrap_or(name);
        if clean(name) != name {
            add("file path is not clean".into());
            continue;
        }
        if !utf8 {
            add(format!(
                "malformed file path {}: invalid UTF-8",
                quote(name.as_bytes())
            ));
            continue;
        }
        if let Err(e) = check_file_path(name) {
            add(e);
            continue;
        }
        if let Err(e) = check_collision(&mut collisions, name, is_dir) {
            add(e);
            continue;
        }
        if is_dir {
            continue;
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        if base.eq_ignore_ascii_case("go.mod") {
            if base != name {
                add("go.mod file not in module root directory".into());
                continue;
            }
            if name != "go.mod" {
                add("go.mod files must have lowercase names".into());
                continue;
            }
        }
        if MAX_ZIP_FILE - size >= sz {
            size += sz;
        } else if cf.size_error.is_none() {
            cf.size_error = Some(format!(
                "total uncompressed size of module contents too large (max size is {MAX_ZIP_FILE} bytes)"
            ));
        }
        if name == "go.mod" && sz > MAX_GO_MOD {
            add(format!(
                "go.mod file too large (max size is {MAX_GO_MOD} bytes)"
            ));
            continue;
        }
        if name == "LICENSE" && sz > MAX_LICENSE {
            add(format!(
                "LICENSE file too large (max size is {MAX_LICENSE} bytes)"
            ));
            continue;
        }
        cf.valid.push(full);
    }
    Ok(cf)
}

/// What the go command checks of a downloaded zip before extracting it: cmd/go's own
/// pass over the names (`zip for path@version has unexpected file NAME`), then
/// `CheckZip`'s rules. The first failure, as go reports it (without go's file path).
pub fn check_download<R: Read + Seek>(
    path: &str,
    version: &str,
    mut r: R,
    zip_size: u64,
) -> Result<CheckedZip, String> {
    {
        let mut z = zip::ZipArchive::new(&mut r).map_err(|e| format!("zip: {e}"))?;
        let prefix = format!("{path}@{version}/");
        for i in 0..z.len() {
            let zf = z.by_index_raw(i).map_err(|e| format!("zip: {e}"))?;
            if !zf.name_raw().starts_with(prefix.as_bytes()) {
                return Err(format!(
                    "zip for {path}@{version} has unexpected file {}",
                    String::from_utf8_lossy(zf.name_raw())
                ));
            }
        }
    }
    r.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| e.to_string())?;
    let cz = check_zip(path, version, r, zip_size)?;
    match cz.err() {
        Some(e) => Err(e),
        None => Ok(cz),
    }
}

/// zip's `collisionChecker.check`: no two entries equal under case folding, no entry both
/// a file and a directory, no file twice; parents count as directories.
fn check_collision(
    seen: &mut HashMap<String, (String, bool)>,
    p: &str,
    is_dir: bool,
) -> Result<(), String> {
    let fold = str_to_fold(p);
    if let Some((other, other_dir)) = seen.get(&fold) {
        if p != other {
            return Err(format!(
                "case-insensitive file name collision: {} and {}",
                quote(other.as_bytes()),
                quote(p.as_bytes())
            ));
        }
        if is_dir != *other_dir {
            return Err(format!(
                "entry {} is both a file and a directory",
                quote(p.as_bytes())
            ));
        }
        if !is_dir {
            return Err(format!("multiple entries for file {}", quote(p.as_bytes())));
        }
    } else {
        seen.insert(fold, (p.to_string(), is_dir));
    }
    match p.rfind('/') {
        Some(i) => check_collision(seen, &p[..i], true),
        None => Ok(()),
    }
}

/// Approximates Go's `strToFold` (smallest rune of the `unicode.SimpleFold` orbit): the
/// same result for ASCII; other letters fold through their single-char lower/upper case.
fn str_to_fold(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut best = c;
            for cand in [single(c.to_lowercase()), single(c.to_uppercase())]
                .into_iter()
                .flatten()
            {
                best = best.min(cand);
                if let Some(l) = single(cand.to_lowercase()) {
                    best = best.min(l);
                }
            }
            if best.is_ascii_uppercase() {
                best.to_ascii_lowercase()
            } else {
                best
            }
        })
        .collect()
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for elem in p.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(&e) if e != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            e => out.push(e),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        for (a, b) in [
            ("a/b", "a/b"),
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("/..", "/"),
            ("", "."),
            ("a/", "a"),
        ] {
            assert_eq!(clean(a), b, "{a}");
        }
    }

    #[test]
    fn folds() {
        assert_eq!(str_to_fold("Go.MOD"), "go.mod");
        assert_eq!(str_to_fold("É"), str_to_fold("é"));
    }
}
