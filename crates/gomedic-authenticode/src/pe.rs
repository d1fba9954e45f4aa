//! The PE/COFF layout Authenticode needs: where the checksum and the certificate table
//! directory entry are, the certificate table itself, and the image digest.

pub struct Pe<'a> {
    pub data: &'a [u8],
    pub checksum_off: usize,
    pub secdir_off: usize,
    /// File offset and size of the attribute certificate table (0, 0 when unsigned).
    pub cert_off: usize,
    pub cert_size: usize,
    pub size_of_headers: usize,
    /// (PointerToRawData, SizeOfRawData) of each section.
    pub sections: Vec<(usize, usize)>,
    pub pe32_plus: bool,
}

fn u16_at(d: &[u8], o: usize) -> Result<u16, String> {
    d.get(o..o + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("truncated PE at offset {o}"))
}
fn u32_at(d: &[u8], o: usize) -> Result<u32, String> {
    d.get(o..o + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("truncated PE at offset {o}"))
}

impl<'a> Pe<'a> {
    pub fn parse(data: &'a [u8]) -> Result<Pe<'a>, String> {
        if data.get(..2) != Some(b"MZ") {
            return Err("not a PE file (no MZ header)".into());
        }
        let pe = u32_at(data, 0x3c)? as usize;
        if data.get(pe..pe + 4) != Some(b"PE\0\0") {
            return Err("not a PE file (no PE signature)".into());
        }
        let coff = pe + 4;
        let nsections = u16_at(data, coff + 2)? as usize;
        let opt_size = u16_at(data, coff + 16)? as usize;
        let opt = coff + 20;
        let magic = u16_at(data, opt)?;
        let pe32_plus = match magic {
            0x10b => false,
            0x20b => true,
            m => return Err(format!("unknown optional header magic 0x{m:x}")),
        };
        let checksum_off = opt + 64;
        let size_of_headers = u32_at(data, opt + 60)? as usize;
        let dd = opt + if pe32_plus { 112 } else { 96 };
        let ndirs = u32_at(data, dd - 4)? as usize;
        if ndirs < 5 {
            return Err("no certificate table directory".into());
        }
        let secdir_off = dd + 4 * 8;
        let cert_off = u32_at(data, secdir_off)? as usize;
        let cert_size = u32_at(data, secdir_off + 4)? as usize;
        if cert_size > 0
            && cert_off
                .checked_add(cert_size)
                .is_none_or(|e| e > data.len())
        {
            return Err(
                "the certificate table points outside the file (truncated or tampered)".into(),
            );
        }
        let sh = opt + opt_size;
        let mut sections = Vec::new();
        for i in 0..nsections.min(96) {
            let s = sh + i * 40;
            let size = u32_at(data, s + 16)? as usize;
            let ptr = u32_at(data, s + 20)? as usize;
            if size > 0 {
                sections.push((ptr, size));
            }
        }
        if size_of_headers > data.len()
            || checksum_off + 4 > size_of_headers
            || secdir_off + 8 > size_of_headers
        {
            return Err("malformed PE headers".into());
        }
        Ok(Pe {
            data,
            checksum_off,
            secdir_off,
            cert_off,
            cert_size,
            size_of_headers,
            sections,
            pe32_plus,
        })
    }

    /// The byte ranges the Authenticode digest covers: everything but the checksum, the
    /// certificate directory entry and the certificate table, including any bytes after
    /// the table (so appended data changes the digest, as on Windows).
    pub fn digest_ranges(&self) -> Vec<(usize, usize)> {
        let end = if self.cert_size > 0 {
            self.cert_off
        } else {
            self.data.len()
        };
        let end = end.min(self.data.len());
        let mut r = vec![
            (0, self.checksum_off),
            (self.checksum_off + 4, self.secdir_off),
            (self.secdir_off + 8, end.max(self.secdir_off + 8)),
        ];
        if self.cert_size > 0 {
            r.push((self.cert_off + self.cert_size, self.data.len()));
        }
        r
    }

    /// Bytes after the certificate table.
    pub fn appended(&self) -> usize {
        if self.cert_size == 0 {
            0
        } else {
            self.data.len() - (self.cert_off + self.cert_size)
        }
    }

    /// The PKCS#7 blobs of the certificate table (WIN_CERT_TYPE_PKCS_SIGNED_DATA entries).
    pub fn signatures(&self) -> Result<Vec<&'a [u8]>, String> {
        Ok(self.signature_entries()?.0)
    }

    /// The PKCS#7 blobs and warnings about the table's layout.
    pub fn signature_entries(&self) -> Result<(Vec<&'a [u8]>, Vec<String>), String> {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        if self.cert_size == 0 {
            return Ok((out, warnings));
        }
        let table = &self.data[self.cert_off..self.cert_off + self.cert_size];
        let mut o = 0;
        let mut others = 0;
        while o + 8 <= table.len() {
            let len = u32_at(table, o)? as usize;
            let rev = u16_at(table, o + 4)?;
            let typ = u16_at(table, o + 6)?;
            if len < 8 || o + len > table.len() {
                return Err("malformed WIN_CERTIFICATE entry".into());
            }
            if typ == 2 && (rev == 0x0200 || rev == 0x0100) {
                out.push(&table[o + 8..o + len]);
            } else {
                others += 1;
            }
            o += (len + 7) & !7;
        }
        let tail = &table[o.min(table.len())..];
        if tail.iter().any(|b| *b != 0) || tail.len() > 7 {
            warnings.push(format!(
                "{} bytes after the last WIN_CERTIFICATE entry inside the certificate table",
                tail.len()
            ));
        }
        if out.len() > 1 {
            warnings.push(format!(
                "the certificate table holds {} signature entries; Windows reads only the first (more signatures belong nested inside it)",
                out.len()
            ));
        }
        if others > 0 {
            warnings.push(format!(
                "{others} WIN_CERTIFICATE entries of another type or revision are ignored"
            ));
        }
        Ok((out, warnings))
    }
}

