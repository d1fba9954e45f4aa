//! Evaluates checks in parallel, each under a timeout, all under one deadline.

use gomedic_checks::{Check, Code, Facts, CHECKS};
use gomedic_core::report::CheckReport;
use gomedic_core::{CheckResult, Status};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to run and how long to wait.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub deep: bool,
    /// Check ids or prefixes (`go.*`, `go`); empty means all.
    pub only: Vec<String>,
    pub skip: Vec<String>,
    /// Overall deadline for the whole run.
    pub deadline: Duration,
}

/// An `--only`/`--skip` pattern that names no check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectError {
    pub pattern: String,
}

impl std::fmt::Display for SelectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.meta.id).collect();
        write!(
            f,
            "no check matches `{}`; known checks: {}",
            self.pattern,
            ids.join(", ")
        )
    }
}

fn matches(pattern: &str, id: &str) -> bool {
    let p = pattern.trim();
    if let Some(prefix) = p.strip_suffix(".*").or_else(|| p.strip_suffix('*')) {
        return id.starts_with(prefix);
    }
    id == p || id.starts_with(&format!("{p}."))
}

/// The checks `opts` selects, in registry order; errors on a pattern matching nothing.
pub fn select(opts: &RunOptions) -> Result<Vec<&'static Check>, SelectError> {
    for p in opts.only.iter().chain(&opts.skip) {
        if !CHECKS.iter().any(|c| matches(p, c.meta.id)) {
            return Err(SelectError { pattern: p.clone() });
        }
    }
    Ok(CHECKS
        .iter()
        .filter(|c| opts.only.is_empty() || opts.only.iter().any(|p| matches(p, c.meta.id)))
        .filter(|c| !opts.skip.iter().any(|p| matches(p, c.meta.id)))
        .collect())
}

/// Checks are run by a pool of threads that starts with one and grows by one whenever no
/// check has finished for this long while some wait to start: a check stuck on a hung
/// disk or command holds up the others for no longer than this. A thread per check cost
/// more than the checks themselves (stacks, musl's allocator lock, TLB shootdowns on two
/// CPUs: issue #7's benchmark).
const STALL: Duration = Duration::from_millis(40);

/// What the pool threads share.
struct Pool {
    facts: Arc<Facts>,
    checks: Vec<&'static Check>,
    queue: std::sync::Mutex<std::collections::VecDeque<usize>>,
    started: std::sync::Mutex<Vec<Option<Instant>>>,
    cancel: Arc<std::sync::atomic::AtomicBool>,
    /// Pool threads not yet ended.
    alive: std::sync::atomic::AtomicUsize,
}

impl Pool {
    fn next(&self) -> Option<usize> {
        if self.cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return None;
        }
        let i = self.queue.lock().ok()?.pop_front()?;
        if let Ok(mut s) = self.started.lock() {
            s[i] = Some(Instant::now());
        }
        Some(i)
    }

    fn waiting(&self) -> bool {
        self.queue.lock().is_ok_and(|q| !q.is_empty())
    }

    fn started(&self, i: usize) -> Option<Instant> {
        self.started.lock().ok().and_then(|s| s[i])
    }
}

fn spawn_worker(
    pool: &Arc<Pool>,
    tx: &mpsc::Sender<(usize, CheckResult, Duration)>,
) -> std::io::Result<()> {
    use std::sync::atomic::Ordering::SeqCst;
    struct Alive(Arc<Pool>);
    impl Drop for Alive {
        fn drop(&mut self) {
            self.0.alive.fetch_sub(1, SeqCst);
        }
    }
    let (pool, tx) = (Arc::clone(pool), tx.clone());
    pool.alive.fetch_add(1, SeqCst);
    let alive = Alive(Arc::clone(&pool));
    std::thread::Builder::new()
        .name("checks".into())
        .spawn(move || {
            let _alive = alive;
            gomedic_sys::exec::bind_cancel(Arc::clone(&pool.cancel));
            while let Some(i) = pool.next() {
                let t0 = Instant::now();
                let run = pool.checks[i].run;
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&pool.facts)))
                        .unwrap_or_else(|payload| crashed(payload.as_ref()));
                if tx.send((i, result, t0.elapsed())).is_err() {
                    break;
                }
            }
        })
        .map(|_| ())
}

