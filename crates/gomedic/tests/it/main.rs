//! Integration tests: the real gomedic binary against real Go toolchains and fake `go`
//! programs, each in a hermetic temporary HOME.

mod harness;

mod advice;
mod check_fakes;
mod check_real;
mod cli;
mod dirs_diff;
mod env_diff;
mod env_fix;
mod env_targets;
mod journal;
mod leaks;
mod net;
mod net_proto;
mod proxy_check;
mod robust;
mod route_diff;
mod settings;
mod snapshots;
mod wdac;
