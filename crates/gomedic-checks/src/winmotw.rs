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
    if marked.is_empty() {
        return CheckResult::ok(format!(
            "no Mark-of-the-Web on {} Go executables",
            files.len()
        ));
    }
    let internet = marked
        .iter()
        .filter(|(_, z)| z.zone.is_some_and(|z| z >= 3))
        .count();
    let status = if internet > 0 {
        Status::Warn
    } else {
        Status::Ok
    };
    let mut r = CheckResult::new(
        status,
        format!("{} of {} Go executables carry Mark-of-the-Web ({internet} from the Internet zone): SmartScreen and Smart App Control scan or block them", marked.len(), files.len()),
    );
    if internet > 0 {
        let summary = r.summary.clone();
        r = r.finding(Code::MotwInternetZone, Status::Warn, summary);
    }
    for (p, z) in marked.iter().take(10) {
        let from = z
            .host_url
            .as_deref()
            .or(z.referrer_url.as_deref())
            .unwrap_or("unknown origin");
        r = r.detail(format!(
            "{}: zone {} ({}), downloaded from {from}",
            p.display(),
            z.zone.map(|z| z.to_string()).unwrap_or_else(|| "?".into()),
            zone_name(z.zone)
        ));
    }
    if marked.len() > 10 {
        r = r.detail(format!("... and {} more", marked.len() - 10));
    }
    r = r.detail("this happens when a Go .zip is extracted with Explorer: the mark spreads to every file; the MSI installer does not leave it");
    let streams: Vec<String> = marked
        .iter()
        .map(|(p, _)| stream_of(p).display().to_string())
        .collect();
    r.fix(Fix::auto(
        "win.motw-unblock",
        "Remove the Zone.Identifier streams from Go's executables (what Unblock-File does); undo restores them",
        vec![format!("Get-ChildItem -Recurse '{}' -Filter *.exe | Unblock-File", f.goroot().map(|g| g.display().to_string()).unwrap_or_default())],
        FixAction::RemoveStreams { streams },
    ))
    .data("marked", marked.len())
}
