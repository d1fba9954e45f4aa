//! Where the build info blob can be, per executable format: the address ranges that map
//! to the file and the range to search, as `debug/buildinfo` finds them. `object` parses
//! the headers from a [`Source`], so only the blocks holding them are read.

use crate::source::{ReadAt, Source};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use object::read::macho::{FatArch, MachHeader, Section, Segment};
use object::read::pe::{ImageNtHeaders, ImageOptionalHeader};
use object::{elf, macho, pe, LittleEndian as LE};

/// Virtual addresses `vaddr..vaddr+size` live in the file at `offset..offset+size`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Range {
    pub vaddr: u64,
    pub size: u64,
    pub offset: u64,
}

/// The parsed layout of an executable.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub ranges: Vec<Range>,
    /// Where the blob is searched: (vaddr, size); size 0 means not a Go executable.
    pub data: (u64, u64),
}

impl Layout {
    /// The file offset of `addr` and how many bytes remain in its range; None when no range
    /// holds it (go: an unrecognized file).
    pub fn locate(&self, addr: u64) -> Option<(u64, u64)> {
        self.ranges.iter().find_map(|r| {
            let end = r.vaddr.checked_add(r.size)?;
            (r.size > 0 && r.vaddr <= addr && addr < end)
                .then(|| (r.offset.saturating_add(addr - r.vaddr), end - addr))
        })
    }
}

/// The outcome of looking at the first bytes.
pub(crate) enum Parsed {
    Layout(Layout),
    /// Not a format go reads, or one it cannot parse.
    Unrecognized,
}

pub(crate) fn parse<R: ReadAt>(data: &Source<R>) -> Parsed {
    layout(data).map_or(Parsed::Unrecognized, Parsed::Layout)
}

fn layout<R: ReadAt>(data: &Source<R>) -> Option<Layout> {
    use object::ReadRef;
    let ident = data.read_bytes_at(0, 16).ok()?;
    if ident.starts_with(b"\x7fELF") {
        return match ident[4] {
            elf::ELFCLASS32 => elf_layout::<elf::FileHeader32<object::Endianness>, R>(data),
            elf::ELFCLASS64 => elf_layout::<elf::FileHeader64<object::Endianness>, R>(data),
            _ => None,
        };
    }
    if ident.starts_with(b"MZ") {
        let dos = pe::ImageDosHeader::parse(data).ok()?;
        let off = u64::from(dos.nt_headers_offset());
        return match object::read::pe::optional_header_magic(data).ok()? {
            pe::IMAGE_NT_OPTIONAL_HDR64_MAGIC => pe_layout::<pe::ImageNtHeaders64, R>(data, off),
            pe::IMAGE_NT_OPTIONAL_HDR32_MAGIC => pe_layout::<pe::ImageNtHeaders32, R>(data, off),
            _ => None,
        };
    }
    if ident.starts_with(b"\xfe\xed\xfa") || ident[1..].starts_with(b"\xfa\xed\xfe") {
        return macho_any(data, 0);
    }
    if ident.starts_with(b"\xca\xfe\xba\xbe") {
        let fat = object::read::macho::MachOFatFile32::parse(data).ok()?;
        return macho_any(data, fat.arches().first()?.offset().into());
    }
    if ident.starts_with(b"\xca\xfe\xba\xbf") {
        let fat = object::read::macho::MachOFatFile64::parse(data).ok()?;
        return macho_any(data, fat.arches().first()?.offset());
    }
    None
}

fn elf_layout<H: FileHeader<Endian = object::Endianness>, R: ReadAt>(
    data: &Source<R>,
) -> Option<Layout> {
    let h = H::parse(data).ok()?;
    let e = h.endian().ok()?;
    let mut l = Layout::default();
    let progs = h.program_headers(e, data).ok()?;
    for p in progs {
        l.ranges.push(Range {
            vaddr: p.p_vaddr(e).into(),
            size: p.p_filesz(e).into(),
            offset: p.p_offset(e).into(),
        });
    }
    let sections = h.sections(e, data).ok()?;
    l.data = sections
        .iter()
        .find(|s| sections.section_name(e, s).ok() == Some(b".go.buildinfo"))
        .map(|s| (s.sh_addr(e).into(), s.sh_size(e).into()))
        // Go ≤1.26: no section headers (stripped by hand), then the first writable,
        // non-executable PT_LOAD.
        .or_else(|| {
            progs
                .iter()
                .find(|p| {
                    p.p_type(e) == elf::PT_LOAD
                        && p.p_flags(e) & (elf::PF_X | elf::PF_W) == elf::PF_W
                })
                .map(|p| (p.p_vaddr(e).into(), p.p_memsz(e).into()))
        })
        .unwrap_or((0, 0));
    Some(l)
}

