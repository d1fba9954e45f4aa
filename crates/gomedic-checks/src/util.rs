//! Small helpers shared by the checks.

use crate::facts::Facts;
use std::path::Path;

/// First `max` characters of command output, one line, for a summary.
pub fn excerpt(s: &str, max: usize) -> String {
    // Windows programs end lines with CRLF: that CR is a line end, not a stray control.
    let t: String = s
        .replace("\r\n", "\n")
        .trim()
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '�'
            } else {
                c
            }
        })
        .collect();
    let first = t
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.chars().count() > max {
        format!("{}…", first.chars().take(max).collect::<String>())
    } else {
        first.to_string()
    }
}

/// Last lines of stderr, for details (go prints the useful error last).
pub fn tail_lines(s: &str, n: usize) -> Vec<String> {
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(n);
    lines[start..]
        .iter()
        .map(|l| format!("  | {}", excerpt(l, 200)))
        .collect()
}

pub fn human_bytes(b: u64) -> String {
    const U: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// A duration for people, in gomedic's one format (`35 ms`, `2.5 s`).
pub fn ms(d: std::time::Duration) -> String {
    gomedic_core::duration::human(d)
}

/// `1 directory`, `2 directories`: a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Same directory, resolving symlinks when both exist; else a textual comparison that
/// ignores trailing separators (and case on Windows).
pub fn same_dir(f: &Facts, a: &Path, b: &Path) -> bool {
    let windows = f.windows();
    if let (Some(x), Some(y)) = (f.canonicalize(a), f.canonicalize(b)) {
        return x == y;
    }
    let norm = |p: &Path| {
        let s = p
            .to_string_lossy()
            .trim_end_matches(['/', '\\'])
            .to_string();
        if windows {
            s.replace('/', "\\").to_ascii_lowercase()
        } else {
            s
        }
    };
    norm(a) == norm(b)
}

/// A Windows path compared the way Windows compares them: trimmed, no trailing
/// separator, backslashes, case-insensitive.
pub fn win_key(s: &str) -> String {
    s.trim()
        .trim_end_matches(['\\', '/'])
        .replace('/', "\\")
        .to_ascii_lowercase()
}

/// Quotes a path for a shell command line the user will copy.
/// A cmd command line with a comment: cmd has no `#`; `& rem` ends the command (a `set`
/// before it must be quoted, `set "X=v"`, or the space joins the value). Characters cmd
/// would still parse in the comment are replaced.
pub fn cmd_with_comment(line: &str, comment: &str) -> String {
    let c: String = comment
        .chars()
        .map(|ch| match ch {
            '&' | '|' | '<' | '>' | '^' | '%' | '"' => '-',
            _ => ch,
        })
        .collect();
    format!("{line} & rem {c}")
}

pub fn shell_quote(s: &str, windows: bool) -> String {
    if windows {
        if s.contains([' ', '|', '&', '<', '>', '^', ';']) {
            format!("\"{s}\"")
        } else {
            s.to_string()
        }
    } else if s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:=,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// How to stop the top layers of a setting from giving it a value the caller calls bad,
/// so the layer below (down to `$GOROOT/go.env`) applies, or `good` is written when no
/// layer below has a good value. An environment variable overrides the go env file, so
/// it is always removed first (`go env -w` alone would change nothing).
pub struct LayerRepair {
    pub commands: Vec<String>,
    /// Only the go env file changes: gomedic can apply it itself.
    pub action: Option<gomedic_core::FixAction>,
}

/// `default_ok`: the go command's own default (no layer sets the key) is fine.
pub fn repair_layers(
    f: &Facts,
    key: &str,
    bad: &dyn Fn(&str) -> bool,
    good: &str,
    default_ok: bool,
) -> LayerRepair {
    use gomedic_goenv::settings::Source;
    let s = f.setting_of(key);
    let mut layers: Vec<(Source, String)> =
        vec![(s.source.clone(), s.raw.clone().unwrap_or(s.value.clone()))];
    layers.extend(
        s.shadows
            .iter()
            .map(|l| (l.source.clone(), l.value.clone())),
    );
    let mut commands = Vec::new();
    let mut in_environment = false;
    let mut unset_file = false;
    let mut settled = default_ok;
    for (src, value) in &layers {
        match src {
            Source::Environment if bad(value) => {
                in_environment = true;
                if f.windows() {
                    commands.extend(win_unset_env(f, key));
                } else {
                    commands.push(format!(
                        "unset {key}   # and delete the line that sets it in your shell profile"
                    ));
                }
            }
            Source::EnvFile { .. } if bad(value) => unset_file = true,
            Source::Environment | Source::EnvFile { .. } | Source::GorootGoEnv { .. } => {
                settled = !bad(value);
                break;
            }
            Source::Default { .. } => {
                settled = default_ok;
                break;
            }
        }
    }
    let quote = |s: &str| shell_quote(s, f.windows());
    let action = if settled {
        if unset_file {
            commands.push(format!("go env -u {key}"));
        }
        unset_file.then(|| gomedic_core::FixAction::GoEnv {
            set: vec![],
            unset: vec![key.to_string()],
        })
    } else {
        commands.push(format!("go env -w {}", quote(&format!("{key}={good}"))));
        Some(gomedic_core::FixAction::GoEnv {
            set: vec![(key.to_string(), good.to_string())],
            unset: vec![],
        })
    };
    LayerRepair {
        commands,
        action: if in_environment { None } else { action },
    }
}

impl LayerRepair {
    /// The fix: automatic when only the go env file changes.
    pub fn fix(self, id: &str, description: impl Into<String>) -> gomedic_core::Fix {
        match self.action {
            Some(a) => gomedic_core::Fix::auto(id, description, self.commands, a),
            None => gomedic_core::Fix::manual(id, description, self.commands),
        }
    }
}

/// How to remove a Windows environment variable, in cmd and PowerShell form: from the
/// registry key it was loaded from (new terminals), and from the open terminal.
pub fn win_unset_env(f: &crate::facts::Facts, name: &str) -> Vec<String> {
    use gomedic_facts::os::registry::Scope;
    let mut v = Vec::new();
    match f.env_origin(name).map(|o| o.scope) {
        Some(Scope::User) => {
            v.push(cmd_with_comment(
                &format!("reg delete HKCU\\Environment /v {name} /f"),
                "cmd: new terminals",
            ));
            v.push(format!(
                "Remove-ItemProperty -Path HKCU:\\Environment -Name {name}   # PowerShell: new terminals"
            ));
        }
        Some(Scope::Machine) => {
            let key = Scope::Machine.key();
            let ps = key.replacen("HKLM\\", "HKLM:\\", 1);
            v.push(cmd_with_comment(
                &format!("reg delete \"{key}\" /v {name} /f"),
                "cmd, in an elevated (administrator) terminal: new terminals",
            ));
            v.push(format!(
                "Remove-ItemProperty -Path '{ps}' -Name {name}   # PowerShell, elevated (administrator): new terminals"
            ));
        }
        // Set by a script, a launcher or the terminal's profile: only this terminal's
        // commands below apply (cmd has no comment line to say so).
        None => {}
    }
    v.push(cmd_with_comment(
        &format!("set \"{name}=\""),
        "cmd: this terminal",
    ));
    v.push(format!(
        "Remove-Item Env:{name}   # PowerShell: this terminal"
    ));
    v
}

#[cfg(test)]
mod excerpt_tests {
    #[test]
    fn crlf_is_a_line_end() {
        assert_eq!(
            super::excerpt("正在使用 gvm 包装器\r\ngo version\r\n", 200),
            "正在使用 gvm 包装器"
        );
        assert_eq!(super::excerpt("a\rb\u{1b}", 200), "a�b�");
    }
}
