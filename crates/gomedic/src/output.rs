//! Standard output and standard error, for every command.
//!
//! The standard print macros panic when the stream cannot be written (a full disk, a
//! closed pipe), so nothing in this crate uses them: stdout goes through [`Stdout`]
//! (`outln!`), stderr through `errln!`.
//!
//! - A closed pipe (`gomedic ... | head -1`) is not a failure: the rest of the output is
//!   dropped quietly and the command finishes with its own exit code, as ripgrep does.
//! - Any other write error (`>/dev/full`) is returned to the caller, remembered, and
//!   ends the run with exit code 3 and `gomedic: error: cannot write to standard
//!   output: ...` on stderr ([`finish`]).
//! - stderr errors are ignored: there is nowhere left to report them.
//!
//! A change to the machine is reported with [`change`], which writes to stderr too, so a
//! broken stdout never hides that something was changed.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    /// The reader went away (EPIPE): drop everything from now on.
    closed: bool,
    /// The first other write error.
    failed: Option<(io::ErrorKind, String)>,
}

static STATE: Mutex<State> = Mutex::new(State {
    closed: false,
    failed: None,
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

/// The error a failed stdout write returns: its message says it is about stdout.
#[derive(Debug)]
pub struct StdoutError(String);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to standard output: {}", self.0)
    }
}
impl std::error::Error for StdoutError {}

fn stdout_error(kind: io::ErrorKind, msg: &str) -> io::Error {
    io::Error::new(kind, StdoutError(msg.to_string()))
}

/// Whether `e` (anywhere in an error chain) is a failed stdout write.
pub fn is_stdout_error(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<StdoutError>().is_some()
        || e.downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.downcast_ref::<StdoutError>().is_some())
}

/// gomedic's standard output. Cheap to create; all handles share one state.
pub struct Stdout;

pub fn stdout() -> Stdout {
    Stdout
}

impl Stdout {
    fn run(
        &mut self,
        f: impl FnOnce(&mut io::StdoutLock<'static>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut st = state();
        if st.closed {
            return Ok(());
        }
        if let Some((kind, msg)) = &st.failed {
            return Err(stdout_error(*kind, msg));
        }
        match f(&mut io::stdout().lock()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                st.closed = true;
                Ok(())
            }
            Err(e) => {
                let msg = e.to_string();
                st.failed = Some((e.kind(), msg.clone()));
                Err(stdout_error(e.kind(), &msg))
            }
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.run(|o| o.write_all(buf)).map(|()| buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.run(|o| o.write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.run(|o| o.flush())
    }
}

/// Whether stdout is a terminal.
pub fn is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Whether stdout gets colour: a terminal, and NO_COLOR unset or empty (no-color.org).
pub fn color() -> bool {
    is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether stderr is a terminal (progress bars are drawn only then; they print byte
/// counts and file names, nothing that needs redacting).
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// Writes to stderr, ignoring errors (used by `errln!`).
pub fn err_fmt(args: std::fmt::Arguments<'_>) {
    let mut e = io::stderr().lock();
    let _ = e.write_fmt(args);
}

/// Writes bytes to stderr as they are, ignoring errors (a wrapped command's output).
pub fn err_bytes(b: &[u8]) {
    let mut e = io::stderr().lock();
    let _ = e.write_all(b);
    let _ = e.flush();
}

/// Reports a change that was made: on stderr always, and on stdout too (in order with
/// the plan) unless stdout is the same terminal. A failed stdout does not stop the
/// caller: the change is made and must be followed through.
pub fn change(line: &str) {
    err_fmt(format_args!("{line}\n"));
    if !is_terminal() {
        let _ = writeln!(stdout(), "{line}");
    }
}

/// The message for a failed stdout, if it failed (a closed pipe is not a failure).
pub fn failure() -> Option<String> {
    state()
        .failed
        .as_ref()
        .map(|(_, msg)| StdoutError(msg.clone()).to_string())
}

/// Flushes stdout; returns the message for a failed stdout, if it failed.
pub fn finish() -> Option<String> {
    let _ = Stdout.flush();
    failure()
}

/// `writeln!` to gomedic's stdout; evaluates to `std::io::Result<()>`.
#[macro_export]
macro_rules! outln {
    () => {
        ::std::io::Write::write_all(&mut $crate::output::stdout(), b"\n")
    };
    ($($arg:tt)*) => {
        ::std::io::Write::write_fmt(
            &mut $crate::output::stdout(),
            format_args!("{}\n", format_args!($($arg)*)),
        )
    };
}

/// `eprintln!` that never panics.
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::err_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that never panics.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::output::err_fmt(format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    /// Every stdout and stderr write of this crate goes through this module.
    #[test]
    fn no_direct_printing() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        let mut dirs = vec![src];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 5);
        let banned = [
            concat!("print", "ln!"),
            concat!("print", "!("),
            concat!("eprint", "ln!"),
            concat!("eprint", "!("),
            concat!("io::std", "out()"),
            concat!("io::std", "err()"),
            concat!("dbg", "!("),
        ];
        for f in files {
            if f.ends_with("output.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            for b in banned {
                assert!(
                    !text.contains(b),
                    "{} uses {b}: write through crate::output (outln!/errln!)",
                    f.display()
                );
            }
        }
    }
}
