//! Facts about the go command: which binary, whether it runs, `go env` (asked once),
//! and the typed settings snapshot every reader shares.

use crate::{BuildProbe, Facts};
use gomedic_goenv::pathscan;
use gomedic_goenv::snapshot::{Inputs, Setting, Snapshot};
use gomedic_goenv::version::{parse_version_line, VersionLine};
use gomedic_goenv::GoVersion;
use gomedic_sys::exec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `go env` keys gomedic reads (cheap ones only: no C compiler probing). GOVERSION,
/// GOHOSTOS and GOHOSTARCH also answer "does go run, and which go is it", so a healthy
/// go is asked exactly once.
pub const GO_ENV_KEYS: &[&str] = &[
    "GOARCH",
    "GOOS",
    "GOROOT",
    "GOPATH",
    "GOCACHE",
    "GOMODCACHE",
    "GOPROXY",
    "GOSUMDB",
    "GOENV",
    "GOVERSION",
    "GOTOOLCHAIN",
    "GOFLAGS",
    "GOTOOLDIR",
    "GOHOSTOS",
    "GOHOSTARCH",
    "GOBIN",
    "GOTMPDIR",
    "GOPRIVATE",
    "GONOSUMDB",
    "GONOPROXY",
    "GOINSECURE",
    "GOAUTH",
    "GOWORK",
    "GOMOD",
    "GO111MODULE",
    "GOEXE",
    "GOCACHEPROG",
    "GOTELEMETRY",
];

/// `go env -json`, run and parsed.
#[derive(Debug, Clone)]
pub struct GoEnvFact {
    pub run: exec::Result,
    pub parsed: Result<BTreeMap<String, String>, GoEnvError>,
}

/// Why `go env -json` gave no settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoEnvError {
    #[error("`go env -json` did not run")]
    DidNotRun,
    #[error("`go env -json` failed")]
    Failed,
    #[error("`go env -json` printed something that is not a JSON object: {0}")]
    NotJson(String),
}

impl gomedic_core::Hint for GoEnvError {
    fn hint(&self) -> Option<String> {
        Some(match self {
            GoEnvError::DidNotRun => "see go.runs: the go binary could not be started".into(),
            GoEnvError::Failed => "its last lines of stderr say why; a broken GOFLAGS, GOROOT or go env file line is the usual cause (`gomedic env` shows where each comes from)".into(),
            GoEnvError::NotJson(_) => "a wrapper script or shell profile prints extra text; run the go binary directly".into(),
        })
    }
}

/// Which go runs and how long it took to answer.
#[derive(Debug, Clone)]
pub struct GoIdentity {
    pub line: VersionLine,
    /// How long the command that told us took.
    pub duration: Duration,
    /// `go env` answered (no separate `go version` was run).
    pub from_go_env: bool,
}

impl Facts {
    pub fn path_scan(&self) -> &pathscan::PathScan {
        self.path_scan.get_or_init(|| {
            let names = pathscan::go_names(&self.os, self.getenv("PATHEXT").as_deref());
            self.gather.scan_path(&self.path_var, &names, &self.os)
        })
    }

    /// The `--go` binary described like a PATH candidate.
    pub fn override_candidate(&self) -> Option<&pathscan::Candidate> {
        self.override_candidate
            .get_or_init(|| {
                let p = self.go_override.as_ref()?;
                let abs = if p.is_absolute() {
                    p.clone()
                } else {
                    self.cwd.join(p)
                };
                let kind = match self.gather.file_kind(&abs) {
                    crate::FileKind::Dir => pathscan::CandidateKind::Directory,
                    crate::FileKind::Missing => pathscan::CandidateKind::BrokenLink,
                    _ => match std::fs::metadata(&abs) {
                        Ok(m) if pathscan::is_executable(&m) => pathscan::CandidateKind::Executable,
                        _ => pathscan::CandidateKind::NotExecutable,
                    },
                };
                let resolved = self.gather.canonicalize(&abs);
                let goroot = pathscan::goroot_of(&abs, resolved.as_deref());
                let goroot_version = goroot.as_deref().and_then(pathscan::read_version_file);
                Some(pathscan::Candidate {
                    entry: usize::MAX,
                    path: abs,
                    resolved,
                    kind,
                    goroot,
                    goroot_version,
                })
            })
            .as_ref()
    }

