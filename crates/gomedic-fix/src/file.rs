//! Reading and writing the files gomedic changes without damaging what is not a plain
//! file of the user's: devices, FIFOs and sockets are refused; hard-linked files and files
//! of another owner are rewritten in place (as `go env -w` does); every other file is
//! replaced atomically (temp file + rename).

use crate::error::Error;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// What a path leads to, after symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    File,
    Directory,
    Fifo,
    CharDevice,
    BlockDevice,
    Socket,
    Other,
}

impl NodeKind {
    pub fn of(m: &Metadata) -> NodeKind {
        let t = m.file_type();
        if t.is_file() {
            return NodeKind::File;
        }
        if t.is_dir() {
            return NodeKind::Directory;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileTypeExt;
            if t.is_fifo() {
                return NodeKind::Fifo;
            }
            if t.is_char_device() {
                return NodeKind::CharDevice;
            }
            if t.is_block_device() {
                return NodeKind::BlockDevice;
            }
            if t.is_socket() {
                return NodeKind::Socket;
            }
        }
        NodeKind::Other
    }

    /// With its article: "a FIFO (named pipe)".
    pub fn describe(self) -> &'static str {
        match self {
            NodeKind::File => "a regular file",
            NodeKind::Directory => "a directory",
            NodeKind::Fifo => "a FIFO (named pipe)",
            NodeKind::CharDevice => "a character device",
            NodeKind::BlockDevice => "a block device",
            NodeKind::Socket => "a socket",
            NodeKind::Other => "a special file",
        }
    }
}

/// How gomedic writes an existing or new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteMode {
    /// Does not exist yet: created through a temp file and a rename.
    Create,
    /// Temp file + rename: a reader sees the old or the new bytes, never a mix.
    Replace,
    /// Rewritten in place (not atomic; the journal keeps the old bytes): the inode, its
    /// other hard links, owner, group and mode stay. The reason says why.
    InPlace(String),
}

/// Follows symbolic links to the path that is actually read and written (which may not
/// exist yet). Links are kept, as `go env -w` keeps them.
pub fn resolve(path: &Path) -> Result<PathBuf, Error> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let t = std::fs::read_link(&p)
                    .map_err(|e| Error::io("read the link", p.display(), e))?;
                p = if t.is_absolute() {
                    t
                } else {
                    p.parent().unwrap_or(Path::new(".")).join(t)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::io(
        "follow",
        path.display(),
        io::Error::other("too many levels of symbolic links"),
    ))
}

fn not_a_file(path: &Path, resolved: &Path, m: &Metadata) -> Error {
    Error::NotAFile {
        path: path.to_path_buf(),
        link_target: (resolved != path).then(|| resolved.to_path_buf()),
        kind: NodeKind::of(m),
        hint: "replace it with a regular file, or point the setting that names it at one".into(),
    }
}

/// Opens for reading without ever waiting: a FIFO or terminal swapped in after the type
/// check must not hang gomedic.
fn open_read(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    o.open(path)
}

/// The exact bytes of a file gomedic may change, or `None` if it does not exist. Anything
/// but a regular file is refused without reading (a FIFO would block, a device has no
/// contents to restore).
pub fn read_file(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    let resolved = resolve(path)?;
    let meta = match std::fs::metadata(&resolved) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("read", path.display(), e)),
    };
    if !meta.is_file() {
        return Err(not_a_file(path, &resolved, &meta));
    }
    let mut f = open_read(&resolved).map_err(|e| Error::io("read", path.display(), e))?;
    let m = f
        .metadata()
        .map_err(|e| Error::io("read", path.display(), e))?;
    if !m.is_file() {
        return Err(not_a_file(path, &resolved, &m));
    }
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)
        .map_err(|e| Error::io("read", path.display(), e))?;
    Ok(Some(buf))
}

/// Reads at most `max` bytes of a file someone else wrote (the go env file, `go.env`,
/// a `Zone.Identifier` stream) without ever blocking: FIFOs and sockets are refused,
/// devices are read without waiting (`/dev/null` reads as empty, as go reads it).
pub fn read_bounded(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    match NodeKind::of(&meta) {
        NodeKind::Directory => return Err(io::Error::other("is a directory")),
        k @ (NodeKind::Fifo | NodeKind::Socket) => {
            return Err(io::Error::other(format!(
                "is {}, not a regular file: reading it would block",
                k.describe()
            )))
        }
        _ => {}
    }
    let too_big = |n: u64| {
        io::Error::other(format!(
            "is {n} bytes, larger than the {max} bytes gomedic reads"
        ))
    };
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    let f = open_read(path)?;
    if matches!(
        NodeKind::of(&f.metadata()?),
        NodeKind::Fifo | NodeKind::Socket
    ) {
        return Err(io::Error::other(
            "is not a regular file: reading it would block",
        ));
    }
    let mut buf = Vec::new();
    match f.take(max + 1).read_to_end(&mut buf) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            return Err(io::Error::other(
                "is a device with no data to read now (reading it would block)",
            ))
        }
        r => r?,
    };
    if buf.len() as u64 > max {
        return Err(too_big(buf.len() as u64));
    }
    Ok(buf)
}

