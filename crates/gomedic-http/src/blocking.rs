//! The same client for synchronous callers (`gomedic toolchain`): a runtime of its own,
//! and response bodies as `std::io::Read`, each read bounded by the client's timeout.

use crate::{Client, FetchError};
use std::io::{self, Read};
use std::sync::Arc;
use std::time::Duration;

pub struct Blocking {
    rt: Arc<tokio::runtime::Runtime>,
    pub client: Client,
}

pub struct Response {
    /// 200, or 206 for a ranged request.
    pub status: u16,
    pub len: Option<u64>,
    pub body: Body,
}

pub struct Body {
    rt: Arc<tokio::runtime::Runtime>,
    client: Client,
    resp: reqwest::Response,
    shown: String,
    buf: bytes::Bytes,
}

impl Blocking {
    /// From the process environment, as the go command reads it.
    pub fn new(timeout: Duration) -> io::Result<Blocking> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // reqwest's client must be built inside a runtime context for its timers.
        let client = {
            let _g = rt.enter();
            Client::new(timeout)
        };
        Ok(Blocking {
            rt: Arc::new(rt),
            client,
        })
    }

    pub fn get(&self, url: &str, from: u64) -> Result<Response, FetchError> {
        let resp = self.rt.block_on(self.client.get_from(url, from))?;
        Ok(Response {
            status: resp.status().as_u16(),
            len: resp.content_length(),
            body: Body {
                rt: self.rt.clone(),
                client: self.client.clone(),
                shown: resp.url().to_string(),
                resp,
                buf: bytes::Bytes::new(),
            },
        })
    }
}

impl Read for Body {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf.is_empty() {
            let next = self
                .rt
                .block_on(self.client.next_chunk(&mut self.resp, &self.shown));
            match next {
                Ok(Some(b)) => self.buf = b,
                Ok(None) => return Ok(0),
                Err(e) => return Err(io::Error::other(e.message().to_string())),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        let _ = self.buf.split_to(n);
        Ok(n)
    }
}
