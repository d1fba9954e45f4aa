//! `gomedic undo`: restore what a journaled change replaced.

use super::common;
use crate::cli::UndoArgs;
use gomedic_checks::Policy;

pub fn run(args: UndoArgs) -> anyhow::Result<u8> {
    let journal = common::journal()?;
    let facts = common::facts(None, Policy::default())?;
    let r = common::redactor(&facts);
    if args.list {
        let entries = match journal.list() {
            Ok(e) => e,
            Err(e) => {
                eprintln!("gomedic: error: {e}");
                return Ok(1);
            }
        };
        if entries.is_empty() {
            println!("no changes recorded in {}", journal.dir().display());
        }
        for e in entries {
            let files: Vec<String> = e.plan.changes.iter().map(|c| c.target()).collect();
            println!(
                "{}  {:<11} {}  {}",
                e.id,
                serde_json::to_value(e.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                e.plan.fix_id,
                files.join(", ")
            );
            for c in &e.plan.changes {
                for s in &c.summary {
                    println!("    {}", r.redact(s));
                }
            }
        }
        return Ok(0);
    }
    let entry = match &args.entry {
        Some(id) => journal.get(id),
        None => match journal.last_undoable() {
            Ok(Some(e)) => Ok(e),
            Ok(None) => {
                println!("nothing to undo");
                return Ok(0);
            }
            Err(e) => Err(e),
        },
    };
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            eprintln!("gomedic: error: {e}");
            return Ok(2);
        }
    };
    println!("undo {} ({})", entry.id, entry.plan.fix_id);
    for c in &entry.plan.changes {
        println!("  {} {}", c.undo_verb(), c.target());
    }
    if args.dry_run {
        println!("dry run: nothing was changed");
        return Ok(0);
    }
    match journal.undo(&entry.id, args.force) {
        Ok(_) => {
            println!("undone");
            let mut ids: Vec<&str> = entry.plan.recheck.iter().map(String::as_str).collect();
            if ids.is_empty() {
                ids.push("go.env");
            }
            common::recheck(&ids, None, &[])?;
            Ok(0)
        }
        Err(e) => {
            eprintln!("gomedic: error: {}", r.redact(&e.to_string()));
            Ok(1)
        }
    }
}
