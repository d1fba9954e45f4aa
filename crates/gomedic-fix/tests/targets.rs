//! What the journal does with targets that are not plain files of the user's: devices and
//! FIFOs are refused untouched, hard links and other owners are written in place, plain
//! files are replaced atomically; undo restores each exactly.

#![cfg(unix)]

use gomedic_fix::{Change, EntryState, Error, Journal, NodeKind, Plan, WriteMode};
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

fn plan(path: &Path, before: Option<&[u8]>, after: Option<&[u8]>) -> Plan {
    Plan {
        fix_id: "env set".into(),
        description: "go env -w".into(),
        changes: vec![Change::file(
            path,
            before.map(<[u8]>::to_vec),
            after.map(<[u8]>::to_vec),
            vec![],
        )],
        recheck: vec![],
    }
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// Runs `f` on a thread and fails the test if it does not finish in time (a FIFO that
/// blocks would otherwise hang the suite).
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what} blocked for 20 s"))
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// A character device to aim at: a fresh null device node when root may make one, else
/// /dev/null itself (a user other than root cannot replace anything in /dev anyway).
fn char_device(dir: &Path) -> (PathBuf, u64) {
    if is_root() {
        let p = dir.join("null-device");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        let r = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        if r == 0 {
            let rdev = std::fs::metadata(&p).unwrap().rdev();
            return (p, rdev);
        }
    }
    let p = PathBuf::from("/dev/null");
    let m = std::fs::metadata(&p).unwrap();
    assert!(m.file_type().is_char_device());
    (p, m.rdev())
}

#[test]
fn a_character_device_is_refused_and_stays_a_device() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let (dev, rdev) = char_device(d.path());
    // As the go env file: empty before (a null device reads empty), a key after.
    let e = j
        .apply(plan(
            &dev,
            Some(b""),
            Some(b"GOPROXY=https://proxy.example\n"),
        ))
        .unwrap_err();
    match &e {
        Error::NotAFile { kind, .. } => assert_eq!(*kind, NodeKind::CharDevice),
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains(&dev.display().to_string())
            && msg.contains("a character device, not a regular file")
            && msg.contains("will not write"),
        "{msg}"
    );
    let m = std::fs::symlink_metadata(&dev).unwrap();
    assert!(m.file_type().is_char_device(), "still a device");
    assert_eq!(m.rdev(), rdev);
    assert!(j.list().unwrap().entries.is_empty(), "nothing journaled");
    assert!(matches!(
        gomedic_fix::write_mode(&dev),
        Err(Error::NotAFile { .. })
    ));
    // Reading a null device for a check is fine: it is empty, as go reads it.
    assert_eq!(gomedic_fix::read_bounded(&dev, 1 << 20).unwrap(), b"");
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("env");
    mkfifo(&fifo);
    let link = d.path().join("link-to-fifo");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let data = d.path().join("data");
    let (f2, d2) = (fifo.clone(), data.clone());
    let e = within("apply to a FIFO", move || {
        Journal::new(&d2)
            .apply(plan(&f2, None, Some(b"A=1\n")))
            .unwrap_err()
    });
    assert!(
        matches!(
            &e,
            Error::NotAFile {
                kind: NodeKind::Fifo,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("a FIFO (named pipe)"), "{e}");
    let l2 = link.clone();
    let e = within("read through a link to a FIFO", move || {
        gomedic_fix::read_file(&l2).unwrap_err()
    });
    let msg = e.to_string();
    assert!(
        msg.contains("link-to-fifo") && msg.contains(&format!("a link to {}", fifo.display())),
        "names the link and its target: {msg}"
    );
    let f3 = fifo.clone();
    let e = within("bounded read of a FIFO", move || {
        gomedic_fix::read_bounded(&f3, 1 << 20).unwrap_err()
    });
    assert!(e.to_string().contains("would block"), "{e}");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(Journal::new(&data).list().unwrap().entries.is_empty());
}

#[test]
fn a_hard_linked_file_is_written_in_place_and_undone_in_place() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let a = d.path().join("env");
    let b = d.path().join("env-other-link");
    std::fs::write(&a, "A=1\n").unwrap();
    std::fs::hard_link(&a, &b).unwrap();
    let ino = std::fs::metadata(&a).unwrap().ino();
    assert!(
        matches!(gomedic_fix::write_mode(&a), Ok(WriteMode::InPlace(why)) if why.contains("2 hard links"))
    );
    let e = j
        .apply(plan(&a, Some(b"A=1\n"), Some(b"A=2\nB=3\n")))
        .unwrap();
    for p in [&a, &b] {
        assert_eq!(std::fs::read(p).unwrap(), b"A=2\nB=3\n", "{}", p.display());
        let m = std::fs::metadata(p).unwrap();
        assert_eq!((m.ino(), m.nlink()), (ino, 2), "{}", p.display());
    }
    j.undo(&e.id, false).unwrap();
    for p in [&a, &b] {
        assert_eq!(std::fs::read(p).unwrap(), b"A=1\n", "{}", p.display());
        assert_eq!(std::fs::metadata(p).unwrap().nlink(), 2);
    }
    // No temp file left behind.
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("gomedic-tmp")),
        "{names:?}"
    );
}

