//! Archive extraction that accepts only what a Go distribution contains: regular files
//! and directories under one top directory. Links, devices, absolute paths, `..`,
//! backslashes and `:` (an NTFS stream name) are refused, so nothing lands outside the
//! destination. Every file's SHA-256 is recorded for later tamper checks.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    TarGz,
    Zip,
}

impl Format {
    pub fn from_name(name: &str) -> Option<Format> {
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Format::TarGz)
        } else if name.ends_with(".zip") {
            Some(Format::Zip)
        } else {
            None
        }
    }
}

/// What was extracted: file path (relative, `/`-separated) → (size, SHA-256 hex).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub files: BTreeMap<String, (u64, String)>,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{archive}: entry {entry:?} {why}: refusing the archive")]
    Unsafe {
        archive: PathBuf,
        entry: String,
        why: String,
    },
    #[error("{archive}: {why}")]
    Corrupt { archive: PathBuf, why: String },
    #[error("writing {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// Checks an entry name and returns the path below `strip` (None: the top directory).
pub fn safe_rel(name: &str, strip: &str) -> Result<Option<String>, String> {
    if name.contains('\\') {
        return Err("has a backslash".into());
    }
    if name.contains('\0') || name.contains(':') {
        return Err("has a character no Go distribution uses (NUL or ':')".into());
    }
    if name.starts_with('/') {
        return Err("is an absolute path".into());
    }
    let trimmed = name.trim_end_matches('/');
    if trimmed
        .split('/')
        .any(|c| c == ".." || c == "." || c.is_empty())
    {
        return Err("has a '..', '.' or empty path element".into());
    }
    let Some(rest) = name.strip_prefix(strip) else {
        if format!("{trimmed}/") == strip {
            return Ok(None);
        }
        return Err(format!("is outside the archive's top directory {strip:?}"));
    };
    let rest = rest.trim_end_matches('/');
    Ok((!rest.is_empty()).then(|| rest.to_string()))
}

/// Extracts `archive` into `dest` (created; must not exist), keeping what is below
/// `strip` (e.g. `go/`).
pub fn extract(
    archive: &Path,
    format: Format,
    strip: &str,
    dest: &Path,
) -> Result<Extracted, ExtractError> {
    fs::create_dir(dest).map_err(|source| ExtractError::Write {
        path: dest.to_path_buf(),
        source,
    })?;
    let corrupt = |why: String| ExtractError::Corrupt {
        archive: archive.to_path_buf(),
        why,
    };
    let f = fs::File::open(archive).map_err(|e| corrupt(e.to_string()))?;
    let mut out = Extracted::default();
    let mut w = Writer {
        archive,
        strip,
        dest,
        out: &mut out,
    };
    match format {
        Format::TarGz => {
            let gz = flate2::read::GzDecoder::new(BufReader::with_capacity(256 << 10, f));
            let mut ar = tar::Archive::new(gz);
            let entries = ar.entries().map_err(|e| corrupt(e.to_string()))?;
            for e in entries {
                let mut e = e.map_err(|e| corrupt(format!("not a valid .tar.gz: {e}")))?;
                let name = String::from_utf8(e.path_bytes().into_owned())
                    .map_err(|_| corrupt("an entry name is not UTF-8".into()))?;
                let mode = e.header().mode().unwrap_or(0o644);
                match e.header().entry_type() {
                    tar::EntryType::Regular | tar::EntryType::Continuous => {
                        w.file(&name, mode, &mut e)?
                    }
                    tar::EntryType::Directory => w.dir(&name)?,
                    tar::EntryType::XGlobalHeader => {}
                    t => {
                        return Err(w.unsafe_entry(
                            &name,
                            &format!("is a {t:?} entry, not a regular file or directory"),
                        ))
                    }
                }
            }
        }
        Format::Zip => {
            let mut z = zip::ZipArchive::new(BufReader::new(f))
                .map_err(|e| corrupt(format!("not a valid .zip: {e}")))?;
            for i in 0..z.len() {
                let mut e = z
                    .by_index(i)
                    .map_err(|e| corrupt(format!("not a valid .zip: {e}")))?;
                let name = e.name().to_string();
                let mode = e.unix_mode();
                // S_IFMT: anything but a regular file or a directory (links above all).
                if let Some(m) = mode {
                    let kind = m & 0o170000;
                    if kind != 0 && kind != 0o100000 && kind != 0o040000 {
                        return Err(w.unsafe_entry(&name, "is a link or special file"));
                    }
                }
                if e.is_dir() {
                    w.dir(&name)?;
                } else {
                    w.file(&name, mode.unwrap_or(0o644), &mut e)?;
                }
            }
        }
    }
    Ok(out)
}

struct Writer<'a> {
    archive: &'a Path,
    strip: &'a str,
    dest: &'a Path,
    out: &'a mut Extracted,
}

