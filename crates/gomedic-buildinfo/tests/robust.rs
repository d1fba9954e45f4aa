//! Synthetic images: the pre-1.18 pointer format (no Go here writes it), both byte orders
//! and word sizes; every truncation of an image and random bytes never panic.

use gomedic_buildinfo::{read_from, BuildInfo};
use proptest::prelude::*;
use std::io::Cursor;
use std::path::Path;

const VADDR: u64 = 0x40_0000;
const DATA_OFF: u64 = 0x100;
const START: &[u8; 16] = b"\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6";
const END: &[u8; 16] = b"\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2";
const TEXT: &str =
    "path\texample.com/tool\nmod\texample.com/tool\tv1.2.3\th1:abc=\nbuild\tGOOS=linux\n";

fn framed() -> Vec<u8> {
    [&START[..], TEXT.as_bytes(), &END[..]].concat()
}

struct W {
    big: bool,
    b64: bool,
    out: Vec<u8>,
}

impl W {
    fn u16(&mut self, v: u16) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn u32(&mut self, v: u32) {
        let b = if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.out.extend_from_slice(&b);
    }
    fn word(&mut self, v: u64) {
        if self.b64 {
            let b = if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            self.out.extend_from_slice(&b);
        } else {
            self.u32(v as u32);
        }
    }
}

/// An ELF executable without section headers: one writable PT_LOAD holding `blob` at
/// VADDR (file offset DATA_OFF), so the blob is found the way go finds it in a binary whose
/// section headers were removed.
fn elf(big: bool, b64: bool, blob: &[u8]) -> Vec<u8> {
    let mut w = W {
        big,
        b64,
        out: Vec::new(),
    };
    w.out.extend_from_slice(b"\x7fELF");
    w.out.push(if b64 { 2 } else { 1 });
    w.out.push(if big { 2 } else { 1 });
    w.out.push(1);
    w.out.extend_from_slice(&[0; 9]);
    w.u16(2); // ET_EXEC
    w.u16(if b64 { 62 } else { 3 });
    w.u32(1);
    let (ehsize, phsize) = if b64 { (64u64, 56u16) } else { (52, 32) };
    w.word(VADDR); // entry
    w.word(ehsize); // phoff
    w.word(0); // shoff
    w.u32(0);
    w.u16(ehsize as u16);
    w.u16(phsize);
    w.u16(1);
    w.u16(if b64 { 64 } else { 40 });
    w.u16(0);
    w.u16(0);
    let size = blob.len() as u64;
    if b64 {
        w.u32(1); // PT_LOAD
        w.u32(6); // R|W
        w.word(DATA_OFF);
        w.word(VADDR);
        w.word(VADDR);
        w.word(size);
        w.word(size);
        w.word(0x1000);
    } else {
        w.u32(1);
        w.word(DATA_OFF);
        w.word(VADDR);
        w.word(VADDR);
        w.word(size);
        w.word(size);
        w.u32(6);
        w.word(0x1000);
    }
    w.out.resize(DATA_OFF as usize, 0);
    w.out.extend_from_slice(blob);
    w.out
}

fn magic(ptr: u8, flags: u8) -> Vec<u8> {
    let mut b = b"\xff Go buildinf:".to_vec();
    b.push(ptr);
    b.push(flags);
    b
}

/// The Go ≥1.18 blob: header, then uvarint-prefixed version and module info.
fn inline_blob(vers: &str, modinfo: &[u8], big: bool) -> Vec<u8> {
    let mut b = magic(8, 2 | u8::from(big));
    b.resize(32, 0);
    for s in [vers.as_bytes(), modinfo] {
        let mut n = s.len() as u64;
        loop {
            let c = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                b.push(c);
                break;
            }
            b.push(c | 0x80);
        }
        b.extend_from_slice(s);
    }
    b
}

/// The pre-1.18 blob: two pointers to Go string headers (data pointer, length).
fn pointer_blob(vers: &str, modinfo: &[u8], big: bool, b64: bool) -> Vec<u8> {
    let ptr: u64 = if b64 { 8 } else { 4 };
    let mut w = W {
        big,
        b64,
        out: magic(ptr as u8, u8::from(big)),
    };
    // Header (32) | vers header | mod header | vers | mod
    let vh = VADDR + 32;
    let mh = vh + 2 * ptr;
    let vd = mh + 2 * ptr;
    let md = vd + vers.len() as u64;
    w.word(vh);
    w.word(mh);
    w.out.resize(32, 0);
    w.word(vd);
    w.word(vers.len() as u64);
    w.word(md);
    w.word(modinfo.len() as u64);
    w.out.extend_from_slice(vers.as_bytes());
    w.out.extend_from_slice(modinfo);
    w.out
}

fn parse(img: &[u8]) -> Result<Option<BuildInfo>, gomedic_buildinfo::Error> {
    read_from(Cursor::new(img), Path::new("image"))
}

fn expect(img: &[u8], vers: &str) {
    let bi = parse(img).unwrap().unwrap();
    assert_eq!(bi.go_version, vers);
    assert_eq!(bi.path, "example.com/tool");
    assert_eq!(bi.main.as_ref().unwrap().sum, "h1:abc=");
    assert_eq!(bi.setting("GOOS"), Some("linux"));
    assert_eq!(bi.module_text(), TEXT);
}