#[test]
fn a_file_of_another_owner_keeps_owner_and_mode() {
    if !is_root() {
        eprintln!("skipped: needs root to give a file to another user");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let f = d.path().join("env");
    std::fs::write(&f, "A=1\n").unwrap();
    std::os::unix::fs::chown(&f, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let ino = std::fs::metadata(&f).unwrap().ino();
    assert!(
        matches!(gomedic_fix::write_mode(&f), Ok(WriteMode::InPlace(why)) if why.contains("uid 65534"))
    );
    let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
    let m = std::fs::metadata(&f).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"A=2\n");
    assert_eq!(
        (m.uid(), m.gid(), m.mode() & 0o7777, m.ino()),
        (65534, 65534, 0o640, ino)
    );
    j.undo(&e.id, false).unwrap();
    let m = std::fs::metadata(&f).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
    assert_eq!(
        (m.uid(), m.gid(), m.mode() & 0o7777, m.ino()),
        (65534, 65534, 0o640, ino)
    );
}

#[test]
fn a_plain_file_is_replaced_atomically_keeping_mode_and_group() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let f = d.path().join("env");
    std::fs::write(&f, "A=1\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    if is_root() {
        // A group other than root's: kept through the rename.
        std::os::unix::fs::chown(&f, None, Some(65534)).unwrap();
    }
    let before = std::fs::metadata(&f).unwrap();
    assert_eq!(gomedic_fix::write_mode(&f).unwrap(), WriteMode::Replace);
    let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
    let m = std::fs::metadata(&f).unwrap();
    assert_ne!(m.ino(), before.ino(), "replaced by a rename");
    assert_eq!(
        (m.mode() & 0o7777, m.uid(), m.gid()),
        (0o640, before.uid(), before.gid())
    );
    j.undo(&e.id, false).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
    assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o7777, 0o640);
}

#[test]
fn leftover_temp_files_of_dead_runs_are_removed() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let f = d.path().join("env");
    std::fs::write(&f, "A=1\n").unwrap();
    // A pid that has exited (and, moments later, is not reused).
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let leftover = d.path().join(format!(".env.gomedic-tmp-{dead}"));
    std::fs::write(&leftover, "half").unwrap();
    // pid 1 is alive: its temp file may be in use and must stay.
    let live = d.path().join(".env.gomedic-tmp-1");
    std::fs::write(&live, "in use").unwrap();
    j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
    assert!(!leftover.exists(), "leftover of a dead run removed");
    assert!(live.exists(), "a live process's temp file is kept");
    assert_eq!(std::fs::read(&f).unwrap(), b"A=2\n");
}

#[test]
fn journal_entries_are_private_and_new_files_get_the_usual_mode() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let f = d.path().join("new/env");
    let e = j.apply(plan(&f, None, Some(b"A=1\n"))).unwrap();
    let entry = j.dir().join(format!("{}.json", e.id));
    assert_eq!(std::fs::metadata(&entry).unwrap().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(j.dir()).unwrap().mode() & 0o777, 0o700);
    // As `go env -w` creates it: 0666 less the umask (0644 with the usual 022).
    let mode = std::fs::metadata(&f).unwrap().mode() & 0o777;
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        });
    match umask {
        Some(u) => assert_eq!(mode, 0o666 & !u, "{mode:o} with umask {u:o}"),
        None => assert_eq!(mode & 0o644, 0o644, "{mode:o}"),
    }
    assert_eq!(j.list().unwrap().entries[0].state, EntryState::Applied);
}

#[test]
fn undo_refuses_when_the_file_became_a_fifo() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let f = d.path().join("env");
    std::fs::write(&f, "A=1\n").unwrap();
    let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
    std::fs::remove_file(&f).unwrap();
    mkfifo(&f);
    let data = d.path().join("data");
    let id = e.id.clone();
    let err = within("undo onto a FIFO", move || {
        Journal::new(&data).undo(&id, true).unwrap_err()
    });
    assert!(matches!(err, Error::NotAFile { .. }), "{err:?}");
    assert!(std::fs::symlink_metadata(&f).unwrap().file_type().is_fifo());
    // The entry can still be undone once the file is back.
    std::fs::remove_file(&f).unwrap();
    std::fs::write(&f, "A=2\n").unwrap();
    j.undo(&e.id, false).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
}

#[test]
fn undo_of_a_created_file_does_not_delete_a_fifo_in_its_place() {
    let d = tempfile::tempdir().unwrap();
    let j = Journal::new(&d.path().join("data"));
    let f = d.path().join("env");
    let e = j.apply(plan(&f, None, Some(b"A=1\n"))).unwrap();
    std::fs::remove_file(&f).unwrap();
    mkfifo(&f);
    let err = j.undo(&e.id, true).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotAFile {
                kind: NodeKind::Fifo,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(std::fs::symlink_metadata(&f).unwrap().file_type().is_fifo());
}
