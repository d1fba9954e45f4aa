//! Differential test of `gomedic net route`: for many GOPROXY / GOSUMDB / GOPRIVATE /
//! GONOPROXY / GONOSUMDB / GOINSECURE values, the route gomedic predicts must be the route
//! real go toolchains (1.21, 1.24, 1.27) take, proved by real downloads
//! (`go mod download -x -json MODULE@VERSION` in a hermetic sandbox) against proxies and
//! checksum databases on loopback that log every request, and `file://` proxies.
//!
//! From gomedic's JSON the test derives what go must do: which servers it contacts in
//! which order (module files, `/sumdb/NAME/supported` probes, checksum database lookups,
//! direct version control fetches), whether it succeeds, and the exact error it fails
//! with when gomedic says a setting makes every download fail. The test's own model of
//! go is only `TryProxies` (walk the list; go on after "not found", or after any error
//! with `|`); the order, fallbacks and checksum decisions come from gomedic.

use crate::harness::goroots;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const MODULE: &str = "example.com/m";
const VERSION: &str = "v1.0.0";
const TOOLCHAIN: &str = "golang.org/toolchain";
const TC_VERSION: &str = "v0.0.1-go1.99.0.linux-amd64";
/// The releases compared (those installed; at least two must run).
const RELEASES: &[&str] = &["1.21", "1.24", "1.27"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Behavior {
    /// Serves the test modules; 404 for anything else (including /sumdb/).
    Serve,
    /// 404 for everything.
    NotFound,
    /// 500 for everything.
    Fail500,
    /// 404 for modules, 200 for /sumdb/NAME/supported (then 404 for lookups).
    SumdbProxy,
    /// A checksum database: 404 for every lookup (the request is the proof).
    SumDb,
    /// Fails to connect, or an https:// URL pointing at the plain HTTP server (the TLS
    /// handshake fails): an error that is not "not found".
    Unreachable,
}

// ---------------------------------------------------------------------------------------
// Module files: a stored (uncompressed) zip written by hand.

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn zip(files: &[(String, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let size = data.len() as u32;
        let header = |sig: u32, central: bool| {
            let mut h = Vec::new();
            h.extend(sig.to_le_bytes());
            if central {
                h.extend(20u16.to_le_bytes()); // made by
            }
            h.extend(20u16.to_le_bytes()); // version needed
            h.extend(0u16.to_le_bytes()); // flags
            h.extend(0u16.to_le_bytes()); // stored
            h.extend(0u16.to_le_bytes()); // time
            h.extend(0x21u16.to_le_bytes()); // date 1980-01-01
            h.extend(crc.to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend(size.to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes()); // extra
            if central {
                h.extend(0u16.to_le_bytes()); // comment
                h.extend(0u16.to_le_bytes()); // disk
                h.extend(0u16.to_le_bytes()); // internal attrs
                h.extend(0u32.to_le_bytes()); // external attrs
                h.extend(offset.to_le_bytes());
            }
            h.extend(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((files.len() as u16).to_le_bytes());
    out.extend((files.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// The GOPROXY files of `module@version` (paths relative to the proxy root).
pub(crate) fn module_files(module: &str, version: &str) -> Vec<(String, Vec<u8>)> {
    let gomod = format!("module {module}\n");
    let prefix = format!("{module}@{version}/");
    let z = zip(&[
        (format!("{prefix}go.mod"), gomod.as_bytes()),
        (format!("{prefix}m.go"), b"package m\n".as_slice()),
    ]);
    let base = format!("{module}/@v/{version}");
    vec![
        (
            format!("{module}/@v/list"),
            format!("{version}\n").into_bytes(),
        ),
        (
            format!("{base}.info"),
            format!("{{\"Version\":\"{version}\",\"Time\":\"2024-01-01T00:00:00Z\"}}\n")
                .into_bytes(),
        ),
        (format!("{base}.mod"), gomod.into_bytes()),
        (format!("{base}.zip"), z),
    ]
}

// ---------------------------------------------------------------------------------------
// One loopback HTTP server for every proxy and checksum database: the first path element
// names the endpoint (`/LABEL/...`), which decides the behaviour; every request is logged.

struct Server {
    base: String,
    behaviors: Arc<Mutex<BTreeMap<String, Behavior>>>,
    log: Arc<Mutex<Vec<(String, String)>>>,
}

fn respond(mut s: TcpStream, status: u16, body: &[u8]) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn handle(
    mut s: TcpStream,
    behaviors: &Mutex<BTreeMap<String, Behavior>>,
    log: &Mutex<Vec<(String, String)>>,
    files: &BTreeMap<String, Vec<u8>>,
) {
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 65536 || !buf.starts_with(b"GET ") && buf.len() >= 4 {
            return; // a TLS handshake or anything else: hang up
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    let path = path.replace("%21", "!");
    let Some((label, rest)) = path.trim_start_matches('/').split_once('/') else {
        return respond(s, 404, b"");
    };
    log.lock()
        .unwrap()
        .push((label.to_string(), rest.to_string()));
    let behavior = behaviors.lock().unwrap().get(label).copied();
    let (status, body): (u16, &[u8]) = match behavior {
        Some(Behavior::Fail500) => (500, b"boom"),
        Some(Behavior::SumdbProxy)
            if rest.starts_with("sumdb/") && rest.ends_with("/supported") =>
        {
            (200, b"")
        }
        Some(Behavior::Serve) if !rest.starts_with("sumdb/") => match files.get(rest) {
            Some(f) => (200, f.as_slice()),
            None => (404, b"not found"),
        },
        _ => (404, b"not found"),
    };
    respond(s, status, body)
}

impl Server {
    fn start(files: BTreeMap<String, Vec<u8>>) -> Server {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let behaviors: Arc<Mutex<BTreeMap<String, Behavior>>> = Arc::default();
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (b, lg, files) = (behaviors.clone(), log.clone(), Arc::new(files));
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let (b, lg, files) = (b.clone(), lg.clone(), files.clone());
                std::thread::spawn(move || handle(s, &b, &lg, &files));
            }
        });
        Server {
            base,
            behaviors,
            log,
        }
    }
}

// ---------------------------------------------------------------------------------------
// A checksum database verifier key made here: name+hex8(hash)+base64(0x01||ed25519 pub).

fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            s.push(if i <= c.len() {
                A[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    s
}

fn verifier_key(name: &str, public: &[u8]) -> String {
    let mut key = vec![1u8];
    key.extend_from_slice(public);
    let mut msg = name.as_bytes().to_vec();
    msg.push(b'\n');
    msg.extend_from_slice(&key);
    let d = ring::digest::digest(&ring::digest::SHA256, &msg);
    let h = &d.as_ref()[..4];
    format!(
        "{name}+{:02x}{:02x}{:02x}{:02x}+{}",
        h[0],
        h[1],
        h[2],
        h[3],
        b64(&key)
    )
}

fn ed25519_public() -> Vec<u8> {
    use ring::signature::KeyPair;
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let kp = ring::signature::Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    kp.public_key().as_ref().to_vec()
}

// ---------------------------------------------------------------------------------------
// Cases.

#[derive(Default, Clone, Debug)]
struct Settings {
    goproxy: String,
    gosumdb: String,
    goprivate: String,
    gonoproxy: String,
    gonosumdb: String,
    goinsecure: String,
}

/// What a case can make: endpoints on the server, file:// proxies, verifier keys.
struct Ctx<'a> {
    server: &'a Server,
    tag: String,
    /// Every endpoint URL (as GOPROXY/GOSUMDB spell it) and its label and behaviour.
    endpoints: Vec<(String, Option<String>, Behavior)>,
    file_serve: String,
    file_empty: String,
    public: &'a [u8],
}

impl Ctx<'_> {
    /// An endpoint on the loopback server: returns its http URL.
    fn http(&mut self, name: &str, b: Behavior) -> String {
        let label = format!("{}-{name}", self.tag);
        self.server
            .behaviors
            .lock()
            .unwrap()
            .insert(label.clone(), b);
        let url = format!("{}/{label}", self.server.base);
        self.endpoints.push((url.clone(), Some(label), b));
        url
    }
    /// An endpoint spelled so that it does not reach the server (go may print it
    /// normalized: register every spelling under the same name).
    fn odd(&mut self, name: &str, b: Behavior, f: impl Fn(&str) -> String) -> String {
        let label = format!("{}-{name}", self.tag);
        let url = f(&format!("{}/{label}", self.server.base));
        self.endpoints.push((url.clone(), Some(label), b));
        url
    }
    fn file(&mut self, serve: bool) -> String {
        let url = if serve {
            self.file_serve.clone()
        } else {
            self.file_empty.clone()
        };
        let b = if serve {
            Behavior::Serve
        } else {
            Behavior::NotFound
        };
        self.endpoints.push((url.clone(), None, b));
        url
    }
    fn key(&self, name: &str) -> String {
        verifier_key(name, self.public)
    }
}

struct Case {
    name: &'static str,
    module: &'static str,
    version: &'static str,
    setup: fn(&mut Ctx) -> Settings,
}

fn s(goproxy: String, gosumdb: &str) -> Settings {
    Settings {
        goproxy,
        gosumdb: gosumdb.into(),
        ..Default::default()
    }
}

fn cases() -> Vec<Case> {
    use Behavior::*;
    let m = |name, setup| Case {
        name,
        module: MODULE,
        version: VERSION,
        setup,
    };
    let t = |name, setup| Case {
        name,
        module: TOOLCHAIN,
        version: TC_VERSION,
        setup,
    };
    vec![
        // The pattern lists.
        m("goprivate trailing slash", |c| Settings {
            goprivate: "example.com/".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("goprivate spaces are not trimmed", |c| Settings {
            goprivate: "x.example, example.com".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("goprivate malformed glob is skipped", |c| Settings {
            goprivate: "[,example.com".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("goprivate only a malformed glob", |c| Settings {
            goprivate: "example.co[".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("goprivate empty entries", |c| Settings {
            goprivate: ",,*.com,".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("goprivate two elements", |c| Settings {
            goprivate: "example.com/*".into(),
            ..s(format!("{},direct", c.http("B", Serve)), "off")
        }),
        m("gonoproxy alone, direct after", |c| Settings {
            gonoproxy: "example.com".into(),
            ..s(format!("{},direct", c.http("B", Serve)), "off")
        }),
        m("gonoproxy=none overrides goprivate", |c| {
            let k = c.key("sum.test");
            let db = c.http("K", SumDb);
            Settings {
                goprivate: "example.com".into(),
                gonoproxy: "none".into(),
                ..s(c.http("B", Serve), &format!("{k} {db}"))
            }
        }),
        m("goproxy off with a private module goes direct", |_| {
            Settings {
                goprivate: "example.com".into(),
                ..s("off".into(), "off")
            }
        }),
        m("goproxy off", |c| {
            let _ = c;
            s("off".into(), "off")
        }),
        m("goinsecure for a direct fetch", |c| Settings {
            goprivate: "example.com".into(),
            goinsecure: "example.com".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("goinsecure spaces are not trimmed", |c| Settings {
            goprivate: "example.com".into(),
            goinsecure: "x.example, example.com".into(),
            ..s(c.http("B", Serve), "off")
        }),
        m("gonosumdb spaces are not trimmed", |c| {
            let (k, db) = (c.key("sum.test"), c.http("K", SumDb));
            Settings {
                gonosumdb: "x.example, example.com".into(),
                ..s(c.http("B", Serve), &format!("{k} {db}"))
            }
        }),
        m("goproxy exactly direct with gonoproxy", |_| Settings {
            gonoproxy: "example.com".into(),
            ..s("direct".into(), "off")
        }),
        // GOPROXY lists.
        m("404 then a working proxy", |c| {
            s(
                format!("{},{}", c.http("A", NotFound), c.http("B", Serve)),
                "off",
            )
        }),
        m("500 stops after a comma", |c| {
            s(
                format!("{},{}", c.http("E", Fail500), c.http("B", Serve)),
                "off",
            )
        }),
        m("500 moves on after a pipe", |c| {
            s(
                format!("{}|{}", c.http("E", Fail500), c.http("B", Serve)),
                "off",
            )
        }),
        m("an invalid entry at the end fails everything", |c| {
            s(
                format!("{}|{},ftp://x", c.http("A", NotFound), c.http("B", Serve)),
                "off",
            )
        }),
        m("off in the middle", |c| {
            s(
                format!("{},off,{}", c.http("A", NotFound), c.http("B", Serve)),
                "off",
            )
        }),
        m("an invalid entry after direct is ignored", |c| {
            s(format!("{},direct,ftp://x", c.http("A", NotFound)), "off")
        }),
        m("a URL with a space", |c| {
            s(format!("{},http://a b", c.http("B", Serve)), "off")
        }),
        m("a bare word", |_| s("banana".into(), "off")),
        m("file proxies", |c| {
            s(format!("{},{}", c.file(false), c.file(true)), "off")
        }),
        m("a file URL with a host", |_| {
            s("file://host/srv".into(), "off")
        }),
        m("a file URL without slashes", |_| {
            s("file:/srv/none".into(), "off")
        }),
        m("spaces around entries", |c| {
            s(format!(" {} , direct", c.http("B", Serve)), "off")
        }),
        m("only separators", |_| s(" , ".into(), "off")),
        m("only separators with gonoproxy", |_| Settings {
            gonoproxy: "example.com".into(),
            ..s(",".into(), "off")
        }),
        m("a bare host gets https", |c| {
            let u = c.http("T", Unreachable);
            let bare = u.trim_start_matches("http://").to_string();
            c.endpoints.pop();
            c.endpoints.push((
                format!("https://{bare}"),
                Some(format!("{}-T", c.tag)),
                Unreachable,
            ));
            s(bare, "off")
        }),
        m("a second colon in the host", |c| {
            let u = c.odd("C", Unreachable, |u| {
                u.replacen("127.0.0.1:", "127.0.0.1:1:", 1)
            });
            s(format!("{u}|{}", c.http("B", Serve)), "off")
        }),
        m("a bracket inside the host", |c| {
            let u = c.odd("X", Unreachable, |u| u.replacen("127.0.0.1", "x[::1]", 1));
            c.odd("X", Unreachable, |u| u.replacen("127.0.0.1", "[::1]", 1));
            s(format!("{u}|{}", c.http("B", Serve)), "off")
        }),
        // GOSUMDB.
        m("explicit checksum database URL", |c| {
            let (k, db) = (c.key("sum.test"), c.http("K", SumDb));
            s(c.http("B", Serve), &format!("{k} {db}"))
        }),
        m("gonosumdb skips the checksum database", |c| {
            let (k, db) = (c.key("sum.test"), c.http("K", SumDb));
            Settings {
                gonosumdb: "example.com".into(),
                ..s(c.http("B", Serve), &format!("{k} {db}"))
            }
        }),
        m("gosumdb with a leading space", |c| {
            s(c.http("B", Serve), " off")
        }),
        m("gosumdb with a wrong key hash", |c| {
            let k = c.key("sum.test");
            let bad = format!("sum.test+00000000{}", &k["sum.test+00000000".len()..]);
            s(c.http("B", Serve), &bad)
        }),
        m("gosumdb with three fields", |c| {
            let k = c.key("sum.test");
            s(c.http("B", Serve), &format!("{k} http://a b"))
        }),
        m("gosumdb URL with an unsupported scheme", |c| {
            let k = c.key("sum.test");
            s(c.http("B", Serve), &format!("{k} ftp://sumdb.example"))
        }),
        m("gosumdb URL that does not parse", |c| {
            let k = c.key("sum.test");
            s(c.http("B", Serve), &format!("{k} http://x/%zz"))
        }),
        m("gosumdb name that crashes go", |c| {
            let k = c.key("a%zz");
            s(c.http("B", Serve), &k)
        }),
        m("gosumdb name that is not a host", |c| {
            let k = c.key("sum.test/");
            s(c.http("B", Serve), &k)
        }),
        m("gosumdb name with brackets", |c| {
            let k = c.key("a[::1]");
            s(c.http("B", Serve), &k)
        }),
        m("gosumdb URL with a second colon", |c| {
            let k = c.key("sum.test");
            let db = c.odd("K", SumDb, |u| u.replacen("127.0.0.1:", "127.0.0.1:1:", 1));
            s(c.http("B", Serve), &format!("{k} {db}"))
        }),
        m("the built-in key with an explicit URL", |c| {
            let db = c.http("K", SumDb);
            let key = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
            s(c.http("B", Serve), &format!("{key} {db}"))
        }),
        m("sumdb through proxies, then directly", |c| {
            s(
                format!("{},{}", c.http("A", NotFound), c.http("B", Serve)),
                "sum.golang.org",
            )
        }),
        m("sumdb served by a proxy", |c| {
            s(
                format!("{},{}", c.http("S", SumdbProxy), c.http("B", Serve)),
                "sum.golang.org",
            )
        }),
        m("sumdb proxy error after a pipe", |c| {
            s(
                format!("{}|{}", c.http("E", Fail500), c.http("B", Serve)),
                "sum.golang.org",
            )
        }),
        m("sumdb alias", |c| {
            s(c.http("B", Serve), "sum.golang.google.cn")
        }),
        m("sumdb with a trailing space", |c| {
            s(c.http("B", Serve), "sum.golang.org ")
        }),
        // The toolchain module.
        t("toolchain ignores gonosumdb", |c| {
            let (k, db) = (c.key("sum.test"), c.http("K", SumDb));
            Settings {
                gonosumdb: "golang.org".into(),
                goprivate: "golang.org".into(),
                gonoproxy: "none".into(),
                ..s(c.http("B", Serve), &format!("{k} {db}"))
            }
        }),
        t("toolchain with gosumdb off", |c| {
            s(c.http("B", Serve), "off")
        }),
        t("toolchain from a single file proxy", |c| {
            s(c.file(true), "off")
        }),
        t("toolchain from a file proxy list", |c| {
            s(format!("{},direct", c.file(true)), "off")
        }),
    ]
}

// ---------------------------------------------------------------------------------------
// Running one case.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Module,
    Supported,
    SumdbLookup,
}

type Event = (String, Kind);

fn env_for(sandbox: &Path, goroot: &Path, st: &Settings) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    // Everything not on loopback (direct fetches, sum.golang.org) goes to a proxy that
    // refuses connections: fast and hermetic, and `go -x` still prints each request.
    let refused = format!("http://{}", gomedic_testkit::refused_addr());
    env.insert("HTTPS_PROXY".into(), refused.clone());
    env.insert("HTTP_PROXY".into(), refused);
    let p = |rel: &str| sandbox.join(rel).display().to_string();
    env.insert(
        "PATH".into(),
        format!("{}:/usr/bin:/bin", goroot.join("bin").display()),
    );
    env.insert("HOME".into(), p("home"));
    env.insert("GOPATH".into(), p("gopath"));
    env.insert("GOMODCACHE".into(), p("modcache"));
    env.insert("GOCACHE".into(), p("gocache"));
    env.insert("GOENV".into(), "off".into());
    env.insert("GOFLAGS".into(), "-modcacherw".into());
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env.insert("GOTELEMETRY".into(), "off".into());
    env.insert("GOPROXY".into(), st.goproxy.clone());
    env.insert("GOSUMDB".into(), st.gosumdb.clone());
    env.insert("GOPRIVATE".into(), st.goprivate.clone());
    env.insert("GONOPROXY".into(), st.gonoproxy.clone());
    env.insert("GONOSUMDB".into(), st.gonosumdb.clone());
    env.insert("GOINSECURE".into(), st.goinsecure.clone());
    env
}

/// The events of `go mod download -x`: every `# get URL` request line, in order, first
/// occurrence only.
fn observed(
    stderr: &str,
    endpoints: &[(String, Option<String>, Behavior)],
    module: &str,
) -> Vec<Event> {
    let host = module.split('/').next().unwrap();
    let mut out: Vec<Event> = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("# get ") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let url = words.next().unwrap_or("");
        if words.next().is_some() || url.ends_with(':') {
            continue; // a result line
        }
        let ev = endpoints
            .iter()
            .filter(|(base, _, _)| url.starts_with(base.as_str()))
            .max_by_key(|(base, _, _)| base.len())
            .map(|(base, label, b)| {
                let label = label.clone().unwrap_or_else(|| base.clone());
                let path = &url[base.len()..];
                let kind = if *b == Behavior::SumDb {
                    Kind::SumdbLookup
                } else if path.starts_with("/sumdb/") && path.ends_with("/supported") {
                    Kind::Supported
                } else if path.starts_with("/sumdb/") {
                    Kind::SumdbLookup
                } else {
                    Kind::Module
                };
                (label, kind)
            })
            .unwrap_or_else(|| {
                let (scheme, after) = url.split_once("://").unwrap_or(("", url));
                let h = after.split(['/', '?']).next().unwrap_or("");
                if h == host {
                    ("direct".to_string(), Kind::Module)
                } else {
                    (format!("{scheme}://{h}"), Kind::SumdbLookup)
                }
            });
        if !out.contains(&ev) {
            out.push(ev);
        }
    }
    out
}

/// What go must do, derived from gomedic's route.
struct Expect {
    events: Vec<Event>,
    success: bool,
    /// The error text go's `Error` must contain.
    message: Option<String>,
    crash: bool,
}

fn endpoint<'e>(
    url: &str,
    endpoints: &'e [(String, Option<String>, Behavior)],
) -> Option<&'e (String, Option<String>, Behavior)> {
    endpoints
        .iter()
        .filter(|(base, _, _)| url.starts_with(base.as_str()))
        .max_by_key(|(base, _, _)| base.len())
}

fn label_of(e: &(String, Option<String>, Behavior)) -> Option<String> {
    e.1.clone()
}

fn other_label(url: &str) -> String {
    let (scheme, after) = url.split_once("://").unwrap_or(("", url));
    format!(
        "{scheme}://{}",
        after.split(['/', '?']).next().unwrap_or("")
    )
}

fn expect(route: &Value, endpoints: &[(String, Option<String>, Behavior)]) -> Expect {
    let fails = &route["fails"];
    let mut ex = Expect {
        events: Vec::new(),
        success: false,
        message: fails["message"].as_str().map(String::from),
        crash: fails["code"] == "gosumdb.crash",
    };
    if fails["code"] == "goproxy.invalid" || fails["code"] == "goproxy.off" {
        return ex; // go fails before any request
    }
    // TryProxies over the sources, for the module's files.
    let mut fetched = false;
    for src in route["sources"].as_array().unwrap() {
        let fallback_any = src["fallback"] == "on_any_error";
        let outcome = match src["kind"].as_str().unwrap() {
            "direct" => {
                ex.events.push(("direct".into(), Kind::Module));
                Err(true) // unrecognized import path: a "not found" error
            }
            "off" => Err(true),
            _ => {
                let url = src["url"].as_str().unwrap();
                let e = endpoint(url, endpoints).unwrap_or_else(|| panic!("no endpoint for {url}"));
                if let Some(l) = label_of(e) {
                    ex.events.push((l, Kind::Module));
                }
                match e.2 {
                    Behavior::Serve => Ok(()),
                    Behavior::NotFound | Behavior::SumdbProxy | Behavior::SumDb => Err(true),
                    Behavior::Fail500 | Behavior::Unreachable => Err(false),
                }
            }
        };
        match outcome {
            Ok(()) => {
                fetched = true;
                break;
            }
            Err(true) => continue,
            Err(false) if fallback_any => continue,
            Err(false) => break,
        }
    }
    if !fetched || !fails.is_null() {
        return ex;
    }
    let ck = &route["checksum"];
    if ck["consulted"] != true {
        ex.success = true;
        return ex;
    }
    // The checksum database is consulted: the test databases answer 404, so the download
    // fails, after these requests.
    let access = &ck["access"];
    if access["kind"] == "url" {
        let url = access["url"].as_str().unwrap();
        let label = endpoint(url, endpoints)
            .and_then(label_of)
            .unwrap_or_else(|| other_label(url));
        ex.events.push((label, Kind::SumdbLookup));
        return ex;
    }
    let mut proxy_error = false;
    for probe in access["supported"].as_array().unwrap() {
        let url = probe["url"].as_str().unwrap();
        let Some(e) = endpoint(url, endpoints) else {
            panic!("no endpoint for {url}")
        };
        if let Some(l) = label_of(e) {
            ex.events.push((l.clone(), Kind::Supported));
            if e.2 == Behavior::SumdbProxy {
                ex.events.push((l, Kind::SumdbLookup));
                return ex;
            }
        }
        if matches!(e.2, Behavior::Fail500 | Behavior::Unreachable) {
            proxy_error = true;
            if probe["fallback"] != "on_any_error" {
                return ex;
            }
        }
    }
    if !proxy_error {
        let direct = access["direct_url"].as_str().unwrap();
        ex.events.push((other_label(direct), Kind::SumdbLookup));
    }
    ex
}

/// What every case shares: the server, the file:// proxy folders, the verifier key.
struct Fixture {
    server: Server,
    serve_dir: PathBuf,
    empty_dir: PathBuf,
    public: Vec<u8>,
}

fn run_case(
    release: &str,
    goroot: &Path,
    fx: &Fixture,
    index: usize,
    case: &Case,
) -> Result<(), String> {
    let tag = format!("{}-c{index:02}", release.replace('.', ""));
    let server = &fx.server;
    let mut ctx = Ctx {
        server,
        tag: tag.clone(),
        endpoints: Vec::new(),
        file_serve: format!("file://{}", fx.serve_dir.display()),
        file_empty: format!("file://{}", fx.empty_dir.display()),
        public: &fx.public,
    };
    let st = (case.setup)(&mut ctx);
    let sandbox = tempfile::tempdir().unwrap();
    for d in ["home", "work"] {
        std::fs::create_dir_all(sandbox.path().join(d)).unwrap();
    }
    let env = env_for(sandbox.path(), goroot, &st);
    let context = format!("[go{release} {:?}] settings {st:?}", case.name);

    let gm = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args(["net", "route", case.module, "--format", "json"])
        .env_clear()
        .envs(&env)
        .current_dir(sandbox.path().join("work"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&gm.stdout).map_err(|e| {
        format!(
            "{context}: gomedic printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&gm.stdout),
            String::from_utf8_lossy(&gm.stderr)
        )
    })?;
    let route = &doc["route"];
    let want_code = if route["fails"].is_null() { 0 } else { 1 };
    if gm.status.code() != Some(want_code) {
        return Err(format!(
            "{context}: gomedic exit {:?}, want {want_code}",
            gm.status.code()
        ));
    }
    let rules = route["go_rules"].as_str().unwrap_or("");
    if !rules.starts_with(&format!("go{release}")) {
        return Err(format!("{context}: gomedic used the rules of {rules}"));
    }

    let log_before = server.log.lock().unwrap().len();
    let go: Output = Command::new(goroot.join("bin/go"))
        .args(["mod", "download", "-x", "-json"])
        .arg(format!("{}@{}", case.module, case.version))
        .env_clear()
        .envs(&env)
        .current_dir(sandbox.path().join("work"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&go.stderr).to_string();
    let go_json: Value = serde_json::from_slice(&go.stdout).unwrap_or(Value::Null);
    let go_error = go_json["Error"].as_str().map(String::from);
    let got = observed(&stderr, &ctx.endpoints, case.module);
    let ex = expect(route, &ctx.endpoints);
    let show = || {
        format!(
            "{context}\n  gomedic route: {route:#}\n  go exit {:?}, Error: {go_error:?}\n  go requests: {got:?}\n  expected requests: {:?}\n  go stderr:\n{}",
            go.status.code(),
            ex.events,
            stderr
                .lines()
                .filter(|l| l.starts_with("# get") || l.contains("panic") || l.starts_with("go:"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };

    if ex.crash {
        if !stderr
            .contains("panic: runtime error: invalid memory address or nil pointer dereference")
        {
            return Err(format!(
                "gomedic predicts a crash, go did not crash:\n{}",
                show()
            ));
        }
    } else if ex.success {
        if !go.status.success() || go_error.is_some() {
            return Err(format!("gomedic predicts success, go failed:\n{}", show()));
        }
    } else {
        if go.status.success() {
            return Err(format!(
                "gomedic predicts a failure, go succeeded:\n{}",
                show()
            ));
        }
        if let Some(m) = &ex.message {
            if !go_error.as_deref().unwrap_or("").contains(m.as_str()) {
                return Err(format!(
                    "go failed with another error than {m:?}:\n{}",
                    show()
                ));
            }
        }
    }
    if got != ex.events {
        return Err(format!("requests differ:\n{}", show()));
    }
    // GOINSECURE: a direct fetch falls back to plain http.
    let insecure_http = stderr.lines().any(|l| {
        l.starts_with(&format!(
            "# get http://{}",
            case.module.split('/').next().unwrap()
        ))
    });
    let direct = got.iter().any(|(l, _)| l == "direct");
    if direct && (route["insecure"] == true) != insecure_http {
        return Err(format!("GOINSECURE prediction differs:\n{}", show()));
    }
    // Proof from the servers: every logged request is one go printed, and the reverse.
    let logged: Vec<String> = server.log.lock().unwrap()[log_before..]
        .iter()
        .filter(|(l, _)| l.starts_with(&format!("{tag}-")))
        .map(|(l, _)| l.clone())
        .collect();
    for l in &logged {
        if !got.iter().any(|(g, _)| g == l) {
            return Err(format!(
                "server {l} got a request go did not print:\n{}",
                show()
            ));
        }
    }
    for (l, _) in &got {
        // Only endpoints spelled as the server's own URL can reach it.
        let http = ctx.endpoints.iter().any(|(u, lab, _)| {
            lab.as_deref() == Some(l) && u.starts_with(&format!("{}/", server.base))
        });
        if http && !logged.contains(l) {
            return Err(format!("server {l} logged nothing:\n{}", show()));
        }
    }
    Ok(())
}

#[test]
fn net_route_predicts_what_go_does() {
    let started = std::time::Instant::now();
    let roots: Vec<(String, PathBuf)> = goroots()
        .into_iter()
        .filter(|(v, _)| RELEASES.iter().any(|r| v.starts_with(&format!("{r}."))))
        .collect();
    assert!(
        roots.len() >= 2,
        "at least two of Go {RELEASES:?} must be installed, found {:?}",
        roots.iter().map(|(v, _)| v).collect::<Vec<_>>()
    );
    let mut files = BTreeMap::new();
    for (m, v) in [(MODULE, VERSION), (TOOLCHAIN, TC_VERSION)] {
        files.extend(module_files(m, v));
    }
    let dir = tempfile::tempdir().unwrap();
    let (serve_dir, empty_dir) = (dir.path().join("fileproxy"), dir.path().join("empty"));
    std::fs::create_dir_all(&empty_dir).unwrap();
    for (p, data) in &files {
        let f = serve_dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, data).unwrap();
    }
    let fx = Fixture {
        server: Server::start(files),
        serve_dir,
        empty_dir,
        public: ed25519_public(),
    };
    let cases = cases();
    let failures: Vec<String> = std::thread::scope(|sc| {
        let handles: Vec<_> = roots
            .iter()
            .map(|(v, root)| {
                let (fx, cases) = (&fx, &cases);
                sc.spawn(move || {
                    let release = v.rsplit_once('.').map_or(v.as_str(), |x| x.0).to_string();
                    cases
                        .iter()
                        .enumerate()
                        .filter_map(|(i, c)| run_case(&release, root, fx, i, c).err())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    eprintln!(
        "route_diff: {} cases x {} releases in {:.1}s",
        cases.len(),
        roots.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn malformed_module_paths_are_refused_with_gos_message() {
    let root = crate::harness::newest();
    let sandbox = tempfile::tempdir().unwrap();
    for d in ["home", "work"] {
        std::fs::create_dir_all(sandbox.path().join(d)).unwrap();
    }
    let env = env_for(
        sandbox.path(),
        &root,
        &s(
            format!("file://{}", sandbox.path().join("none").display()),
            "off",
        ),
    );
    for module in [
        "Example.com/m",
        "example.com/m/v1",
        "ex/m",
        "example.com/a b",
    ] {
        let gm = Command::new(env!("CARGO_BIN_EXE_gomedic"))
            .args(["net", "route", module])
            .env_clear()
            .envs(&env)
            .current_dir(sandbox.path().join("work"))
            .output()
            .unwrap();
        assert_eq!(gm.status.code(), Some(2), "{module}");
        let go = Command::new(root.join("bin/go"))
            .args(["mod", "download", "-json", &format!("{module}@v1.0.0")])
            .env_clear()
            .envs(&env)
            .current_dir(sandbox.path().join("work"))
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&go.stdout).unwrap();
        let go_err = v["Error"].as_str().unwrap();
        let ours = String::from_utf8_lossy(&gm.stderr);
        let msg = go_err.split_once(": ").unwrap().1;
        assert!(
            ours.contains(msg),
            "{module}: go says {go_err:?}, gomedic {ours:?}"
        );
    }
}
