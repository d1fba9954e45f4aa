//! `gomedic fix`: plan, confirm, journal, apply and re-check the automatic fixes.

use super::common;
use crate::cli::FixArgs;
use anyhow::Context;
use gomedic_checks::Policy;
use gomedic_core::{Fix, FixAction, Status};
use std::collections::BTreeMap;
use std::sync::Arc;

pub fn run(args: FixArgs) -> anyhow::Result<u8> {
    let mut facts = common::facts_with(
        args.go.clone(),
        Policy::default(),
        common::net_options(&args.resolve, None)?,
    )?;
    facts.offline = args.offline;
    let facts = Arc::new(facts);
    let opts = gomedic_doctor::RunOptions {
        deep: false,
        only: vec![],
        skip: vec![],
        deadline: std::time::Duration::from_secs(60),
    };
    let selected = gomedic_doctor::select(&opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    let reports = gomedic_doctor::run(Arc::clone(&facts), &selected, &opts);
    let r = common::redactor(&facts);

    // Automatic fixes, each once, with the checks that proposed it.
    let mut fixes: BTreeMap<String, (Fix, Vec<String>)> = BTreeMap::new();
    let mut manual: Vec<String> = Vec::new();
    for c in &reports {
        if !matches!(c.status, Status::Warn | Status::Error) {
            continue;
        }
        for f in &c.fixes {
            if f.automatic {
                fixes
                    .entry(f.id.clone())
                    .or_insert_with(|| (f.clone(), Vec::new()))
                    .1
                    .push(c.id.clone());
            } else {
                manual.push(f.id.clone());
            }
        }
    }
    // The machine PATH is changed only when asked for (`--machine`, elevated).
    let machine_fix = gomedic_checks::winpath::MACHINE_FIX;
    let ids: Vec<String> = if args.machine {
        if args.ids.is_empty() {
            vec![machine_fix.to_string()]
        } else {
            args.ids
                .iter()
                .map(|i| {
                    if i == "win.path-repair" {
                        machine_fix.to_string()
                    } else {
                        i.clone()
                    }
                })
                .collect()
        }
    } else {
        args.ids.clone()
    };
    let wanted: Vec<String> = if ids.is_empty() {
        fixes
            .keys()
            .filter(|k| *k != machine_fix)
            .cloned()
            .collect()
    } else {
        ids.clone()
    };
    if args.machine && !fixes.contains_key(machine_fix) {
        errln!("gomedic: the machine PATH needs no repair now (win.path proposes none)");
        return Ok(2);
    }
    for id in &ids {
        if !fixes.contains_key(id) {
            if manual.contains(id) {
                errln!("gomedic: error: {} is not automatic: `gomedic check` shows the commands to run", r.redact(id));
            } else {
                errln!(
                    "gomedic: {}: not needed now (no check proposes it); automatic fixes available: {}",
                    r.redact(id),
                    if fixes.is_empty() { "none".to_string() } else { fixes.keys().cloned().collect::<Vec<_>>().join(", ") }
                );
            }
            return Ok(2);
        }
    }
    if wanted.is_empty() {
        outln!(
            "nothing to fix automatically{}",
            if manual.is_empty() {
                String::new()
            } else {
                format!(
                    " (manual fixes: {}; see `gomedic check`)",
                    manual.join(", ")
                )
            }
        )?;
        return Ok(0);
    }
    let journal = common::journal()?;
    let mut code = 0;
    for id in wanted {
        let (fix, proposers) = &fixes[&id];
        let planned = match &fix.action {
            Some(FixAction::GoEnv { set, unset }) => {
                gomedic_doctor::envedit::plan(&facts, set, unset, &fix.id, &fix.description)
            }
            Some(FixAction::FirewallRule {
                name,
                local_ports,
                remote_address,
            }) => gomedic_doctor::envedit::plan_firewall(
                name,
                local_ports,
                remote_address,
                &fix.id,
                &fix.description,
            ),
            Some(FixAction::DefenderExclusions { paths, processes }) => {
                gomedic_doctor::envedit::plan_defender(paths, processes, &fix.id, &fix.description)
            }
            Some(FixAction::RemoveStreams { streams }) => {
                gomedic_doctor::envedit::plan_remove_streams(streams, &fix.id, &fix.description)
            }
            Some(FixAction::RegistryPath {
                value,
                value_type,
                data,
            }) => gomedic_doctor::envedit::plan_registry_path(
                value,
                *value_type,
                data,
                &fix.id,
                &fix.description,
            ),
            Some(FixAction::ToolsRebuild { tools }) => {
                if args.dry_run {
                    // Building is the slow part and writes the journal's blobs: a dry run
                    // shows the commands only.
                    outln!("{id}: {}", r.redact(&fix.description))?;
                    for c in gomedic_doctor::toolfix::commands(tools) {
                        outln!("  {}", r.redact(&c))?;
                    }
                    outln!("dry run: nothing was changed")?;
                    continue;
                }
                gomedic_doctor::toolfix::plan(
                    &facts,
                    tools,
                    &fix.id,
                    &fix.description,
                    &journal.dir().join("blobs"),
                )
            }
            None => continue,
        };
        let mut edit = match planned {
            Ok(e) => e,
            Err(msg) => {
                errln!("gomedic: error: {id}: {}", r.redact(&msg));
                code = 1;
                continue;
            }
        };
        // A plan that cannot be shown is not applied (exit code 3).
        if let Err(e) = common::print_plan(&edit.plan, &r) {
            let _ = journal.discard_blobs(&edit.plan);
            return Err(e).with_context(|| format!("{id} was not applied"));
        }
        for w in &edit.warnings {
            errln!("warning: {}", r.redact(w));
        }
        if args.dry_run {
            outln!("dry run: nothing was changed")?;
            continue;
        }
        if let Some(FixAction::RegistryPath { value, .. }) = &fix.action {
            let elevated = if std::env::var_os("GOMEDIC_TEST_NOT_ELEVATED").is_some() {
                // Test hook (Wine runs elevated): can only refuse, never grant.
                Some(false)
            } else {
                gomedic_sys::host::detect(&|_| None).elevated
            };
            if let Some(msg) = gomedic_doctor::envedit::elevation_refusal(value, elevated) {
                errln!("gomedic: error: {id}: {}", r.redact(&msg));
                code = 1;
                continue;
            }
        }
        if !args.yes && !common::confirm(&format!("apply {id}?")) {
            // Rebuilt tools kept for this plan are not needed.
            let _ = journal.discard_blobs(&edit.plan);
            errln!("not applied: confirm on a terminal or pass --yes (use --dry-run to only see the plan)");
            code = code.max(2);
            continue;
        }
        // Undo re-runs the same checks.
        edit.plan.recheck = proposers.clone();
        match journal.apply(edit.plan) {
            Ok(entry) => {
                crate::output::change(&format!(
                    "applied {id}; journal entry {} (undo: gomedic undo {})",
                    entry.id, entry.id
                ));
                let ids: Vec<&str> = proposers.iter().map(String::as_str).collect();
                common::recheck(&ids, args.go.clone(), &args.resolve)?;
            }
            Err(e) => {
                errln!("gomedic: error: {}", r.redact(&e.to_string()));
                code = 1;
            }
        }
    }
    Ok(code)
}
