//! One typed snapshot of the go command's settings, made once per run.
//!
//! For each key: the value go uses, what go itself reported, where the value comes from
//! and what it shadows, following cmd/go's `cfg.Getenv` exactly: a non-empty process
//! variable wins; otherwise the user's go env file, where an empty `KEY=` line counts (it
//! shadows `$GOROOT/go.env`); otherwise `$GOROOT/go.env`; an empty result then falls back
//! to the built-in default of that key, which for GOPROXY and GOSUMDB is empty (their
//! defaults live in go.env). GOPROXY, GOSUMDB, GOTOOLCHAIN and the pattern lists are
//! parsed here once; every reader (checks, `env`, `net`, `net route`, `fix`) uses these.

use crate::envfile::EnvFile;
use crate::goproxy::{ProxyEntry, RouteSettings, SumDb};
use crate::gosem::GoSemantics;
use crate::route::RouteConfig;
use crate::settings::{Layer, Source};
use crate::version::GoVersion;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What `$GOROOT/go.env` holds in every release since go1.21: go's defaults when there
/// is no go (or no readable go.env) to read them from.
pub const STANDARD_GO_ENV: &[(&str, &str)] = &[
    ("GOPROXY", "https://proxy.golang.org,direct"),
    ("GOSUMDB", "sum.golang.org"),
    ("GOTOOLCHAIN", "auto"),
];

/// gomedic runs go with these variables pinned (it must never switch toolchains), so
/// go's answer for them says nothing about the user's setting.
pub const PINNED_FOR_GO: &[&str] = &["GOTOOLCHAIN"];

/// One setting with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub key: String,
    /// The value the go command uses.
    pub value: String,
    pub source: Source,
    /// The winning layer's text when it differs from `value` (an empty `KEY=` line that
    /// falls back to a default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Lower-priority layers that also set the key and lose.
    pub shadows: Vec<Layer>,
    /// The variable is present but empty in the environment; the go command ignores it.
    pub empty_in_environment: bool,
    /// What `go env` itself reported, when gomedic asked it for this key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go_reported: Option<String>,
    /// gomedic's reading of the layers gives another value than go reported; go's
    /// answer is `value`, and this holds gomedic's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layers_disagree: Option<String>,
}

/// A parsed GOTOOLCHAIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Toolchain {
    /// `local`, or empty (go then never switches).
    Local,
    /// `auto` / `local+auto`.
    Auto,
    /// `path` / `local+path`.
    Path,
    /// `goX.Y.Z`, optionally with `+auto` / `+path`.
    Pinned {
        version: GoVersion,
        mode: Option<String>,
    },
    /// Every go command fails with `go: invalid GOTOOLCHAIN`.
    Invalid,
}

impl Toolchain {
    pub fn parse(v: &str) -> Toolchain {
        match v {
            "local" | "" => Toolchain::Local,
            "auto" => Toolchain::Auto,
            "path" => Toolchain::Path,
            _ => {
                let (name, mode) = match v.split_once('+') {
                    Some((n, m @ ("auto" | "path"))) => (n, Some(m)),
                    Some(_) => return Toolchain::Invalid,
                    None => (v, None),
                };
                if name == "local" {
                    return match mode {
                        Some("auto") => Toolchain::Auto,
                        _ => Toolchain::Path,
                    };
                }
                match GoVersion::parse_toolchain(name) {
                    Some(version) => Toolchain::Pinned {
                        version,
                        mode: mode.map(str::to_string),
                    },
                    None => Toolchain::Invalid,
                }
            }
        }
    }
}

/// Everything the snapshot is made from. The environment is a lookup so callers decide
/// what it is (the real process, or a test's map).
pub struct Inputs<'a> {
    pub getenv: &'a dyn Fn(&str) -> Option<String>,
    pub windows: bool,
    pub user_file: Option<&'a EnvFile>,
    /// `$GOROOT/go.env`, when a GOROOT is known and the file is readable.
    pub goroot_file: Option<&'a EnvFile>,
    /// `go env -json KEYS`, when go ran and answered.
    pub go_env: Option<&'a BTreeMap<String, String>>,
    /// The GOROOT of the go binary being diagnosed (go's own default for GOROOT).
    pub binary_goroot: Option<PathBuf>,
    /// The go release whose rules apply (`go1.22.3`) when go did not say (its VERSION file).
    pub binary_version: Option<String>,
}

