//! `gomedic undo`: restore what a journaled change replaced.

use super::common;
use anyhow::Context;
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
                errln!("gomedic: error: {e}");
                return Ok(1);
            }
        };
        if entries.is_empty() {
            outln!("no changes recorded in {}", journal.dir().display())?;
        }
        for e in entries {
            let files: Vec<String> = e.plan.changes.iter().map(|c| c.target()).collect();
            outln!(
                "{}  {:<11} {}  {}",
                e.id,
                serde_json::to_value(e.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                e.plan.fix_id,
                files.join(", ")
            )?;
            for c in &e.plan.changes {
                for s in &c.summary {
                    outln!("    {}", r.redact(s))?;
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
                outln!("nothing to undo")?;
                return Ok(0);
            }
            Err(e) => Err(e),
        },
    };
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            errln!("gomedic: error: {e}");
            return Ok(2);
        }
    };
    // What would be restored; not shown, not restored (exit code 3).
    let shown = (|| {
        outln!("undo {} ({})", entry.id, entry.plan.fix_id)?;
        for c in &entry.plan.changes {
            outln!("  {} {}", c.undo_verb(), c.target())?;
        }
        std::io::Result::Ok(())
    })();
    shown.context("nothing was restored")?;
    if args.dry_run {
        outln!("dry run: nothing was changed")?;
        return Ok(0);
    }
    match journal.undo(&entry.id, args.force) {
        Ok(_) => {
            crate::output::change(&format!("undone {}", entry.id));
            let mut ids: Vec<&str> = entry.plan.recheck.iter().map(String::as_str).collect();
            if ids.is_empty() {
                ids.push("go.env");
            }
            common::recheck(&ids, None, &[])?;
            Ok(0)
        }
        Err(e) => {
            errln!("gomedic: error: {}", r.redact(&e.to_string()));
            Ok(1)
        }
    }
}
