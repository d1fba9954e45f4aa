//! `path.tools`: binaries from `go install` can be found.

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
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
        let cmds = if f.windows() {
            vec![
                "gomedic fix win.path-repair   # adds it to the user PATH keeping REG_EXPAND_SZ; undoable".to_string(),
                format!("# or by hand: Environment Variables > Path > New > {d}"),
            ]
        } else {
            vec![
                format!("echo 'export PATH=\"$PATH:{}\"' >> ~/.profile   # bash/zsh; then open a new terminal", d.replace('\'', "'\\''")),
                format!("fish_add_path {}   # fish", shell_quote(&d, false)),
            ]
        };
        fixes.push(Fix::manual(
            "path.add-gobin",
            format!("Add {d} to PATH permanently"),
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
