//! Property tests: PE and Authenticode parsing never panics on arbitrary bytes, on the
//! checked-in corpus (`tests/corpus/pe/`, described in its README) mutated, or on a real
//! Windows Go executable truncated and with its headers changed; and a signed file stays
//! `valid` only while its signed bytes are intact. Bounded case counts keep it fast;
//! `GOMEDIC_FUZZ_CASES=N` runs N cases per property.

use gomedic_authenticode::{signed_first_page_hash, verify, wdac_hashes, Status};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/pe");
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x != "md"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert!(v.len() >= 4, "PE corpus missing");
    v
}

fn signed() -> Vec<Vec<u8>> {
    corpus()
        .into_iter()
        .filter(|(n, _)| n.starts_with("signed"))
        .map(|(_, d)| d)
        .collect()
}

/// Every parser entry point on one input; none may panic.
fn exercise(data: &[u8]) -> Status {
    let r = verify(data);
    let _ = wdac_hashes(data);
    let _ = signed_first_page_hash(data);
    let _ = serde_json::to_string(&r).unwrap();
    r.status
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Set one byte.
    Set(usize, u8),
    /// Overwrite a little-endian u32 (offsets, sizes, counts).
    Word(usize, u32),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn word() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(7),
        Just(8),
        Just(0x40),
        Just(0x200),
        Just(0xffff),
        Just(0x7fff_ffff),
        Just(0xffff_fff8),
        Just(u32::MAX),
        any::<u32>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        // Mostly in the headers and the certificate table, where the structure is.
        (0usize..0x400, word()).prop_map(|(i, w)| Mutation::Word(i, w)),
        (any::<usize>(), word()).prop_map(|(i, w)| Mutation::Word(i, w)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn mutate(mut d: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = d.len();
        match m {
            Mutation::Set(i, b) if len > 0 => d[i % len] = *b,
            Mutation::Word(i, w) if len >= 4 => {
                let at = i % (len - 3);
                d[at..at + 4].copy_from_slice(&w.to_le_bytes());
            }
            Mutation::Truncate(i) => d.truncate(i % (len + 1)),
            Mutation::Insert(i, b) => {
                let at = i % (len + 1);
                d.splice(at..at, b.iter().copied());
            }
            _ => {}
        }
    }
    d
}

fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("GOMEDIC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..1024)) {
        exercise(&data);
    }

    /// Arbitrary bytes behind a valid-looking MZ/PE prefix reach the deeper parsers.
    #[test]
    fn arbitrary_headers(lfanew in 0u32..0x200, rest in prop::collection::vec(any::<u8>(), 0..1024)) {
        let mut d = b"MZ".to_vec();
        d.resize(0x3c, 0);
        d.extend_from_slice(&lfanew.to_le_bytes());
        d.extend_from_slice(&rest);
        let at = lfanew as usize;
        if d.len() < at + 4 {
            d.resize(at + 4, 0);
        }
        d[at..at + 4].copy_from_slice(b"PE\0\0");
        exercise(&d);
    }

    #[test]
    fn mutated_corpus(i in any::<prop::sample::Index>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let c = corpus();
        let (_, d) = &c[i.index(c.len())];
        exercise(&mutate(d.clone(), &muts));
    }

    /// A changed byte of the signed content, or a shorter file, is never `valid`.
    #[test]
    fn signed_file_tampered_or_truncated_is_not_valid(
        i in any::<prop::sample::Index>(),
        at in 0x200usize..0x400,
        b in any::<u8>(),
        cut in 1usize..4096,
    ) {
        let s = signed();
        let d = &s[i.index(s.len())];
        prop_assert_eq!(verify(d).status, Status::Valid);
        let mut t = d.clone();
        if t[at] != b {
            t[at] = b;
            prop_assert_eq!(exercise(&t), Status::Tampered);
        }
        let short = &d[..d.len().saturating_sub(cut)];
        prop_assert_ne!(exercise(short), Status::Valid);
    }
}

/// The Windows Go tree the Authenticode/WDAC tests use (installed by scripts/test.sh).
fn windows_go_tool() -> PathBuf {
    let root = std::env::var("GOMEDIC_TEST_WINDOWS_GOROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap())
                .join(".cache/gomedic/toolchains/windows/go1.22.10/go")
        });
    // The smallest executable of the tree keeps each case fast.
    let mut exes: Vec<(u64, PathBuf)> = std::fs::read_dir(root.join("pkg/tool/windows_amd64"))
        .expect("the Windows Go tree (scripts/test.sh installs it)")
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.len(), e.path())))
        .filter(|(_, p)| p.extension().is_some_and(|x| x == "exe"))
        .collect();
    exes.sort();
    exes.into_iter()
        .next()
        .expect("no .exe in the Windows Go tree")
        .1
}

proptest! {
    #![proptest_config(config(48))]

    /// A real Go-built PE file, truncated anywhere and with its headers changed.
    #[test]
    fn real_go_executable_truncated_and_mutated(
        cut in any::<prop::sample::Index>(),
        muts in prop::collection::vec(mutation(), 0..4),
    ) {
        let data = std::fs::read(windows_go_tool()).unwrap();
        prop_assert_eq!(verify(&data).status, Status::Unsigned);
        let len = cut.index(data.len() + 1);
        exercise(&mutate(data[..len].to_vec(), &muts));
    }
}