/// The settings of one go, as that go sees them.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    settings: BTreeMap<String, Setting>,
    /// `go env` answered: the values are go's own.
    pub asked_go: bool,
    /// GOPROXY, GOSUMDB and the pattern lists parsed once with the rules of the go being
    /// diagnosed: the route of any module and the findings about these settings.
    pub route: RouteConfig,
    /// GOPROXY's entries (from `route`), or the error every download would fail with.
    pub goproxy: Result<Vec<ProxyEntry>, String>,
    /// GOSUMDB (from `route`), or the error every verified download fails with.
    pub gosumdb: Result<SumDb, String>,
    pub gotoolchain: Toolchain,
    /// GOFLAGS split as go splits it (`quoted.Split`), or go's parse error.
    pub goflags: Result<Vec<String>, String>,
}

/// Keys whose value and source the snapshot always holds (others are resolved on demand
/// with [`Snapshot::resolve_extra`]).
pub const SNAPSHOT_KEYS: &[&str] = &[
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOINSECURE",
    "GOFLAGS",
    "GOTOOLCHAIN",
    "GOROOT",
    "GOPATH",
    "GOBIN",
    "GOCACHE",
    "GOMODCACHE",
    "GOTMPDIR",
    "GOENV",
    "GOAUTH",
    "GOOS",
    "GOARCH",
    "GOVERSION",
    "GOTOOLDIR",
    "GOHOSTOS",
    "GOHOSTARCH",
    "GOWORK",
    "GOMOD",
    "GO111MODULE",
    "GOEXE",
    "GOCACHEPROG",
    "GOTELEMETRY",
];

impl Snapshot {
    /// Builds the snapshot. Each setting is resolved once; GOPROXY and GOSUMDB once parsed.
    pub fn new(inp: &Inputs<'_>) -> Snapshot {
        let mut settings = BTreeMap::new();
        // GOPRIVATE first: GONOPROXY and GONOSUMDB default to it.
        for key in std::iter::once("GOPRIVATE").chain(SNAPSHOT_KEYS.iter().copied()) {
            if settings.contains_key(key) {
                continue;
            }
            let s = resolve(inp, key, &settings);
            settings.insert(key.to_string(), s);
        }
        let value = |k: &str| {
            settings
                .get(k)
                .map(|s: &Setting| s.value.clone())
                .unwrap_or_default()
        };
        // The rules of the go that runs (its release, GODEBUG); the newest without one.
        let release = inp
            .go_env
            .and_then(|m| m.get("GOVERSION"))
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_string)
            .or_else(|| inp.binary_version.clone());
        let mut sem = GoSemantics::for_version(release.as_deref())
            .with_godebug(&(inp.getenv)("GODEBUG").unwrap_or_default());
        sem.windows = inp.windows;
        let (gp, gs, gpriv, gnp, gns, gi) = (
            value("GOPROXY"),
            value("GOSUMDB"),
            value("GOPRIVATE"),
            value("GONOPROXY"),
            value("GONOSUMDB"),
            value("GOINSECURE"),
        );
        let route = RouteConfig::parse(
            &RouteSettings {
                goproxy: &gp,
                gosumdb: &gs,
                goprivate: &gpriv,
                gonoproxy: &gnp,
                gonosumdb: &gns,
                goinsecure: &gi,
            },
            sem,
        )
        .with_git_http_user_agent(&(inp.getenv)("GIT_HTTP_USER_AGENT").unwrap_or_default());
        let goproxy = match &route.goproxy.error {
            Some(e) => Err(e.clone()),
            None => Ok(route.goproxy.legacy_entries()),
        };
        let gosumdb = route.gosumdb.legacy();
        let gotoolchain = Toolchain::parse(&value("GOTOOLCHAIN"));
        let goflags = crate::write::quoted_split(&value("GOFLAGS"));
        Snapshot {
            route,
            goflags,
            asked_go: inp.go_env.is_some(),
            settings,
            goproxy,
            gosumdb,
            gotoolchain,
        }
    }

    /// A key outside [`SNAPSHOT_KEYS`] (e.g. for `gomedic env KEY`), resolved the same way.
    pub fn resolve_extra(&self, inp: &Inputs<'_>, key: &str) -> Setting {
        match self.settings.get(key) {
            Some(s) => s.clone(),
            None => resolve(inp, key, &self.settings),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key)
    }

    /// The value the go command uses (empty for keys the snapshot does not hold).
    pub fn value(&self, key: &str) -> &str {
        self.settings
            .get(key)
            .map(|s| s.value.as_str())
            .unwrap_or("")
    }

    pub fn iter(&self) -> impl Iterator<Item = &Setting> {
        self.settings.values()
    }

    /// GOPRIVATE matches `module` as the go command matches it.
    pub fn private(&self, module: &str) -> bool {
        self.route.goprivate.matches(module)
    }
}

fn file_entry(
    file: Option<&EnvFile>,
    key: &str,
    source: fn(PathBuf, usize) -> Source,
) -> Option<Layer> {
    let f = file?;
    let e = f.get(key)?;
    Some(Layer {
        source: source(f.path.clone(), e.line),
        value: e.value.clone(),
    })
}

