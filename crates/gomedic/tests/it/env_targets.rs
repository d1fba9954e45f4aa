//! `gomedic env set` and `undo` with GOENV pointing at what is not a plain file of the
//! user's: a character device, a FIFO, a hard link, a file of another user. Nothing is
//! damaged; what gomedic writes, the real go reads back.

use crate::harness::*;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SET: &str = "GOPROXY=https://proxy.example.com,direct";

/// A test environment whose GOENV is `goenv`, with go reading GOPROXY from the file.
fn env_with(goenv: &Path) -> TestEnv {
    let mut t = TestEnv::with_go("1.27.3");
    t.unset("GOPROXY");
    t.set("GOENV", goenv.display().to_string());
    t
}

/// Runs gomedic with its journal under the test dir; fails if it runs longer than
/// 90 s (a read of a FIFO would block forever).
fn gm(t: &TestEnv, args: &[&str]) -> Output {
    let out = t.path(&format!("out-{}", args.join("_").replace('/', "_")));
    let (o, e) = (out.with_extension("stdout"), out.with_extension("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args(args)
        .env_clear()
        .envs(&t.env)
        .env("GOMEDIC_DATA_DIR", t.path("data"))
        .current_dir(&t.cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gomedic {args:?} blocked for 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: std::fs::read(o).unwrap(),
        stderr: std::fs::read(e).unwrap(),
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// No journal entry was written (the journal lock file is not an entry).
fn journal_is_empty(t: &TestEnv) -> bool {
    std::fs::read_dir(t.path("data/journal"))
        .map(|rd| {
            rd.flatten()
                .all(|e| !e.file_name().to_string_lossy().ends_with(".json"))
        })
        .unwrap_or(true)
}

/// What go itself reads for GOPROXY.
fn go_reads(t: &TestEnv) -> String {
    let o = Command::new(goroot("1.27.3").join("bin/go"))
        .args(["env", "GOPROXY"])
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn is_root() -> bool {
    let o = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&o.stdout).trim() == "0"
}

/// Runs a setup command (mkfifo, mknod); whether it worked.
fn sh(cmd: &str, args: &[&std::ffi::OsStr]) -> bool {
    Command::new(cmd)
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn goenv_at_a_character_device_is_refused_and_left_a_device() {
    let scratch = tempfile::tempdir().unwrap();
    // Our own null device node as root; otherwise /dev/null, which only root could replace.
    let node = scratch.path().join("null");
    let dev = if is_root()
        && sh(
            "mknod",
            &[node.as_os_str(), "c".as_ref(), "1".as_ref(), "3".as_ref()],
        ) {
        scratch.path().join("null")
    } else {
        PathBuf::from("/dev/null")
    };
    let rdev = std::fs::metadata(&dev).unwrap().rdev();
    let t = env_with(&dev);
    let o = gm(&t, &["env", "set", SET]);
    assert_exit(&o, 2, "refused");
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "GOENV points at a character device {}",
            dev.display()
        )) && err.contains("point GOENV at a regular file")
            && err.contains("nothing was changed"),
        "{err}"
    );
    let m = std::fs::symlink_metadata(&dev).unwrap();
    assert!(
        m.file_type().is_char_device(),
        "{} is still a device",
        dev.display()
    );
    assert_eq!(m.rdev(), rdev);
    assert!(journal_is_empty(&t));
}

#[test]
fn goenv_at_a_fifo_is_refused_without_blocking() {
    let scratch = tempfile::tempdir().unwrap();
    let fifo = scratch.path().join("goenv-fifo");
    assert!(sh("mkfifo", &[fifo.as_os_str()]));
    let link = scratch.path().join("goenv-link");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    for goenv in [&fifo, &link] {
        let t = env_with(goenv);
        let o = gm(&t, &["env", "set", SET]);
        assert_exit(&o, 2, &format!("GOENV={}", goenv.display()));
        let err = stderr(&o);
        assert!(
            err.contains("GOENV points at a FIFO (named pipe)")
                && err.contains(&goenv.display().to_string())
                && err.contains("point GOENV at a regular file"),
            "{err}"
        );
        assert!(std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo());
        assert!(journal_is_empty(&t));
    }
}

#[test]
fn goenv_at_a_hard_link_is_written_in_place_and_undone_for_both_links() {
    let scratch = tempfile::tempdir().unwrap();
    let a = scratch.path().join("env");
    let b = scratch.path().join("env-shared");
    let original = "GOPRIVATE=*.corp.example\r\n# kept\n";
    std::fs::write(&a, original).unwrap();
    std::fs::hard_link(&a, &b).unwrap();
    let ino = std::fs::metadata(&a).unwrap().ino();
    let t = env_with(&a);
    let o = gm(&t, &["env", "set", SET]);
    assert_exit(&o, 0, "env set");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("go reads \"https://proxy.example.com,direct\""),
        "{out}"
    );
    let written = std::fs::read_to_string(&a).unwrap();
    assert!(
        written.contains("GOPROXY=https://proxy.example.com,direct"),
        "{written}"
    );
    assert_eq!(
        std::fs::read_to_string(&b).unwrap(),
        written,
        "the other link sees it"
    );
    for p in [&a, &b] {
        let m = std::fs::metadata(p).unwrap();
        assert_eq!((m.ino(), m.nlink()), (ino, 2), "{}", p.display());
    }
    assert_eq!(go_reads(&t), "https://proxy.example.com,direct");
    let o = gm(&t, &["undo"]);
    assert_exit(&o, 0, "undo");
    for p in [&a, &b] {
        assert_eq!(
            std::fs::read_to_string(p).unwrap(),
            original,
            "{}",
            p.display()
        );
        assert_eq!(std::fs::metadata(p).unwrap().nlink(), 2);
    }
}

#[test]
fn goenv_of_another_user_keeps_its_owner_and_mode() {
    if !is_root() {
        eprintln!("skipped: needs root to give the go env file to another user");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let f = scratch.path().join("env");
    let original = "GONOSUMDB=git.corp.example\n";
    std::fs::write(&f, original).unwrap();
    std::os::unix::fs::chown(&f, Some(65534), Some(65534)).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    let meta = |p: &Path| {
        let m = std::fs::metadata(p).unwrap();
        (m.uid(), m.gid(), m.mode() & 0o7777, m.ino())
    };
    let before = meta(&f);
    assert_eq!(before.0, 65534);
    let t = env_with(&f);
    let o = gm(&t, &["env", "set", SET]);
    assert_exit(&o, 0, "env set");
    assert_eq!(meta(&f), before, "owner, group, mode and inode kept");
    assert!(std::fs::read_to_string(&f)
        .unwrap()
        .contains("GOPROXY=https://proxy.example.com,direct"));
    assert_eq!(go_reads(&t), "https://proxy.example.com,direct");
    let o = gm(&t, &["undo"]);
    assert_exit(&o, 0, "undo");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
    assert_eq!(meta(&f), before);
}

#[test]
fn a_plain_goenv_is_still_replaced_and_a_killed_runs_temp_file_cleaned() {
    let scratch = tempfile::tempdir().unwrap();
    let f = scratch.path().join("env");
    std::fs::write(&f, "GONOSUMDB=git.corp.example\n").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let leftover = scratch.path().join(format!(".env.gomedic-tmp-{dead}"));
    std::fs::write(&leftover, "half written").unwrap();
    let ino = std::fs::metadata(&f).unwrap().ino();
    let t = env_with(&f);
    let o = gm(&t, &["env", "set", SET]);
    assert_exit(&o, 0, "env set");
    let m = std::fs::metadata(&f).unwrap();
    assert_ne!(m.ino(), ino, "replaced atomically by a rename");
    assert_eq!(m.mode() & 0o777, 0o600, "mode kept");
    assert!(!leftover.exists(), "temp file of a killed run removed");
    let names: Vec<String> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["env"], "no temp file left");
}

/// A user's go env file in a directory they may not create files in (go writes it in
/// place, so it works with go): gomedic writes it in place instead of failing.
#[test]
fn goenv_in_a_directory_the_user_cannot_write_is_written_in_place() {
    let setpriv = Path::new("/usr/bin/setpriv");
    if !is_root() || !setpriv.exists() {
        eprintln!("skipped: needs root and setpriv to run gomedic as another user");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = scratch.path().join("root-owned");
    let (data, home) = (scratch.path().join("data"), scratch.path().join("home"));
    for d in [&dir, &data, &home] {
        std::fs::create_dir(d).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let f = dir.join("env");
    let original = "GONOSUMDB=git.corp.example\n";
    std::fs::write(&f, original).unwrap();
    for p in [&f, &data, &home] {
        std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
    }
    // The binary must be reachable by that user.
    let exe = scratch.path().join("gomedic");
    std::fs::copy(env!("CARGO_BIN_EXE_gomedic"), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |args: &[&str]| {
        Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe)
            .args(args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/bin:/bin")
            .env("GOENV", &f)
            .env("GOMEDIC_DATA_DIR", &data)
            .current_dir(scratch.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let ino = std::fs::metadata(&f).unwrap().ino();
    let o = run(&["env", "set", SET]);
    assert_exit(&o, 0, "env set as nobody");
    assert!(std::fs::read_to_string(&f)
        .unwrap()
        .contains("GOPROXY=https://proxy.example.com,direct"));
    let m = std::fs::metadata(&f).unwrap();
    assert_eq!((m.ino(), m.uid()), (ino, 65534));
    let o = run(&["undo"]);
    assert_exit(&o, 0, "undo as nobody");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
}
