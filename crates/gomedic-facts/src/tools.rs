//! Facts about the Go tools around the toolchain: every copy of gopls, dlv, staticcheck...
//! on PATH, in GOBIN and GOPATH/bin, with the build information read from each file
//! (never by running it), and the editors' Go settings.

use crate::Facts;
use gomedic_tools::{BuildFacts, Discovery, EditorConfig, EditorInputs, FoundCopy, ToolDirs};
use std::path::PathBuf;

/// One copy's build information beyond what [`BuildFacts`] keeps.
#[derive(Debug, Clone)]
pub struct ToolsFacts {
    pub discovery: Discovery,
    pub editor: EditorConfig,
    /// Copies whose build information could not be read: (path, why).
    pub unreadable: Vec<(PathBuf, String)>,
    /// The GOOS/GOARCH tools must be built for to run here.
    pub host_goos: String,
    pub host_goarch: String,
}

impl ToolsFacts {
    /// Every copy of a known tool, then the other Go executables.
    pub fn all_copies(&self) -> impl Iterator<Item = (&str, &FoundCopy)> {
        self.discovery
            .tools
            .iter()
            .flat_map(|t| t.copies.iter().map(move |c| (t.name.as_str(), c)))
            .chain(self.discovery.others.iter().map(|c| ("", c)))
    }

    pub fn is_empty(&self) -> bool {
        self.all_copies().next().is_none()
    }
}

fn go_os(os: &str) -> String {
    gomedic_goenv::rules::goos(os).to_string()
}

fn build_facts(b: &gomedic_buildinfo::BuildInfo) -> BuildFacts {
    BuildFacts {
        go_version: b.go_version.clone(),
        path: Some(b.path.clone()).filter(|p| !p.is_empty()),
        main_module: b.main.as_ref().map(|m| m.path.clone()),
        main_version: b.main.as_ref().map(|m| m.version.clone()),
        goos: b.setting("GOOS").map(str::to_string),
        goarch: b.setting("GOARCH").map(str::to_string),
    }
}

/// The copies found in one set of directories, with their build information.
#[derive(Debug)]
pub(crate) struct Found {
    dirs: ToolDirs,
    discovery: Discovery,
    unreadable: Vec<(PathBuf, String)>,
}

impl Facts {
    /// Where tools are looked for, with GOBIN and GOPATH from `settings`.
    fn tool_dirs(&self, gobin: &str, gopath: &str) -> ToolDirs {
        ToolDirs {
            path: self.path_var.clone(),
            gobin: gobin.into(),
            gopath: gopath.into(),
            os: go_os(&self.os),
            pathext: self.getenv("PATHEXT"),
        }
    }

    fn find_tools(&self, dirs: ToolDirs) -> Found {
        let mut discovery = self.gather.discover_tools(&dirs);
        let mut unreadable = Vec::new();
        let mut fill = |c: &mut FoundCopy| -> bool {
            let p = c
                .canonical
                .clone()
                .unwrap_or_else(|| c.path().to_path_buf());
            match self.gather.build_info(&p) {
                Ok(Some(b)) => {
                    c.build = Some(build_facts(&b));
                    true
                }
                Ok(None) => false,
                Err(e) => {
                    unreadable.push((c.path().to_path_buf(), e));
                    false
                }
            }
        };
        for t in &mut discovery.tools {
            for c in &mut t.copies {
                fill(c);
            }
        }
        // Other executables count only when they are Go programs.
        discovery.others.retain_mut(|c| fill(c));
        Found {
            dirs,
            discovery,
            unreadable,
        }
    }

    /// The tools found where gomedic's own reading of the settings (without asking go)
    /// says they are: gathered while go runs ([`Facts::prefetch`]), used by [`Facts::tools`]
    /// when go's answer names the same directories.
    fn early_tools(&self) -> &Found {
        self.early_tools.get_or_init(|| {
            let local = self.local_settings();
            self.find_tools(self.tool_dirs(local.value("GOBIN"), local.value("GOPATH")))
        })
    }

    /// Gathers, while go runs, the facts that do not wait for its answer (the tools on
    /// PATH and in GOBIN/GOPATH/bin as gomedic reads the settings, the editor's
    /// configuration), so the checks find them ready. Never needed for correctness.
    pub fn prefetch(&self) {
        let _ = self.early_tools();
        let _ = self.editor();
    }

    /// The editor configuration, read once.
    fn editor(&self) -> &EditorConfig {
        self.editor.get_or_init(|| {
            let os = go_os(&self.os);
            let module_dir = match self.modfile() {
                Some(Ok(m)) => m.path.parent().map(PathBuf::from),
                _ => None,
            }
            .unwrap_or_else(|| self.cwd.clone());
            let inputs = EditorInputs {
                os,
                home: self
                    .getenv(if self.windows() {
                        "USERPROFILE"
                    } else {
                        "HOME"
                    })
                    .filter(|h| !h.is_empty())
                    .map(PathBuf::from),
                appdata: self.getenv("APPDATA").map(PathBuf::from),
                env: self.env.clone(),
                root_dir: repo_root(self, &module_dir),
                module_dir,
            };
            self.gather.editor_config(&inputs)
        })
    }

    /// The tools facts, gathered once.
    pub fn tools(&self) -> &ToolsFacts {
        self.tools.get_or_init(|| {
            let os = go_os(&self.os);
            let dirs = self.tool_dirs(&self.setting("GOBIN"), &self.setting("GOPATH"));
            let early = self.early_tools();
            let (discovery, unreadable) = if early.dirs == dirs {
                (early.discovery.clone(), early.unreadable.clone())
            } else {
                let f = self.find_tools(dirs);
                (f.discovery, f.unreadable)
            };
            let editor = self.editor().clone();
            let host_goos = self
                .go_env_value("GOHOSTOS")
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .unwrap_or(os);
            let host_goarch = self
                .go_env_value("GOHOSTARCH")
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| gomedic_goenv::rules::host().1.to_string());
            ToolsFacts {
                discovery,
                editor,
                unreadable,
                host_goos,
                host_goarch,
            }
        })
    }
}

/// The nearest directory at or above `dir` holding `.git` (the repository root), where
/// editors are usually opened.
fn repo_root(f: &Facts, dir: &std::path::Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| f.file_kind(&d.join(".git")) != crate::FileKind::Missing)
        .map(PathBuf::from)
}

impl Facts {
    /// Runs a tool once (`tools.runs` under `--deep`), in the current directory, with the
    /// go command's timeout.
    pub fn run_tool(&self, path: &std::path::Path, args: &[&str]) -> gomedic_sys::exec::Result {
        self.gather
            .run_go(path, args, &self.cwd, self.timeouts.go_command)
    }
}
