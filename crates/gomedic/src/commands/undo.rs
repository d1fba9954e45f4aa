//! `gomedic undo`: restore what a journaled change replaced.

use super::common;
use crate::cli::UndoArgs;
use anyhow::Context;
use gomedic_checks::Policy;

pub fn run(args: UndoArgs) -> anyhow::Result<u8> {
    let journal = common::journal()?;
    let facts = common::facts(None, Policy::default())?;
    common::redactor(&facts);
    let listing = match journal.list() {
        Ok(l) => l,
        Err(e) => {
            errln!(
                "gomedic: error: {}",
                gomedic_core::redact::text(&e.to_string())
            );
            return Ok(if args.list { 1 } else { 2 });
        }
    };
    // Values the journal recorded may be gone from the go env file by now.
    let r = common::learn_journal(&listing);
    if args.list {
        if listing.entries.is_empty() && listing.corrupt.is_empty() {
            outln!(
                "no changes recorded in {}",
                r.redact(&journal.dir().display().to_string())
            )?;
        }
        // Healthy and corrupt entries together, in id order.
        let mut lines: Vec<(&str, Vec<String>)> = Vec::new();
        for e in &listing.entries {
            let files: Vec<String> = e.plan.changes.iter().map(|c| c.target()).collect();
            let mut l = vec![format!(
                "{}  {:<11} {}  {}",
                e.id,
                serde_json::to_value(e.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                e.plan.fix_id,
                files.join(", ")
            )];
            for c in &e.plan.changes {
                for s in &c.summary {
                    l.push(format!("    {s}"));
                }
            }
            lines.push((&e.id, l));
        }
        for c in &listing.corrupt {
            lines.push((
                &c.id,
                vec![
                    format!("{}  {:<11} {}", c.id, "corrupt", c.path.display()),
                    format!(
                        "    {} (move it aside; other entries are unaffected)",
                        c.problem
                    ),
                ],
            ));
        }
        lines.sort_by(|a, b| a.0.cmp(b.0));
        for (_, l) in lines {
            for line in l {
                outln!("{}", r.redact(&line))?;
            }
        }
        return Ok(0);
    }
    // Corrupt entries are skipped, each named: they never block undoing the others.
    for c in listing
        .corrupt
        .iter()
        .filter(|c| args.entry.as_deref() != Some(c.id.as_str()))
    {
        errln!(
            "warning: skipping corrupt journal entry {}: {}; move it aside",
            r.redact(&c.path.display().to_string()),
            r.redact(&c.problem)
        );
    }
    let entry = match &args.entry {
        Some(id) => listing.get(id, journal.dir()),
        None => match listing.last_undoable() {
            Some(e) => Ok(e.clone()),
            None => {
                outln!("nothing to undo")?;
                return Ok(0);
            }
        },
    };
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            errln!("gomedic: error: {}", r.redact(&e.to_string()));
            return Ok(2);
        }
    };
    // What would be restored; not shown, not restored (exit code 3).
    let shown = (|| {
        outln!("undo {} ({})", entry.id, r.redact(&entry.plan.fix_id))?;
        for c in &entry.plan.changes {
            outln!("  {} {}", c.undo_verb(), r.redact(&c.target()))?;
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
