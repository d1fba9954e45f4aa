//! `win.motw`: Mark-of-the-Web (the `Zone.Identifier` alternate data stream) on go.exe and
//! the GOROOT tree, which makes SmartScreen and Smart App Control scan or block them.

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use std::path::{Path, PathBuf};

/// What a Zone.Identifier stream says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneInfo {
    pub zone: Option<u32>,
    pub host_url: Option<String>,
    pub referrer_url: Option<String>,
}

/// Parses the INI text of a Zone.Identifier stream (UTF-8 or UTF-16LE with BOM).
pub fn parse_zone(data: &[u8]) -> ZoneInfo {
    let text = if data.starts_with(&[0xff, 0xfe]) {
        let u: Vec<u16> = data[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&u)
    } else {
        String::from_utf8_lossy(data).into_owned()
    };
    let mut z = ZoneInfo {
        zone: None,
        host_url: None,
        referrer_url: None,
    };
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "zoneid" => z.zone = v.trim().parse().ok(),
            "hosturl" => z.host_url = Some(v.trim().to_string()),
            "referrerurl" => z.referrer_url = Some(v.trim().to_string()),
            _ => {}
        }
    }
    z
}

pub fn zone_name(z: Option<u32>) -> &'static str {
    match z {
        Some(0) => "Local machine",
        Some(1) => "Local intranet",
        Some(2) => "Trusted sites",
        Some(3) => "Internet",
        Some(4) => "Restricted sites",
        _ => "unknown zone",
    }
}

fn exes(f: &Facts, dir: &Path, out: &mut Vec<PathBuf>) {
    for (name, _) in f.list_dir(dir).unwrap_or_default() {
        let p = dir.join(name);
        if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("exe")) {
            out.push(p);
        }
    }
}

/// The files to inspect: the go binary and every executable of its GOROOT.
pub fn targets(f: &Facts) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(go) = f.go_binary() {
        v.push(go.path.clone());
    }
    if let Some(root) = f.goroot() {
        exes(f, &root.join("bin"), &mut v);
        let tools = root.join("pkg").join("tool");
        for (d, kind) in f.list_dir(&tools).unwrap_or_default() {
            if kind == FileKind::Dir {
                exes(f, &tools.join(d), &mut v);
            }
        }
    }
    v.sort();
    v.dedup();
    v
}

/// Zones whose mark makes SmartScreen and Smart App Control act: 3 (Internet) and 4
/// (Restricted sites). Zone 2 (Trusted sites) and lower are left alone.
pub fn blocking(z: Option<u32>) -> bool {
    matches!(z, Some(3 | 4))
}

/// The user's Downloads folder: `%USERPROFILE%\Downloads` (the known folder's default).
pub fn downloads(f: &Facts) -> Option<PathBuf> {
    let profile = f.getenv("USERPROFILE").filter(|p| !p.is_empty())?;
    Some(PathBuf::from(format!(
        "{}\\Downloads",
        profile.trim_end_matches('\\')
    )))
}

/// Go's release archives and installers there: `go1.N[.P].windows-ARCH.zip` / `.msi`.
pub fn archives(f: &Facts) -> Vec<PathBuf> {
    let Some(dir) = downloads(f) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = f
        .list_dir(&dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, kind)| *kind == FileKind::File && is_go_archive(name))
        .map(|(name, _)| dir.join(name))
        .collect();
    v.sort();
    v
}

pub fn is_go_archive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("go")
        && n[2..].starts_with(|c: char| c.is_ascii_digit())
        && n.contains(".windows-")
        && (n.ends_with(".zip") || n.ends_with(".msi"))
}

pub fn stream_of(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(":Zone.Identifier");
    PathBuf::from(s)
}

