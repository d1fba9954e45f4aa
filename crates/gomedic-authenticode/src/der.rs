//! A minimal DER reader: enough for PKCS#7 SignedData and Authenticode structures.

#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// The whole encoding (tag, length, value).
    pub raw: &'a [u8],
    pub value: &'a [u8],
}

pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let tag = *input.first().ok_or("truncated DER: no tag")?;
    if tag & 0x1f == 0x1f {
        return Err("multi-byte DER tags are not supported".into());
    }
    let l0 = *input.get(1).ok_or("truncated DER: no length")?;
    let (len, hdr) = if l0 < 0x80 {
        (l0 as usize, 2)
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err("unsupported DER length".into());
        }
        let bytes = input.get(2..2 + n).ok_or("truncated DER length")?;
        (
            bytes.iter().fold(0usize, |a, b| (a << 8) | *b as usize),
            2 + n,
        )
    };
    let end = hdr.checked_add(len).ok_or("DER length overflow")?;
    if input.len() < end {
        return Err(format!(
            "truncated DER: {} bytes announced, {} present",
            len,
            input.len() - hdr
        ));
    }
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            value: &input[hdr..end],
        },
        &input[end..],
    ))
}

/// All elements of a constructed value.
pub fn children(value: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Ok(out)
}

/// Dotted form of an OBJECT IDENTIFIER's value bytes.
pub fn oid(value: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for (i, b) in value.iter().enumerate() {
        acc = (acc << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if parts.is_empty() && i < value.len() {
                let (a, b2) = if acc < 40 {
                    (0, acc)
                } else if acc < 80 {
                    (1, acc - 40)
                } else {
                    (2, acc - 80)
                };
                parts.push(a);
                parts.push(b2);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    parts
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}
