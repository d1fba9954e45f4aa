//! The file, read by position (pread) in a few blocks kept for the whole parse, so that
//! `object` and the blob reader borrow bytes instead of copying them, and a Go executable
//! costs three reads: the first page (ELF header, program and section headers as Go's
//! linker lays them out), the section name table, and the build info.

use std::cell::{Cell, OnceCell};
use std::io;
use std::ops::Range;

/// Positional reads; the file's cursor is not used.
pub(crate) trait ReadAt {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    fn len(&self) -> io::Result<u64>;
}

impl ReadAt for std::fs::File {
    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
    #[cfg(windows)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(self, buf, offset)
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

/// Any `Read + Seek` (bytes in memory for tests), through seek and read.
pub(crate) struct Seeker<R>(pub std::cell::RefCell<R>);

impl<R: io::Read + io::Seek> ReadAt for Seeker<R> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut r = self.0.borrow_mut();
        r.seek(io::SeekFrom::Start(offset))?;
        r.read(buf)
    }
    fn len(&self) -> io::Result<u64> {
        self.0.borrow_mut().seek(io::SeekFrom::End(0))
    }
}

/// The first read: the headers at the start of the file.
const BLOCK: u64 = 4096;
/// Other reads are at least this long, so that small reads close together cost one.
const SMALL: u64 = 512;
/// Above this, a read is first checked against the file's length, so a broken header
/// cannot make it allocate more than the file holds.
const CHECKED: u64 = 64 << 10;

/// A block that was read.
struct Block {
    offset: u64,
    data: Vec<u8>,
    /// The read stopped at the end of the file: nothing lies past `data`.
    eof: bool,
}

/// The blocks read so far, a list that only grows (each slot set once), so the bytes of
/// every block stay borrowed for as long as the [`Source`] lives, without unsafe code.
/// The first slots are inline: a Go executable needs three.
struct Blocks {
    slots: [OnceCell<Block>; 4],
    more: OnceCell<Box<Blocks>>,
}

impl Blocks {
    fn new() -> Self {
        Blocks {
            slots: Default::default(),
            more: OnceCell::new(),
        }
    }
}

pub(crate) struct Source<R> {
    file: R,
    len: Cell<Option<u64>>,
    blocks: Blocks,
}

impl<R: ReadAt> Source<R> {
    pub fn new(file: R) -> Self {
        Source {
            file,
            len: Cell::new(None),
            blocks: Blocks::new(),
        }
    }

    /// The file's length, asked once and only when a large read needs it.
    pub fn len(&self) -> io::Result<u64> {
        if let Some(n) = self.len.get() {
            return Ok(n);
        }
        let n = self.file.len()?;
        self.len.set(Some(n));
        Ok(n)
    }

    fn blocks(&self) -> impl Iterator<Item = &Block> {
        std::iter::successors(Some(&self.blocks), |b| b.more.get().map(|m| &**m))
            .flat_map(|b| b.slots.iter().map_while(OnceCell::get))
    }

    /// Up to `size` bytes at `offset`, fewer only at the end of the file.
    pub fn upto(&self, offset: u64, size: u64) -> io::Result<&[u8]> {
        let end = offset.saturating_add(size);
        for b in self.blocks() {
            let b_end = b.offset + b.data.len() as u64;
            if b.offset <= offset && (end <= b_end || b.eof) {
                let from = (offset.min(b_end) - b.offset) as usize;
                let to = (end.min(b_end) - b.offset) as usize;
                return Ok(&b.data[from..to]);
            }
        }
        let mut size = size;
        if size > CHECKED {
            size = size.min(self.len()?.saturating_sub(offset));
        }
        // The first block holds the headers (ELF, PE and Mach-O keep them at the start, and
        // Go's linker the ELF section headers too); later reads take about what is asked.
        let start = if offset < BLOCK { 0 } else { offset };
        let least = if start == 0 { BLOCK } else { SMALL };
        let want = (offset - start).saturating_add(size).max(least);
        let want = usize::try_from(want).map_err(|_| io::ErrorKind::OutOfMemory)?;
        let mut data = pool::take(want);
        data.resize(want, 0);
        // The bytes asked for are read in full (or to the end); the rest of the block only
        // if it comes with them.
        let needed = (offset - start).saturating_add(size);
        let (mut got, mut eof) = (0, false);
        while (got as u64) < needed {
            match self.file.read_at(&mut data[got..], start + got as u64) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        data.truncate(got);
        let b = self.push(Block {
            offset: start,
            data,
            eof,
        });
        let from = ((offset - start) as usize).min(b.data.len());
        let to = ((offset - start).saturating_add(size) as usize).min(b.data.len());
        Ok(&b.data[from..to])
    }

    fn push(&self, block: Block) -> &Block {
        let mut list = &self.blocks;
        loop {
            if let Some(slot) = list.slots.iter().find(|s| s.get().is_none()) {
                return slot.get_or_init(|| block);
            }
            list = list.more.get_or_init(|| Box::new(Blocks::new()));
        }
    }
}

impl<R> Drop for Source<R> {
    fn drop(&mut self) {
        let mut list = Some(&mut self.blocks);
        while let Some(l) = list {
            for s in &mut l.slots {
                if let Some(b) = s.take() {
                    pool::put(b.data);
                }
            }
            list = l.more.get_mut().map(|m| &mut **m);
        }
    }
}

/// Block buffers kept from one file for the next: a run over many files then allocates
/// (and, with musl's allocator, maps and unmaps) none after the first.
mod pool {
    use std::cell::RefCell;

