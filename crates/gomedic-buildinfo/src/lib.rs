//! The Go build information of an executable (what `go version -m` prints), read from the
//! file without running it: ELF (32/64-bit, either byte order), PE (32/64) and Mach-O
//! (32/64, and the first architecture of a fat file, as go does).
//!
//! Follows go's `debug/buildinfo` and `runtime/debug.ParseBuildInfo`: the same blob lookup
//! (the `.go.buildinfo` / `__go_buildinfo` section or the first writable data section or
//! segment), both header formats (inline strings since Go 1.18, pointers before), and the
//! same text rules. Only headers and the searched data range are read, by position, in a
//! few blocks.

mod exe;
mod parse;
mod source;

use serde::Serialize;
use source::{ReadAt, Source};
use std::borrow::Cow;
use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

pub use parse::quote;

/// `runtime/debug.BuildInfo`. Serializes like `go version -m -json` (empty fields omitted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildInfo {
    /// As stored: `go1.22.10`, `go1.22.3 X:rangefunc`, `devel go1.21-41f485b9a7 ...`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub go_version: String,
    /// The main package (`command-line-arguments` for `go build x.go`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// None without a `mod` line (GOPATH mode, `go build x.go`).
    #[serde(serialize_with = "main_or_empty")]
    pub main: Option<Module>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<Module>,
    /// In the order go wrote them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
}

fn main_or_empty<S: serde::Serializer>(m: &Option<Module>, s: S) -> Result<S::Ok, S::Error> {
    m.clone().unwrap_or_default().serialize(s)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Module {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// `(devel)` when unknown.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sum: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<Box<Module>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Setting {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub value: String,
}

/// The Go version string split up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoVersion {
    /// `go1.22.10`, `go1.21rc2`; for a devel build the word after `devel` (`go1.21-41f485b9a7`).
    pub release: String,
    /// A development build (`devel ...`).
    pub devel: bool,
    /// `X:` experiments (`rangefunc`, `boringcrypto`), in order.
    pub experiments: Vec<String>,
    /// (major, minor, patch) when the release names one; patch 0 for `go1.21rc2`.
    pub numbers: Option<(u32, u32, u32)>,
}

impl GoVersion {
    pub fn parse(s: &str) -> GoVersion {
        let mut words = s.split(' ').filter(|w| !w.is_empty()).peekable();
        let devel = words.peek() == Some(&"devel");
        if devel {
            words.next();
        }
        let release = words.next().unwrap_or_default().to_string();
        let experiments = words
            .filter_map(|w| w.strip_prefix("X:"))
            .flat_map(|w| w.split(','))
            .map(str::to_string)
            .collect();
        let numbers = release.strip_prefix("go").and_then(|v| {
            // go1.22.10, go1.21rc2, go1.21-41f485b9a7
            let end = v
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(v.len());
            let mut it = v[..end].split('.').map(|p| p.parse::<u32>().ok());
            Some((
                it.next()??,
                it.next().flatten()?,
                it.next().flatten().unwrap_or(0),
            ))
        });
        GoVersion {
            release,
            devel,
            experiments,
            numbers,
        }
    }
}

impl BuildInfo {
    /// The value of a build setting (`GOOS`, `GOARCH`, `CGO_ENABLED`, `-trimpath`, `vcs.revision`...).
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.value.as_str())
    }

    pub fn go(&self) -> GoVersion {
        GoVersion::parse(&self.go_version)
    }

    /// `BuildInfo.String()` without the `go` line: what `go version -m` indents.
    pub fn module_text(&self) -> String {
        parse::render(self, false)
    }

    /// Exactly what `go version -m FILE` prints for it on stdout.
    pub fn render_version_m(&self, file: &str) -> String {
        let mut out = String::new();
        self.write_version_m(file, &mut out);
        out
    }

    /// [`Self::render_version_m`] appended to `out` (one buffer for many files).
    pub fn write_version_m(&self, file: &str, out: &mut String) {
        for p in [file, ": ", &self.go_version, "\n"] {
            out.push_str(p);
        }
        parse::render_into(out, self, false, "\t");
    }

    /// go's `ParseBuildInfo` on module info text (the version is not part of it).
    pub fn parse_text(text: &str) -> Result<BuildInfo, String> {
        parse::parse(text)
            .map_err(|(line, e)| format!("could not parse Go build info: line {line}: {e}"))
    }
}

/// Why a file's build info could not be read. Messages are go's, after `FILE: `.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Opening or reading the file failed.
    #[error("could not read Go build info: open {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not a format go reads (a script, a text file) or broken headers.
    #[error("could not read Go build info from {}: unrecognized file format", path.display())]
    UnrecognizedFormat { path: PathBuf },
    /// The blob was found but its text breaks go's rules.
    #[error("could not read Go build info from {}: {message}", path.display())]
    Malformed { path: PathBuf, message: String },
}