impl Writer<'_> {
    fn unsafe_entry(&self, entry: &str, why: &str) -> ExtractError {
        ExtractError::Unsafe {
            archive: self.archive.to_path_buf(),
            entry: entry.to_string(),
            why: why.to_string(),
        }
    }

    fn rel(&self, name: &str) -> Result<Option<String>, ExtractError> {
        safe_rel(name, self.strip).map_err(|why| self.unsafe_entry(name, &why))
    }

    fn dir(&mut self, name: &str) -> Result<(), ExtractError> {
        if let Some(rel) = self.rel(name)? {
            let p = self.dest.join(&rel);
            fs::create_dir_all(&p).map_err(|source| ExtractError::Write { path: p, source })?;
        }
        Ok(())
    }

    fn file(&mut self, name: &str, mode: u32, r: &mut dyn Read) -> Result<(), ExtractError> {
        let Some(rel) = self.rel(name)? else {
            return Err(self.unsafe_entry(name, "is the top directory but not a directory"));
        };
        let p = self.dest.join(&rel);
        let werr = |source| ExtractError::Write {
            path: p.clone(),
            source,
        };
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(werr)?;
        }
        // create_new: a second entry with the same name is refused, never overwrites.
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
            .map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    self.unsafe_entry(name, "appears twice")
                } else {
                    werr(e)
                }
            })?;
        let mut hw = HashWriter {
            inner: io::BufWriter::with_capacity(256 << 10, f),
            hash: Sha256::new(),
            n: 0,
        };
        io::copy(r, &mut hw).map_err(|e| {
            if e.kind() == io::ErrorKind::InvalidData || e.kind() == io::ErrorKind::UnexpectedEof {
                ExtractError::Corrupt {
                    archive: self.archive.to_path_buf(),
                    why: format!("{name}: {e}"),
                }
            } else {
                werr(e)
            }
        })?;
        let f = hw.inner.into_inner().map_err(|e| werr(e.into_error()))?;
        set_mode(&f, mode).map_err(werr)?;
        self.out.bytes += hw.n;
        self.out.files.insert(rel, (hw.n, hex(&hw.hash.finalize())));
        Ok(())
    }
}

struct HashWriter<W> {
    inner: W,
    hash: Sha256,
    n: u64,
}

impl<W: Write> Write for HashWriter<W> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let k = self.inner.write(b)?;
        self.hash.update(&b[..k]);
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(unix)]
fn set_mode(f: &fs::File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // Only permission bits; never setuid/setgid/sticky from an archive.
    let m = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
    f.set_permissions(fs::Permissions::from_mode(m))
}

#[cfg(not(unix))]
fn set_mode(_: &fs::File, _: u32) -> io::Result<()> {
    Ok(())
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(p: &Path) -> io::Result<(u64, String)> {
    let mut f = fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex(&h.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        assert_eq!(
            safe_rel("go/bin/go", "go/").unwrap().as_deref(),
            Some("bin/go")
        );
        assert_eq!(safe_rel("go/", "go/").unwrap(), None);
        assert_eq!(safe_rel("go", "go/").unwrap(), None);
        assert_eq!(safe_rel("go/src/", "go/").unwrap().as_deref(), Some("src"));
        for bad in [
            "/etc/passwd",
            "go/../x",
            "go/a/../../x",
            "../go/x",
            "go\\bin\\go.exe",
            "go/bin/go.exe:Zone.Identifier",
            "C:/x",
            "go//x",
            "go/./x",
            "other/x",
        ] {
            assert!(safe_rel(bad, "go/").is_err(), "{bad}");
        }
    }

    fn tar_with(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (name, t, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*t);
            h.set_size(data.len() as u64);
            h.set_mode(0o755);
            if *t == tar::EntryType::Symlink {
                h.set_size(0);
                b.append_link(&mut h, name, "/etc/passwd").unwrap();
                continue;
            }
            // set_path refuses `..`; write the raw name as a hostile archive would.
            let raw = name.as_bytes();
            h.as_old_mut().name[..raw.len()].copy_from_slice(raw);
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn tar_extracts_files_and_refuses_links_and_escapes() {
        let d = tempfile::tempdir().unwrap();
        let ok = tar_with(&[
            ("go/", tar::EntryType::Directory, b""),
            ("go/bin/go", tar::EntryType::Regular, b"#!go"),
            ("go/VERSION", tar::EntryType::Regular, b"go1.22.10\n"),
        ]);
        let a = d.path().join("ok.tar.gz");
        fs::write(&a, ok).unwrap();
        let x = extract(&a, Format::TarGz, "go/", &d.path().join("out")).unwrap();
        assert_eq!(x.files.len(), 2);
        assert_eq!(
            fs::read(d.path().join("out/VERSION")).unwrap(),
            b"go1.22.10\n"
        );
        for (i, bad) in [
            tar_with(&[("go/bin/go", tar::EntryType::Symlink, b"")]),
            tar_with(&[("go/../evil", tar::EntryType::Regular, b"x")]),
            tar_with(&[("go/link", tar::EntryType::Link, b"")]),
            tar_with(&[
                ("go/a", tar::EntryType::Regular, b"1"),
                ("go/a", tar::EntryType::Regular, b"2"),
            ]),
        ]
        .into_iter()
        .enumerate()
        {
            let a = d.path().join(format!("bad{i}.tar.gz"));
            fs::write(&a, bad).unwrap();
            let e = extract(&a, Format::TarGz, "go/", &d.path().join(format!("o{i}"))).unwrap_err();
            assert!(matches!(e, ExtractError::Unsafe { .. }), "{i}: {e}");
            assert!(!d.path().join("evil").exists());
        }
    }

    #[test]
    fn truncated_archive_is_corrupt() {
        let d = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7919 % 251) as u8).collect();
        let t = tar_with(&[("go/big", tar::EntryType::Regular, &data)]);
        let a = d.path().join("cut.tar.gz");
        fs::write(&a, &t[..t.len() / 2]).unwrap();
        let e = extract(&a, Format::TarGz, "go/", &d.path().join("o")).unwrap_err();
        assert!(matches!(e, ExtractError::Corrupt { .. }), "{e}");
    }
}