    /// The go binary being diagnosed: `--go`, else the first usable `go` on PATH.
    pub fn go_binary(&self) -> Option<&pathscan::Candidate> {
        if self.go_override.is_some() {
            self.override_candidate()
        } else {
            self.path_scan().winner()
        }
    }

    /// The `#!` line when the go binary is a script (a wrapper, a version manager's shim,
    /// or a replacement) rather than the toolchain's executable.
    pub fn go_script(&self) -> Option<&str> {
        self.go_script
            .get_or_init(|| {
                let go = self.go_binary()?;
                // Real go binaries are megabytes: the bounded read refuses them unread.
                let data = self.gather.read_file(&go.path).ok()?;
                if self.windows() && is_batch(&go.path) && !data.starts_with(b"MZ") {
                    return Some("a cmd batch file".to_string());
                }
                let first = data.split(|b| *b == b'\n').next()?;
                first
                    .starts_with(b"#!")
                    .then(|| String::from_utf8_lossy(first).trim_end().to_string())
            })
            .as_deref()
    }

    /// When the go binary is a script: the go it runs, as written in the script (with
    /// `%~dp0` resolved), when a line names one. Read bounded, like `go_script`.
    pub fn go_wrapper_target(&self) -> Option<String> {
        self.go_script()?;
        let go = self.go_binary()?;
        let data = self.gather.read_file(&go.path).ok()?;
        let dir = go.path.parent().map(|d| d.display().to_string());
        // A batch file is in the console's code page (GBK for a user named 张三).
        wrapper_target(
            &crate::os::text::decode_output(&data),
            dir.as_deref(),
            self.windows(),
        )
    }

    /// `go version`, or `None` when there is no go to run. Only needed when `go env`
    /// failed: it tells "go does not start" apart from "go starts but `go env` fails".
    pub fn go_version(&self) -> Option<&exec::Result> {
        self.go_version
            .get_or_init(|| {
                let go = self.go_binary()?;
                Some(self.gather.run_go(
                    &go.path,
                    &["version"],
                    &self.cwd,
                    self.timeouts.go_command,
                ))
            })
            .as_ref()
    }

    /// Which go runs: from `go env` (GOVERSION, GOHOSTOS, GOHOSTARCH) when it answered,
    /// else from `go version`. `None` when neither says.
    pub fn go_identity(&self) -> Option<GoIdentity> {
        if let Some(fact) = self.go_env() {
            if let (Ok(out), Ok(m)) = (&fact.run, &fact.parsed) {
                let get = |k: &str| m.get(k).filter(|v| !v.is_empty());
                if let (Some(v), Some(os), Some(arch)) =
                    (get("GOVERSION"), get("GOHOSTOS"), get("GOHOSTARCH"))
                {
                    let raw = v.split_whitespace().next().unwrap_or(v).to_string();
                    return Some(GoIdentity {
                        line: VersionLine {
                            version: GoVersion::parse_toolchain(&raw),
                            raw_version: raw,
                            os: os.clone(),
                            arch: arch.clone(),
                        },
                        duration: out.duration,
                        from_go_env: true,
                    });
                }
            }
        }
        let out = self.go_version()?.as_ref().ok()?;
        let line = parse_version_line(&out.stdout_str())?;
        Some(GoIdentity {
            line,
            duration: out.duration,
            from_go_env: false,
        })
    }

    /// The running go's version, however it was learned.
    pub fn running_version(&self) -> Option<GoVersion> {
        self.go_identity().and_then(|i| i.line.version)
    }

    /// `go env -json KEYS`, or `None` when there is no go to run.
    pub fn go_env(&self) -> Option<&GoEnvFact> {
        self.go_env
            .get_or_init(|| {
                let go = self.go_binary()?;
                // Naming the keys keeps go from probing the C compiler, which writes build-cache
                // entries (check must not change the machine) and doubles the run time.
                let mut args = vec!["env", "-json"];
                args.extend_from_slice(GO_ENV_KEYS);
                let run = self
                    .gather
                    .run_go(&go.path, &args, &self.cwd, self.timeouts.go_command);
                let parsed = match &run {
                    Ok(out) if out.success() => parse_env_json(&out.stdout),
                    Ok(_) => Err(GoEnvError::Failed),
                    Err(_) => Err(GoEnvError::DidNotRun),
                };
                Some(GoEnvFact { run, parsed })
            })
            .as_ref()
    }

