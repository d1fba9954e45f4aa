//! `tools.*`: the Go tools around the toolchain (gopls, dlv, staticcheck, ...), judged from
//! the build information in their executables (never by running them, except `tools.runs`
//! under `--deep`): which copy PATH runs, the platform and Go they were built for, Delve's
//! supported Go range, and what the editors use.

use crate::codes::Code;
use crate::facts::tools::ToolsFacts;
use crate::facts::Facts;
use gomedic_core::{CheckResult, Fix, FixAction, Status, ToolRebuild};
use gomedic_goenv::GoVersion;
use gomedic_tools::{FoundCopy, Verdict};

const DLV_PACKAGE: &str = "github.com/go-delve/delve/cmd/dlv";

/// Skipped with this when there is nothing to judge.
const NO_TOOLS: &str = "no Go tools found on PATH, in GOBIN or GOPATH/bin";

/// Skipped, grouped with the other tools checks in the human report.
fn no_tools(t: &ToolsFacts) -> Option<CheckResult> {
    t.is_empty()
        .then(|| CheckResult::skipped(NO_TOOLS).data("skip_group", NO_TOOLS))
}

/// The go in use (`go1.27.3`), as its build info would name it.
fn go_in_use(f: &Facts) -> Option<(String, GoVersion)> {
    let id = f.go_identity()?;
    let v = id.line.version.clone()?;
    Some((id.line.raw_version.clone(), v))
}

/// The current module's `go` line.
fn module_go(f: &Facts) -> Option<(String, std::path::PathBuf)> {
    match f.modfile() {
        Some(Ok(m)) => m.go.as_ref().map(|(v, _)| (v.clone(), m.path.clone())),
        _ => None,
    }
}

fn built_with(c: &FoundCopy) -> Option<GoVersion> {
    gomedic_tools::parse_built(&c.build.as_ref()?.go_version)
}

/// A module version `go install` can fetch again (not `(devel)`, not empty).
fn installable(c: &FoundCopy) -> Option<(&str, &str)> {
    let b = c.build.as_ref()?;
    let pkg = b.path.as_deref()?;
    let v = b.main_version.as_deref()?;
    if v.is_empty() || v == "(devel)" || pkg == "command-line-arguments" {
        return None;
    }
    Some((pkg, v))
}

fn shown(c: &FoundCopy) -> String {
    c.path().display().to_string()
}

fn describe(c: &FoundCopy) -> String {
    match &c.build {
        Some(b) => format!(
            "{} ({} {}, built with {})",
            shown(c),
            b.main_module.as_deref().unwrap_or("?"),
            b.main_version.as_deref().unwrap_or("?"),
            b.go_version
        ),
        None => shown(c),
    }
}

fn foreign(t: &ToolsFacts, c: &FoundCopy) -> Option<(String, String)> {
    let b = c.build.as_ref()?;
    let os = b.goos.clone()?;
    let arch = b.goarch.clone()?;
    (os != t.host_goos || arch != t.host_goarch).then_some((os, arch))
}

/// Where a rebuilt binary goes: the same path, without a `.exe` outside Windows and with
/// one on Windows.
fn dest_for(t: &ToolsFacts, c: &FoundCopy) -> String {
    let p = shown(c);
    let lower = p.to_ascii_lowercase();
    if t.host_goos == "windows" {
        if lower.ends_with(".exe") {
            p
        } else {
            format!("{p}.exe")
        }
    } else if lower.ends_with(".exe") {
        p[..p.len() - 4].to_string()
    } else {
        p
    }
}

/// The Delve verdict for the dlv PATH runs, against the go in use.
fn delve_verdict(f: &Facts, t: &ToolsFacts) -> Option<(FoundCopy, Verdict)> {
    let dlv = t.discovery.tool("dlv")?.winner()?.clone();
    let b = dlv.build.as_ref()?;
    let version = b.main_version.clone()?;
    let (raw, _) = go_in_use(f)?;
    let host = gomedic_tools::DelveHost {
        arch: b.goarch.clone(),
        built_with: Some(b.go_version.clone()),
        target_dwarf5: None,
    };
    Some((
        dlv.clone(),
        gomedic_tools::delve_supports_on(&version, &raw, &host),
    ))
}