/// Runs the selected checks over `facts`. Results come back in registry order.
pub fn run(facts: Arc<Facts>, checks: &[&'static Check], opts: &RunOptions) -> Vec<CheckReport> {
    let start = Instant::now();
    let deadline = start + opts.deadline;
    let mut slots: Vec<Option<CheckReport>> = vec![None; checks.len()];
    let (tx, rx) = mpsc::channel::<(usize, CheckResult, Duration)>();
    // Set when the run ends: check threads still running start no new command.
    let cancel = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Start the one go process before anything else: almost every check waits for its
    // answer, and the checks then start while go runs.
    if checks
        .iter()
        .any(|c| c.meta.id.starts_with("go.") || c.meta.id.starts_with("net."))
    {
        let facts = Arc::clone(&facts);
        let cancel = Arc::clone(&cancel);
        let _ = std::thread::Builder::new()
            .name("go env".into())
            .spawn(move || {
                gomedic_sys::exec::bind_cancel(cancel);
                let _ = facts.settings();
            });
    }

    // While go runs, the facts that do not wait for its answer (the tools, the editor's
    // settings) are gathered on the otherwise idle CPU.
    if checks.iter().any(|c| c.meta.id.starts_with("tools.")) {
        let facts = Arc::clone(&facts);
        let cancel = Arc::clone(&cancel);
        let _ = std::thread::Builder::new()
            .name("prefetch".into())
            .spawn(move || {
                gomedic_sys::exec::bind_cancel(cancel);
                facts.prefetch();
            });
    }

    // A panicking check is reported as `failed`; keep the default hook's noise (which could
    // echo environment values) off the terminal.
    let prev_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));

    let mut queue = std::collections::VecDeque::new();
    for (i, c) in checks.iter().enumerate() {
        if let Some(why) = c.not_applicable(&facts) {
            let mut r = CheckResult::skipped(why);
            if let Some(os) = c.only_on(&facts) {
                r = r.data("only_on", os);
            }
            slots[i] = Some(CheckReport::new(&c.meta, r, 0));
            continue;
        }
        if c.meta.deep && !opts.deep {
            slots[i] = Some(CheckReport::new(
                &c.meta,
                CheckResult::skipped("runs only with --deep"),
                0,
            ));
            continue;
        }
        queue.push_back(i);
    }
    let pool = Arc::new(Pool {
        facts: Arc::clone(&facts),
        checks: checks.to_vec(),
        queue: std::sync::Mutex::new(queue),
        started: std::sync::Mutex::new(vec![None; checks.len()]),
        cancel: Arc::clone(&cancel),
        alive: std::sync::atomic::AtomicUsize::new(0),
    });
    if pool.waiting() {
        if let Err(e) = spawn_worker(&pool, &tx) {
            let summary = format!("could not start a thread: {e}");
            let queued: Vec<usize> = pool
                .queue
                .lock()
                .map(|mut q| q.drain(..).collect())
                .unwrap_or_default();
            for i in queued {
                slots[i] = Some(broken(checks[i], Code::CheckNotStarted, &summary));
            }
        }
    }
    let mut last_progress = Instant::now();

    loop {
        let pending: Vec<usize> = (0..checks.len()).filter(|i| slots[*i].is_none()).collect();
        if pending.is_empty() {
            break;
        }
        let now = Instant::now();
        // Expire checks past their own timeout or the overall deadline.
        let mut next_wake = deadline;
        for &i in &pending {
            let started = pool.started(i);
            let own = started
                .map(|s| s + checks[i].timeout)
                .unwrap_or(deadline)
                .min(deadline);
            if now >= own {
                let waited = started.map(|s| now - s).unwrap_or_default();
                let why = if own == deadline {
                    "the overall deadline"
                } else {
                    "its timeout"
                };
                slots[i] = Some(CheckReport::new(
                    &checks[i].meta,
                    timed_out(waited, why),
                    waited.as_millis() as u64,
                ));
            } else {
                next_wake = next_wake.min(own);
            }
        }
        if (0..checks.len()).all(|i| slots[i].is_some()) {
            break;
        }
        // A stalled pool gets one more thread for the checks still waiting to start (and
        // tries again a stall later if the thread could not be started).
        if now >= last_progress + STALL && pool.waiting() {
            let _ = spawn_worker(&pool, &tx);
            last_progress = now;
        }
        let waiting = pool.waiting();
        if !waiting && pool.alive.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            // Every pool thread ended (each sends before it ends): what they sent, then
            // anything unfilled died without reporting.
            while let Ok((i, result, took)) = rx.try_recv() {
                record(&mut slots, checks, i, result, took);
            }
            for (i, slot) in slots.iter_mut().enumerate() {
                if slot.is_none() {
                    *slot = Some(broken(
                        checks[i],
                        Code::CheckNoResult,
                        "the check ended without a result",
                    ));
                }
            }
            continue;
        }
        let wake = if waiting {
            next_wake.min(last_progress + STALL)
        } else {
            next_wake
        };
        match rx.recv_timeout(wake.saturating_duration_since(Instant::now())) {
            Ok((i, result, took)) => {
                last_progress = Instant::now();
                record(&mut slots, checks, i, result, took);
            }
            // The main thread keeps a sender, so never disconnected.
            Err(_) => continue,
        }
    }
    std::panic::set_hook(prev_hook);
    // Anything still running (a hung go) is killed so nothing outlives the report.
    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    gomedic_sys::exec::kill_all();
    slots
        .into_iter()
        .map(|s| s.expect("every slot filled"))
        .collect()
}

