//! The journal lock: one gomedic writer at a time.
//!
//! Every command that changes the machine holds it from reading what it changes until it
//! has read the result back, so two gomedic runs never both plan from the same old go env
//! file (one of them would lose the other's key). It is an advisory lock (`flock` on Unix,
//! `LockFileEx` on Windows) on `<journal>/.lock`, released by the operating system when
//! the process ends, even by kill -9. It is re-entrant within a process: a command that
//! holds it can call [`crate::Journal::apply`], which takes it too.

use crate::error::Error;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Held locks of this process, by lock file, with their depth.
static HELD: Mutex<BTreeMap<PathBuf, usize>> = Mutex::new(BTreeMap::new());

/// Holds the journal lock until dropped.
#[derive(Debug)]
pub struct JournalLock {
    path: PathBuf,
    /// The locked file, for the outermost holder only.
    _file: Option<File>,
}

impl Drop for JournalLock {
    fn drop(&mut self) {
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(&self.path) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.path);
            }
        }
        // Dropping the file (outermost holder) releases the OS lock.
    }
}

/// Takes the lock on `path` (created 0600 if missing), waiting for another process that
/// holds it.
pub(crate) fn acquire(path: &Path) -> Result<JournalLock, Error> {
    {
        let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = held.get_mut(path) {
            *n += 1;
            return Ok(JournalLock {
                path: path.to_path_buf(),
                _file: None,
            });
        }
    }
    let shown = || path.display().to_string();
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600)
            .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK);
    }
    let f = o
        .open(path)
        .map_err(|e| Error::io("open the journal lock", shown(), e))?;
    match f.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(_) => {
            return Err(Error::io(
                "lock",
                shown(),
                std::io::Error::other("not a regular file"),
            ))
        }
        Err(e) => return Err(Error::io("lock", shown(), e)),
    }
    os_lock(&f).map_err(|e| Error::io("lock", shown(), e))?;
    HELD.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_path_buf(), 1);
    Ok(JournalLock {
        path: path.to_path_buf(),
        _file: Some(f),
    })
}

#[cfg(unix)]
fn os_lock(f: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    loop {
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(windows)]
fn os_lock(f: &File) -> std::io::Result<()> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{LockFileEx, LOCKFILE_EXCLUSIVE_LOCK};
    use windows_sys::Win32::System::IO::OVERLAPPED;
    let mut ov: OVERLAPPED = unsafe { std::mem::zeroed() };
    // The whole file (any length), exclusive, waiting; released when the handle closes.
    let ok = unsafe {
        LockFileEx(
            f.as_raw_handle() as _,
            LOCKFILE_EXCLUSIVE_LOCK,
            0,
            u32::MAX,
            u32::MAX,
            &mut ov,
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn os_lock(_f: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reentrant_in_a_process() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(".lock");
        let a = acquire(&p).unwrap();
        let b = acquire(&p).unwrap();
        drop(b);
        assert_eq!(HELD.lock().unwrap().get(&p), Some(&1));
        drop(a);
        assert!(!HELD.lock().unwrap().contains_key(&p));
        // Free again.
        drop(acquire(&p).unwrap());
    }

    /// Another open file description (as another process has) waits for the holder.
    #[cfg(unix)]
    #[test]
    fn excludes_other_holders() {
        use std::os::unix::io::AsRawFd;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(".lock");
        let held = acquire(&p).unwrap();
        let other = File::open(&p).unwrap();
        let r = unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(r, -1, "the lock is held");
        drop(held);
        let r = unsafe { libc::flock(other.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        assert_eq!(r, 0, "released on drop");
    }
}