impl Error {
    pub fn path(&self) -> &Path {
        match self {
            Error::Io { path, .. }
            | Error::UnrecognizedFormat { path }
            | Error::Malformed { path, .. } => path,
        }
    }
}

/// Opens `path` for reading without blocking: a FIFO named as a tool (or a tool's path
/// replaced by one) would otherwise hang `open` until a writer came, and a doctor must not
/// hang (go does, in `go version -m`). Reads of regular files are not affected; a FIFO's
/// positional read then fails at once (ESPIPE).
fn open(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK);
    }
    o.open(path)
}

/// The build info of the executable at `path`: None when it is a valid executable without
/// Go build info (go: "not a Go executable").
pub fn read(path: &Path) -> Result<Option<BuildInfo>, Error> {
    let file = open(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    read_source(&Source::new(file), path)
}

/// Like [`read`] from any seekable reader (bytes in memory, synthetic images); `path`
/// only names it in errors.
pub fn read_from<R: Read + Seek>(r: R, path: &Path) -> Result<Option<BuildInfo>, Error> {
    read_source(&Source::new(source::Seeker(RefCell::new(r))), path)
}

fn read_source<R: ReadAt>(src: &Source<R>, path: &Path) -> Result<Option<BuildInfo>, Error> {
    let Some((vers, modinfo)) = raw_source(src, path)? else {
        return Ok(None);
    };
    let mut bi = parse::parse(&modinfo).map_err(|e| malformed(path, e))?;
    bi.go_version = vers.into_owned();
    Ok(Some(bi))
}

/// What `go version -m FILE` prints for the executable at `path` (named `label`),
/// appended to `out`: Ok(false), with nothing appended, when it is a valid executable
/// without Go build info. Equal to [`BuildInfo::write_version_m`] after [`read`], but a
/// file costs no allocation (issue #16: 50 files in a fifth of go's time).
pub fn write_version_m_of(path: &Path, label: &str, out: &mut String) -> Result<bool, Error> {
    let file = open(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    let src = Source::new(file);
    let Some((vers, modinfo)) = raw_source(&src, path)? else {
        return Ok(false);
    };
    let mark = out.len();
    for p in [label, ": ", &vers, "\n"] {
        out.push_str(p);
    }
    parse::write_parsed(out, &modinfo, "\t").map_err(|e| {
        out.truncate(mark);
        malformed(path, e)
    })?;
    Ok(true)
}

fn malformed(path: &Path, (line, e): (usize, String)) -> Error {
    Error::Malformed {
        path: path.into(),
        message: format!("could not parse Go build info: line {line}: {e}"),
    }
}

/// (Go version, module text), borrowed from the blocks read when valid UTF-8.
type Raw<'a> = (Cow<'a, str>, Cow<'a, str>);

/// (version, module text) as the blob holds them; None: not a Go executable.
fn raw_source<'a, R: ReadAt>(src: &'a Source<R>, path: &Path) -> Result<Option<Raw<'a>>, Error> {
    let layout = match exe::parse(src) {
        exe::Parsed::Layout(l) => l,
        exe::Parsed::Unrecognized => return Err(Error::UnrecognizedFormat { path: path.into() }),
    };
    match (Reader { src, layout }).raw() {
        Ok(r) => Ok(r),
        Err(Fail::Unrecognized) => Err(Error::UnrecognizedFormat { path: path.into() }),
        Err(Fail::Io(source)) => Err(Error::Io {
            path: path.into(),
            source,
        }),
    }
}

enum Fail {
    Unrecognized,
    Io(std::io::Error),
}

const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const ALIGN: u64 = 16;
const HEADER: u64 = 32;
/// go searches the data in chunks of this size...
const CHUNK: u64 = 1 << 20;
/// ...which are read in pieces: the blob is usually at the start of the data.
const PIECE: u64 = 64 << 10;

struct Reader<'a, R> {
    src: &'a Source<R>,
    layout: exe::Layout,
}