    const KEEP: usize = 8;
    /// Larger buffers (a data search on a file without section headers) are freed.
    const MAX: usize = 256 << 10;

    thread_local! {
        static POOL: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    }

    /// An empty buffer, one kept that holds `size` bytes if there is one.
    pub fn take(size: usize) -> Vec<u8> {
        POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            let i = p.iter().position(|b| b.capacity() >= size)?;
            Some(p.swap_remove(i))
        })
        .ok()
        .flatten()
        .unwrap_or_default()
    }

    pub fn put(mut buf: Vec<u8>) {
        if buf.capacity() == 0 || buf.capacity() > MAX {
            return;
        }
        buf.clear();
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            if p.len() < KEEP {
                p.push(buf);
            }
        });
    }
}

/// For `object`: exactly the bytes asked for, or an error (a broken or truncated file).
impl<'a, R: ReadAt> object::ReadRef<'a> for &'a Source<R> {
    fn len(self) -> Result<u64, ()> {
        Source::len(self).map_err(drop)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        if size == 0 {
            return Ok(&[]);
        }
        if size > CHECKED && offset.saturating_add(size) > Source::len(self).map_err(drop)? {
            return Err(());
        }
        let b = self.upto(offset, size).map_err(drop)?;
        (b.len() as u64 == size).then_some(b).ok_or(())
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        // A string table is read whole (once, then every name is found in it); like go, all
        // of it must be in the file. Huge ones are searched in their first MiB only.
        let size = range.end.checked_sub(range.start).ok_or(())?;
        if size > CHECKED && range.end > Source::len(self).map_err(drop)? {
            return Err(());
        }
        let b = self.read_bytes_at(range.start, size.min(1 << 20))?;
        let n = b.iter().position(|&c| c == delimiter).ok_or(())?;
        Ok(&b[..n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Counts the reads, bytes read and length queries a parse makes.
    struct Counted(std::fs::File, Cell<(u32, u64, u32)>);

    impl ReadAt for Counted {
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            let n = self.0.read_at(buf, offset)?;
            let (r, b, l) = self.1.get();
            self.1.set((r + 1, b + n as u64, l));
            Ok(n)
        }
        fn len(&self) -> io::Result<u64> {
            let (r, b, l) = self.1.get();
            self.1.set((r, b, l + 1));
            self.0.len()
        }
    }

    /// The point of this module (issue #16): a Go executable costs a few small reads.
    #[test]
    fn go_executables_take_at_most_four_small_reads() {
        let roots = gomedic_testkit::goroots();
        for (_, root) in &roots {
            let mut files: Vec<_> = std::fs::read_dir(root.join("bin"))
                .expect("GOROOT/bin")
                .map(|e| e.expect("GOROOT/bin").path())
                .collect();
            files.sort();
            assert!(!files.is_empty(), "{}: no executables", root.display());
            for f in &files {
                let src = Source::new(Counted(std::fs::File::open(f).unwrap(), Cell::default()));
                let bi = crate::read_source(&src, Path::new("x")).unwrap();
                assert_eq!(bi, crate::read(f).unwrap(), "{}", f.display());
                assert!(bi.is_some(), "{}: not read as Go", f.display());
                let (reads, bytes, lens) = src.file.1.get();
                assert!(reads <= 4, "{}: {reads} reads", f.display());
                assert_eq!(lens, 0, "{}: no fstat needed", f.display());
                assert!(bytes <= 32 << 10, "{}: {bytes} bytes read", f.display());
            }
        }
    }

    #[test]
    fn blocks_are_reused_and_the_end_of_the_file_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        std::fs::write(&p, &data).unwrap();
        let src = Source::new(Counted(std::fs::File::open(&p).unwrap(), Cell::default()));
        assert_eq!(src.upto(10, 20).unwrap(), &data[10..30]);
        assert_eq!(src.upto(4000, 96).unwrap(), &data[4000..4096]);
        assert_eq!(src.file.1.get().0, 1, "one block for both");
        // Across a block boundary: a new block, read to the end of the file.
        assert_eq!(src.upto(4090, 100_000).unwrap(), &data[4090..]);
        assert_eq!(src.upto(9_990, 50).unwrap(), &data[9_990..]);
        assert_eq!(src.upto(20_000, 5).unwrap(), &[] as &[u8]);
        let reads = src.file.1.get().0;
        assert_eq!(src.upto(9_999, 1).unwrap(), &data[9_999..]);
        assert_eq!(src.file.1.get().0, reads, "served from the blocks");
        // More blocks than the inline slots: all stay readable.
        let src = Source::new(Counted(std::fs::File::open(&p).unwrap(), Cell::default()));
        let offsets: Vec<usize> = (0..10).map(|i| 4_100 + 590 * i).collect();
        for &o in &offsets {
            assert_eq!(src.upto(o as u64, 8).unwrap(), &data[o..o + 8]);
        }
        for &o in &offsets {
            assert_eq!(src.upto(o as u64 + 8, 500).unwrap(), &data[o + 8..o + 508]);
        }
        assert_eq!(src.file.1.get().0, 10);
        use object::ReadRef;
        assert_eq!((&src).read_bytes_at(9_990, 11), Err(()), "past the end");
        assert_eq!((&src).read_bytes_at(9_990, 10), Ok(&data[9_990..]));
    }
}
