//! Run an external command once, with a timeout, and say exactly how it ended.
//!
//! A hung child is killed (its whole process group on Unix, so a shell wrapper's
//! children die too). Every live child is tracked so a run that hits its overall
//! deadline can kill what is left with [`kill_all`].

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use wait_timeout::ChildExt;

/// What to run.
#[derive(Debug, Clone)]
pub struct Spec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Variables to set (`Some`) or remove (`None`) on top of the inherited environment.
    pub env: Vec<(OsString, Option<OsString>)>,
    pub cwd: Option<PathBuf>,
    pub timeout: Duration,
}

impl Spec {
    pub fn new(program: impl Into<PathBuf>, args: &[&str], timeout: Duration) -> Self {
        Spec {
            program: program.into(),
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
            cwd: None,
            timeout,
        }
    }
    pub fn env(mut self, k: &str, v: impl Into<OsString>) -> Self {
        self.env.push((k.into(), Some(v.into())));
        self
    }
    pub fn env_remove(mut self, k: &str) -> Self {
        self.env.push((k.into(), None));
        self
    }
    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }
    /// The command line as a user would type it (for details and fixes).
    pub fn display(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }
}

/// How a process that started ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    Code(i64),
    /// Unix: killed by this signal.
    Signal(i32),
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Output {
    pub exit: Exit,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub duration: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.exit == Exit::Code(0)
    }
    /// stdout as text: UTF-8, or on Windows the console/ANSI code page (see [`crate::text`]).
    pub fn stdout_str(&self) -> String {
        crate::text::decode_output(&self.stdout)
    }
    pub fn stderr_str(&self) -> String {
        crate::text::decode_output(&self.stderr)
    }
}

/// Why a run produced no [`Output`].
#[derive(Debug, Clone)]
pub enum Failure {
    /// The program does not exist (or a path component is missing).
    NotFound { message: String },
    /// The OS refused to start it (permissions, a directory, antivirus, policy).
    PermissionDenied {
        message: String,
        os_code: Option<i32>,
    },
    /// Some other start failure (exec format error, too many files, ...).
    SpawnFailed {
        message: String,
        os_code: Option<i32>,
    },
    /// Still running at the timeout; it was killed.
    Timeout {
        after: Duration,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
}

pub type Result = std::result::Result<Output, Failure>;

fn live() -> &'static Mutex<HashSet<u32>> {
    static LIVE: OnceLock<Mutex<HashSet<u32>>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(HashSet::new()))
}

thread_local! {
    static CANCEL: std::cell::RefCell<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

/// Binds this thread to a cancellation flag: once it is set (a run's deadline passed and
/// its children were killed), this thread starts no new child that nothing would kill.
pub fn bind_cancel(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    CANCEL.with(|c| *c.borrow_mut() = Some(flag));
}

fn closed() -> bool {
    CANCEL.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    })
}

/// Runs `spec` to completion or timeout. Never panics on a misbehaving child.
pub fn run(spec: &Spec) -> Result {
    if closed() {
        return Err(Failure::Timeout {
            after: Duration::ZERO,
            stdout: Vec::new(),
            stderr: Vec::new(),
        });
    }
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &spec.env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        const CREATE_NO_WINDOW: u32 = 0x0800_0000;
        cmd.creation_flags(CREATE_NO_WINDOW);
    }
    let start = Instant::now();
    let mut child = spawn_retrying(&mut cmd).map_err(|e| classify_spawn_error(&spec.program, e))?;
    let pid = child.id();
    live().lock().map(|mut s| s.insert(pid)).ok();
    if closed() {
        // kill_all ran while this child was being started.
        kill_tree(&mut child);
    }
    let out_reader = reader(child.stdout.take());
    let err_reader = reader(child.stderr.take());
    let waited = child.wait_timeout(spec.timeout);
    let result = match waited {
        Ok(Some(status)) => {
            let stdout = join(out_reader, Duration::from_secs(2));
            let stderr = join(err_reader, Duration::from_secs(2));
            Ok(Output {
                exit: exit_of(status),
                stdout,
                stderr,
                duration: start.elapsed(),
            })
        }
        Ok(None) | Err(_) => {
            kill_tree(&mut child);
            let _ = child.wait();
            let stdout = join(out_reader, Duration::from_millis(200));
            let stderr = join(err_reader, Duration::from_millis(200));
            Err(Failure::Timeout {
                after: start.elapsed(),
                stdout,
                stderr,
            })
        }
    };
    live().lock().map(|mut s| s.remove(&pid)).ok();
    result
}

/// ETXTBSY ("text file busy") happens when another thread of ours still holds a write
/// handle to a just-written executable while forking; it clears within milliseconds.
fn spawn_retrying(cmd: &mut Command) -> io::Result<Child> {
    const ETXTBSY: i32 = 26;
    let mut attempt = 0;
    loop {
        match cmd.spawn() {
            Err(e) if cfg!(unix) && e.raw_os_error() == Some(ETXTBSY) && attempt < 10 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(10 * attempt));
            }
            r => return r,
        }
    }
}

