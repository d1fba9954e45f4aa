//! `gomedic checks`: the registry, for humans and scripts.

use crate::cli::{ChecksArgs, Format};
use gomedic_checks::CHECKS;
use std::io::Write;

pub fn run(args: ChecksArgs) -> anyhow::Result<u8> {
    write(args)?;
    Ok(0)
}

fn write(args: ChecksArgs) -> std::io::Result<()> {
    let mut out = crate::output::stdout();
    match args.format {
        Format::Json => {
            let list: Vec<_> = CHECKS.iter().map(|c| &c.meta).collect();
            let v = serde_json::json!({ "schema": "gomedic.checks/v1", "checks": list });
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Format::Human => {
            let width = CHECKS.iter().map(|c| c.meta.id.len()).max().unwrap_or(0);
            for c in CHECKS {
                let deep = if c.meta.deep { " (--deep)" } else { "" };
                writeln!(out, "{:<width$}  {}{deep}", c.meta.id, c.meta.title)?;
                writeln!(out, "{:<width$}  {}", "", c.meta.looks_at)?;
            }
        }
    }
    out.flush()
}
