//! Parsers never panic on arbitrary input, and round trips hold.

use gomedic_gomod::escape::{self, ProxyRequest};
use gomedic_gomod::tlog::{self, Tile, Tree};
use gomedic_gomod::{dirhash, gosum::SumLine, modzip, note, pseudo, semver};
use proptest::prelude::*;
use std::cmp::Ordering;

proptest! {
    #[test]
    fn no_panics(s in "\\PC{0,40}", b in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = escape::escape_path(&s);
        let _ = escape::escape_version(&s);
        let _ = escape::unescape_path(&s);
        let _ = escape::unescape_version(&s);
        let _ = ProxyRequest::parse(&s);
        let _ = semver::canonical(&s);
        let _ = pseudo::pseudo_version_base(&s);
        let _ = pseudo::pseudo_version_time(&s);
        let _ = Tree::parse(&b);
        let _ = Tree::parse(s.as_bytes());
        let _ = Tile::parse_path(&s);
        let _ = tlog::parse_record(&b);
        let _ = SumLine::parse(&s);
        let _ = note::NoteVerifier::parse(&s);
        let _ = dirhash::hash_zip(std::io::Cursor::new(&b));
        let _ = modzip::check_zip("example.com/m", "v1.0.0", std::io::Cursor::new(&b), b.len() as u64);
        let _ = modzip::clean(&s);
    }

    #[test]
    fn version_shaped_inputs(
        v in "v[0-9]{1,3}(\\.[0-9]{1,2}){0,2}(-[0-9A-Za-z.]{0,20})?(\\+[0-9A-Za-z.-]{0,12})?",
        w in "v[0-9]{1,3}(\\.[0-9]{1,2}){0,2}(-[0-9A-Za-z.]{0,20})?(\\+[0-9A-Za-z.-]{0,12})?",
    ) {
        // compare is antisymmetric and canonical forms compare equal to the original.
        prop_assert_eq!(semver::compare(&v, &w), semver::compare(&w, &v).reverse());
        if semver::is_valid(&v) {
            prop_assert_eq!(semver::compare(&v, &semver::canonical(&v)), Ordering::Equal);
            let e = escape::escape_version(&v).unwrap();
            prop_assert_eq!(escape::unescape_version(&e).unwrap(), v.clone());
        }
        let _ = pseudo::pseudo_version_base(&v);
    }

    #[test]
    fn tile_paths_round_trip(h in 1u32..=30, l in -1i32..20, n in 0u64..1_000_000_000_000, w in 1u32..1000) {
        let w = w.min(1 << h);
        let t = Tile { h, l, n, w };
        prop_assert_eq!(Tile::parse_path(&t.path()), Ok(t));
        let _ = tlog::tile_bytes(&[[0; 32]; 3], &t);
    }

    #[test]
    fn module_paths_round_trip(p in "[a-z]{1,8}\\.[a-z]{2,3}(/[A-Za-z0-9._~-]{1,8}){0,3}") {
        if let Ok(e) = escape::escape_path(&p) {
            prop_assert!(!e.chars().any(|c| c.is_ascii_uppercase()));
            prop_assert_eq!(escape::unescape_path(&e).unwrap(), p);
        }
    }
}

/// golang.org/x/mod/semver's test table is in increasing order (the invalid ones first,
/// equal to each other); every pair must compare by position.
#[test]
fn semver_order_table() {
    let tests = [
        ("bad", ""),
        ("v1-alpha.beta.gamma", ""),
        ("v1-pre", ""),
        ("v1+meta", ""),
        ("v1-pre+meta", ""),
        ("v1.2-pre", ""),
        ("v1.2+meta", ""),
        ("v1.2-pre+meta", ""),
        ("v1.0.0-alpha", ""),
        ("v1.0.0-alpha.1", ""),
        ("v1.0.0-alpha.beta", ""),
        ("v1.0.0-beta", ""),
        ("v1.0.0-beta.2", ""),
        ("v1.0.0-beta.11", ""),
        ("v1.0.0-rc.1", ""),
        ("v1", ""),
        ("v1.0", "v1"),
        ("v1.0.0", "v1"),
        ("v1.2", ""),
        ("v1.2.0", "v1.2"),
        ("v1.2.3-456", ""),
        ("v1.2.3-456.789", ""),
        ("v1.2.3-456-789", ""),
        ("v1.2.3-456a", ""),
        ("v1.2.3-pre", ""),
        ("v1.2.3-pre+meta", "v1.2.3-pre"),
        ("v1.2.3-pre.1", ""),
        ("v1.2.3-zzz", ""),
        ("v1.2.3", ""),
        ("v1.2.3+meta", "v1.2.3"),
        ("v1.2.3+meta-pre", "v1.2.3"),
        ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
    ];
    let key = |i: usize| -> usize {
        // An entry equal to an earlier one ("v1.0" = "v1") shares its position.
        let mut i = i;
        while !tests[i].1.is_empty() {
            i = tests.iter().position(|t| t.0 == tests[i].1).unwrap();
        }
        if semver::is_valid(tests[i].0) {
            i
        } else {
            0
        }
    };
    for i in 0..tests.len() {
        for j in 0..tests.len() {
            assert_eq!(
                semver::compare(tests[i].0, tests[j].0),
                key(i).cmp(&key(j)),
                "{} vs {}",
                tests[i].0,
                tests[j].0
            );
        }
    }
}