/// Every binary `tools.rebuild` replaces: the same list from whichever check offers it.
pub fn rebuild_targets(f: &Facts) -> Vec<ToolRebuild> {
    let t = f.tools();
    let mut out: Vec<ToolRebuild> = Vec::new();
    let mut push = |c: &FoundCopy, version: Option<&str>, reason: String| {
        let Some((pkg, v)) = installable(c) else {
            return;
        };
        let path = shown(c);
        if out.iter().any(|r| r.path == path) {
            return;
        }
        out.push(ToolRebuild {
            dest: dest_for(t, c),
            path,
            package: pkg.to_string(),
            version: version.unwrap_or(v).to_string(),
            reason,
        });
    };
    if let Some((dlv, v)) = delve_verdict(f, t) {
        if !matches!(v, Verdict::Ok | Verdict::Unknown { .. }) {
            let mut d = dlv.clone();
            // Delve too old or too new for this go: the newest release, not the same one.
            if let Some(b) = &mut d.build {
                b.path = Some(DLV_PACKAGE.to_string());
            }
            push(
                &d,
                Some("latest"),
                "Delve cannot debug what this go builds".into(),
            );
        }
    }
    let module = module_go(f);
    for (_, c) in t.all_copies() {
        if let Some((os, arch)) = foreign(t, c) {
            push(c, None, format!("built for {os}/{arch}"));
            continue;
        }
        if let (Some(built), Some((line, _))) = (built_with(c), &module) {
            if let Some(m) = GoVersion::parse(line) {
                if m.lang() > built.lang() {
                    push(
                        c,
                        None,
                        format!("built with go{built}, the module says go {line}"),
                    );
                }
            }
        }
    }
    out
}

fn rebuild_fix(f: &Facts) -> Option<Fix> {
    let tools = rebuild_targets(f);
    if tools.is_empty() {
        return None;
    }
    let commands = tools
        .iter()
        .map(|r| format!("go install {}@{}", r.package, r.version))
        .collect();
    Some(Fix::auto(
        "tools.rebuild",
        format!(
            "Rebuild {} with the go in use (the old binaries are kept; gomedic undo restores them)",
            crate::util::count(tools.len(), "tool", "tools")
        ),
        commands,
        FixAction::ToolsRebuild { tools },
    ))
}

/// The worst status of the findings, a summary, the findings and the fix when any applies.
fn result(
    found: Vec<(Status, Code, String)>,
    ok: String,
    fix: Option<Fix>,
    details: Vec<String>,
) -> CheckResult {
    let worst = found
        .iter()
        .map(|(s, _, _)| *s)
        .max_by_key(|s| match s {
            Status::Error => 2,
            Status::Warn => 1,
            _ => 0,
        })
        .unwrap_or(Status::Ok);
    let mut r = match found.len() {
        0 => CheckResult::ok(ok),
        1 => CheckResult::new(worst, found[0].2.clone()),
        n => CheckResult::new(worst, format!("{n} problems with Go tools (see details)")),
    };
    r = r.with_details(details);
    if found.len() > 1 {
        r = r.with_details(found.iter().map(|(_, _, m)| m.clone()));
    }
    for (s, c, m) in found {
        r = r.finding(c, s, m);
    }
    if worst != Status::Ok {
        if let Some(x) = fix {
            r = r.fix(x);
        }
    }
    r
}

/// `tools.path`: the copy PATH runs is not older than another copy of the same tool.
pub fn check_path(f: &Facts) -> CheckResult {
    let t = f.tools();
    if let Some(s) = no_tools(t) {
        return s;
    }
    let mut found = Vec::new();
    let mut details = Vec::new();
    for tool in &t.discovery.tools {
        let Some(w) = tool.winner() else { continue };
        details.push(format!("{}: {}", tool.name, describe(w)));
        for o in tool.others() {
            let newer_module = match (
                w.build.as_ref().and_then(|b| b.main_version.as_deref()),
                o.build.as_ref().and_then(|b| b.main_version.as_deref()),
            ) {
                (Some(a), Some(b)) => gomedic_tools::data::Semver::parse(b)
                    .zip(gomedic_tools::data::Semver::parse(a))
                    .is_some_and(|(b, a)| b > a),
                _ => false,
            };
            let newer_go = matches!((built_with(w), built_with(o)), (Some(a), Some(b)) if b > a);
            if newer_module || newer_go {
                found.push((
                    Status::Warn,
                    Code::ToolsShadowed,
                    format!(
                        "{}: PATH runs {}, but a newer copy is at {}: the old one wins",
                        tool.name,
                        describe(w),
                        describe(o)
                    ),
                ));
            }
        }
    }
    result(
        found,
        format!(
            "{} found; no older copy shadows a newer one",
            crate::util::count(
                t.discovery
                    .tools
                    .iter()
                    .filter(|x| x.winner.is_some())
                    .count(),
                "tool",
                "tools"
            )
        ),
        None,
        details,
    )
}