#[test]
fn pointer_format_all_word_sizes_and_byte_orders() {
    for big in [false, true] {
        for b64 in [false, true] {
            let img = elf(big, b64, &pointer_blob("go1.16.15", &framed(), big, b64));
            expect(&img, "go1.16.15");
        }
    }
}

#[test]
fn inline_format_all_word_sizes_and_byte_orders() {
    for big in [false, true] {
        for b64 in [false, true] {
            let img = elf(
                big,
                b64,
                &inline_blob("go1.22.3 X:rangefunc", &framed(), big),
            );
            expect(&img, "go1.22.3 X:rangefunc");
            let g = parse(&img).unwrap().unwrap().go();
            assert_eq!(g.experiments, vec!["rangefunc"]);
            assert_eq!(g.numbers, Some((1, 22, 3)));
        }
    }
}

#[test]
fn go_rules_for_odd_blobs() {
    // No sentinels: no module info, but still a Go executable.
    let bi = parse(&elf(
        false,
        true,
        &inline_blob("go1.20", TEXT.as_bytes(), false),
    ))
    .unwrap()
    .unwrap();
    assert_eq!((bi.path.as_str(), bi.main.is_none()), ("", true));
    // An empty version: not a Go executable.
    assert!(parse(&elf(false, true, &inline_blob("", &framed(), false)))
        .unwrap()
        .is_none());
    // A bad pointer size in the old format: not a Go executable.
    let mut b = pointer_blob("go1.16", &framed(), false, true);
    b[14] = 3;
    assert!(parse(&elf(false, true, &b)).unwrap().is_none());
    // A misaligned magic is skipped.
    let mut b = vec![0u8; 8];
    b.extend(inline_blob("go1.21.0", &framed(), false));
    assert!(parse(&elf(false, true, &b)).unwrap().is_none());
    // Broken text: go's ParseBuildInfo error, with the line.
    let bad = [&START[..], b"path\tx\nbuild\tk=a b\n", &END[..]].concat();
    let e = parse(&elf(false, true, &inline_blob("go1.21.0", &bad, false))).unwrap_err();
    assert_eq!(
        e.to_string(),
        "could not read Go build info from image: could not parse Go build info: line 2: unquoted value \"a b\" must be quoted"
    );
    let devel = gomedic_buildinfo::GoVersion::parse(
        "devel go1.21-41f485b9a7 Tue Jun 6 17:16:55 2023 +0000",
    );
    assert!(devel.devel);
    assert_eq!(devel.release, "go1.21-41f485b9a7");
    assert_eq!(devel.numbers, Some((1, 21, 0)));
}

#[test]
fn every_prefix_of_an_image_is_an_error_or_none() {
    let inline = elf(false, true, &inline_blob("go1.22.3", &framed(), false));
    for n in 0..inline.len() {
        // Must not panic; the inline format needs the whole blob.
        if let Ok(Some(bi)) = parse(&inline[..n]) {
            panic!("prefix {n} of {} gave {bi:?}", inline.len());
        }
    }
    // go reads an unreadable pointer-format string as "": a cut in the module info
    // leaves the version alone.
    let ptr = elf(true, false, &pointer_blob("go1.16", &framed(), true, false));
    for n in 0..ptr.len() {
        if let Ok(Some(bi)) = parse(&ptr[..n]) {
            assert_eq!(bi.go_version, "go1.16", "prefix {n}");
            assert!(bi.main.is_none() && bi.path.is_empty(), "prefix {n}");
        }
    }
    assert!(parse(&ptr).unwrap().unwrap().main.is_some());
}

/// Real executables cut short: the four toolchains' gofmt at every 64 KiB and around the blob.
#[test]
fn truncated_real_executables() {
    for (_, root) in gomedic_testkit::goroots() {
        let data = std::fs::read(root.join("bin/gofmt")).unwrap();
        let at = data
            .windows(14)
            .position(|w| w == b"\xff Go buildinf:")
            .unwrap();
        let cuts = (0..data.len())
            .step_by(65536)
            .chain(at.saturating_sub(64)..(at + 2048).min(data.len()));
        for n in cuts {
            if let Ok(Some(_)) = parse(&data[..n]) {
                // Cut after the blob: the data range still holds it.
                assert!(n > at, "prefix {n}");
            }
        }
        assert!(parse(&data).unwrap().is_some());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
    #[test]
    fn random_bytes_never_panic(mut data in proptest::collection::vec(any::<u8>(), 0..2048), kind in 0u8..6) {
        // Give the headers a chance: start with each format's magic.
        let m: &[u8] = match kind {
            0 => b"\x7fELF\x02\x01\x01",
            1 => b"\x7fELF\x01\x02\x01",
            2 => b"MZ",
            3 => b"\xcf\xfa\xed\xfe",
            4 => b"\xca\xfe\xba\xbe",
            _ => b"",
        };
        for (i, b) in m.iter().enumerate() {
            if i < data.len() { data[i] = *b; }
        }
        let _ = parse(&data);
    }

    #[test]
    fn corrupted_images_never_panic(i in 0usize..400, v in any::<u8>(), big in any::<bool>()) {
        let mut img = elf(big, !big, &pointer_blob("go1.16", &framed(), big, !big));
        let i = i % img.len();
        img[i] = v;
        let _ = parse(&img);
    }
}