impl<'a, R: ReadAt> Reader<'a, R> {
    /// Up to `size` bytes at `addr`, stopping at the end of its range (go's readData)
    /// and of the file.
    fn read_data(&self, addr: u64, size: u64) -> Result<&'a [u8], Fail> {
        let (off, remaining) = self.layout.locate(addr).ok_or(Fail::Unrecognized)?;
        self.src.upto(off, size.min(remaining)).map_err(Fail::Io)
    }

    /// (version, module text without sentinels); None: not a Go executable.
    /// The text is borrowed from the blocks read when it is valid UTF-8.
    fn raw(&self) -> Result<Option<Raw<'a>>, Fail> {
        let (start, size) = self.layout.data;
        if size == 0 {
            return Ok(None);
        }
        let Some(addr) = self.search(start, size)? else {
            return Ok(None);
        };
        let header = self.read_data(addr, HEADER)?;
        if header.len() < HEADER as usize {
            return Ok(None);
        }
        let flags = header[15];
        let (vers, modinfo) = if flags & 2 != 0 {
            let Some((v, next)) = self.decode_string(addr + HEADER)? else {
                return Ok(None);
            };
            let Some((m, _)) = self.decode_string(next)? else {
                return Ok(None);
            };
            (v, m)
        } else {
            // Before Go 1.18: pointers to Go string headers (data pointer, length).
            let ptr = header[14] as usize;
            let big = flags & 1 != 0;
            if ptr != 4 && ptr != 8 {
                return Ok(None);
            }
            let rd = |b: &[u8]| -> u64 {
                let mut v = [0u8; 8];
                if big {
                    v[8 - ptr..].copy_from_slice(&b[..ptr]);
                    u64::from_be_bytes(v)
                } else {
                    v[..ptr].copy_from_slice(&b[..ptr]);
                    u64::from_le_bytes(v)
                }
            };
            let (vp, mp) = (rd(&header[16..]), rd(&header[16 + ptr..]));
            let string_at = |a: u64| -> &[u8] {
                let Ok(h) = self.read_data(a, 2 * ptr as u64) else {
                    return &[];
                };
                if h.len() < 2 * ptr {
                    return &[];
                }
                let (d, n) = (rd(h), rd(&h[ptr..]));
                match self.read_data(d, n) {
                    Ok(b) if b.len() as u64 == n => b,
                    _ => &[],
                }
            };
            (string_at(vp), string_at(mp))
        };
        if vers.is_empty() {
            return Ok(None);
        }
        // The module text is framed by 16-byte sentinels; without them there is none.
        let modinfo = if modinfo.len() >= 33 && modinfo[modinfo.len() - 17] == b'\n' {
            &modinfo[16..modinfo.len() - 16]
        } else {
            &[][..]
        };
        Ok(Some((
            String::from_utf8_lossy(vers),
            String::from_utf8_lossy(modinfo),
        )))
    }

    /// A uvarint length and that many bytes: (bytes, address after them).
    fn decode_string(&self, addr: u64) -> Result<Option<(&'a [u8], u64)>, Fail> {
        let b = self.read_data(addr, 10)?;
        let Some((len, n)) = uvarint(b) else {
            return Ok(None);
        };
        let at = addr.wrapping_add(n as u64);
        let s = self.read_data(at, len)?;
        if (s.len() as u64) < len {
            return Ok(None);
        }
        Ok(Some((s, at.wrapping_add(len))))
    }

    /// The first 16-aligned magic in [start, start+size), searched 1 MiB at a time.
    fn search(&self, start: u64, size: u64) -> Result<Option<u64>, Fail> {
        let end = start.checked_add(size).ok_or(Fail::Unrecognized)?;
        let mut at = match start.checked_add(ALIGN - 1) {
            Some(s) => s & !(ALIGN - 1),
            None => return Ok(None),
        };
        while at < end {
            let remaining = end - at;
            let chunk = CHUNK.min(remaining);
            let (off, in_range) = self.layout.locate(at).ok_or(Fail::Unrecognized)?;
            let avail = chunk.min(in_range);
            let mut done = 0;
            while done < avail {
                let piece = self
                    .src
                    .upto(off + done, PIECE.min(avail - done))
                    .map_err(Fail::Io)?;
                if done == 0 && piece.is_empty() {
                    return Ok(None);
                }
                // Aligned (PIECE and `at` are multiples of 16), so a match never straddles two.
                let mut i = 0;
                while i + MAGIC.len() <= piece.len() {
                    if &piece[i..i + MAGIC.len()] == MAGIC {
                        let i = done + i as u64;
                        if remaining - i < HEADER {
                            return Ok(None);
                        }
                        return Ok(Some(at + i));
                    }
                    i += ALIGN as usize;
                }
                if (piece.len() as u64) < PIECE.min(avail - done) {
                    break; // the end of the file
                }
                done += piece.len() as u64;
            }
            // Like go, a short read (data shorter in the file than in memory) moves on
            // by a whole chunk: an unmapped address then means a broken file.
            at += chunk;
        }
        Ok(None)
    }
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, &c) in b.iter().enumerate().take(10) {
        if c < 0x80 {
            if i == 9 && c > 1 {
                return None; // overflow
            }
            return Some((x | u64::from(c) << (7 * i), i + 1));
        }
        x |= u64::from(c & 0x7f) << (7 * i);
    }
    None
}