/// How `path` would be written now (after symbolic links), or why it is refused.
pub fn write_mode(path: &Path) -> Result<WriteMode, Error> {
    let resolved = resolve(path)?;
    match std::fs::metadata(&resolved) {
        Ok(m) => mode_for(path, &resolved, &m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(WriteMode::Create),
        Err(e) => Err(Error::io("inspect", path.display(), e)),
    }
}

fn mode_for(path: &Path, resolved: &Path, m: &Metadata) -> Result<WriteMode, Error> {
    if !m.is_file() {
        return Err(not_a_file(path, resolved, m));
    }
    if m.permissions().readonly() {
        return Err(Error::ReadOnly {
            path: path.to_path_buf(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // A rename would give the name a new inode: the other links keep the old bytes.
        if m.nlink() > 1 {
            return Ok(WriteMode::InPlace(format!(
                "it has {} hard links",
                m.nlink()
            )));
        }
        // A new file would belong to whoever runs gomedic (root under sudo).
        let me = unsafe { libc::geteuid() };
        if m.uid() != me {
            return Ok(WriteMode::InPlace(format!(
                "it belongs to uid {}, not to uid {me} running gomedic",
                m.uid()
            )));
        }
    }
    Ok(WriteMode::Replace)
}

/// Writes `content` to `path` (through symbolic links), or deletes it for `None`.
pub(crate) fn write_file(path: &Path, content: Option<&[u8]>) -> Result<(), Error> {
    let resolved = resolve(path)?;
    let shown = &path.display().to_string();
    let Some(data) = content else {
        // Only a file gomedic created is deleted; whatever replaced it is not.
        if let Ok(m) = std::fs::metadata(&resolved) {
            if !m.is_file() {
                return Err(not_a_file(path, &resolved, &m));
            }
        }
        return match std::fs::remove_file(&resolved) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io("delete", shown, e)),
            _ => Ok(()),
        };
    };
    let meta = match std::fs::metadata(&resolved) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("inspect", shown, e)),
    };
    let mode = match &meta {
        Some(m) => mode_for(path, &resolved, m)?,
        None => WriteMode::Create,
    };
    match mode {
        WriteMode::Create => {
            if let Some(parent) = resolved.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io("create the directory of", shown, e))?;
            }
            write_atomic(&resolved, data, Like::NewFile)
                .map_err(|e| Error::io("write", shown, e))?;
        }
        WriteMode::Replace => {
            let m = meta.as_ref().expect("replace needs metadata");
            match write_atomic(&resolved, data, Like::Existing(m)) {
                Ok(Written::Done) => {}
                // Keeping the file's group, or a directory gomedic may not create files
                // in (go writes in place there), needs a write in place.
                Ok(Written::GroupNotKept | Written::DirNotWritable) => {
                    write_in_place(&resolved, data, m).map_err(|e| Error::io("write", shown, e))?
                }
                Err(e) => return Err(Error::io("write", shown, e)),
            }
        }
        WriteMode::InPlace(_) => {
            let m = meta.as_ref().expect("in place needs metadata");
            write_in_place(&resolved, data, m).map_err(|e| Error::io("write", shown, e))?;
        }
    }
    Ok(())
}

/// Truncates and rewrites the file itself, fsynced. On a failure midway the old bytes are
/// written back, so a refused write leaves the file as it was.
fn write_in_place(path: &Path, data: &[u8], checked: &Metadata) -> io::Result<()> {
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let mut f = o.open(path)?;
    let now = f.metadata()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if !now.is_file() || (now.dev(), now.ino()) != (checked.dev(), checked.ino()) {
            return Err(io::Error::other(
                "it was replaced while gomedic was writing it",
            ));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = checked;
        if !now.is_file() {
            return Err(io::Error::other(
                "it was replaced while gomedic was writing it",
            ));
        }
    }
    let mut old = Vec::new();
    f.read_to_end(&mut old)?;
    let put = |f: &mut File, bytes: &[u8]| -> io::Result<()> {
        f.rewind()?;
        f.write_all(bytes)?;
        // Truncate after writing: a crash midway leaves old bytes at the end, not nothing.
        f.set_len(bytes.len() as u64)?;
        f.sync_all()
    };
    if let Err(e) = put(&mut f, data) {
        let _ = put(&mut f, &old);
        return Err(e);
    }
    Ok(())
}

/// Whose permissions the new file gets.
pub(crate) enum Like<'a> {
    /// The file it replaces: same mode, and group if gomedic may set it.
    Existing(&'a Metadata),
    /// A file that did not exist: what the go command would create (0666 less umask).
    NewFile,
    /// Private to the user (journal entries hold file contents): 0600.
    Private,
}