fn pe_layout<H: ImageNtHeaders, R: ReadAt>(data: &Source<R>, mut off: u64) -> Option<Layout> {
    let (nt, _) = H::parse(data, &mut off).ok()?;
    let base = nt.optional_header().image_base();
    let sections = nt.sections(data, off).ok()?;
    let mut l = Layout::default();
    // IMAGE_SCN_CNT_INITIALIZED_DATA | MEM_READ | MEM_WRITE, alignment bits ignored.
    const DATA: u32 = 0x40 | 0x4000_0000 | 0x8000_0000;
    const ALIGN_32: u32 = 0x60_0000;
    for s in sections.iter() {
        let va = s.virtual_address.get(LE);
        let raw = s.size_of_raw_data.get(LE);
        l.ranges.push(Range {
            // go compares VAs relative to the image base, in 32 bits.
            vaddr: base.wrapping_add(va.into()),
            size: raw.into(),
            offset: s.pointer_to_raw_data.get(LE).into(),
        });
        if l.data.1 == 0 && va != 0 && raw != 0 && s.characteristics.get(LE) & !ALIGN_32 == DATA {
            l.data = (base.wrapping_add(va.into()), s.virtual_size.get(LE).into());
        }
    }
    Some(l)
}

fn macho_any<R: ReadAt>(data: &Source<R>, base: u64) -> Option<Layout> {
    use object::ReadRef;
    let magic = data.read_bytes_at(base, 4).ok()?;
    let m = u32::from_be_bytes(magic.try_into().ok()?);
    match m {
        macho::MH_MAGIC | macho::MH_CIGAM => {
            macho_layout::<macho::MachHeader32<object::Endianness>, R>(data, base)
        }
        macho::MH_MAGIC_64 | macho::MH_CIGAM_64 => {
            macho_layout::<macho::MachHeader64<object::Endianness>, R>(data, base)
        }
        _ => None,
    }
}

fn macho_layout<H: MachHeader<Endian = object::Endianness>, R: ReadAt>(
    data: &Source<R>,
    base: u64,
) -> Option<Layout> {
    let h = H::parse(data, base).ok()?;
    let e = h.endian().ok()?;
    let mut cmds = h.load_commands(e, data, base).ok()?;
    let mut l = Layout::default();
    let mut section = None;
    let mut rw_segment = None;
    while let Some(cmd) = cmds.next().ok()? {
        let Some((seg, sdata)) = H::Segment::from_command(cmd).ok()? else {
            continue;
        };
        let (vaddr, filesz) = (seg.vmaddr(e).into(), seg.filesize(e).into());
        // go skips __PAGEZERO when mapping addresses.
        if seg.name() != b"__PAGEZERO" {
            l.ranges.push(Range {
                vaddr,
                size: filesz,
                offset: base.saturating_add(seg.fileoff(e).into()),
            });
        }
        const RW: u32 = 3;
        if rw_segment.is_none()
            && vaddr != 0
            && filesz != 0
            && seg.initprot(e) == RW
            && seg.maxprot(e) == RW
        {
            rw_segment = Some((vaddr, seg.vmsize(e).into()));
        }
        // object refuses an empty slice even for zero sections (__PAGEZERO).
        let sections = match seg.nsects(e) {
            0 => &[][..],
            _ => seg.sections(e, sdata).ok()?,
        };
        for s in sections {
            if section.is_none() && s.name() == b"__go_buildinfo" {
                section = Some((s.addr(e).into(), s.size(e).into()));
            }
        }
    }
    l.data = section.or(rw_segment).unwrap_or((0, 0));
    Some(l)
}
