//! The check runner's pool: a stuck check does not hold up the others. Its own process:
//! the runner kills every child of the process when a run ends, which would take down
//! commands other tests in the same binary are running.

use gomedic_checks::{Check, Facts};
use gomedic_core::check::{Category, CheckMeta};
use gomedic_core::{CheckResult, Status};
use gomedic_doctor::{run, RunOptions, SystemGather};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn check(id: &'static str, run: fn(&Facts) -> CheckResult, timeout_ms: u64) -> Check {
    Check {
        meta: CheckMeta {
            id,
            title: id,
            category: Category::Environment,
            looks_at: "",
            deep: false,
        },
        run,
        timeout: Duration::from_millis(timeout_ms),
    }
}

fn facts() -> Arc<Facts> {
    Arc::new(Facts::new(
        "linux",
        Default::default(),
        "".into(),
        std::env::temp_dir(),
        None,
        Default::default(),
        Box::new(SystemGather::default()),
    ))
}

fn hang(_: &Facts) -> CheckResult {
    std::thread::sleep(Duration::from_millis(1500));
    CheckResult::new(Status::Ok, "late")
}

fn quick(_: &Facts) -> CheckResult {
    CheckResult::new(Status::Ok, "quick")
}

fn boom(_: &Facts) -> CheckResult {
    panic!("boom")
}

/// Two checks stuck first in line (a hung disk, a hung command) hold the others up for
/// no more than the pool's stall time each: all report, the stuck ones as their own
/// timeout, a panicking one as failed.
#[test]
fn a_stuck_check_does_not_hold_up_the_others() {
    let refs: Vec<&'static Check> = [
        check("t.hang1", hang, 300),
        check("t.hang2", hang, 300),
        check("t.a", quick, 1000),
        check("t.boom", boom, 1000),
        check("t.b", quick, 1000),
    ]
    .into_iter()
    .map(|c| &*Box::leak(Box::new(c)))
    .collect();
    let opts = RunOptions {
        deep: false,
        only: vec![],
        skip: vec![],
        deadline: Duration::from_secs(5),
    };
    let t0 = Instant::now();
    let r = run(facts(), &refs, &opts);
    let took = t0.elapsed();
    let st: Vec<(&str, Status)> = r.iter().map(|c| (c.id.as_str(), c.status)).collect();
    assert_eq!(
        st,
        vec![
            ("t.hang1", Status::Timeout),
            ("t.hang2", Status::Timeout),
            ("t.a", Status::Ok),
            ("t.boom", Status::Failed),
            ("t.b", Status::Ok),
        ]
    );
    assert!(took < Duration::from_millis(1000), "took {took:?}");
}
