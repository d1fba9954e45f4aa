//! Which Go and which tools an editor uses: VS Code's settings (user, `.code-workspace`,
//! folder `.vscode/settings.json`) and GoLand's project GOROOT, each value with the file and
//! key it came from, and how that differs from what the terminal uses.

use crate::discover::{Discovery, Place};
use jsonc_parser::{JsonObject, JsonValue, ParseOptions};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub file: PathBuf,
    pub key: String,
}

/// A value with its provenance: `raw` as written, `value` after `${env:X}`,
/// `${workspaceFolder}` and `~` expansion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced {
    pub raw: String,
    pub value: String,
    pub from: Provenance,
}

/// A settings file that could not be read: the file, the 1-based line and column, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingsError {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// The Go extension's settings as one VS Code product sees them (later layers win).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VsCodeSettings {
    /// `Code` or `Code - Insiders`.
    pub product: String,
    pub goroot: Option<Sourced>,
    pub gopath: Option<Sourced>,
    pub tools_gopath: Option<Sourced>,
    /// `go.alternateTools`, per tool (the `go` key included).
    pub alternate_tools: BTreeMap<String, Sourced>,
    /// `go.toolsEnvVars` (GOROOT, GOFLAGS, GOTOOLCHAIN...).
    pub tools_env_vars: BTreeMap<String, Sourced>,
    /// `go.toolsManagement.go`: the go that installs tools.
    pub tools_management_go: Option<Sourced>,
    /// Settings files read, lowest precedence first.
    pub files: Vec<PathBuf>,
}

/// Everything gomedic knows about the editors' Go configuration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EditorConfig {
    /// The OS the rules are for (`windows`: `.exe` names).
    pub os: String,
    /// One entry per VS Code product: `Code` always, `Code - Insiders` when its user settings exist.
    pub vscode: Vec<VsCodeSettings>,
    /// GoLand's project GOROOT (`.idea/workspace.xml`).
    pub goland_goroot: Option<Sourced>,
    pub errors: Vec<SettingsError>,
}

/// Where to look, all injected (no environment is read here).
#[derive(Debug, Clone, Default)]
pub struct EditorInputs {
    /// `linux`, `darwin`, `windows`.
    pub os: String,
    pub home: Option<PathBuf>,
    /// `%APPDATA%` (Windows).
    pub appdata: Option<PathBuf>,
    /// For `${env:X}`; unset variables expand to nothing, as in vscode-go.
    pub env: BTreeMap<String, String>,
    /// The module being edited.
    pub module_dir: PathBuf,
    /// The repository or workspace root: `.vscode`, `*.code-workspace` and `.idea` are looked
    /// for from `module_dir` up to here (included). `None`: `module_dir` only.
    pub root_dir: Option<PathBuf>,
}

fn join(os: &str, base: &Path, parts: &[&str]) -> PathBuf {
    // String joins so Windows paths come out right whatever this machine is.
    let sep = if os == "windows" { '\\' } else { '/' };
    let mut s = base
        .to_string_lossy()
        .trim_end_matches(['/', '\\'])
        .to_string();
    for p in parts {
        s.push(sep);
        s.push_str(p);
    }
    PathBuf::from(s)
}

/// VS Code's user settings.json for each product, per OS
/// (code.visualstudio.com/docs/configure/settings).
pub fn vscode_user_settings(
    os: &str,
    home: Option<&Path>,
    appdata: Option<&Path>,
) -> Vec<(String, PathBuf)> {
    ["Code", "Code - Insiders"]
        .into_iter()
        .filter_map(|product| {
            let p = match os {
                "windows" => join(os, appdata?, &[product, "User", "settings.json"]),
                "darwin" => join(
                    os,
                    home?,
                    &[
                        "Library",
                        "Application Support",
                        product,
                        "User",
                        "settings.json",
                    ],
                ),
                _ => join(os, home?, &[".config", product, "User", "settings.json"]),
            };
            Some((product.to_string(), p))
        })
        .collect()
}

