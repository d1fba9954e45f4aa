//! Which shell the user runs gomedic from, for advice that edits a shell's startup file:
//! the parent process when it is a shell (Linux: `/proc/PPID/cmdline`, which also tells a
//! login shell), else `$SHELL`.

use crate::Facts;
use std::path::Path;

/// A shell gomedic can write advice for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
    /// sh, dash, ksh, ash: POSIX shells that read `~/.profile` at login.
    Posix,
    PowerShell,
    Cmd,
}

/// The shell in use, and how gomedic knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    pub kind: ShellKind,
    /// A login shell (`-bash`, `bash -l`); `None` when it cannot be told.
    pub login: Option<bool>,
    /// `parent process` or `$SHELL`.
    pub from: &'static str,
}

impl ShellKind {
    /// The shell a program name (`/usr/bin/zsh`, `-bash`, `pwsh.exe`) is, if known.
    pub fn from_program(name: &str) -> Option<ShellKind> {
        let base = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(name)
            .trim_start_matches('-');
        let base = base.to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        Some(match base {
            "bash" => ShellKind::Bash,
            "zsh" => ShellKind::Zsh,
            "fish" => ShellKind::Fish,
            "sh" | "dash" | "ksh" | "mksh" | "ash" | "posh" => ShellKind::Posix,
            "pwsh" | "powershell" => ShellKind::PowerShell,
            "cmd" => ShellKind::Cmd,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ShellKind::Bash => "bash",
            ShellKind::Zsh => "zsh",
            ShellKind::Fish => "fish",
            ShellKind::Posix => "sh",
            ShellKind::PowerShell => "PowerShell",
            ShellKind::Cmd => "cmd",
        }
    }
}

/// A shell's command line (NUL-separated, as in `/proc/PID/cmdline`): which shell, and
/// whether it is a login shell.
pub fn parse_cmdline(cmdline: &[u8]) -> Option<(ShellKind, bool)> {
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let argv0 = args.first()?;
    let kind = ShellKind::from_program(argv0)?;
    let mut login = argv0.starts_with('-');
    for a in &args[1..] {
        if a == "--login" || a == "-l" {
            login = true;
        } else if a.starts_with('-') && !a.starts_with("--") && a.len() > 1 {
            login |= a.contains('l');
        } else if !a.starts_with('-') {
            break;
        }
    }
    Some((kind, login))
}

impl Facts {
    /// The shell in use, if gomedic can tell.
    pub fn shell(&self) -> Option<&Shell> {
        self.shell
            .get_or_init(|| {
                if self.os == "linux" && cfg!(target_os = "linux") {
                    #[cfg(unix)]
                    let ppid = std::os::unix::process::parent_id();
                    #[cfg(not(unix))]
                    let ppid = 0u32;
                    if let Ok(cmdline) = self
                        .gather
                        .read_file(Path::new(&format!("/proc/{ppid}/cmdline")))
                    {
                        if let Some((kind, login)) = parse_cmdline(&cmdline) {
                            return Some(Shell {
                                kind,
                                login: Some(login),
                                from: "parent process",
                            });
                        }
                    }
                }
                let sh = self.getenv("SHELL").filter(|s| !s.is_empty())?;
                Some(Shell {
                    kind: ShellKind::from_program(&sh)?,
                    login: None,
                    from: "$SHELL",
                })
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_and_login_shells() {
        assert_eq!(parse_cmdline(b"-bash\0"), Some((ShellKind::Bash, true)));
        assert_eq!(parse_cmdline(b"bash\0"), Some((ShellKind::Bash, false)));
        assert_eq!(
            parse_cmdline(b"/bin/bash\0-l\0-c\0x -l\0"),
            Some((ShellKind::Bash, true))
        );
        assert_eq!(
            parse_cmdline(b"bash\0-lc\0x\0"),
            Some((ShellKind::Bash, true))
        );
        assert_eq!(
            parse_cmdline(b"bash\0-c\0gomedic -l\0"),
            Some((ShellKind::Bash, false))
        );
        assert_eq!(
            parse_cmdline(b"/usr/bin/zsh\0-i\0"),
            Some((ShellKind::Zsh, false))
        );
        assert_eq!(parse_cmdline(b"-zsh\0"), Some((ShellKind::Zsh, true)));
        assert_eq!(
            parse_cmdline(b"fish\0--login\0"),
            Some((ShellKind::Fish, true))
        );
        assert_eq!(parse_cmdline(b"/usr/bin/cargo\0test\0"), None);
        assert_eq!(
            ShellKind::from_program("C:\\Program Files\\PowerShell\\7\\pwsh.exe"),
            Some(ShellKind::PowerShell)
        );
        assert_eq!(ShellKind::from_program("/bin/dash"), Some(ShellKind::Posix));
    }
}
