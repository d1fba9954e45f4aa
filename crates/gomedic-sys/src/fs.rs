//! Filesystem probes used by the directory checks: does it exist, can we write, how
//! much room is left. Read-only in effect: the writability probe removes what it made.

use std::io;
use std::path::{Path, PathBuf};

/// The state of a directory Go wants to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirProbe {
    pub path: PathBuf,
    pub exists: bool,
    /// Exists but is a file (or something else that is not a directory).
    pub not_a_dir: bool,
    /// The directory that was actually probed: `path`, or its nearest existing ancestor
    /// when `path` does not exist yet (Go creates it on first use).
    pub probed: Option<PathBuf>,
    /// A file could be created (and removed) in `probed`.
    pub writable: Result<(), String>,
    /// Bytes available to this user on the filesystem holding `probed`.
    pub free_bytes: Option<u64>,
    /// Who owns `probed` and who gomedic runs as (Unix uids; `None` elsewhere), so a
    /// directory left by `sudo go ...` can be told from one made read-only.
    pub owner_uid: Option<u32>,
    pub process_uid: Option<u32>,
    /// The filesystem holding `probed` is mounted read-only: only moving the directory helps.
    pub read_only_fs: bool,
}

/// Probes `path`; never fails, every problem is recorded in the result.
pub fn probe_dir(path: &Path) -> DirProbe {
    let meta = std::fs::metadata(path);
    let exists = meta.is_ok();
    let not_a_dir = meta.as_ref().map(|m| !m.is_dir()).unwrap_or(false);
    let probed = if exists && !not_a_dir {
        Some(path.to_path_buf())
    } else {
        nearest_existing_dir(path)
    };
    let writable = match &probed {
        Some(p) if !not_a_dir => probe_writable(p).map_err(|e| format!("{}: {e}", p.display())),
        Some(_) => Err(format!("{} exists and is not a directory", path.display())),
        None => Err(format!(
            "no existing parent directory of {}",
            path.display()
        )),
    };
    let free_bytes = probed.as_deref().and_then(|p| free_space(p).ok());
    let (owner_uid, process_uid, read_only_fs) = ownership(probed.as_deref());
    DirProbe {
        path: path.to_path_buf(),
        exists,
        not_a_dir,
        probed,
        writable,
        free_bytes,
        owner_uid,
        process_uid,
        read_only_fs,
    }
}

#[cfg(unix)]
fn ownership(p: Option<&Path>) -> (Option<u32>, Option<u32>, bool) {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let Some(p) = p else {
        return (None, Some(unsafe { libc::geteuid() }), false);
    };
    let owner = std::fs::metadata(p).ok().map(|m| m.uid());
    let ro = std::ffi::CString::new(p.as_os_str().as_bytes())
        .ok()
        .map(|c| {
            let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
            let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
            #[allow(clippy::unnecessary_cast)]
            let rdonly = st.f_flag as u64 & libc::ST_RDONLY as u64 != 0;
            rc == 0 && rdonly
        })
        .unwrap_or(false);
    (owner, Some(unsafe { libc::geteuid() }), ro)
}

#[cfg(not(unix))]
fn ownership(_: Option<&Path>) -> (Option<u32>, Option<u32>, bool) {
    (None, None, false)
}

fn nearest_existing_dir(path: &Path) -> Option<PathBuf> {
    let mut cur = path.parent();
    while let Some(p) = cur {
        if p.as_os_str().is_empty() {
            return None;
        }
        if p.is_dir() {
            return Some(p.to_path_buf());
        }
        cur = p.parent();
    }
    None
}

/// Creates and removes a uniquely named file in `dir`.
pub fn probe_writable(dir: &Path) -> io::Result<()> {
    let name = format!(".gomedic-write-probe-{}-{:x}", std::process::id(), nanos());
    let p = dir.join(name);
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&p)?;
    drop(f);
    std::fs::remove_file(&p)
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Bytes available to an unprivileged user on the filesystem holding `path`.
#[cfg(unix)]
pub fn free_space(path: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::other("path contains NUL"))?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(clippy::unnecessary_cast)]
    Ok(st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(windows)]