/// `tools.build`: tools built for this platform and with a Go at least as new as the
/// module's `go` line.
pub fn check_build(f: &Facts) -> CheckResult {
    let t = f.tools();
    if let Some(s) = no_tools(t) {
        return s;
    }
    let module = module_go(f);
    let mut found = Vec::new();
    for (name, c) in t.all_copies() {
        let name = if name.is_empty() {
            c.path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        } else {
            name.to_string()
        };
        if let Some((os, arch)) = foreign(t, c) {
            found.push((
                Status::Error,
                Code::ToolsForeignPlatform,
                format!(
                    "{}: built for {os}/{arch}, this machine runs {}/{}: it cannot run here",
                    describe(c),
                    t.host_goos,
                    t.host_goarch
                ),
            ));
            continue;
        }
        let (Some(b), Some((line, modpath))) = (&c.build, &module) else {
            continue;
        };
        let pkg = b.path.clone().unwrap_or_else(|| name.clone());
        let tool_key = if gomedic_tools::known_tool(&name).is_some() {
            name.clone()
        } else {
            pkg
        };
        if let Some(o) = gomedic_tools::tool_older_than_module_v(
            &tool_key,
            b.main_version.as_deref(),
            &b.go_version,
            line,
        ) {
            found.push((
                Status::Warn,
                Code::ToolsOlderThanModule,
                format!(
                    "{}: built with {}, older than `go {line}` in {}: it will report `{}`{}",
                    describe(c),
                    b.go_version,
                    modpath.display(),
                    o.message,
                    o.condition.map(|c| format!(" ({c})")).unwrap_or_default()
                ),
            ));
        }
    }
    for (p, why) in &t.unreadable {
        found.push((
            Status::Warn,
            Code::ToolsNoBuildinfo,
            format!(
                "{}: its build information cannot be read: {why}",
                p.display()
            ),
        ));
    }
    result(
        found,
        "every tool is built for this platform with a Go as new as the module".into(),
        rebuild_fix(f),
        Vec::new(),
    )
}

/// `tools.delve`: the dlv PATH runs supports the go in use (Delve's own rule).
pub fn check_delve(f: &Facts) -> CheckResult {
    let t = f.tools();
    if let Some(s) = no_tools(t) {
        return s;
    }
    if t.discovery.tool("dlv").and_then(|d| d.winner()).is_none() {
        return CheckResult::skipped("no dlv on PATH");
    }
    let Some((dlv, v)) = delve_verdict(f, t) else {
        return CheckResult::skipped("dlv's version or the go in use is not known");
    };
    let raw = go_in_use(f).map(|g| g.0).unwrap_or_default();
    let who = describe(&dlv);
    let found = match &v {
        Verdict::Ok => Vec::new(),
        Verdict::TooOldDelve { error, .. } => vec![(
            Status::Error,
            Code::ToolsDelveTooOld,
            format!("{who} cannot debug programs built by {raw}: dlv says `{error}`"),
        )],
        Verdict::TooNewDelve { error, .. } => vec![(
            Status::Error,
            Code::ToolsDelveTooNew,
            format!("{who} cannot debug programs built by {raw}: dlv says `{error}`"),
        )],
        Verdict::RebuildDelve { error, .. } => vec![(
            Status::Error,
            Code::ToolsDelveRebuild,
            format!("{who}: dlv says `{error}`"),
        )],
        Verdict::Unknown { reason } => {
            return CheckResult::skipped(format!(
                "{who}: Delve's rule for it is not known ({reason})"
            ))
        }
    };
    result(
        found,
        format!("{who} supports {raw}"),
        rebuild_fix(f),
        Vec::new(),
    )
}

/// `tools.gopls`: gopls built with a Go it needs (before 1.21 it panics on newer versions).
pub fn check_gopls(f: &Facts) -> CheckResult {
    let t = f.tools();
    if let Some(s) = no_tools(t) {
        return s;
    }
    let Some(g) = t.discovery.tool("gopls").and_then(|d| d.winner()) else {
        return CheckResult::skipped("no gopls on PATH");
    };
    let mut found = Vec::new();
    if let Some(b) = built_with(g) {
        if b.lang() < GoVersion::parse("1.21").unwrap_or(b.lang()) {
            found.push((
                Status::Warn,
                Code::ToolsGoplsUnsupported,
                format!(
                    "{}: built with go{b}; gopls built before Go 1.21 panics on go1.21+ version strings (golang/go#66553): rebuild it with the go in use",
                    describe(g)
                ),
            ));
        }
    }
    if let (Some(v), Some((raw, go))) = (
        g.build.as_ref().and_then(|b| b.main_version.as_deref()),
        go_in_use(f),
    ) {
        if let Some(need) = gomedic_tools::gopls_build_go(v) {
            if go < need {
                found.push((
                    Status::Warn,
                    Code::ToolsGoplsUnsupported,
                    format!("{}: gopls {v} needs go {need} to build, the go in use is {raw}: `go install` of it will fail with this go", describe(g)),
                ));
            }
        }
    }
    result(
        found,
        format!("{} is fine for the go in use", describe(g)),
        rebuild_fix(f),
        Vec::new(),
    )
}

