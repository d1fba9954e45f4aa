//! Encodings kept byte for byte, read with the `der` crate's header decoding.
//!
//! The `cms` types decode and check the structure, but `der` sorts a SET OF as it decodes
//! it (and rejects duplicates): the signed attributes must be hashed as they were signed
//! and nested signatures counted in the signer's order, so those bytes come from here.

use der::{Decode, Encode, Header, Reader, SliceReader};

#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// The whole encoding (tag, length, value).
    pub raw: &'a [u8],
    pub value: &'a [u8],
}

/// The first element of `input` and what follows it.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let first = |input: &[u8]| -> der::Result<(u8, usize, usize)> {
        let mut r = SliceReader::new(input)?;
        let h = Header::decode(&mut r)?;
        let hdr = usize::try_from(h.encoded_len()?)?;
        let len = usize::try_from(h.length)?;
        Ok((h.tag.into(), hdr, len))
    };
    let (tag, hdr, len) = first(input).map_err(|e| format!("bad DER: {e}"))?;
    let end = hdr + len;
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

/// Dotted form of an OBJECT IDENTIFIER's value bytes, whatever they hold (for messages
/// about the Authenticode content, which the `cms` types leave opaque).
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

/// Reads one value from the start of `input`, returning the rest.
pub fn decode_first<'a, T: Decode<'a>>(input: &'a [u8]) -> der::Result<(T, &'a [u8])> {
    let mut r = SliceReader::new(input)?;
    let v = T::decode(&mut r)?;
    let at = usize::try_from(r.position())?;
    Ok((v, &input[at..]))
}
