//! Layered, protocol-faithful network probes for the hosts the go command talks to.
//!
//! Each URL goes DNS → TCP → (HTTP CONNECT proxy) → TLS → one real protocol request,
//! recording every layer, and gets one [`Verdict`](gomedic_core::net::Verdict). Proxy
//! selection follows Go's `HTTPS_PROXY`/`NO_PROXY` rules; trust is checked against the
//! system store (what go uses) and, separately, Mozilla's roots, which tells TLS
//! interception apart. All probes run in parallel under one deadline. Nothing is cached.

pub mod gotls;
pub mod hello;
mod http;
pub mod netrc;
mod probe;
mod protocol;
pub mod proxyenv;
pub mod resolve;
pub mod sig;
mod socks;
mod tls;
pub mod tlsjudge;
pub mod x509go;

pub use probe::{check_url, probe_all, ProbeConfig, Target};
pub use tls::{add_pem, mozilla_roots, system_roots};
pub use x509go::Pool;
