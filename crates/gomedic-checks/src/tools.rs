//! `path.tools`: binaries from `go install` can be found.

use crate::codes::Code;
use crate::facts::{Facts, FileKind, ShellKind};
use crate::util::{same_dir, shell_quote};
use gomedic_core::{CheckResult, Fix, Status};
use std::path::{Path, PathBuf};

pub fn check(f: &Facts) -> CheckResult {
    // Only a GOBIN the user set counts: newer go reports GOPATH/bin as GOBIN by default.
    let gobin_setting = f.setting_of("GOBIN");
    let gobin = if matches!(
        gobin_setting.source,
        gomedic_goenv::settings::Source::Default { .. }
    ) {
        String::new()
    } else {
        gobin_setting.value
    };
    let sep = if f.windows() { ';' } else { ':' };
    let (dir, why) = if !gobin.is_empty() {
        (PathBuf::from(&gobin), "GOBIN")
    } else {
        let gopath = f.setting("GOPATH");
        match gopath.split(sep).find(|p| !p.is_empty()) {
            Some(first) if f.windows() => (
                PathBuf::from(format!("{}\\bin", first.trim_end_matches(['\\', '/']))),
                "GOPATH/bin",
            ),
            Some(first) => (Path::new(first).join("bin"), "GOPATH/bin"),
            None => return CheckResult::skipped("neither GOBIN nor GOPATH is known"),
        }
    };
    let scan = f.path_scan();
    let on_path = scan
        .entries
        .iter()
        .any(|e| !e.display.is_empty() && same_dir(f, Path::new(&e.display), &dir));
    let mut details = vec![format!(
        "`go install` puts tools in {} ({why})",
        dir.display()
    )];
    let mut status = Status::Ok;
    let mut summary = format!("{} is on PATH", dir.display());
    let mut fixes = Vec::new();
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    if !on_path {
        status = Status::Warn;
        summary = format!(
            "{} ({why}) is not on PATH: tools from `go install` (gopls, dlv, ...) are not found",
            dir.display()
        );
        found.push((Status::Warn, Code::GobinNotOnPath, summary.clone()));
        let d = dir.display().to_string();
        let (for_whom, cmds) = add_to_path(f, &d);
        fixes.push(Fix::manual(
            "path.add-gobin",
            format!("Add {d} to PATH permanently{for_whom}"),
            cmds,
        ));
    }

    // Tools there that PATH resolves to another copy.
    let names = tool_names(f, &dir);
    if !names.is_empty() {
        details.push(format!("installed tools: {}", names.join(", ")));
    }
    let mut shadowed = 0;
    if on_path {
        for name in &names {
            if let Some(first) = first_on_path(f, name) {
                if !same_file(f, &first, &dir.join(name)) {
                    shadowed += 1;
                    status = status.worst(Status::Warn);
                    let msg = format!(
                        "{name}: PATH runs {}, not the copy in {}",
                        first.display(),
                        dir.display()
                    );
                    found.push((Status::Warn, Code::GobinToolShadowed, msg.clone()));
                    details.push(msg);
                }
            }
        }
        if shadowed > 0 {
            summary = format!(
                "{} in {} {} shadowed by other copies earlier on PATH",
                crate::util::count(shadowed, "tool", "tools"),
                dir.display(),
                if shadowed == 1 { "is" } else { "are" }
            );
        }
    }
    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("bin_dir", dir.display().to_string())
        .data("on_path", on_path);
    for fx in fixes {
        r = r.fix(fx);
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    r
}

fn tool_names(f: &Facts, dir: &Path) -> Vec<String> {
    let windows = f.windows();
    let Ok(entries) = f.list_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = entries
        .into_iter()
        .filter(|(_, k)| *k == FileKind::File)
        .map(|(n, _)| n)
        .filter(|n| !windows || n.to_ascii_lowercase().ends_with(".exe"))
        .collect();
    v.sort();
    v.truncate(200);
    v
}

fn first_on_path(f: &Facts, name: &str) -> Option<PathBuf> {
    f.path_scan()
        .entries
        .iter()
        .filter(|e| e.problems.is_empty() && !e.display.is_empty())
        .map(|e| Path::new(&e.display).join(name))
        .find(|p| f.file_kind(p) == FileKind::File)
}

fn same_file(f: &Facts, a: &Path, b: &Path) -> bool {
    match (f.canonicalize(a), f.canonicalize(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The commands that put `dir` on PATH for good in the shell in use: its startup file
/// (each command checks before appending, so running it twice adds one line), fish's
/// `fish_add_path`, or on Windows the registry PATH.
pub(crate) fn add_to_path(f: &Facts, dir: &str) -> (String, Vec<String>) {
    if f.windows() {
        let mut v = vec![
            "gomedic fix win.path-repair   # adds it to your user PATH in the registry (keeps REG_EXPAND_SZ, no setx truncation); undoable; new terminals see it".to_string(),
        ];
        let ps = dir.replace('\'', "''");
        v.push(format!("if (($env:Path -split ';') -notcontains '{ps}') {{ $env:Path += ';{ps}' }}   # PowerShell: this terminal too"));
        v.push(crate::util::cmd_with_comment(
            &format!("set \"PATH=%PATH%;{dir}\""),
            "cmd: this terminal too",
        ));
        return (String::new(), v);
    }
    let shell = f.shell();
    let line = format!("export PATH=\"$PATH:{}\"", dquote_escape(dir));
    let append = |file: &str| {
        let q = single_quote(&line);
        format!("grep -qxF {q} {file} 2>/dev/null || printf '%s\\n' {q} >> {file}")
    };
    let home = f.getenv("HOME").unwrap_or_default();
    let bash = |login: Option<bool>| -> Vec<String> {
        // Login shells read the first of these that exists; ~/.profile when none does.
        let login_file = [".bash_profile", ".bash_login", ".profile"]
            .into_iter()
            .find(|n| !home.is_empty() && f.file_kind(&Path::new(&home).join(n)) == FileKind::File)
            .unwrap_or(".profile");
        let sources_bashrc = !home.is_empty()
            && f.read_file(&Path::new(&home).join(login_file))
                .map(|b| String::from_utf8_lossy(&b).contains(".bashrc"))
                .unwrap_or(false);
        let rc = format!(
            "{}   # bash: new terminals (interactive shells read ~/.bashrc)",
            append("~/.bashrc")
        );
        let lg = format!(
            "{}   # bash login shells (ssh, the console, macOS Terminal) read ~/{login_file}",
            append(&format!("~/{login_file}"))
        );
        match (login, sources_bashrc) {
            (_, true) => vec![format!(
                "{}   # bash (your ~/{login_file} reads ~/.bashrc, so login shells get it too)",
                append("~/.bashrc")
            )],
            (Some(true), false) => vec![lg, rc],
            _ => vec![rc, lg],
        }
    };
    let zshrc = match f.getenv("ZDOTDIR").filter(|z| !z.is_empty()) {
        Some(z) => shell_quote(&format!("{}/.zshrc", z.trim_end_matches('/')), false),
        None => "~/.zshrc".to_string(),
    };
    let zsh = || {
        vec![format!(
            "{}   # zsh: every interactive shell reads {zshrc}",
            append(&zshrc)
        )]
    };
    // Not fish_add_path: it skips a directory that does not exist yet (GOPATH/bin before
    // the first `go install`).
    let fish = || {
        let q = shell_quote(dir, false);
        vec![format!("contains -- {q} $fish_user_paths; or set -Ua fish_user_paths {q}   # fish: saved for every fish session")]
    };
    let posix = || {
        vec![format!(
            "{}   # sh: login shells read ~/.profile",
            append("~/.profile")
        )]
    };
    let reload = format!("# then open a new terminal (or, in this one: {line})");
    match shell {
        Some(sh) => {
            let mut v = match sh.kind {
                ShellKind::Bash => bash(sh.login),
                ShellKind::Zsh => zsh(),
                ShellKind::Fish => fish(),
                ShellKind::Posix => posix(),
                // A PowerShell or cmd on a Unix-like system: give the common shells.
                ShellKind::PowerShell | ShellKind::Cmd => [bash(None), zsh(), fish()].concat(),
            };
            if sh.kind != ShellKind::Fish {
                v.push(reload);
            }
            let login = match (sh.kind, sh.login) {
                (ShellKind::Bash, Some(true)) => " login shell",
                _ => "",
            };
            (
                format!(
                    " for {}{login} (your shell, from {})",
                    sh.kind.name(),
                    sh.from
                ),
                v,
            )
        }
        None => {
            let mut v = [bash(None), zsh(), fish()].concat();
            v.push(reload);
            (
                " (your shell is unknown: run the lines for yours)".to_string(),
                v,
            )
        }
    }
}

/// `s` safe inside double quotes in a POSIX shell.
fn dquote_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '"' | '$' | '`' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// `s` as one single-quoted shell word.
fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}