    /// Lines `go env -json` printed outside its JSON object (a wrapper script's own
    /// output), decoded as the console would show them.
    pub fn go_env_extra_lines(&self) -> Vec<String> {
        let Some(Ok(out)) = self.go_env().map(|e| &e.run) else {
            return Vec::new();
        };
        let text = out.stdout_str();
        let mut inside = false;
        let mut extra = Vec::new();
        for l in text.lines() {
            let t = l.trim_end();
            if !inside && t == "{" {
                inside = true;
            } else if inside && t == "}" {
                inside = false;
            } else if !inside && !t.trim().is_empty() {
                extra.push(t.to_string());
            }
        }
        extra
    }

    /// A value `go env -json` reported, if it ran.
    pub fn go_env_value(&self, key: &str) -> Option<&str> {
        self.go_env()?
            .parsed
            .as_ref()
            .ok()?
            .get(key)
            .map(String::as_str)
    }

    /// `go env -json` values if some check already ran it (never runs it).
    pub fn gathered_go_env(&self) -> Option<&BTreeMap<String, String>> {
        self.go_env.get()?.as_ref()?.parsed.as_ref().ok()
    }

    fn snapshot_inputs<'a>(&'a self, getenv: &'a dyn Fn(&str) -> Option<String>) -> Inputs<'a> {
        Inputs {
            getenv,
            windows: self.windows(),
            user_file: self.user_env_file().file(),
            goroot_file: self.goroot_env_file(),
            go_env: self.go_env().and_then(|f| f.parsed.as_ref().ok()),
            binary_goroot: self.go_binary().and_then(|c| c.goroot.clone()),
            binary_version: self.go_binary().and_then(|c| c.goroot_version.clone()),
        }
    }

    /// The settings as gomedic resolves them without asking go (go's own rules, from the
    /// environment, the go env files and the binary's GOROOT): what go will answer unless
    /// a wrapper or an unknown rule changes it. Only for gathering early; checks use
    /// [`Facts::settings`].
    pub(crate) fn local_settings(&self) -> &Snapshot {
        self.local_settings.get_or_init(|| {
            let getenv = |k: &str| self.getenv(k);
            // go.env from the GOROOT findGOROOT picks (go env file, environment, the
            // binary's own), without go's answer.
            let goroot_file = match self.goroot_env_file.get() {
                Some(f) => f.clone(),
                None => self.read_go_env_file(|| self.go_binary().and_then(|c| c.goroot.clone())),
            };
            Snapshot::new(&Inputs {
                getenv: &getenv,
                windows: self.windows(),
                user_file: self.user_env_file().file(),
                goroot_file: goroot_file.as_ref(),
                go_env: None,
                binary_goroot: self.go_binary().and_then(|c| c.goroot.clone()),
                binary_version: self.go_binary().and_then(|c| c.goroot_version.clone()),
            })
        })
    }

    /// Go's settings, resolved and parsed once per run (asks go once when there is one).
    pub fn settings(&self) -> &Snapshot {
        self.settings.get_or_init(|| {
            let getenv = |k: &str| self.getenv(k);
            Snapshot::new(&self.snapshot_inputs(&getenv))
        })
    }

    /// One setting with its provenance (also keys outside the snapshot's list).
    pub fn setting_of(&self, key: &str) -> Setting {
        let getenv = |k: &str| self.getenv(k);
        self.settings()
            .resolve_extra(&self.snapshot_inputs(&getenv), key)
    }

    /// The value the go command uses for `key`.
    pub fn setting(&self, key: &str) -> String {
        match self.settings().get(key) {
            Some(s) => s.value.clone(),
            None => self.setting_of(key).value,
        }
    }

    /// The GOROOT in effect: what `go env` says, else what the go command would compute.
    pub fn goroot(&self) -> Option<PathBuf> {
        if let Some(g) = self.go_env_value("GOROOT").filter(|g| !g.is_empty()) {
            return Some(PathBuf::from(g));
        }
        if let Some(g) = self.getenv("GOROOT").filter(|g| !g.is_empty()) {
            return Some(PathBuf::from(g));
        }
        if let Some(e) = self
            .user_env_file()
            .file()
            .and_then(|f| f.get("GOROOT"))
            .filter(|e| !e.value.is_empty())
        {
            return Some(PathBuf::from(&e.value));
        }
        self.go_binary().and_then(|c| c.goroot.clone())
    }