pub(crate) enum Written {
    Done,
    /// The replaced file's group cannot be given to the new one; nothing was changed.
    #[cfg_attr(not(unix), allow(dead_code))]
    GroupNotKept,
    /// No temp file may be created next to it; nothing was changed.
    DirNotWritable,
}

fn tmp_prefix(name: &str) -> String {
    format!(".{name}.gomedic-tmp-")
}

/// Writes via a temp file in the same directory, created 0600 (never readable by others,
/// even for a moment), fsynced, then renamed over `path`, and the directory fsynced. The
/// temp file is removed on failure; after a kill -9 at the wrong moment a leftover
/// `.NAME.gomedic-tmp-PID` is removed by the next write of the same file.
pub(crate) fn write_atomic(path: &Path, data: &[u8], like: Like) -> io::Result<Written> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_leftovers(dir, Some(&tmp_prefix(&name)));
    let tmp = dir.join(format!("{}{}", tmp_prefix(&name), std::process::id()));
    let mut f = match create_private(&tmp) {
        // Ours by name: left by a dead process that had our pid.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(&tmp)?;
            create_private(&tmp)?
        }
        Err(e)
            if e.kind() == io::ErrorKind::PermissionDenied && matches!(like, Like::Existing(_)) =>
        {
            return Ok(Written::DirNotWritable)
        }
        r => r?,
    };
    let res = (|| {
        f.write_all(data)?;
        match like {
            Like::Existing(m) => {
                f.set_permissions(m.permissions())?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    if f.metadata()?.gid() != m.gid()
                        && std::os::unix::fs::fchown(&f, None, Some(m.gid())).is_err()
                    {
                        return Ok(Written::GroupNotKept);
                    }
                }
            }
            Like::NewFile => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    f.set_permissions(std::fs::Permissions::from_mode(0o666 & !umask()))?;
                }
            }
            Like::Private => {}
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable (a journal entry must survive a crash).
        #[cfg(unix)]
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(Written::Done)
    })();
    drop(f);
    if !matches!(res, Ok(Written::Done)) {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

fn create_private(p: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(p)
}

/// The process umask, read without changing it (the `umask` call sets it, which races
/// with other threads creating files).
#[cfg(unix)]
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Removes the temp files killed gomedic runs left next to `path` (after symbolic links):
/// `.NAME.gomedic-tmp-PID` of processes that are gone. Run before planning a change of
/// `path`, so a leftover never outlives the next run that touches it.
pub fn clean_leftovers(path: &Path) {
    let Ok(resolved) = resolve(path) else {
        return;
    };
    let dir = resolved
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Some(name) = resolved.file_name() {
        remove_leftovers(dir, Some(&tmp_prefix(&name.to_string_lossy())));
    }
}

/// Removes temp files a killed gomedic left in `dir` (those starting with `prefix`, or
/// any gomedic temp file): only regular files of this user whose process is gone, so a
/// concurrent gomedic's temp file is never touched. Unix only: elsewhere they stay.
pub(crate) fn remove_leftovers(dir: &Path, prefix: Option<&str>) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let me = std::process::id();
        for ent in rd.flatten() {
            let name = ent.file_name().to_string_lossy().into_owned();
            let Some((_, pid)) = name.rsplit_once(".gomedic-tmp-") else {
                continue;
            };
            if !name.starts_with('.') || prefix.is_some_and(|p| !name.starts_with(p)) {
                continue;
            }
            let Ok(pid) = pid.parse::<u32>() else {
                continue;
            };
            if pid == me || pid == 0 || process_alive(pid) {
                continue;
            }
            match ent.path().symlink_metadata() {
                Ok(m) if m.is_file() && m.uid() == unsafe { libc::geteuid() } => {
                    let _ = std::fs::remove_file(ent.path());
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, prefix);
}

/// Removes the private temporary directories (`<prefix><pid>-...`, e.g. the copies of the
/// go env file `env set` lets go work on) that killed gomedic runs left in `dir`: only
/// directories of this user whose process is gone. Unix only.
pub fn remove_dead_temp_dirs(dir: &Path, prefix: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let me = std::process::id();
        for ent in rd.flatten() {
            let name = ent.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(prefix) else {
                continue;
            };
            let Some(Ok(pid)) = rest.split('-').next().map(str::parse::<u32>) else {
                continue;
            };
            if pid == me || pid == 0 || process_alive(pid) {
                continue;
            }
            match ent.path().symlink_metadata() {
                Ok(m) if m.is_dir() && m.uid() == unsafe { libc::geteuid() } => {
                    let _ = std::fs::remove_dir_all(ent.path());
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, prefix);
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // Only "no such process" counts as gone; EPERM means it exists.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}