fn resolve(inp: &Inputs<'_>, key: &str, done: &BTreeMap<String, Setting>) -> Setting {
    let env = (inp.getenv)(key);
    let empty_in_environment = env.as_deref() == Some("");
    let mut layers: Vec<Layer> = Vec::new();
    if let Some(v) = env.filter(|v| !v.is_empty()) {
        layers.push(Layer {
            source: Source::Environment,
            value: v,
        });
    }
    layers.extend(file_entry(inp.user_file, key, |path, line| {
        Source::EnvFile { path, line }
    }));
    // go.env never supplies GOROOT (go overwrites it with the GOROOT it found).
    if key != "GOROOT" {
        layers.extend(file_entry(inp.goroot_file, key, |path, line| {
            Source::GorootGoEnv { path, line }
        }));
        if inp.goroot_file.is_none() {
            if let Some((_, v)) = STANDARD_GO_ENV.iter().find(|(k, _)| *k == key) {
                layers.push(Layer {
                    source: Source::Default {
                        note: "go's default, as shipped in $GOROOT/go.env".into(),
                    },
                    value: v.to_string(),
                });
            }
        }
    }
    let (raw, source, shadows) = if layers.is_empty() {
        (None, None, Vec::new())
    } else {
        let win = layers.remove(0);
        (Some(win.value), Some(win.source), layers)
    };
    // An empty winning value (only a file line can be empty) falls back to the key's
    // built-in default, exactly as cfg.envOr does.
    let (mut value, mut source, raw) = match (raw, source) {
        (Some(v), Some(s)) if !v.is_empty() => (v, s, None),
        (Some(v), Some(s)) => (builtin_default(inp, key, done).0, s, Some(v)),
        _ => {
            let (v, note) = builtin_default(inp, key, done);
            (v, Source::Default { note }, None)
        }
    };
    let pinned = PINNED_FOR_GO.contains(&key);
    let go_reported = inp
        .go_env
        .filter(|_| !pinned)
        .and_then(|m| m.get(key))
        .cloned();
    let mut layers_disagree = None;
    if let Some(g) = go_reported.as_ref().filter(|g| **g != value) {
        // A computed default (GOCACHE, GOMODCACHE, ...) is go's to know; a layer that go
        // read differently is a real disagreement worth showing.
        if matches!(source, Source::Default { .. }) {
            source = Source::Default {
                note: "as the go command computes it".into(),
            };
        } else {
            layers_disagree = Some(value.clone());
        }
        value = g.clone();
    }
    Setting {
        key: key.to_string(),
        value,
        source,
        raw,
        shadows,
        empty_in_environment,
        go_reported,
        layers_disagree,
    }
}