    /// `check --deep`: build, run and test a throwaway module, once.
    pub fn build_probe(&self) -> Option<&BuildProbe> {
        self.build
            .get_or_init(|| {
                let go = self.go_binary()?;
                let gocache = self
                    .go_env_value("GOCACHE")
                    .filter(|c| !c.is_empty() && *c != "off")
                    .map(std::path::Path::new);
                Some(
                    self.gather
                        .build_probe(&go.path, &self.env, gocache, self.timeouts.build),
                )
            })
            .as_ref()
    }
}

fn parse_env_json(stdout: &[u8]) -> Result<BTreeMap<String, String>, GoEnvError> {
    let parsed =
        serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(stdout).or_else(|e| {
            // A wrapper script may print lines of its own around go's JSON object, which
            // starts a line of its own.
            let start = stdout
                .windows(2)
                .position(|w| w == b"\n{")
                .map(|i| i + 1)
                .ok_or(e)?;
            serde_json::Deserializer::from_slice(&stdout[start..])
                .into_iter::<BTreeMap<String, serde_json::Value>>()
                .next()
                .unwrap_or_else(|| serde_json::from_slice(b""))
        });
    parsed
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| {
                    let s = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (k, s)
                })
                .collect()
        })
        .map_err(|e| GoEnvError::NotJson(e.to_string()))
}

/// A `.bat` or `.cmd` file: cmd.exe runs it, Windows' loader does not.
pub fn is_batch(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("bat") || e.eq_ignore_ascii_case("cmd"))
}

/// The go a wrapper script runs: the first word (quoted or not) on a non-comment line that
/// names a `go.exe` (Windows) or ends in `/go` (elsewhere). `%~dp0` (the script's folder,
/// with a trailing backslash) is resolved when `dir` is known.
pub fn wrapper_target(text: &str, dir: Option<&str>, windows: bool) -> Option<String> {
    for line in text.lines().take(200) {
        let t = line.trim().trim_start_matches('@');
        let lower = t.to_ascii_lowercase();
        if t.is_empty()
            || lower.starts_with("rem ")
            || lower == "rem"
            || t.starts_with("::")
            || t.starts_with('#')
        {
            continue;
        }
        for word in words(t) {
            let w = match dir {
                Some(d) => {
                    let d = d.trim_end_matches('\\');
                    word.replace("%~dp0", &format!("{d}\\"))
                        .replace("%~DP0", &format!("{d}\\"))
                }
                None => word,
            };
            let l = w.to_ascii_lowercase();
            let named = if windows {
                l.ends_with("go.exe")
                    && (l.len() == 6 || l.ends_with("\\go.exe") || l.ends_with("/go.exe"))
            } else {
                l.ends_with("/go")
            };
            if named {
                return Some(w);
            }
        }
    }
    None
}

/// Words of a command line: double quotes group (and are dropped), spaces split.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod wrapper_tests {
    use super::{parse_env_json, wrapper_target};

    #[test]
    fn go_env_json_among_a_wrappers_lines() {
        let out = "正在使用 go 1.22.10\r\n{\n\t\"GOPATH\": \"C:\\\\go\"\n}\ndone\n";
        let m = parse_env_json(out.as_bytes()).unwrap();
        assert_eq!(m["GOPATH"], "C:\\go");
        assert!(parse_env_json(b"no json here").is_err());
    }

    #[test]
    fn batch_wrappers() {
        let bat = "@echo off\r\nrem calls C:\\old\\go.exe no more\r\n\"C:\\Program Files\\Go\\bin\\go.exe\" %*\r\n";
        assert_eq!(
            wrapper_target(bat, Some("C:\\tools"), true).as_deref(),
            Some("C:\\Program Files\\Go\\bin\\go.exe")
        );
        let rel = "@\"%~dp0..\\sdk\\go1.24\\bin\\go.exe\" %*";
        assert_eq!(
            wrapper_target(rel, Some("C:\\tools\\"), true).as_deref(),
            Some("C:\\tools\\..\\sdk\\go1.24\\bin\\go.exe")
        );
        // A version manager that resolves the go at run time names none.
        assert_eq!(
            wrapper_target("@echo off\r\ngvm exec %*\r\n", None, true),
            None
        );
        assert_eq!(wrapper_target("set X=mongo.exe", None, true), None);
    }

    #[test]
    fn shell_wrappers() {
        let sh = "#!/bin/sh\n# wrapper\nexec \"$HOME/sdk/go1.24/bin/go\" \"$@\"\n";
        assert_eq!(
            wrapper_target(sh, None, false).as_deref(),
            Some("$HOME/sdk/go1.24/bin/go")
        );
    }
}
