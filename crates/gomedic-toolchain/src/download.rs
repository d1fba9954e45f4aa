//! Streamed, resumable downloads checked against a SHA-256 while they stream: the file is
//! complete and verified before anyone extracts it.

use crate::extract::hex;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// One GET. `from > 0` asks for the bytes from that offset (`Range`); a server may still
/// answer 200 with the whole file.
pub trait Http {
    fn get(&self, url: &str, from: u64) -> Result<Response, HttpError>;
}

pub struct Response {
    /// 200 or 206 (the client follows redirects and turns other statuses into errors).
    pub status: u16,
    /// Length of this body, when the server said.
    pub len: Option<u64>,
    pub body: Box<dyn Read + Send>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// 404 or 410.
    NotFound(String),
    Other(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::NotFound(m) | HttpError::Other(m) => f.write_str(m),
        }
    }
}

/// Progress of one download; the CLI draws a bar, tests and pipes get nothing.
pub trait Progress {
    fn start(&self, _name: &str, _total: u64, _done: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

pub struct NoProgress;
impl Progress for NoProgress {}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("checksum mismatch for {file} from {url}: got sha256 {got}, the index says {want}; the download was deleted and nothing was installed (a mirror or a proxy on the way changed the file)")]
    Mismatch {
        file: String,
        url: String,
        got: String,
        want: String,
    },
    #[error("{file} is {got} bytes from {url}, the index says {want}: the download was deleted and nothing was installed")]
    WrongSize {
        file: String,
        url: String,
        got: u64,
        want: u64,
    },
    #[error("could not download {file}:\n{}\nthe {kept} bytes received are kept in {partial}; run the same command again to resume", attempts.join("\n"))]
    Failed {
        file: String,
        attempts: Vec<String>,
        kept: u64,
        partial: PathBuf,
    },
    #[error("writing {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// What to fetch and what it must hash to.
pub struct Want<'a> {
    pub file: &'a str,
    pub sha256: &'a str,
    /// From the index; 0 when unknown.
    pub size: u64,
}

/// Downloads `want` from the first of `urls` that works into `dest` (through
/// `dest.partial`, resumed when it exists), checking size and SHA-256. Returns the URL it
/// came from (`None`: `dest` was already there and verified, e.g. after an install
/// killed while extracting).
pub fn download(
    http: &dyn Http,
    urls: &[String],
    want: &Want<'_>,
    dest: &Path,
    progress: &dyn Progress,
) -> Result<Option<String>, DownloadError> {
    if let Ok((n, sum)) = crate::extract::sha256_file(dest) {
        if (want.size == 0 || n == want.size) && sum.eq_ignore_ascii_case(want.sha256) {
            return Ok(None);
        }
        let _ = fs::remove_file(dest);
    }
    let partial = PathBuf::from(format!("{}.partial", dest.display()));
    let io_err = |source| DownloadError::Io {
        path: partial.clone(),
        source,
    };
    let mut attempts = Vec::new();
    for url in urls {
        let mut f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&partial)
            .map_err(io_err)?;
        let mut have = f.metadata().map_err(io_err)?.len();
        if want.size > 0 && have > want.size {
            have = 0;
        }
        let mut hash = Sha256::new();
        if have > 0 {
            // Re-hash what an earlier attempt left, then continue after it.
            let mut r = io::BufReader::new(&mut f).take(have);
            io::copy(&mut r, &mut HashSink(&mut hash)).map_err(io_err)?;
        }
        let done = want.size > 0 && have == want.size;
        if !done {
            let resp = match http.get(url, have) {
                Ok(r) => r,
                Err(e) => {
                    attempts.push(format!("  {url}: {e}"));
                    continue;
                }
            };
            if resp.status != 206 && have > 0 {
                // The server sent the whole file: start over.
                have = 0;
                hash = Sha256::new();
            }
            f.set_len(have).map_err(io_err)?;
            f.seek(io::SeekFrom::Start(have)).map_err(io_err)?;
            progress.start(want.file, want.size, have);
            let mut body = resp.body;
            let mut buf = vec![0u8; 256 << 10];
            let mut cut = None;
            loop {
                match body.read(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => {
                        f.write_all(&buf[..k]).map_err(io_err)?;
                        hash.update(&buf[..k]);
                        have += k as u64;
                        progress.advance(k as u64);
                        if want.size > 0 && have > want.size {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        cut = Some(e);
                        break;
                    }
                }
            }
            progress.finish();
            f.sync_all().map_err(io_err)?;
            if let Some(e) = cut {
                attempts.push(format!("  {url}: cut off after {have} bytes: {e}"));
                continue;
            }
            if want.size > 0 && have < want.size {
                attempts.push(format!(
                    "  {url}: the connection ended after {have} of {} bytes",
                    want.size
                ));
                continue;
            }
        }
        drop(f);
        if want.size > 0 && have != want.size {
            let _ = fs::remove_file(&partial);
            return Err(DownloadError::WrongSize {
                file: want.file.into(),
                url: url.clone(),
                got: have,
                want: want.size,
            });
        }
        let got = hex(&hash.finalize());
        if !got.eq_ignore_ascii_case(want.sha256) {
            let _ = fs::remove_file(&partial);
            return Err(DownloadError::Mismatch {
                file: want.file.into(),
                url: url.clone(),
                got,
                want: want.sha256.to_ascii_lowercase(),
            });
        }
        fs::rename(&partial, dest).map_err(|source| DownloadError::Io {
            path: dest.to_path_buf(),
            source,
        })?;
        return Ok(Some(url.clone()));
    }
    let kept = fs::metadata(&partial).map(|m| m.len()).unwrap_or(0);
    Err(DownloadError::Failed {
        file: want.file.into(),
        attempts,
        kept,
        partial,
    })
}

