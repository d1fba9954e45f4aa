//! Property tests for every parser of this crate, seeded from the checked-in corpus under
//! `tests/corpus/` (each input is also mutated: bytes flipped, inserted, deleted, lines
//! cut). The first property is always that nothing panics on any input; where it is
//! easy, a round trip or a consistency property follows. Each property runs a bounded
//! number of cases so the whole file takes a few seconds; `GOMEDIC_FUZZ_CASES=N` runs N
//! cases per property for a longer search.

use gomedic_goenv::envfile::{EnvFile, MAX_ISSUES, MAX_KEY};
use gomedic_goenv::goproxy::{ProxyKind, RouteSettings};
use gomedic_goenv::patterns::{path_match, Patterns};
use gomedic_goenv::sumdb::{self, GoSumDb};
use gomedic_goenv::{gomod, modpath, pathscan, GoProxy, GoSemantics, GoVersion, RouteConfig};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Every file of a corpus directory.
fn files(dir: &str) -> Vec<Vec<u8>> {
    let mut v: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(corpus_dir().join(dir))
        .unwrap()
        .flatten()
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "empty corpus {dir}");
    v.into_iter().map(|(_, d)| d).collect()
}

/// Every line of a corpus file (one value per line).
fn lines(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(corpus_dir().join(file)).unwrap();
    let v: Vec<String> = text.lines().map(str::to_string).collect();
    assert!(!v.is_empty(), "empty corpus {file}");
    v
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes that matter to these parsers, plus anything.
    let interesting = prop_oneof![
        Just(b'\n'),
        Just(b'\r'),
        Just(b'='),
        Just(b','),
        Just(b'|'),
        Just(b'/'),
        Just(b'*'),
        Just(b'['),
        Just(b']'),
        Just(b'\\'),
        Just(b':'),
        Just(b';'),
        Just(b'%'),
        Just(b'"'),
        Just(b' '),
        Just(0u8),
        Just(0xff),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), interesting.clone()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), prop::collection::vec(interesting, 1..8))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn mutate(mut d: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = d.len();
        let at = |i: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Flip(i, b) if len > 0 => d[i % len] = *b,
            Mutation::Flip(..) => d.push(0),
            Mutation::Insert(i, b) => {
                let p = at(*i);
                d.splice(p..p, b.iter().copied());
            }
            Mutation::Delete(i, n) => {
                let p = at(*i);
                let e = (p + n).min(len);
                d.drain(p..e);
            }
            Mutation::Truncate(i) => d.truncate(at(*i)),
            Mutation::Duplicate(i, n) => {
                let p = at(*i);
                let e = (p + n).min(len);
                let copy = d[p..e].to_vec();
                d.splice(p..p, copy);
            }
        }
    }
    d
}