/// Directories from `module_dir` up to `root_dir` (included), nearest first.
fn dirs_up(module_dir: &Path, root_dir: Option<&Path>) -> Vec<PathBuf> {
    let mut out = vec![module_dir.to_path_buf()];
    let Some(root) = root_dir else {
        return out;
    };
    if !module_dir.starts_with(root) {
        return out;
    }
    let mut d = module_dir;
    while d != root {
        match d.parent() {
            Some(p) => {
                out.push(p.to_path_buf());
                d = p;
            }
            None => break,
        }
    }
    out
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let upto = &text[..offset.min(text.len())];
    let line = upto.matches('\n').count() + 1;
    let col = upto
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

const MAX_DEPTH: usize = 256;

/// Parses a settings file as VS Code's JSON with Comments: `//` and `/* */` comments and
/// trailing commas are accepted; anything else that is not JSON is an error with its line.
pub fn parse_settings<'t>(
    file: &Path,
    text: &'t str,
) -> Result<Option<JsonValue<'t>>, SettingsError> {
    let opts = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    // A byte-order mark is legal at the start of a settings file.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The parser recurses per nesting level: refuse absurd nesting rather than overflow the stack.
    let mut depth = 0usize;
    for (i, b) in body.bytes().enumerate() {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_DEPTH {
            let (line, column) = line_col(body, i);
            return Err(SettingsError {
                file: file.to_path_buf(),
                line,
                column,
                message: format!("nested more than {MAX_DEPTH} levels deep"),
            });
        }
    }
    jsonc_parser::parse_to_value(body, &opts).map_err(|e| {
        let (line, column) = line_col(body, e.range().start);
        SettingsError {
            file: file.to_path_buf(),
            line,
            column,
            message: e.kind().to_string(),
        }
    })
}

struct Expander<'a> {
    home: Option<&'a Path>,
    env: &'a BTreeMap<String, String>,
    workspace_folder: &'a Path,
}

impl Expander<'_> {
    /// vscode-go's substituteEnv then resolvePath: `${env:X}`, `${workspaceFolder}`
    /// (`${workspaceRoot}`), then a leading `~`.
    fn expand(&self, raw: &str) -> String {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(i) = rest.find("${env:") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 6..];
            match after.find('}') {
                Some(j) => {
                    let name = after[..j].trim();
                    out.push_str(self.env.get(name).map(|s| s.as_str()).unwrap_or(""));
                    rest = &after[j + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        let wf = self.workspace_folder.to_string_lossy();
        let out = out
            .replace("${workspaceFolder}", &wf)
            .replace("${workspaceRoot}", &wf);
        match (out.strip_prefix('~'), self.home) {
            (Some(tail), Some(home)) => {
                let h = home.to_string_lossy();
                let h = h.trim_end_matches(['/', '\\']);
                let tail = tail.trim_start_matches(['/', '\\']);
                if tail.is_empty() {
                    h.to_string()
                } else {
                    let sep = if h.contains('\\') && !h.contains('/') {
                        '\\'
                    } else {
                        '/'
                    };
                    format!("{h}{sep}{tail}")
                }
            }
            _ => out,
        }
    }
}

/// One settings layer: the `go.*` keys of one file.
fn apply_layer(
    s: &mut VsCodeSettings,
    file: &Path,
    obj: &JsonObject<'_>,
    x: &Expander<'_>,
    errors: &mut Vec<SettingsError>,
) {
    let src = |key: &str, raw: &str| Sourced {
        raw: raw.to_string(),
        value: x.expand(raw),
        from: Provenance {
            file: file.to_path_buf(),
            key: key.to_string(),
        },
    };
    let mut wrong_type = |key: &str| {
        errors.push(SettingsError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("{key}: not the type VS Code expects; ignored"),
        })
    };
    for (key, slot) in [
        ("go.goroot", &mut s.goroot),
        ("go.gopath", &mut s.gopath),
        ("go.toolsGopath", &mut s.tools_gopath),
        ("go.toolsManagement.go", &mut s.tools_management_go),
    ] {
        match obj.get(key) {
            Some(JsonValue::String(v)) if !v.trim().is_empty() => *slot = Some(src(key, v)),
            // null or "" in a later layer: back to the default.
            Some(JsonValue::Null) | Some(JsonValue::String(_)) => *slot = None,
            Some(_) => wrong_type(key),
            None => {}
        }
    }
    if let Some(JsonValue::Object(tm)) = obj.get("go.toolsManagement") {
        if let Some(JsonValue::String(v)) = tm.get("go") {
            s.tools_management_go = Some(src("go.toolsManagement.go", v));
        }
    }
    for (key, map) in [
        ("go.alternateTools", &mut s.alternate_tools),
        ("go.toolsEnvVars", &mut s.tools_env_vars),
    ] {
        match obj.get(key) {
            Some(JsonValue::Object(o)) => {
                // Object settings merge key by key across layers, as VS Code's do.
                for (k, v) in o.clone().into_iter() {
                    let full = format!("{key}.{k}");
                    match v {
                        JsonValue::String(v) => {
                            map.insert(k.to_string(), src(&full, &v));
                        }
                        JsonValue::Null => {
                            map.remove(k.as_ref());
                        }
                        _ => wrong_type(&full),
                    }
                }
            }
            Some(JsonValue::Null) | None => {}
            Some(_) => wrong_type(key),
        }
    }
}

