//! The benchmark floor: a program that does nothing but run one command through
//! gomedic's exec layer and wait for it (scripts/bench/check-vs-go-env.sh times it next
//! to `gomedic check`, so the cost of being a parent process is measured, not guessed).
//!
//! Usage: run-once PROGRAM [ARGS...]

use std::time::Duration;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: run-once PROGRAM [ARGS...]");
        return std::process::ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    let spec = gomedic_sys::exec::Spec::new(&program, &rest, Duration::from_secs(30))
        .env("GOTOOLCHAIN", "local");
    match gomedic_sys::exec::run(&spec) {
        Ok(o) if o.success() => std::process::ExitCode::SUCCESS,
        _ => std::process::ExitCode::from(1),
    }
}