/// An input: a corpus entry (mutated), or arbitrary bytes.
fn input(corpus: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let n = corpus.len();
    prop_oneof![
        3 => (0..n, prop::collection::vec(mutation(), 0..6))
            .prop_map(move |(i, m)| mutate(corpus[i].clone(), &m)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

/// A string input from a one-value-per-line corpus (lossy after mutation).
fn text_input(corpus: Vec<String>) -> impl Strategy<Value = String> {
    let bytes: Vec<Vec<u8>> = corpus.into_iter().map(String::into_bytes).collect();
    prop_oneof![
        4 => input(bytes).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => "\\PC{0,64}",
    ]
}

/// The rules of each Go release gomedic distinguishes, on both path flavours.
fn semantics() -> impl Strategy<Value = GoSemantics> {
    (
        prop::sample::select(vec![
            None,
            Some("1.21.13"),
            Some("1.22.10"),
            Some("1.24.7"),
            Some("1.24.11"),
            Some("1.25.1"),
            Some("1.26.6"),
            Some("1.27.3"),
        ]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(v, windows, strict)| {
            let mut s = GoSemantics::for_version(v);
            s.windows = windows;
            s.url_strict_colons = strict;
            s
        })
}

/// `cases` per property; `GOMEDIC_FUZZ_CASES=N` runs N instead (a longer local search).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("GOMEDIC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        // Failures print their minimal input; no regression files are written.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// The go env file: never panics; what it keeps is what cmd/go would read.
    #[test]
    fn envfile_parse(data in input(files("envfile")), user_file in any::<bool>()) {
        let f = EnvFile::parse(Path::new("/x/env"), &data, user_file);
        let nlines = data.split(|b| *b == b'\n').count();
        prop_assert!(f.issues.len() <= MAX_ISSUES);
        // The last line that sets each key (as cmd/go reads it: a UTF-8 line with `=`
        // that starts with A-Z; gomedic leaves out keys over MAX_KEY bytes).
        let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, l) in data.split(|b| *b == b'\n').enumerate() {
            let Ok(l) = std::str::from_utf8(l) else { continue };
            if let Some((k, _)) = l.split_once('=') {
                if l.as_bytes()[0].is_ascii_uppercase() && k.len() <= MAX_KEY {
                    last.insert(k, i + 1);
                }
            }
        }
        prop_assert_eq!(last.len(), f.entries.len());
        for e in &f.entries {
            prop_assert!(e.key.as_bytes()[0].is_ascii_uppercase());
            prop_assert!(!e.key.contains('\n') && !e.value.contains('\n') && !e.key.contains('='));
            prop_assert_eq!(last.get(e.key.as_str()), Some(&e.line), "{}", e.key);
            prop_assert_eq!(f.get(&e.key), Some(e));
        }
        for w in f.entries.windows(2) {
            prop_assert!(w[0].line < w[1].line, "file order");
        }
        for i in &f.issues {
            prop_assert!(i.line >= 1 && i.line <= nlines);
        }
    }

    /// What `go env -w` writes reads back as exactly the values written.
    #[test]
    fn envfile_round_trip(
        values in prop::collection::btree_map(
            prop::sample::select(gomedic_goenv::keys::known().collect::<Vec<_>>()),
            "[^\n\r]{0,40}",
            0..12,
        ),
        before in input(files("envfile")),
    ) {
        let add: BTreeMap<String, String> =
            values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let old = String::from_utf8_lossy(&before).into_owned();
        let written = gomedic_goenv::write::update(&old, &add, &[]);
        let f = EnvFile::parse(Path::new("/x/env"), written.as_bytes(), true);
        for (k, v) in &add {
            prop_assert_eq!(f.get(k).map(|e| e.value.as_str()), Some(v.as_str()), "{}", k);
        }
    }

    /// go.mod / go.work: never panics; a directive it keeps is on a line of the file, and
    /// a file without problems has valid versions.
    #[test]
    fn gomod_parse(data in input(files("gomod"))) {
        let text = String::from_utf8_lossy(&data);
        let m = gomod::parse(Path::new("go.mod"), &text);
        let nlines = text.lines().count();
        for (v, line) in m.go.iter().chain(m.toolchain.iter()) {
            prop_assert!(*line >= 1 && *line <= nlines);
            prop_assert!(!v.is_empty() && !v.contains(char::is_whitespace));
        }
        if m.problems.is_empty() {
            prop_assert!(m.go.is_none() || m.go_version().is_some());
            let tc = m.toolchain.as_ref().map(|(v, _)| v.as_str());
            prop_assert!(tc.is_none() || tc == Some("default") || m.toolchain_version().is_some());
        }
        for p in &m.problems {
            prop_assert!(p.starts_with("line "), "{}", p);
        }
    }

    /// A well-formed go line reads back as written.
    #[test]
    fn gomod_round_trip(major in 1u32..3, minor in 0u32..40, patch in prop::option::of(0u32..30)) {
        let v = match patch {
            Some(p) => format!("{major}.{minor}.{p}"),
            None => format!("{major}.{minor}"),
        };
        let m = gomod::parse(Path::new("go.mod"), &format!("module x\n\ngo {v} // c\ntoolchain go{major}.{minor}.1\n"));
        prop_assert!(m.problems.is_empty(), "{:?}", m.problems);
        prop_assert_eq!(m.go.clone(), Some((v.clone(), 3)));
        prop_assert_eq!(m.go_version().map(|g| g.to_string()), Some(v));
    }

    /// Go versions: never panics; what parses prints back and parses to itself.
    #[test]
    fn go_version(s in text_input(vec!["1.22.0".into(), "1.21rc2".into(), "go1.27.3".into(), "1.2x".into()])) {
        if let Some(v) = GoVersion::parse(&s) {
            prop_assert_eq!(GoVersion::parse(&v.to_string()), Some(v));
        }
        let _ = GoVersion::parse_toolchain(&s);
    }

    /// GOPROXY: never panics; an accepted list has entries, each proxy URL passes go's
    /// check, and `direct`/`off` end the list.
    #[test]
    fn goproxy_parse(value in text_input(lines("goproxy.txt")), nop in text_input(lines("patterns.txt")), sem in semantics()) {
        let p = GoProxy::parse(&value, &nop, &sem);
        if p.error.is_none() {
            prop_assert!(p.entries.iter().any(|e| e.kind != ProxyKind::Noproxy));
            for e in &p.entries {
                if let ProxyKind::Url { url, .. } = &e.kind {
                    prop_assert!(gomedic_goenv::goproxy::check_proxy_url(url, &sem).is_ok(), "{}", url);
                }
            }
            let legacy = p.legacy_entries();
            prop_assert_eq!(legacy.len(), p.entries.iter().filter(|e| e.kind != ProxyKind::Noproxy).count());
        }
        let ends = p.entries.iter().position(|e| matches!(e.kind, ProxyKind::Direct | ProxyKind::Off));
        if let Some(i) = ends {
            prop_assert_eq!(i + 1, p.entries.len());
        }
    }

    /// A list of valid proxy URLs reads back in order, with the fallback each
    /// separator means.
    #[test]
    fn goproxy_round_trip(
        hosts in prop::collection::vec(("[a-z]{1,10}", any::<bool>()), 1..6),
        tail in prop::sample::select(vec!["", ",direct", "|direct", ",off"]),
    ) {
        let mut value = String::new();
        for (i, (h, bar)) in hosts.iter().enumerate() {
            value.push_str(&format!("https://{h}.example"));
            if i + 1 < hosts.len() {
                value.push(if *bar { '|' } else { ',' });
            }
        }
        value.push_str(tail);
        let p = GoProxy::parse(&value, "", &GoSemantics::latest());
        prop_assert!(p.error.is_none(), "{:?}", p.error);
        prop_assert_eq!(p.entries.len(), hosts.len() + usize::from(!tail.is_empty()));
        for (i, (h, bar)) in hosts.iter().enumerate() {
            match &p.entries[i].kind {
                ProxyKind::Url { url, .. } => prop_assert_eq!(url, &format!("https://{h}.example")),
                k => prop_assert!(false, "{:?}", k),
            }
            let sep = if i + 1 < hosts.len() {
                Some(if *bar { '|' } else { ',' })
            } else {
                tail.chars().next()
            };
            prop_assert_eq!(p.entries[i].separator, sep);
            prop_assert_eq!(p.entries[i].fallback_on_error, sep == Some('|'));
        }
    }

    /// GOSUMDB: never panics; a database it accepts has a name its key names.
    #[test]
    fn gosumdb_parse(value in text_input(lines("gosumdb.txt")), sem in semantics()) {
        if let GoSumDb::Db(d) = GoSumDb::parse(&value, &sem) {
            prop_assert_eq!(sumdb::parse_verifier_key(&d.key), Ok(d.name.clone()));
            prop_assert!(!d.name.is_empty());
        }
        let _ = sumdb::parse_verifier_key(&value);
        let _ = sumdb::decode_base64_std(&value);
    }

    /// A verifier key made as `note.GenerateKey` makes it parses to its name.
    #[test]
    fn gosumdb_key_round_trip(name in "[a-z]{1,12}(\\.[a-z]{1,8}){0,2}", key in prop::array::uniform32(any::<u8>())) {
        let mut raw = vec![1u8];
        raw.extend_from_slice(&key);
        let vkey = format!("{name}+{:08x}+{}", sumdb::key_hash(&name, &raw), base64(&raw));
        prop_assert_eq!(sumdb::parse_verifier_key(&vkey), Ok(name.clone()));
        prop_assert_eq!(sumdb::decode_base64_std(&base64(&raw)), Some(raw));
        match GoSumDb::parse(&format!("{vkey} https://{name}.mirror.example"), &GoSemantics::latest()) {
            GoSumDb::Db(d) => prop_assert_eq!(d.name, name),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    /// Pattern lists (GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE): never panic; a
    /// matching entry is one of the list's, well formed.
    #[test]
    fn patterns_parse_and_match(value in text_input(lines("patterns.txt")), module in text_input(lines("modules.txt"))) {
        let p = Patterns::parse(&value);
        if !value.is_empty() {
            prop_assert_eq!(p.entries.len(), value.split(',').count());
        }
        if let Some(e) = p.matching(&module) {
            prop_assert!(!e.malformed && !e.glob.is_empty());
        }
        for e in &p.entries {
            let _ = path_match(&e.raw, &module);
        }
        let _ = p.issues().count();
    }

    /// A literal module path matches itself and everything under it.
    #[test]
    fn patterns_literal_prefix(elems in prop::collection::vec("[a-z0-9.-]{1,8}", 1..4), more in "[a-z]{1,6}") {
        let path = elems.join("/");
        let p = Patterns::parse(&format!("other.example,{path}"));
        prop_assert!(p.matches(&path));
        let under = format!("{path}/{more}");
        prop_assert!(p.matches(&under));
        prop_assert_eq!(path_match(&path, &path), Ok(true));
        prop_assert_eq!(path_match("*", &elems[0]), Ok(true));
    }

    /// The whole route (RouteConfig::parse + route + diagnostics): never panics, and a
    /// GOPROXY the go command refuses fails every route.
    #[test]
    fn route(
        goproxy in text_input(lines("goproxy.txt")),
        gosumdb in text_input(lines("gosumdb.txt")),
        goprivate in text_input(lines("patterns.txt")),
        gonoproxy in text_input(lines("patterns.txt")),
        gonosumdb in text_input(lines("patterns.txt")),
        goinsecure in text_input(lines("patterns.txt")),
        module in text_input(lines("modules.txt")),
        sem in semantics(),
    ) {
        let s = RouteSettings {
            goproxy: &goproxy,
            gosumdb: &gosumdb,
            goprivate: &goprivate,
            gonoproxy: &gonoproxy,
            gonosumdb: &gonosumdb,
            goinsecure: &goinsecure,
        };
        let cfg = RouteConfig::parse(&s, sem);
        let _ = cfg.diagnostics();
        let valid_module = modpath::check_module_path(&module).is_ok();
        match cfg.route(&module) {
            Ok(r) => {
                prop_assert!(valid_module);
                if cfg.goproxy.error.is_some() {
                    prop_assert!(r.fails.is_some());
                }
                let _ = serde_json::to_string(&r).unwrap();
            }
            Err(e) => {
                prop_assert!(!valid_module);
                prop_assert!(!e.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// PATH scanning: never panics, one entry per element, whatever the bytes (Unix
    /// paths are bytes), for every OS's rules.
    #[test]
    fn pathscan(
        path in input(lines("paths.txt").into_iter().map(String::into_bytes).collect()),
        os in prop::sample::select(vec!["linux", "windows", "darwin"]),
        pathext in prop::option::of(text_input(vec![".COM;.EXE;.BAT".into(), ";;".into()])),
    ) {
        let names = pathscan::go_names(os, pathext.as_deref());
        let raw = os_string(path.clone());
        let scan = pathscan::scan(&raw, &names, os);
        let sep = if os == "windows" { b';' } else { b':' };
        if os != "windows" {
            prop_assert_eq!(scan.entries.len(), path.split(|b| *b == sep).count());
        }
        for (i, e) in scan.entries.iter().enumerate() {
            prop_assert_eq!(e.index, i);
        }
        if let Some(w) = scan.winner() {
            prop_assert!(w.usable());
        }
    }
}

/// 10,000 PATH entries (with a real `go` at the end) are scanned in linear time.
#[test]
fn pathscan_ten_thousand_entries() {
    let d = tempfile::tempdir().unwrap();
    let bin = d.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let go = bin.join("go");
    std::fs::write(&go, "#!/bin/sh\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut parts: Vec<String> = (0..10_000)
        .map(|i| format!("{}/missing-{i}", d.path().display()))
        .collect();
    parts.extend(["".into(), "relative".into(), parts[0].clone()]);
    parts.push(bin.display().to_string());
    let start = std::time::Instant::now();
    let sep = if cfg!(windows) { ";" } else { ":" };
    let os = if cfg!(windows) { "windows" } else { "linux" };
    let scan = pathscan::scan(
        std::ffi::OsStr::new(&parts.join(sep)),
        &pathscan::go_names(os, None),
        os,
    );
    assert_eq!(scan.entries.len(), 10_004);
    assert_eq!(scan.winner().map(|c| c.path.clone()), Some(go));
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[cfg(unix)]
fn os_string(b: Vec<u8>) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(b)
}

#[cfg(not(unix))]
fn os_string(b: Vec<u8>) -> std::ffi::OsString {
    String::from_utf8_lossy(&b).into_owned().into()
}

/// Standard padded base64 (the encoder `decode_base64_std` inverts).
fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