fn read_text(file: &Path, errors: &mut Vec<SettingsError>) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() || meta.len() > 16 << 20 {
        return None;
    }
    match std::fs::read(file) {
        Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Err(e) => {
            errors.push(SettingsError {
                file: file.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read: {e}"),
            });
            None
        }
    }
}

/// The top-level object of a settings file (for a `.code-workspace`: its `settings`).
fn object_of<'t>(
    file: &Path,
    text: &'t str,
    code_workspace: bool,
    errors: &mut Vec<SettingsError>,
) -> Option<JsonObject<'t>> {
    let obj = match parse_settings(file, text) {
        Ok(Some(JsonValue::Object(o))) => o,
        Ok(None) => return None,
        Ok(Some(_)) => {
            errors.push(SettingsError {
                file: file.to_path_buf(),
                line: 1,
                column: 1,
                message: "not a JSON object".into(),
            });
            return None;
        }
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    if !code_workspace {
        return Some(obj);
    }
    match obj.take_inner().remove("settings") {
        Some(JsonValue::Object(s)) => Some(s),
        _ => None,
    }
}

/// Reads VS Code's and GoLand's settings for the module in `inputs`. Unreadable or malformed
/// files are listed in `errors` (file and line) and skipped; this never panics.
pub fn load_editor_config(inputs: &EditorInputs) -> EditorConfig {
    let os = inputs.os.as_str();
    let mut cfg = EditorConfig {
        os: inputs.os.clone(),
        ..Default::default()
    };
    let dirs = dirs_up(&inputs.module_dir, inputs.root_dir.as_deref());
    let fallback_folder = inputs
        .root_dir
        .clone()
        .unwrap_or_else(|| inputs.module_dir.clone());
    // Workspace layers, lowest precedence first: *.code-workspace `settings` (outermost first),
    // then folder .vscode/settings.json (outermost first, so the nearest wins).
    let mut ws_files: Vec<(PathBuf, PathBuf, bool)> = Vec::new(); // (file, folder, is_code_workspace)
    for d in dirs.iter().rev() {
        if let Ok(rd) = std::fs::read_dir(d) {
            let mut cws: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "code-workspace"))
                .collect();
            cws.sort();
            for f in cws {
                ws_files.push((f, d.clone(), true));
            }
        }
    }
    for d in dirs.iter().rev() {
        let f = d.join(".vscode").join("settings.json");
        if f.is_file() {
            ws_files.push((f, d.clone(), false));
        }
    }
    let workspace_folder = ws_files
        .iter()
        .rev()
        .find(|(_, _, cw)| !cw)
        .map(|(_, d, _)| d.clone())
        .unwrap_or(fallback_folder);
    let x = Expander {
        home: inputs.home.as_deref(),
        env: &inputs.env,
        workspace_folder: &workspace_folder,
    };
    let texts: Vec<(PathBuf, bool, String)> = ws_files
        .iter()
        .filter_map(|(f, _, cw)| Some((f.clone(), *cw, read_text(f, &mut cfg.errors)?)))
        .collect();
    let mut parsed_ws: Vec<(PathBuf, JsonObject<'_>)> = Vec::new();
    for (f, cw, text) in &texts {
        if let Some(obj) = object_of(f, text, *cw, &mut cfg.errors) {
            parsed_ws.push((f.clone(), obj));
        }
    }
    for (i, (product, user_file)) in
        vscode_user_settings(os, inputs.home.as_deref(), inputs.appdata.as_deref())
            .into_iter()
            .enumerate()
    {
        let exists = user_file.is_file();
        if i > 0 && !exists {
            continue;
        }
        let mut s = VsCodeSettings {
            product,
            ..Default::default()
        };
        if exists {
            let text = read_text(&user_file, &mut cfg.errors).unwrap_or_default();
            if let Some(obj) = object_of(&user_file, &text, false, &mut cfg.errors) {
                apply_layer(&mut s, &user_file, &obj, &x, &mut cfg.errors);
                s.files.push(user_file.clone());
            }
        }
        for (f, obj) in &parsed_ws {
            apply_layer(&mut s, f, obj, &x, &mut cfg.errors);
            s.files.push(f.clone());
        }
        cfg.vscode.push(s);
    }
    // Errors are collected once per file even though layers are applied per product.
    let mut seen = Vec::new();
    cfg.errors.retain(|e| {
        let new = !seen.contains(e);
        if new {
            seen.push(e.clone());
        }
        new
    });
    // GoLand: the nearest .idea/workspace.xml with a GOROOT component.
    for d in &dirs {
        let f = d.join(".idea").join("workspace.xml");
        if !f.is_file() {
            continue;
        }
        match goland_goroot(&f, d, inputs.home.as_deref()) {
            Ok(Some(v)) => {
                cfg.goland_goroot = Some(v);
                break;
            }
            Ok(None) => {}
            Err(e) => cfg.errors.push(e),
        }
    }
    cfg
}