/// `tools.editor`: VS Code and GoLand use the same Go and tools as the terminal.
pub fn check_editor(f: &Facts) -> CheckResult {
    let t = f.tools();
    let e = &t.editor;
    let mut found = Vec::new();
    for err in &e.errors {
        found.push((Status::Warn, Code::ToolsEditorSettings, err.to_string()));
    }
    let goroot = f.goroot();
    for d in gomedic_tools::editor_differences(e, goroot.as_deref(), &t.discovery) {
        let code = match d.kind {
            gomedic_tools::DifferenceKind::Goroot
            | gomedic_tools::DifferenceKind::InvalidGoroot
            | gomedic_tools::DifferenceKind::ToolsManagementGo => Code::ToolsEditorGoroot,
            gomedic_tools::DifferenceKind::Tool | gomedic_tools::DifferenceKind::EnvVar => {
                Code::ToolsEditorTool
            }
        };
        let msg = match &d.from {
            Some(p) if !d.message.contains(&p.file.display().to_string()) => {
                format!("{} (`{}` in {})", d.message, p.key, p.file.display())
            }
            _ => d.message.clone(),
        };
        found.push((Status::Warn, code, msg));
    }
    let files: Vec<String> = e
        .vscode
        .iter()
        .flat_map(|v| &v.files)
        .map(|p| p.display().to_string())
        .collect();
    if files.is_empty() && e.goland_goroot.is_none() && found.is_empty() {
        let r = CheckResult::skipped("no VS Code or GoLand settings found");
        return match no_tools(t) {
            // Nothing to compare with either: one line with the other tools checks.
            Some(_) => r.data("skip_group", NO_TOOLS),
            None => r,
        };
    }
    result(
        found,
        "the editors use the same Go and tools as the terminal".into(),
        None,
        files.into_iter().map(|p| format!("read {p}")).collect(),
    )
}

/// `tools.runs` (`--deep`): each tool PATH runs starts (`-version` / `version`).
pub fn check_runs(f: &Facts) -> CheckResult {
    let t = f.tools();
    if let Some(s) = no_tools(t) {
        return s;
    }
    let mut found = Vec::new();
    let mut ran = 0;
    for tool in &t.discovery.tools {
        let Some(w) = tool.winner() else { continue };
        if foreign(t, w).is_some() {
            continue;
        }
        let arg = if tool.name == "dlv" || tool.name == "gopls" {
            "version"
        } else {
            "-version"
        };
        ran += 1;
        let r = f.run_tool(w.path(), &[arg]);
        if let Some(why) = failure_of(&r) {
            found.push((
                Status::Error,
                Code::ToolsRunFailed,
                format!("{} {arg}: {why}", shown(w)),
            ));
        }
    }
    result(
        found,
        format!("{} started", crate::util::count(ran, "tool", "tools")),
        None,
        Vec::new(),
    )
}

/// Why a tool run failed, in go.runs' classes; `None` when it ran (any exit code: some
/// tools exit non-zero for `-version`).
fn failure_of(r: &gomedic_facts::os::exec::Result) -> Option<String> {
    use gomedic_facts::os::exec::{Exit, Failure};
    match r {
        Ok(o) => match o.exit {
            Exit::Signal(s) => Some(format!("killed by signal {s}")),
            Exit::Code(c) if !(0..=255).contains(&c) => Some(format!(
                "exit status {c:#x} ({})",
                gomedic_facts::os::ntstatus::describe(c as u32)
                    .map(|d| d.0)
                    .unwrap_or("an NTSTATUS")
            )),
            Exit::Code(_) => None,
        },
        Err(Failure::NotFound { message }) => Some(format!("not_found: {message}")),
        Err(Failure::PermissionDenied { message, .. }) => Some(format!(
            "permission_denied: {message} (not executable, or blocked by antivirus or policy)"
        )),
        Err(Failure::SpawnFailed { message, .. }) => Some(format!(
            "cannot start: {message} (a wrong format: built for another system?)"
        )),
        Err(e) => Some(format!("{e:?}")),
    }
}
