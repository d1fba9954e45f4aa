//! `go.binary`: which go a PATH lookup finds, what it shadows, and what is wrong with PATH.

use crate::codes::Code;
use crate::facts::Facts;
use gomedic_core::text::quoted;
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_goenv::pathscan::{Candidate, CandidateKind, EntryProblem};
use serde_json::json;

const MAX_LISTED: usize = 20;

pub fn check(f: &Facts) -> CheckResult {
    let scan = f.path_scan();
    let mut status = Status::Ok;
    let mut details = Vec::new();
    let mut fixes = Vec::new();
    let mut found: Vec<(Status, Code, String)> = Vec::new();

    // PATH entry problems.
    let mut listed = 0;
    let mut missing = 0;
    let mut dupes = 0;
    for e in &scan.entries {
        for p in &e.problems {
            let (sev, code, msg) = match p {
                EntryProblem::Empty => (
                    Status::Warn,
                    Some(Code::PathEmptyEntry),
                    if f.windows() {
                        "empty entry".to_string()
                    } else {
                        "empty entry: means the current directory, so a `go` in any directory you cd into can run".to_string()
                    },
                ),
                EntryProblem::Relative => (Status::Warn, Some(Code::PathRelativeEntry), "relative entry: resolved against whatever directory a command runs in".into()),
                EntryProblem::Missing => {
                    missing += 1;
                    (Status::Ok, None, "does not exist".into())
                }
                EntryProblem::NotADirectory => (Status::Warn, Some(Code::PathEntryNotADirectory), "is not a directory".into()),
                EntryProblem::Duplicate(first) => {
                    dupes += 1;
                    (Status::Ok, None, format!("duplicate of entry {first}"))
                }
                EntryProblem::UnexpandedVariable => (Status::Warn, Some(Code::PathUnexpandedVariable), "contains an unexpanded %VARIABLE% (PATH stored as REG_SZ instead of REG_EXPAND_SZ?)".into()),
                EntryProblem::Quoted => (Status::Warn, Some(Code::PathQuotedEntry), "is wrapped in quotes: cmd and Go's exec.LookPath remove them, but CreateProcess and most other programs search the quoted text literally and find nothing there; remove the quotes (spaces need none)".into()),
            };
            status = status.worst(sev);
            if let Some(code) = code {
                found.push((
                    sev,
                    code,
                    format!("PATH[{}] {}: {msg}", e.index, quoted(&e.display)),
                ));
            }
            if listed < MAX_LISTED && (sev != Status::Ok || scan.entries.len() <= 200) {
                details.push(format!("PATH[{}] {}: {msg}", e.index, quoted(&e.display)));
                listed += 1;
            }
        }
        if e.non_utf8 && listed < MAX_LISTED {
            details.push(format!(
                "PATH[{}] {}: not valid UTF-8 (shown lossily)",
                e.index,
                quoted(&e.display)
            ));
            listed += 1;
        }
    }
    if missing + dupes > 0 {
        details.push(format!(
            "PATH has {}: {missing} missing, {}",
            crate::util::count(scan.entries.len(), "entry", "entries"),
            crate::util::count(dupes, "duplicate", "duplicates")
        ));
    }

    let cands: Vec<serde_json::Value> = scan
        .candidates
        .iter()
        .map(|c| candidate_json(c, scan.winner()))
        .collect();

    // With --go the user chose the binary; PATH findings are context only.
    if let Some(ov) = f.override_candidate() {
        let mut r = match ov.kind {
            CandidateKind::Directory => {
                let msg = format!("--go {} is a directory, not a go binary", ov.path.display());
                CheckResult::error(msg.clone())
                    .detail(format!(
                        "use the binary inside it, e.g. {}",
                        ov.path.join("bin").join(exe(f)).display()
                    ))
                    .finding(Code::OverrideIsDirectory, Status::Error, msg)
            }
            CandidateKind::BrokenLink => {
                let msg = format!("--go {} does not exist", ov.path.display());
                CheckResult::error(msg.clone()).finding(Code::OverrideMissing, Status::Error, msg)
            }
            _ => CheckResult::ok(format!(
                "diagnosing {} (--go){}",
                ov.path.display(),
                version_suffix(ov)
            )),
        };
        if let Some(w) = scan.winner() {
            if !same(ov, w) {
                r = r.detail(format!(
                    "note: `go` on PATH is a different binary: {}{}",
                    w.path.display(),
                    version_suffix(w)
                ));
            }
        }
        return r
            .with_details(details)
            .data("candidates", cands)
            .data("selected", ov.path.display().to_string());
    }

    let Some(winner) = scan.winner() else {
        let (code, summary) = if scan.candidates.is_empty() {
            (
                Code::PathGoMissing,
                format!(
                    "no go on PATH ({} searched)",
                    crate::util::count(scan.entries.len(), "entry", "entries")
                ),
            )
        } else {
            (
                Code::PathGoUnusable,
                "no usable go on PATH: every go found is broken".to_string(),
            )
        };
        let mut r = CheckResult::error(summary.clone()).finding(code, Status::Error, summary);
        for c in &scan.candidates {
            r = r.detail(format!("{} is {}", c.path.display(), kind_text(&c.kind)));
        }
        let fix = if f.windows() {
            Fix::manual("path.add-goroot-bin", "Add the Go installation's bin folder to your user PATH (PowerShell; no 1024-character truncation, unlike setx)", vec![
                "gomedic fix win.path-repair   # rewrites the user PATH keeping REG_EXPAND_SZ; undoable".into(),
                "# or by hand: Settings > System > About > Advanced system settings > Environment Variables".into(),
            ])
        } else {
            // Only a bin directory that really holds a go: a guessed path fixes nothing.
            let home = f.getenv("HOME").unwrap_or_default();
            let mut places: Vec<std::path::PathBuf> = vec![
                "/usr/local/go/bin".into(),
                "/usr/lib/go/bin".into(),
                "/opt/homebrew/bin".into(),
            ];
            if !home.is_empty() {
                let sdk = std::path::Path::new(&home).join("sdk");
                if let Ok(entries) = f.list_dir(&sdk) {
                    places.extend(
                        entries
                            .into_iter()
                            .rev()
                            .filter(|(n, _)| n.starts_with("go"))
                            .map(|(n, _)| sdk.join(n).join("bin")),
                    );
                }
            }
            match places.into_iter().find(|p| f.file_kind(&p.join("go")) == crate::facts::FileKind::File) {
                Some(bin) => {
                    let (for_whom, cmds) = crate::tools::add_to_path(f, &bin.display().to_string());
                    Fix::manual("path.add-goroot-bin", format!("Go is installed in {}: add it to PATH permanently{for_whom}", bin.display()), cmds)
                }
                None => Fix::manual("path.add-goroot-bin", "Install Go (https://go.dev/dl/); then `gomedic check` gives the line that puts it on PATH for your shell", vec![]),
            }
        };
        for (st, code, msg) in found {
            r = r.finding(code, st, msg);
        }
        return r.with_details(details).fix(fix).data("candidates", cands);
    };

    let mut summary = format!("{}{}", winner.path.display(), version_suffix(winner));
    if let Some(real) = winner.resolved.as_ref().filter(|r| **r != winner.path) {
        details.insert(0, format!("{} → {}", winner.path.display(), real.display()));
    }
    if let Some(shebang) = f.go_script() {
        details.insert(0, format!("note: {} is a script ({shebang}), not the Go toolchain's executable (a wrapper, a version manager's shim, or a replacement)", winner.path.display()));
    }
    if winner.kind == CandidateKind::WindowsAppsAlias {
        status = Status::Error;
        summary = format!(
            "{} is a WindowsApps app execution alias, not a Go installation",
            winner.path.display()
        );
        found.push((Status::Error, Code::PathWindowsAppsAlias, summary.clone()));
        details.push("aliases in %LOCALAPPDATA%\\Microsoft\\WindowsApps cannot be inspected and break tools that stat go.exe (golang/go#42919); put the real Go bin folder before it".into());
    }

    // Broken candidates before the winner, and real installs it shadows.
    let mut shadowed = Vec::new();
    for c in &scan.candidates {
        if std::ptr::eq(c, winner) {
            continue;
        }
        if !c.usable() {
            if c.entry < winner.entry {
                status = status.worst(Status::Warn);
                let msg = format!(
                    "{} is {} (skipped by the lookup)",
                    c.path.display(),
                    kind_text(&c.kind)
                );
                found.push((Status::Warn, Code::PathBrokenGo, msg.clone()));
                details.push(msg);
            }
            continue;
        }
        if same(c, winner) {
            details.push(format!("{} is the same binary again", c.path.display()));
        } else {
            shadowed.push(c);
        }
    }
    if !shadowed.is_empty() {
        let other_versions = shadowed
            .iter()
            .any(|c| c.goroot_version != winner.goroot_version);
        if other_versions {
            status = status.worst(Status::Warn);
        }
        let ver = |c: &Candidate| {
            c.goroot_version
                .as_deref()
                .and_then(gomedic_goenv::GoVersion::parse_toolchain)
        };
        let mine = ver(winner);
        let mut newer: Vec<&Candidate> = Vec::new();
        let mut older = 0;
        for c in &shadowed {
            let cmp = match (ver(c), &mine) {
                (Some(v), Some(m)) if v > *m => {
                    newer.push(c);
                    format!(
                        ", newer than the {} that runs",
                        winner.goroot_version.as_deref().unwrap_or("go")
                    )
                }
                (Some(v), Some(m)) if v < *m => {
                    older += 1;
                    ", older".to_string()
                }
                _ => String::new(),
            };
            let msg = format!(
                "shadowed: {}{} (PATH[{}]{cmp})",
                c.path.display(),
                version_suffix(c),
                c.entry
            );
            if c.goroot_version != winner.goroot_version {
                found.push((Status::Warn, Code::PathShadowedInstall, msg.clone()));
            }
            details.push(msg);
        }
        if other_versions {
            let n = shadowed.len();
            let versions = |v: &[&Candidate]| {
                v.iter()
                    .filter_map(|c| c.goroot_version.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            summary.push_str(&if !newer.is_empty() {
                format!(
                    ", shadowing {}: the newer {} comes later on PATH",
                    crate::util::count(n, "other Go install", "other Go installs"),
                    versions(&newer)
                )
            } else if older == n && n == 1 {
                format!(", shadowing an older Go install ({})", versions(&shadowed))
            } else if older == n {
                format!(
                    ", shadowing {n} older Go installs ({})",
                    versions(&shadowed)
                )
            } else {
                format!(
                    ", shadowing {}",
                    crate::util::count(n, "other Go install", "other Go installs")
                )
            });
            let (desc, cmds) = match newer.last() {
                Some(c) => {
                    let bin = c.path.parent().map(|p| p.display().to_string()).unwrap_or_default();
                    (
                        format!(
                            "The first go on PATH ({}) is older than {} in {bin}: put {bin} first on PATH, or remove the older installation",
                            winner.goroot_version.as_deref().unwrap_or("?"),
                            c.goroot_version.as_deref().unwrap_or("?")
                        ),
                        if f.windows() {
                            vec![]
                        } else {
                            vec![format!("export PATH={}:\"$PATH\"   # this terminal; the same line in your shell's startup file for new ones", crate::util::shell_quote(&bin, false))]
                        },
                    )
                }
                None => (
                    "Several Go installations are on PATH; the first (the newest) wins. Remove the ones you do not use".to_string(),
                    vec![],
                ),
            };
            fixes.push(Fix::manual("path.order", desc, cmds));
        }
    }
    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("candidates", cands)
        .data("selected", winner.path.display().to_string());
    for fx in fixes {
        r = r.fix(fx);
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    r
}

fn exe(f: &Facts) -> &'static str {
    if f.windows() {
        "go.exe"
    } else {
        "go"
    }
}

fn same(a: &Candidate, b: &Candidate) -> bool {
    match (&a.resolved, &b.resolved) {
        (Some(x), Some(y)) => x == y,
        _ => a.path == b.path,
    }
}

fn version_suffix(c: &Candidate) -> String {
    c.goroot_version
        .as_ref()
        .map(|v| format!(" ({})", v))
        .unwrap_or_default()
}

fn kind_text(k: &CandidateKind) -> &'static str {
    match k {
        CandidateKind::Executable => "executable",
        CandidateKind::NotExecutable => "not executable",
        CandidateKind::Directory => "a directory",
        CandidateKind::BrokenLink => "a broken symlink",
        CandidateKind::WindowsAppsAlias => "a WindowsApps app execution alias",
    }
}

fn candidate_json(c: &Candidate, winner: Option<&Candidate>) -> serde_json::Value {
    json!({
        "path": c.path.display().to_string(),
        "resolved": c.resolved.as_ref().map(|p| p.display().to_string()),
        "path_index": c.entry,
        "kind": format!("{:?}", c.kind).to_ascii_lowercase(),
        "goroot": c.goroot.as_ref().map(|p| p.display().to_string()),
        "version": c.goroot_version,
        "selected": winner.is_some_and(|w| std::ptr::eq(w, c)),
    })
}
