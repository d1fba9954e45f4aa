pub mod check;
pub mod checks;
mod common;
pub mod env;
pub mod explain;
pub mod fix;
pub mod net;
pub mod proxy;
pub mod proxy_prefill;
pub mod toolchain;
pub mod tools;
pub mod undo;
pub mod verify;
pub mod wdac;

pub use common::UsageError;
