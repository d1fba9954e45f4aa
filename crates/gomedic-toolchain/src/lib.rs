//! `gomedic toolchain`: install Go toolchains from the go.dev/dl release index (SHA-256
//! checked while streaming, mirrors tried in order, resumable) or as the
//! golang.org/toolchain module through a GOPROXY (checked against the checksum
//! database), extract them safely, and switch between them.

pub mod download;
pub mod extract;
pub mod goproxy;
pub mod index;
pub mod install;
pub mod platform;
pub mod report;
pub mod store;
pub mod switch;

impl download::Http for gomedic_http::blocking::Blocking {
    fn get(&self, url: &str, from: u64) -> Result<download::Response, download::HttpError> {
        match gomedic_http::blocking::Blocking::get(self, url, from) {
            Ok(r) => Ok(download::Response {
                status: r.status,
                len: r.len,
                body: Box::new(r.body),
            }),
            Err(gomedic_http::FetchError::NotFound(m)) => Err(download::HttpError::NotFound(m)),
            Err(gomedic_http::FetchError::Other(m)) => Err(download::HttpError::Other(m)),
        }
    }
}