pub fn check(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let files = targets(f);
    if files.is_empty() {
        return CheckResult::skipped("no go.exe to inspect");
    }
    let mut marked = Vec::new();
    for p in &files {
        if let Ok(data) = f.read_file(&stream_of(p)) {
            marked.push((p.clone(), parse_zone(&data)));
        }
    }
    let mut archive_marks = Vec::new();
    for p in archives(f) {
        if let Ok(data) = f.read_file(&stream_of(&p)) {
            archive_marks.push((p, parse_zone(&data)));
        }
    }
    let origin = |z: &ZoneInfo| {
        z.host_url
            .clone()
            .or(z.referrer_url.clone())
            .unwrap_or_else(|| "unknown origin".into())
    };
    let describe = |p: &Path, z: &ZoneInfo| {
        format!(
            "{}: zone {} ({}), downloaded from {}",
            p.display(),
            z.zone.map(|z| z.to_string()).unwrap_or_else(|| "?".into()),
            zone_name(z.zone),
            origin(z)
        )
    };
    let blocking_archives: Vec<&(PathBuf, ZoneInfo)> = archive_marks
        .iter()
        .filter(|(_, z)| blocking(z.zone))
        .collect();
    if marked.is_empty() {
        let mut r = CheckResult::ok(format!(
            "no Mark-of-the-Web on {} Go executables",
            files.len()
        ));
        for (p, z) in &archive_marks {
            r = r.detail(format!("downloaded archive {}", describe(p, z)));
        }
        if !blocking_archives.is_empty() {
            r = r.detail("extracting a marked .zip with Explorer spreads the mark to every file: unblock it first (Unblock-File, or Properties > Unblock)");
        }
        return r
            .data("marked", 0)
            .data("archives_marked", archive_marks.len());
    }
    let internet: Vec<&(PathBuf, ZoneInfo)> =
        marked.iter().filter(|(_, z)| blocking(z.zone)).collect();
    let status = if internet.is_empty() {
        Status::Ok
    } else {
        Status::Warn
    };
    let mut r = CheckResult::new(
        status,
        if internet.is_empty() {
            format!("{} of {} Go executables carry Mark-of-the-Web, none of the Internet or Restricted zone: nothing to unblock", marked.len(), files.len())
        } else {
            format!("{} of {} Go executables carry Mark-of-the-Web ({} from the Internet or Restricted zone): SmartScreen and Smart App Control scan or block them", marked.len(), files.len(), internet.len())
        },
    );
    if !internet.is_empty() {
        let summary = r.summary.clone();
        r = r.finding(Code::MotwInternetZone, Status::Warn, summary);
    }
    for (p, z) in marked.iter().take(10) {
        r = r.detail(describe(p, z));
    }
    if marked.len() > 10 {
        r = r.detail(format!("... and {} more", marked.len() - 10));
    }
    for (p, z) in &archive_marks {
        r = r.detail(format!("downloaded archive {}", describe(p, z)));
    }
    r = r.detail("this happens when a Go .zip is extracted with Explorer: the mark spreads to every file; the MSI installer does not leave it");
    if marked.len() > internet.len() {
        r = r.detail("marks of zone 0-2 (this computer, intranet, Trusted sites) are left alone: Windows does not block for them");
    }
    if internet.is_empty() {
        return r.data("marked", marked.len());
    }
    // Only zones 3 and 4, plus the archive they came from (so a new extraction is clean).
    let streams: Vec<String> = internet
        .iter()
        .chain(blocking_archives.iter())
        .map(|(p, _)| stream_of(p).display().to_string())
        .collect();
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "''"));
    // Only the marks of zones 3 and 4, as the automatic fix does.
    let filter = "Where-Object { (Get-Content -LiteralPath $_.FullName -Stream Zone.Identifier -ErrorAction SilentlyContinue) -match '^ZoneId=[34]' } | Unblock-File";
    let mut ps = vec![format!(
        "Get-ChildItem -Recurse -LiteralPath {} -Filter *.exe | {filter}",
        quote(&f.goroot().unwrap_or_default())
    )];
    for (p, _) in &blocking_archives {
        ps.push(format!("Unblock-File -LiteralPath {}", quote(p)));
    }
    let mut commands: Vec<String> = ps.iter().map(|c| format!("{c}   # PowerShell")).collect();
    // cmd has no way to delete a stream: it hands the same line to PowerShell.
    commands.extend(ps.iter().map(|c| {
        crate::util::cmd_with_comment(
            &format!(
                "powershell -NoProfile -Command \"{}\"",
                c.replace('"', "\\\"")
            ),
            "cmd",
        )
    }));
    r.fix(Fix::auto(
        "win.motw-unblock",
        "Remove the Internet and Restricted zone marks (Zone.Identifier streams) from Go's executables and the downloaded Go archive (what Unblock-File does); undo restores them",
        commands,
        FixAction::RemoveStreams { streams },
    ))
    .data("marked", marked.len())
    .data("archives_marked", archive_marks.len())
}