struct HashSink<'a>(&'a mut Sha256);
impl Write for HashSink<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.update(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Serves `data`; each call takes the next behaviour from `script` (then "ok").
    struct Fake {
        data: Vec<u8>,
        script: Mutex<Vec<&'static str>>,
        seen: Mutex<Vec<u64>>,
    }

    impl Http for Fake {
        fn get(&self, _url: &str, from: u64) -> Result<Response, HttpError> {
            self.seen.lock().unwrap().push(from);
            let step = self.script.lock().unwrap().pop().unwrap_or("ok");
            let (status, body): (u16, Vec<u8>) = match step {
                "down" => return Err(HttpError::Other("connection refused".into())),
                "cut" => (200, self.data[..self.data.len() / 3].to_vec()),
                "full" => (200, self.data.clone()),
                _ if from > 0 => (206, self.data[from as usize..].to_vec()),
                _ => (200, self.data.clone()),
            };
            Ok(Response {
                status,
                len: Some(body.len() as u64),
                body: Box::new(io::Cursor::new(body)),
            })
        }
    }

    fn sha(d: &[u8]) -> String {
        hex(&Sha256::digest(d))
    }

    fn run(
        script: Vec<&'static str>,
        sha_of: &[u8],
        urls: usize,
    ) -> (
        Result<Option<String>, DownloadError>,
        Vec<u64>,
        tempfile::TempDir,
    ) {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 253) as u8).collect();
        let fake = Fake {
            data: data.clone(),
            script: Mutex::new(script.into_iter().rev().collect()),
            seen: Mutex::default(),
        };
        let d = tempfile::tempdir().unwrap();
        let sum = sha(sha_of);
        let want = Want {
            file: "go.tar.gz",
            sha256: &sum,
            size: data.len() as u64,
        };
        let urls: Vec<String> = (0..urls)
            .map(|i| format!("http://m{i}/go.tar.gz"))
            .collect();
        let r = download(
            &fake,
            &urls,
            &want,
            &d.path().join("go.tar.gz"),
            &NoProgress,
        );
        let seen = fake.seen.lock().unwrap().clone();
        (r, seen, d)
    }

    fn data() -> Vec<u8> {
        (0..1_000_000u32).map(|i| (i % 253) as u8).collect()
    }

    #[test]
    fn mirrors_in_order_and_resume_after_a_cut() {
        let (r, seen, d) = run(vec!["down", "cut", "ok"], &data(), 3);
        assert_eq!(
            r.unwrap().as_deref(),
            Some("http://m2/go.tar.gz"),
            "the mirror it came from"
        );
        assert_eq!(
            seen,
            vec![0, 0, 333_333],
            "second mirror cut; third resumed"
        );
        assert_eq!(fs::read(d.path().join("go.tar.gz")).unwrap(), data());
        assert!(!d.path().join("go.tar.gz.partial").exists());
    }

    #[test]
    fn a_cut_keeps_the_partial_and_the_next_run_resumes() {
        let (r, _, d) = run(vec!["cut"], &data(), 1);
        let e = r.unwrap_err();
        assert!(
            e.to_string()
                .contains("run the same command again to resume"),
            "{e}"
        );
        assert_eq!(
            fs::metadata(d.path().join("go.tar.gz.partial"))
                .unwrap()
                .len(),
            333_333
        );
    }

    #[test]
    fn a_server_ignoring_range_starts_over() {
        let (r, seen, d) = run(vec!["cut", "full"], &data(), 2);
        r.unwrap();
        assert_eq!(seen, vec![0, 333_333]);
        assert_eq!(fs::read(d.path().join("go.tar.gz")).unwrap(), data());
    }

    #[test]
    fn a_mismatch_deletes_everything() {
        let (r, _, d) = run(vec![], b"something else", 2);
        let e = r.unwrap_err();
        assert!(matches!(e, DownloadError::Mismatch { .. }), "{e}");
        assert!(e.to_string().contains("nothing was installed"));
        assert!(!d.path().join("go.tar.gz").exists());
        assert!(!d.path().join("go.tar.gz.partial").exists());
    }
}
