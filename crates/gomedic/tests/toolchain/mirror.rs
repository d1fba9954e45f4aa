//! A go.dev/dl mirror on loopback: the JSON release index at `/?mode=json&include=all` and
//! archive files, with `Range: bytes=N-` (206), a log of every request, and misbehaviours
//! the tests switch on (cut a body once, go slow, answer 500, change a byte).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const INDEX_PATH: &str = "/?mode=json&include=all";

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Mode {
    #[default]
    Normal,
    /// The next archive response ends after this many body bytes (then Normal again).
    CutOnce(u64),
    /// Archive bodies in `chunk`-byte pieces, `delay` apart.
    Slow { chunk: usize, delay: Duration },
    /// Every request answered with this status.
    Status(u16),
    /// Archive bodies with the byte at this file offset changed (same size).
    Flip(u64),
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub range: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct State {
    index: Vec<u8>,
    files: HashMap<String, PathBuf>,
    hits: Vec<Hit>,
    mode: Mode,
}

pub struct Mirror {
    pub addr: SocketAddr,
    st: Arc<Mutex<State>>,
}

impl Mirror {
    pub fn start() -> Mirror {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let st: Arc<Mutex<State>> = Arc::default();
        let s2 = st.clone();
        std::thread::spawn(move || {
            for c in l.incoming().flatten() {
                let st = s2.clone();
                std::thread::spawn(move || handle(c, &st));
            }
        });
        Mirror { addr, st }
    }

    /// The base URL gomedic is given (`--mirror`).
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn set_index(&self, json: Vec<u8>) {
        self.st.lock().unwrap().index = json;
    }

    /// Serves `path` as `/<name>`.
    pub fn add_file(&self, name: &str, path: PathBuf) {
        self.st.lock().unwrap().files.insert(name.to_string(), path);
    }

    pub fn set_mode(&self, m: Mode) {
        self.st.lock().unwrap().mode = m;
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.st.lock().unwrap().hits.clone()
    }

    /// Requests for `/<name>`: their Range headers.
    pub fn ranges(&self, name: &str) -> Vec<Option<String>> {
        let p = format!("/{name}");
        self.hits()
            .into_iter()
            .filter(|h| h.path == p)
            .map(|h| h.range)
            .collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }
}

fn handle(mut c: TcpStream, st: &Mutex<State>) {
    let _ = c.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match c.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.lines();
    let path = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();
    let range = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("range")
            .then(|| v.trim().to_string())
    });
    // Decide under the lock, send without it.
    let (mode, index, file) = {
        let mut s = st.lock().unwrap();
        let file = path.strip_prefix('/').and_then(|n| s.files.get(n).cloned());
        let mode = s.mode.clone();
        if file.is_some() && matches!(mode, Mode::CutOnce(_)) {
            s.mode = Mode::Normal;
        }
        (mode, s.index.clone(), file)
    };
    let record = |status: u16| {
        st.lock().unwrap().hits.push(Hit {
            path: path.clone(),
            range: range.clone(),
            status,
        })
    };
    let small = |c: &mut TcpStream, status: u16, ctype: &str, body: &[u8]| {
        let _ = write!(
            c,
            "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = c.write_all(body);
    };
    if let Mode::Status(s) = mode {
        record(s);
        return small(&mut c, s, "text/plain", b"the mirror is having a bad day\n");
    }
    if path == INDEX_PATH {
        record(200);
        return small(&mut c, 200, "application/json", &index);
    }
    let Some(file) = file else {
        record(404);
        return small(&mut c, 404, "text/plain", b"not found\n");
    };
    let mut f = std::fs::File::open(&file).unwrap();
    let total = f.metadata().unwrap().len();
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    if start >= total && start > 0 {
        record(416);
        return small(&mut c, 416, "text/plain", b"range not satisfiable\n");
    }
    let status = if start > 0 { 206 } else { 200 };
    record(status);
    let mut hdr = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n",
        total - start
    );
    if status == 206 {
        hdr.push_str(&format!(
            "Content-Range: bytes {start}-{}/{total}\r\n",
            total - 1
        ));
    }
    hdr.push_str("\r\n");
    if c.write_all(hdr.as_bytes()).is_err() {
        return;
    }
    f.seek(SeekFrom::Start(start)).unwrap();
    let (piece, delay) = match &mode {
        Mode::Slow { chunk, delay } => (*chunk, Some(*delay)),
        _ => (256 << 10, None),
    };
    let cut = match mode {
        Mode::CutOnce(n) => Some(n),
        _ => None,
    };
    let mut buf = vec![0u8; piece];
    let (mut off, mut sent) = (start, 0u64);
    loop {
        let k = match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => k,
        };
        let data = &mut buf[..k];
        if let Mode::Flip(at) = mode {
            if at >= off && at < off + k as u64 {
                data[(at - off) as usize] ^= 0xff;
            }
        }
        let k = match cut {
            Some(n) if sent + k as u64 >= n => (n - sent) as usize,
            _ => k,
        };
        if c.write_all(&data[..k]).is_err() {
            return;
        }
        off += k as u64;
        sent += k as u64;
        if cut == Some(sent) {
            // The connection dies mid-body.
            let _ = c.flush();
            let _ = c.shutdown(Shutdown::Both);
            return;
        }
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
    }
}