/// The built-in default of `key` (what `cfg.envOr` falls back to), with a note.
fn builtin_default(
    inp: &Inputs<'_>,
    key: &str,
    done: &BTreeMap<String, Setting>,
) -> (String, String) {
    let reported = || inp.go_env.and_then(|m| m.get(key)).cloned();
    match key {
        "GOROOT" => (
            inp.binary_goroot
                .as_ref()
                .map(|p| p.display().to_string())
                .or_else(reported)
                .unwrap_or_default(),
            "the go binary's own installation".into(),
        ),
        "GOPATH" => {
            let home = if inp.windows {
                (inp.getenv)("USERPROFILE")
            } else {
                (inp.getenv)("HOME")
            };
            let sep = if inp.windows { "\\" } else { "/" };
            (
                home.filter(|h| !h.is_empty())
                    .map(|h| format!("{h}{sep}go"))
                    .or_else(reported)
                    .unwrap_or_default(),
                "$HOME/go".into(),
            )
        }
        "GONOPROXY" | "GONOSUMDB" => (
            done.get("GOPRIVATE").map(|s| s.value.clone()).unwrap_or_default(),
            "from GOPRIVATE".into(),
        ),
        "GOTOOLCHAIN" => (
            String::new(),
            "set nowhere: the go command stays local".into(),
        ),
        "GOPROXY" => (
            String::new(),
            "empty: every module download fails (\"GOPROXY list is not the empty string, but contains no entries\")".into(),
        ),
        "GOSUMDB" => (
            String::new(),
            "empty: every checksum lookup fails (\"missing GOSUMDB\")".into(),
        ),
        _ => (reported().unwrap_or_default(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn snap(
        env: &[(&str, &str)],
        user: &str,
        goroot: Option<&str>,
        go: Option<&[(&str, &str)]>,
    ) -> Snapshot {
        let env: BTreeMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let getenv = move |k: &str| env.get(k).cloned();
        let user = EnvFile::parse(Path::new("/u/env"), user.as_bytes(), true);
        let gr = goroot.map(|g| EnvFile::parse(Path::new("/g/go.env"), g.as_bytes(), false));
        let go: Option<BTreeMap<String, String>> = go.map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        });
        Snapshot::new(&Inputs {
            getenv: &getenv,
            windows: false,
            user_file: Some(&user),
            goroot_file: gr.as_ref(),
            go_env: go.as_ref(),
            binary_goroot: Some("/g".into()),
            binary_version: None,
        })
    }

    const GO_ENV: &str = "# comment\nGOPROXY=https://proxy.golang.org,direct\nGOSUMDB=sum.golang.org\nGOTOOLCHAIN=auto\n";

    #[test]
    fn empty_line_in_the_go_env_file_shadows_goroot_go_env() {
        let s = snap(&[], "GOPROXY=\nGOSUMDB=\n", Some(GO_ENV), None);
        let p = s.get("GOPROXY").unwrap();
        assert_eq!(p.value, "");
        assert!(matches!(p.source, Source::EnvFile { line: 1, .. }));
        assert_eq!(p.shadows.len(), 1);
        assert!(
            s.goproxy.is_err(),
            "go fails every download on an empty GOPROXY"
        );
        assert_eq!(s.value("GOSUMDB"), "");
    }

    #[test]
    fn precedence_env_file_goroot_default() {
        let s = snap(
            &[("GOSUMDB", "sum.env"), ("GOFLAGS", "")],
            "GOPROXY=https://user.example\nGOSUMDB=sum.user\n",
            Some(GO_ENV),
            None,
        );
        assert_eq!(s.value("GOPROXY"), "https://user.example");
        assert_eq!(s.get("GOPROXY").unwrap().shadows.len(), 1);
        assert_eq!(s.get("GOSUMDB").unwrap().source, Source::Environment);
        assert!(matches!(
            s.get("GOTOOLCHAIN").unwrap().source,
            Source::GorootGoEnv { line: 4, .. }
        ));
        assert_eq!(s.gotoolchain, Toolchain::Auto);
        assert!(s.get("GOFLAGS").unwrap().empty_in_environment);
    }

    #[test]
    fn no_go_at_all_shows_gos_defaults() {
        let s = snap(&[("HOME", "/h")], "", None, None);
        assert_eq!(s.value("GOPROXY"), "https://proxy.golang.org,direct");
        assert_eq!(s.value("GOSUMDB"), "sum.golang.org");
        assert_eq!(s.value("GOTOOLCHAIN"), "auto");
        assert_eq!(s.value("GOPATH"), "/h/go");
        assert!(s.goproxy.is_ok() && s.gosumdb.is_ok());
    }

    #[test]
    fn gos_answer_wins_and_disagreement_is_kept() {
        let s = snap(
            &[],
            "GOPROXY=https://a.example\n",
            Some(GO_ENV),
            Some(&[
                ("GOPROXY", "https://b.example"),
                ("GOTOOLCHAIN", "local"),
                ("GOCACHE", "/c"),
            ]),
        );
        let p = s.get("GOPROXY").unwrap();
        assert_eq!(p.value, "https://b.example");
        assert_eq!(p.layers_disagree.as_deref(), Some("https://a.example"));
        // GOTOOLCHAIN is pinned when gomedic runs go: the user's value stands.
        assert_eq!(s.value("GOTOOLCHAIN"), "auto");
        assert_eq!(s.value("GOCACHE"), "/c");
        assert!(s.get("GOCACHE").unwrap().layers_disagree.is_none());
    }

    #[test]
    fn gonoproxy_defaults_to_goprivate() {
        let s = snap(&[("GOPRIVATE", "*.corp")], "", Some(GO_ENV), None);
        assert_eq!(s.value("GONOSUMDB"), "*.corp");
        assert!(s.private("git.corp/x"));
    }

    #[test]
    fn toolchain_forms() {
        assert_eq!(Toolchain::parse(""), Toolchain::Local);
        assert_eq!(Toolchain::parse("local+auto"), Toolchain::Auto);
        assert_eq!(Toolchain::parse("go1.22.1+bogus"), Toolchain::Invalid);
        assert_eq!(Toolchain::parse("bogus"), Toolchain::Invalid);
        assert_eq!(
            Toolchain::parse(" auto"),
            Toolchain::Invalid,
            "go does not trim"
        );
        assert!(matches!(
            Toolchain::parse("go1.22.1"),
            Toolchain::Pinned { mode: None, .. }
        ));
        assert!(
            matches!(Toolchain::parse("go1.22.1+path"), Toolchain::Pinned { mode: Some(ref m), .. } if m == "path")
        );
    }
}