/// What kind of program a PE file is: CPU and subsystem, read from the headers alone
/// (works on unsigned and signed files alike, and on files too damaged to verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Image {
    /// IMAGE_FILE_HEADER.Machine.
    pub machine: u16,
    /// IMAGE_OPTIONAL_HEADER.Subsystem.
    pub subsystem: u16,
    pub pe32_plus: bool,
    /// IMAGE_FILE_DLL: a library, not a program.
    pub dll: bool,
}

impl Image {
    pub fn parse(data: &[u8]) -> Result<Image, String> {
        if data.get(..2) != Some(b"MZ") {
            return Err("not a PE file (no MZ header)".into());
        }
        let pe = u32_at(data, 0x3c)? as usize;
        if pe.checked_add(4).and_then(|e| data.get(pe..e)) != Some(b"PE\0\0") {
            return Err("not a PE file (no PE signature)".into());
        }
        let coff = pe + 4;
        let machine = u16_at(data, coff)?;
        let characteristics = u16_at(data, coff + 18)?;
        let opt = coff + 20;
        let pe32_plus = match u16_at(data, opt)? {
            0x10b => false,
            0x20b => true,
            m => return Err(format!("unknown optional header magic 0x{m:x}")),
        };
        // Subsystem sits at the same offset in PE32 and PE32+.
        let subsystem = u16_at(data, opt + 68)?;
        Ok(Image {
            machine,
            subsystem,
            pe32_plus,
            dll: characteristics & 0x2000 != 0,
        })
    }

    /// The CPU as Windows users know it, e.g. `x64`, `x86 (32-bit)`, `ARM64`.
    pub fn machine_name(&self) -> String {
        match self.machine {
            0x8664 => "x64".into(),
            0x14c => "x86 (32-bit)".into(),
            0xaa64 => "ARM64".into(),
            0x1c0 | 0x1c2 | 0x1c4 => "ARM (32-bit)".into(),
            0x200 => "Itanium".into(),
            m => format!("machine 0x{m:04x}"),
        }
    }

    /// The GOARCH this machine type is built for, when Go has one.
    pub fn goarch(&self) -> Option<&'static str> {
        match self.machine {
            0x8664 => Some("amd64"),
            0x14c => Some("386"),
            0xaa64 => Some("arm64"),
            0x1c0 | 0x1c2 | 0x1c4 => Some("arm"),
            _ => None,
        }
    }

    pub fn subsystem_name(&self) -> String {
        match self.subsystem {
            1 => "native".into(),
            2 => "GUI".into(),
            3 => "console".into(),
            9 => "Windows CE".into(),
            10..=13 => "EFI".into(),
            s => format!("subsystem {s}"),
        }
    }

    /// One phrase: `x64 console program`, `x86 (32-bit) console program`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} {}",
            self.machine_name(),
            self.subsystem_name(),
            if self.dll { "library (DLL)" } else { "program" }
        )
    }
}

#[cfg(test)]
mod image_tests {
    use super::Image;

    /// A minimal PE header: MZ, e_lfanew, PE signature, COFF header, optional header.
    fn header(machine: u16, magic: u16, subsystem: u16) -> Vec<u8> {
        let mut d = vec![0u8; 0x200];
        d[..2].copy_from_slice(b"MZ");
        d[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        d[0x80..0x84].copy_from_slice(b"PE\0\0");
        d[0x84..0x86].copy_from_slice(&machine.to_le_bytes());
        d[0x98..0x9a].copy_from_slice(&magic.to_le_bytes());
        d[0x98 + 68..0x98 + 70].copy_from_slice(&subsystem.to_le_bytes());
        d
    }

    #[test]
    fn machine_and_subsystem() {
        let i = Image::parse(&header(0x14c, 0x10b, 3)).unwrap();
        assert_eq!(i.describe(), "x86 (32-bit) console program");
        assert_eq!(i.goarch(), Some("386"));
        let i = Image::parse(&header(0xaa64, 0x20b, 2)).unwrap();
        assert_eq!(i.describe(), "ARM64 GUI program");
        assert!(i.pe32_plus);
        let i = Image::parse(&header(0x8664, 0x20b, 3)).unwrap();
        assert_eq!(
            (i.machine_name().as_str(), i.goarch()),
            ("x64", Some("amd64"))
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(Image::parse(b"@echo off\r\n").is_err());
        assert!(Image::parse(b"MZ").is_err());
        let mut d = header(0x8664, 0x20b, 3);
        d[0x3c..0x40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(Image::parse(&d).is_err());
        d.truncate(0x90);
        assert!(Image::parse(&d).is_err());
    }
}