/// Kills every child still running (used when the overall deadline passes; set the
/// run's cancellation flag first so its threads start no new ones).
pub fn kill_all() {
    let pids: Vec<u32> = live()
        .lock()
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    for pid in pids {
        kill_pid(pid);
    }
}

fn reader<R: Read + Send + 'static>(r: Option<R>) -> Option<std::sync::mpsc::Receiver<Vec<u8>>> {
    let mut r = r?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        // Cap what we keep: a go that floods stdout must not eat our memory.
        let _ = (&mut r).take(16 << 20).read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    Some(rx)
}

fn join(rx: Option<std::sync::mpsc::Receiver<Vec<u8>>>, wait: Duration) -> Vec<u8> {
    rx.and_then(|rx| rx.recv_timeout(wait).ok())
        .unwrap_or_default()
}

fn exit_of(status: ExitStatus) -> Exit {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Exit::Signal(sig);
        }
    }
    match status.code() {
        // Windows exit codes are u32 (NTSTATUS values); keep them unsigned.
        #[cfg(windows)]
        Some(c) => Exit::Code(c as u32 as i64),
        #[cfg(not(windows))]
        Some(c) => Exit::Code(c as i64),
        None => Exit::Code(-1),
    }
}

fn kill_tree(child: &mut Child) {
    kill_pid(child.id());
    let _ = child.kill();
}

#[cfg(unix)]
fn kill_pid(pid: u32) {
    // The child leads its own process group: kill the group.
    unsafe {
        libc::kill(-(pid as i32), libc::SIGKILL);
    }
}

#[cfg(windows)]
fn kill_pid(pid: u32) {
    use windows_sys::Win32::Foundation::CloseHandle;
    use windows_sys::Win32::System::Threading::{OpenProcess, TerminateProcess, PROCESS_TERMINATE};
    unsafe {
        let h = OpenProcess(PROCESS_TERMINATE, 0, pid);
        if !h.is_null() {
            TerminateProcess(h, 1);
            CloseHandle(h);
        }
    }
}

fn classify_spawn_error(program: &Path, e: io::Error) -> Failure {
    let os_code = e.raw_os_error();
    // Windows texts keep their `%1` (Rust asks for them without inserts): it is the
    // program, and then the text names it already.
    let program_shown = program.display().to_string();
    let raw = e.to_string();
    let filled = crate::text::fill_inserts(&raw, &[&program_shown]);
    let mut message = if filled != raw {
        filled
    } else {
        format!("{program_shown}: {raw}")
    };
    if program.is_dir() {
        message = format!("{} is a directory, not an executable", program.display());
        return Failure::PermissionDenied { message, os_code };
    }
    if cfg!(windows) {
        if let Some(desc) = os_code.and_then(crate::ntstatus::describe_win32_spawn_error) {
            message.push_str(&format!(" ({desc})"));
        }
        // Antivirus and policy refusals are "permission denied" to the user.
        if matches!(os_code, Some(225 | 226 | 1260 | 4551)) {
            return Failure::PermissionDenied { message, os_code };
        }
    }
    match e.kind() {
        io::ErrorKind::NotFound => Failure::NotFound { message },
        io::ErrorKind::PermissionDenied => Failure::PermissionDenied { message, os_code },
        _ => Failure::SpawnFailed { message, os_code },
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, body: &str) -> PathBuf {
        let p = dir.join("fake");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn classifies_endings() {
        let d = tempfile::tempdir().unwrap();
        let t = Duration::from_secs(5);
        let ok = run(&Spec::new(script(d.path(), "echo hi"), &[], t)).unwrap();
        assert_eq!(ok.exit, Exit::Code(0));
        assert_eq!(ok.stdout_str(), "hi\n");
        let code = run(&Spec::new(script(d.path(), "exit 7"), &[], t)).unwrap();
        assert_eq!(code.exit, Exit::Code(7));
        let sig = run(&Spec::new(script(d.path(), "kill -9 $$"), &[], t)).unwrap();
        assert_eq!(sig.exit, Exit::Signal(9));
        assert!(matches!(
            run(&Spec::new(d.path().join("nope"), &[], t)),
            Err(Failure::NotFound { .. })
        ));
        assert!(matches!(
            run(&Spec::new(d.path(), &[], t)),
            Err(Failure::PermissionDenied { .. })
        ));
    }

    #[test]
    fn a_cancelled_thread_starts_no_child() {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let r = std::thread::spawn(move || {
            bind_cancel(flag);
            run(&Spec::new("/bin/sleep", &["5"], Duration::from_secs(10)))
        })
        .join()
        .unwrap();
        assert!(matches!(r, Err(Failure::Timeout { after, .. }) if after == Duration::ZERO));
        // Other threads are unaffected.
        assert!(run(&Spec::new("/bin/true", &[], Duration::from_secs(10))).is_ok());
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let d = tempfile::tempdir().unwrap();
        let start = Instant::now();
        // The shell's child keeps the pipes open; only a group kill ends it promptly.
        let r = run(&Spec::new(
            script(d.path(), "sleep 30; echo late"),
            &[],
            Duration::from_millis(300),
        ));
        assert!(matches!(r, Err(Failure::Timeout { .. })), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