pub fn free_space(path: &Path) -> io::Result<u64> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain(Some(0)).collect();
    let mut avail = 0u64;
    let ok = unsafe {
        GetDiskFreeSpaceExW(
            wide.as_ptr(),
            &mut avail,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(avail)
}

#[cfg(not(any(unix, windows)))]
pub fn free_space(_path: &Path) -> io::Result<u64> {
    Err(io::Error::other(
        "free space is not available on this platform",
    ))
}

/// Reads a regular file of at most `max` bytes. Anything else is refused before it is
/// opened, with a message saying why: a directory, a FIFO, a socket or a device (reading
/// `/dev/zero` never ends, a FIFO blocks), or a file larger than `max` (also when it
/// grows while being read).
pub fn read_regular_file(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let (f, len) = open_regular_file(path, max)?;
    let mut buf = Vec::with_capacity(len as usize);
    f.take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Err(too_big(buf.len() as u64, max));
    }
    Ok(buf)
}

fn too_big(n: u64, max: u64) -> io::Error {
    io::Error::other(format!(
        "is {n} bytes, larger than the {max} bytes gomedic reads"
    ))
}

/// Opens `path` if it is a regular file of at most `max` bytes (checked before the open
/// and again on what was opened); returns the file and its length.
fn open_regular_file(path: &Path, max: u64) -> io::Result<(std::fs::File, u64)> {
    let meta = std::fs::metadata(path)?;
    let not_regular = |m: &std::fs::Metadata| {
        io::Error::other(if m.is_dir() {
            "is a directory".to_string()
        } else {
            "is not a regular file (a device, FIFO or socket)".to_string()
        })
    };
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    if meta.len() > max {
        return Err(too_big(meta.len(), max));
    }
    let f = std::fs::File::open(path)?;
    // Replaced between the check and the open: check what was opened.
    let opened = f.metadata()?;
    if !opened.is_file() {
        return Err(not_regular(&opened));
    }
    if opened.len() > max {
        return Err(too_big(opened.len(), max));
    }
    Ok((f, opened.len()))
}

/// A regular file's bytes: memory-mapped read-only on Unix (no copy, pages come straight
/// from the page cache), read into memory elsewhere and for empty files.
pub struct FileBytes {
    #[cfg(unix)]
    map: Option<(*mut libc::c_void, usize)>,
    buf: Vec<u8>,
}

// The mapping is private, read-only and owned: sharing it between threads is sharing a &[u8].
unsafe impl Send for FileBytes {}
unsafe impl Sync for FileBytes {}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        #[cfg(unix)]
        if let Some((p, n)) = self.map {
            // SAFETY: p is a live PROT_READ mapping of n bytes until Drop.
            return unsafe { std::slice::from_raw_parts(p as *const u8, n) };
        }
        &self.buf
    }
}

impl Drop for FileBytes {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some((p, n)) = self.map.take() {
            // SAFETY: p/n come from a successful mmap and are unmapped once.
            unsafe { libc::munmap(p, n) };
        }
    }
}

/// Like [`read_regular_file`], but maps the file instead of copying it where it can.
/// A mapped file that another program truncates meanwhile faults (SIGBUS) on Unix: the
/// process then ends with a message naming the cause and exit code 3, never a crash.
pub fn map_regular_file(path: &Path, max: u64) -> io::Result<FileBytes> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let (f, len) = open_regular_file(path, max)?;
        sigbus_guard();
        if len > 0 && len <= usize::MAX as u64 {
            let n = len as usize;
            // SAFETY: a fresh private read-only mapping of an open regular file.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    n,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    f.as_raw_fd(),
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                return Ok(FileBytes {
                    map: Some((p, n)),
                    buf: Vec::new(),
                });
            }
        }
        drop(f);
        Ok(FileBytes {
            map: None,
            buf: read_regular_file(path, max)?,
        })
    }
    #[cfg(not(unix))]
    Ok(FileBytes {
        buf: read_regular_file(path, max)?,
    })
}