/// Fills check `i`'s slot with the result its thread sent, unless it already timed out.
fn record(
    slots: &mut [Option<CheckReport>],
    checks: &[&'static Check],
    i: usize,
    result: CheckResult,
    took: Duration,
) {
    if slots[i].is_none() {
        slots[i] = Some(CheckReport::new(
            &checks[i].meta,
            result,
            took.as_millis() as u64,
        ));
    }
}

/// The report of a check the runner could not run to a result.
fn broken(c: &Check, code: Code, summary: &str) -> CheckReport {
    CheckReport::new(
        &c.meta,
        CheckResult::failed(summary).finding(code, Status::Failed, summary),
        0,
    )
}

/// The result of a check that panicked: `failed`, never a crash of the whole run.
fn crashed(payload: &(dyn std::any::Any + Send)) -> CheckResult {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    let summary = format!("the check itself crashed: {msg}");
    CheckResult::failed(summary.clone())
        .detail("this is a gomedic bug; please report it with `gomedic check --format json`")
        .finding(Code::CheckPanicked, Status::Failed, summary)
}

/// The result of a check still running past its timeout or the overall deadline (`why`).
fn timed_out(waited: Duration, why: &str) -> CheckResult {
    let summary = format!("did not finish within {} ({why})", fmt_dur(waited));
    CheckResult::new(Status::Timeout, summary.clone())
        .detail("the facts it waits for (a go command, a slow disk) are still pending")
        .finding(Code::CheckTimeout, Status::Timeout, summary)
}

fn fmt_dur(d: Duration) -> String {
    gomedic_core::duration::human(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn runner_results_carry_codes() {
        let p: Box<dyn std::any::Any + Send> = Box::new("boom");
        let r = crashed(p.as_ref());
        assert_eq!(r.status, Status::Failed);
        assert_eq!(r.summary, "the check itself crashed: boom");
        assert_eq!(r.findings[0].code, Code::CheckPanicked.as_str());
        let p: Box<dyn std::any::Any + Send> = Box::new(String::from("owned"));
        assert!(crashed(p.as_ref()).summary.ends_with("owned"));
        let r = timed_out(Duration::from_millis(1500), "its timeout");
        assert_eq!(r.status, Status::Timeout);
        assert_eq!(r.summary, "did not finish within 1.5 s (its timeout)");
        assert_eq!(r.findings[0].code, Code::CheckTimeout.as_str());
        assert_eq!(r.findings[0].status, Status::Timeout);
    }

    #[test]
    fn patterns() {
        assert!(matches("go.*", "go.env"));
        assert!(matches("go", "go.env"));
        assert!(!matches("go", "gopher.x"));
        assert!(matches("path.tools", "path.tools"));
        let o = RunOptions {
            deep: false,
            only: vec!["nope".into()],
            skip: vec![],
            deadline: Duration::from_secs(1),
        };
        assert!(select(&o).is_err());
        let o = RunOptions {
            deep: false,
            only: vec!["go.*".into()],
            skip: vec!["go.build".into()],
            deadline: Duration::from_secs(1),
        };
        let ids: Vec<_> = select(&o).unwrap().iter().map(|c| c.meta.id).collect();
        assert!(
            ids.contains(&"go.env") && !ids.contains(&"go.build") && !ids.contains(&"path.tools")
        );
    }
}