/// `<component name="GOROOT" url="file://$PROJECT_DIR$/..."/>` in `.idea/workspace.xml`.
fn goland_goroot(
    file: &Path,
    project_dir: &Path,
    home: Option<&Path>,
) -> Result<Option<Sourced>, SettingsError> {
    let text = std::fs::read(file).map_err(|e| SettingsError {
        file: file.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    let text = String::from_utf8_lossy(&text);
    let doc = roxmltree::Document::parse(&text).map_err(|e| {
        let p = e.pos();
        SettingsError {
            file: file.to_path_buf(),
            line: p.row as usize,
            column: p.col as usize,
            message: e.to_string(),
        }
    })?;
    let Some(node) = doc
        .descendants()
        .find(|n| n.has_tag_name("component") && n.attribute("name") == Some("GOROOT"))
    else {
        return Ok(None);
    };
    let Some(url) = node.attribute("url") else {
        return Ok(None);
    };
    let mut v = url.strip_prefix("file://").unwrap_or(url).to_string();
    v = v.replace("$PROJECT_DIR$", &project_dir.to_string_lossy());
    if let Some(h) = home {
        v = v.replace("$USER_HOME$", &h.to_string_lossy());
    }
    Ok(Some(Sourced {
        raw: url.to_string(),
        value: v,
        from: Provenance {
            file: file.to_path_buf(),
            key: "component[name=GOROOT]/@url".into(),
        },
    }))
}

/// What differs between the editor and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    /// The editor uses another GOROOT (go.goroot, go.alternateTools.go, toolsEnvVars GOROOT, GoLand).
    Goroot,
    /// go.goroot is set but has no bin/go: VS Code ignores it and warns.
    InvalidGoroot,
    /// The editor runs another copy of a tool (or a file that is missing).
    Tool,
    /// go.toolsEnvVars changes GOFLAGS, GOTOOLCHAIN... for the tools.
    EnvVar,
    /// go.toolsManagement.go installs tools with another go.
    ToolsManagementGo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `Code`, `Code - Insiders` or `GoLand`.
    pub editor: String,
    pub kind: DifferenceKind,
    pub tool: Option<String>,
    pub editor_value: String,
    pub terminal_value: Option<String>,
    /// The setting responsible; `None` when it is the editor's lookup order alone.
    pub from: Option<Provenance>,
    pub message: String,
}

fn canon(p: &Path) -> PathBuf {
    dunce::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn is_abs(s: &str) -> bool {
    let b = s.as_bytes();
    s.starts_with('/')
        || s.starts_with("\\\\")
        || (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/'))
}

fn exe_name(os: &str, tool: &str) -> String {
    if os == "windows" {
        format!("{tool}.exe")
    } else {
        tool.to_string()
    }
}

/// The GOROOT a go binary at `go` belongs to (`go/../..`).
fn goroot_of_go(go: &Path) -> Option<PathBuf> {
    Some(go.parent()?.parent()?.to_path_buf())
}

/// Where the editors' Go or tools differ from the terminal's: `terminal_goroot` is the GOROOT
/// of the go the terminal runs, `tools` the discovery whose PATH winners the terminal runs.
pub fn editor_differences(
    editor: &EditorConfig,
    terminal_goroot: Option<&Path>,
    tools: &Discovery,
) -> Vec<Difference> {
    let os = editor.os.as_str();
    let term_root = terminal_goroot.map(canon);
    let term_root_s = terminal_goroot.map(|p| p.display().to_string());
    let mut out = Vec::new();
    let goroot_differs = |p: &Path| term_root.as_ref() != Some(&canon(p));
    for s in &editor.vscode {
        let ed = s.product.clone();
        let mut diff = |kind,
                        tool: Option<&str>,
                        val: &str,
                        term: Option<String>,
                        from: Option<&Provenance>,
                        message: String| {
            out.push(Difference {
                editor: ed.clone(),
                kind,
                tool: tool.map(str::to_string),
                editor_value: val.to_string(),
                terminal_value: term,
                from: from.cloned(),
                message,
            })
        };
        let mut ide_goroot: Option<PathBuf> = None;
        if let Some(g) = &s.goroot {
            let root = PathBuf::from(&g.value);
            if root.join("bin").join(exe_name(os, "go")).is_file() {
                ide_goroot = Some(root.clone());
                if goroot_differs(&root) {
                    diff(
                        DifferenceKind::Goroot,
                        None,
                        &g.value,
                        term_root_s.clone(),
                        Some(&g.from),
                        format!(
                            "VS Code ({}) uses GOROOT {} from go.goroot; the terminal's go uses {}",
                            s.product,
                            g.value,
                            term_root_s.as_deref().unwrap_or("another")
                        ),
                    );
                }
            } else {
                diff(
                    DifferenceKind::InvalidGoroot,
                    None,
                    &g.value,
                    term_root_s.clone(),
                    Some(&g.from),
                    format!(
                        "go.goroot setting is ignored. {} is not a valid GOROOT directory.",
                        g.value
                    ),
                );
            }
        }
        if let Some(g) = s.alternate_tools.get("go") {
            if is_abs(&g.value) {
                let p = PathBuf::from(&g.value);
                // A directory is accepted too (vscode-go appends go[.exe]).
                let go = if p.is_dir() {
                    p.join(exe_name(os, "go"))
                } else {
                    p
                };
                if !go.is_file() {
                    diff(
                        DifferenceKind::Goroot,
                        Some("go"),
                        &g.value,
                        term_root_s.clone(),
                        Some(&g.from),
                        format!(
                            "go.alternateTools.go points at {}, which does not exist",
                            go.display()
                        ),
                    );
                } else if let Some(root) = goroot_of_go(&canon(&go)) {
                    if goroot_differs(&root) {
                        diff(
                            DifferenceKind::Goroot,
                            Some("go"),
                            &g.value,
                            term_root_s.clone(),
                            Some(&g.from),
                            format!(
                                "VS Code ({}) runs {} (GOROOT {}) from go.alternateTools.go",
                                s.product,
                                go.display(),
                                root.display()
                            ),
                        );
                    }
                    ide_goroot = Some(root);
                }
            } else if g.value != "go" {
                diff(
                    DifferenceKind::Goroot,
                    Some("go"),
                    &g.value,
                    None,
                    Some(&g.from),
                    format!(
                        "go.alternateTools.go makes VS Code run `{}` instead of go",
                        g.value
                    ),
                );
            }
        }
        for (k, v) in &s.tools_env_vars {
            if k == "GOROOT" {
                if goroot_differs(Path::new(&v.value)) {
                    diff(
                        DifferenceKind::Goroot,
                        None,
                        &v.value,
                        term_root_s.clone(),
                        Some(&v.from),
                        format!(
                            "go.toolsEnvVars sets GOROOT={} for the tools VS Code runs",
                            v.value
                        ),
                    );
                }
            } else if matches!(
                k.as_str(),
                "GOFLAGS"
                    | "GOTOOLCHAIN"
                    | "GOOS"
                    | "GOARCH"
                    | "GOPATH"
                    | "GOBIN"
                    | "GOPROXY"
                    | "GOENV"
            ) {
                diff(DifferenceKind::EnvVar, None, &v.value, None, Some(&v.from),
                    format!("go.toolsEnvVars sets {k}={} for the tools VS Code runs (not for the terminal)", v.value));
            }
        }
        if let Some(g) = &s.tools_management_go {
            let p = PathBuf::from(&g.value);
            let root = if p.is_dir() {
                Some(p.clone())
            } else {
                goroot_of_go(&canon(&p))
            };
            if root.as_deref().is_none_or(&goroot_differs) {
                diff(DifferenceKind::ToolsManagementGo, None, &g.value, term_root_s.clone(), Some(&g.from),
                    format!("VS Code ({}) installs tools with {} (go.toolsManagement.go), not the terminal's go", s.product, g.value));
            }
        }
        // Tools: vscode-go's lookup order (utils/pathUtils.ts): absolute alternateTools, then
        // GOBIN, toolsGopath/bin, GOPATH/bin, GOROOT/bin, PATH.
        for t in &tools.tools {
            let term = t.winner().map(|c| {
                c.canonical
                    .clone()
                    .unwrap_or_else(|| c.path().to_path_buf())
            });
            let term_s = t.winner().map(|c| c.path().display().to_string());
            let (pick, from): (Option<PathBuf>, Option<&Provenance>) =
                if let Some(a) = s.alternate_tools.get(&t.name) {
                    if is_abs(&a.value) {
                        (Some(PathBuf::from(&a.value)), Some(&a.from))
                    } else {
                        diff(
                            DifferenceKind::Tool,
                            Some(&t.name),
                            &a.value,
                            term_s.clone(),
                            Some(&a.from),
                            format!(
                                "go.alternateTools.{} makes VS Code run `{}` instead of {}",
                                t.name, a.value, t.name
                            ),
                        );
                        continue;
                    }
                } else {
                    let name = exe_name(os, &t.name);
                    let gobin = t
                        .copies
                        .iter()
                        .find(|c| c.locations.iter().any(|l| l.place == Place::Gobin));
                    let tools_gopath = s.tools_gopath.as_ref().and_then(|g| {
                        crate::discover::gopath_bin_dirs(&g.value, os)
                            .into_iter()
                            .map(|b| b.join(&name))
                            .find(|p| p.is_file())
                            .map(|p| (p, &g.from))
                    });
                    let gopath = match &s.gopath {
                        Some(g) => crate::discover::gopath_bin_dirs(&g.value, os)
                            .into_iter()
                            .map(|b| b.join(&name))
                            .find(|p| p.is_file())
                            .map(|p| (p, Some(&g.from))),
                        None => {
                            let mut best: Option<(usize, PathBuf)> = None;
                            for c in &t.copies {
                                for l in &c.locations {
                                    if let Place::GopathBin { index } = l.place {
                                        if best.as_ref().is_none_or(|(i, _)| index < *i) {
                                            best = Some((index, l.path.clone()));
                                        }
                                    }
                                }
                            }
                            best.map(|(_, p)| (p, None))
                        }
                    };
                    let goroot_bin = ide_goroot
                        .as_ref()
                        .map(|r| r.join("bin").join(&name))
                        .filter(|p| p.is_file());
                    if let Some(c) = gobin {
                        (Some(c.path().to_path_buf()), None)
                    } else if let Some((p, f)) = tools_gopath {
                        (Some(p), Some(f))
                    } else if let Some((p, f)) = gopath {
                        (Some(p), f)
                    } else if let Some(p) = goroot_bin {
                        (Some(p), None)
                    } else {
                        (None, None)
                    }
                };
            let Some(pick) = pick else { continue };
            if !pick.exists() {
                diff(
                    DifferenceKind::Tool,
                    Some(&t.name),
                    &pick.display().to_string(),
                    term_s.clone(),
                    from,
                    format!(
                        "VS Code ({}) is set to run {}, which does not exist",
                        s.product,
                        pick.display()
                    ),
                );
                continue;
            }
            if Some(canon(&pick)) != term {
                let why = match from {
                    Some(p) => format!("from {}", p.key),
                    None => "VS Code looks in GOBIN and GOPATH/bin before PATH".to_string(),
                };
                diff(
                    DifferenceKind::Tool,
                    Some(&t.name),
                    &pick.display().to_string(),
                    term_s.clone(),
                    from,
                    format!(
                        "VS Code ({}) runs {} ({why}); the terminal runs {}",
                        s.product,
                        pick.display(),
                        term_s.as_deref().unwrap_or("none")
                    ),
                );
            }
        }
    }
    if let Some(g) = &editor.goland_goroot {
        let root = PathBuf::from(&g.value);
        let valid = root.join("bin").join(exe_name(os, "go")).is_file();
        if !valid || goroot_differs(&root) {
            out.push(Difference {
                editor: "GoLand".into(),
                kind: if valid {
                    DifferenceKind::Goroot
                } else {
                    DifferenceKind::InvalidGoroot
                },
                tool: None,
                editor_value: g.value.clone(),
                terminal_value: term_root_s.clone(),
                from: Some(g.from.clone()),
                message: if valid {
                    format!(
                        "GoLand's project GOROOT is {}; the terminal's go uses {}",
                        g.value,
                        term_root_s.as_deref().unwrap_or("another")
                    )
                } else {
                    format!("GoLand's project GOROOT {} has no bin/go", g.value)
                },
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