/// Installs, once, a SIGBUS handler that ends the process cleanly: only async-signal-safe
/// calls (write, _exit).
#[cfg(unix)]
fn sigbus_guard() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    extern "C" fn on_sigbus(_: libc::c_int) {
        const MSG: &[u8] = b"gomedic: error: a file changed while gomedic was reading it (another program truncated it); run the command again\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe.
        unsafe {
            libc::write(2, MSG.as_ptr().cast(), MSG.len());
            libc::_exit(3);
        }
    }
    ONCE.call_once(|| {
        // SAFETY: a plain handler for SIGBUS, installed before any mapping is read.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_mapped_file_truncated_meanwhile_ends_the_process_with_code_3() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, vec![7u8; 64 << 10]).unwrap();
        // SAFETY: the child only maps, truncates and reads, then exits.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let m = map_regular_file(&f, 1 << 20).unwrap();
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .open(&f)
                .and_then(|h| h.set_len(0));
            let b = unsafe { std::ptr::read_volatile(&m[60 << 10]) };
            unsafe { libc::_exit(if b == 7 { 0 } else { 1 }) };
        }
        let mut status = 0;
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status), "killed by a signal: {status}");
        assert_eq!(libc::WEXITSTATUS(status), 3);
    }

    #[test]
    fn read_regular_file_refuses_what_is_not_a_small_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, b"12345").unwrap();
        assert_eq!(read_regular_file(&f, 5).unwrap(), b"12345");
        let e = read_regular_file(&f, 4).unwrap_err().to_string();
        assert!(e.contains("larger than the 4 bytes"), "{e}");
        let e = read_regular_file(d.path(), 10).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_regular_file(Path::new("/dev/zero"), 10)
                .unwrap_err()
                .to_string();
            assert!(e.contains("not a regular file"), "{e}");
            let fifo = d.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let e = read_regular_file(&fifo, 10).unwrap_err().to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
        assert!(read_regular_file(&d.path().join("missing"), 10).is_err());
    }

    #[test]
    fn map_regular_file_maps_what_read_regular_file_reads() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&f, &data).unwrap();
        assert_eq!(&*map_regular_file(&f, 100_000).unwrap(), &data[..]);
        let e = map_regular_file(&f, 99_999).err().unwrap().to_string();
        assert!(e.contains("larger than the 99999 bytes"), "{e}");
        let empty = d.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert!(map_regular_file(&empty, 10).unwrap().is_empty());
        let e = map_regular_file(d.path(), 10).err().unwrap().to_string();
        assert!(e.contains("directory"), "{e}");
        #[cfg(unix)]
        {
            let e = map_regular_file(Path::new("/dev/zero"), 10)
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains("not a regular file"), "{e}");
        }
        assert!(map_regular_file(&d.path().join("missing"), 10).is_err());
    }

    #[test]
    fn probes_existing_missing_and_file() {
        let d = tempfile::tempdir().unwrap();
        let p = probe_dir(d.path());
        assert!(p.exists && p.writable.is_ok() && p.free_bytes.unwrap() > 0);
        let missing = d.path().join("a/b/c");
        let p = probe_dir(&missing);
        assert!(!p.exists);
        assert_eq!(p.probed.as_deref(), Some(d.path()));
        assert!(p.writable.is_ok());
        assert!(!missing.exists(), "probing must not create the directory");
        let file = d.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let p = probe_dir(&file);
        assert!(p.not_a_dir && p.writable.is_err());
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            1,
            "probe leaves nothing behind"
        );
    }
}
