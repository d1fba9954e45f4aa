//! What `gomedic tools` shows: the table VS Code's "Locate Configured Go Tools" shows
//! (tool, path, version, built with), plus the platform and which copy PATH runs.

use crate::discover::{Discovery, FoundCopy, Place};
use serde_json::{json, Value};

fn row(c: &FoundCopy, winner: bool) -> Value {
    let b = c.build.as_ref();
    json!({
        "path": c.path().display().to_string(),
        "winner": winner,
        "on_path": c.on_path(),
        "in": c.locations.iter().map(|l| match l.place {
            Place::Path { entry } => format!("PATH[{entry}]"),
            Place::Gobin => "GOBIN".to_string(),
            Place::GopathBin { index } => format!("GOPATH[{index}]/bin"),
        }).collect::<Vec<_>>(),
        "go_version": b.map(|b| b.go_version.clone()),
        "package": b.and_then(|b| b.path.clone()),
        "module": b.and_then(|b| b.main_module.clone()),
        "version": b.and_then(|b| b.main_version.clone()),
        "goos": b.and_then(|b| b.goos.clone()),
        "goarch": b.and_then(|b| b.goarch.clone()),
    })
}

/// `tools` and `others` of the `gomedic.tools/v1` document.
pub fn json(d: &Discovery) -> (Value, Value) {
    let tools: Vec<Value> = d
        .tools
        .iter()
        .filter(|t| !t.copies.is_empty())
        .map(|t| {
            json!({
                "name": t.name,
                "copies": t.copies.iter().enumerate()
                    .map(|(i, c)| row(c, Some(i) == t.winner)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let others: Vec<Value> = d.others.iter().map(|c| row(c, false)).collect();
    (Value::Array(tools), Value::Array(others))
}

/// The human table; "not installed" for known tools with no copy.
pub fn table(d: &Discovery) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "TOOL".into(),
        "VERSION".into(),
        "BUILT WITH".into(),
        "FOR".into(),
        "PATH".into(),
    ]];
    let cell = |c: &FoundCopy, name: &str, winner: bool| -> [String; 5] {
        let b = c.build.as_ref();
        [
            name.to_string(),
            b.and_then(|b| b.main_version.clone())
                .unwrap_or_else(|| "-".into()),
            b.map(|b| b.go_version.clone())
                .unwrap_or_else(|| "(no Go build info)".into()),
            b.and_then(|b| Some(format!("{}/{}", b.goos.as_deref()?, b.goarch.as_deref()?)))
                .unwrap_or_else(|| "-".into()),
            format!(
                "{}{}",
                c.path().display(),
                if winner {
                    ""
                } else if c.on_path() {
                    "  (shadowed on PATH)"
                } else {
                    "  (not on PATH)"
                }
            ),
        ]
    };
    let mut missing = Vec::new();
    for t in &d.tools {
        if t.copies.is_empty() {
            missing.push(t.name.clone());
        }
        for (i, c) in t.copies.iter().enumerate() {
            rows.push(cell(c, &t.name, Some(i) == t.winner));
        }
    }
    for c in &d.others {
        let name = c
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        rows.push(cell(c, &name, false));
    }
    let mut w = [0usize; 5];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut s = String::new();
    for r in &rows {
        let line = r
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 4 {
                    c.clone()
                } else {
                    format!("{c:<width$}", width = w[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ");
        s.push_str(line.trim_end());
        s.push('\n');
    }
    if !missing.is_empty() {
        s.push_str(&format!("not installed: {}\n", missing.join(", ")));
    }
    s
}
