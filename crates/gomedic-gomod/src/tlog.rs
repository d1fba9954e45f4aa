//! golang.org/x/mod/sumdb/tlog: the checksum database's Merkle tree (RFC 6962 hashing),
//! signed tree heads, hash tiles and record inclusion proofs.

use base64::Engine;
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// SHA-256 of `0x00 || data`: a leaf.
pub fn record_hash(data: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(data)
        .finalize()
        .into()
}

/// SHA-256 of `0x01 || left || right`: an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The hash of the empty tree.
pub fn empty_hash() -> Hash {
    Sha256::digest(b"").into()
}

/// A tree head: size and root hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tree {
    pub n: u64,
    pub hash: Hash,
}

const TREE_PREFIX: &str = "go.sum database tree\n";

impl Tree {
    /// `tlog.ParseTree`: the text of a tree note; lines after the hash are ignored.
    pub fn parse(text: &[u8]) -> Result<Tree, String> {
        let bad = || "malformed tree note".to_string();
        let text = std::str::from_utf8(text).map_err(|_| bad())?;
        if !text.starts_with(TREE_PREFIX)
            || text.matches('\n').count() < 3
            || text.len() > 1_000_000
        {
            return Err(bad());
        }
        let lines: Vec<&str> = text.splitn(4, '\n').collect();
        let n: u64 = lines[1].parse().map_err(|_| bad())?;
        if lines[1] != n.to_string() || n > i64::MAX as u64 {
            return Err(bad());
        }
        let h = base64::engine::general_purpose::STANDARD
            .decode(lines[2])
            .map_err(|_| bad())?;
        let hash: Hash = h.try_into().map_err(|_| bad())?;
        Ok(Tree { n, hash })
    }

    /// `tlog.FormatTree`.
    pub fn format(&self) -> String {
        format!(
            "{TREE_PREFIX}{}\n{}\n",
            self.n,
            base64::engine::general_purpose::STANDARD.encode(self.hash)
        )
    }
}

/// The largest power of two strictly below `n` (`tlog.maxpow2`), n >= 2.
fn maxpow2(n: u64) -> u64 {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root of the tree over `leaves` (leaf hashes).
pub fn tree_hash(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_hash(),
        1 => leaves[0],
        n => {
            let k = maxpow2(n as u64) as usize;
            node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
        }
    }
}

/// A complete subtree `(level, index)`: the root over leaves
/// `index<<level .. (index+1)<<level` (a "stored hash" in tlog).
pub type Node = (u32, u64);

/// The complete subtrees covering leaves `lo..hi`, left to right (`subTreeIndex`).
fn sub_tree_nodes(mut lo: u64, hi: u64, out: &mut Vec<Node>) {
    while lo < hi {
        let k = maxpow2(hi - lo + 1);
        let level = k.trailing_zeros();
        out.push((level, lo >> level));
        lo += k;
    }
}

/// Which subtree roots an inclusion proof for leaf `n` of a tree of size `t` is made of,
/// in `tlog.RecordProof` order, each given as the complete subtrees it is built from.
fn proof_parts(lo: u64, hi: u64, n: u64, out: &mut Vec<Vec<Node>>) {
    if lo + 1 == hi {
        return;
    }
    let k = maxpow2(hi - lo);
    let mut nodes = Vec::new();
    if n < lo + k {
        proof_parts(lo, lo + k, n, out);
        sub_tree_nodes(lo + k, hi, &mut nodes);
    } else {
        sub_tree_nodes(lo, lo + k, &mut nodes);
        proof_parts(lo + k, hi, n, out);
    }
    out.push(nodes);
}

/// Folds complete subtree roots, left to right, into their tree's root (`subTreeHash`).
fn fold(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |h, l| node_hash(l, &h)))
}

/// Each part of a proof (a list of subtrees `(level, index)`) folded to one hash.
fn hash_parts(leaves: &[Hash], parts: &[Vec<(u32, u64)>]) -> Vec<Hash> {
    parts
        .iter()
        .map(|nodes| {
            let hs: Vec<Hash> = nodes
                .iter()
                .map(|&(l, i)| tree_hash(&leaves[(i << l) as usize..((i + 1) << l) as usize]))
                .collect();
            fold(&hs).unwrap_or_else(empty_hash)
        })
        .collect()
}

/// `tlog.ProveRecord` over an in-memory list of leaf hashes.
pub fn prove_record(leaves: &[Hash], n: u64) -> Option<Vec<Hash>> {
    let t = leaves.len() as u64;
    if n >= t {
        return None;
    }
    let mut parts = Vec::new();
    proof_parts(0, t, n, &mut parts);
    Some(hash_parts(leaves, &parts))
}

/// `tlog.CheckRecord`: does `proof` show leaf `h` at index `n` in tree (`t`, `th`)?
pub fn check_record(proof: &[Hash], t: u64, th: &Hash, n: u64, h: &Hash) -> Result<(), String> {
    if n >= t {
        return Err("tlog: invalid inputs in CheckRecord".into());
    }
    match run_proof(proof, 0, t, n, h) {
        Some(root) if root == *th => Ok(()),
        _ => Err("verification failed".into()),
    }
}

fn run_proof(p: &[Hash], lo: u64, hi: u64, n: u64, leaf: &Hash) -> Option<Hash> {
    if lo + 1 == hi {
        return p.is_empty().then_some(*leaf);
    }
    let (last, rest) = p.split_last()?;
    let k = maxpow2(hi - lo);
    if n < lo + k {
        Some(node_hash(&run_proof(rest, lo, lo + k, n, leaf)?, last))
    } else {
        Some(node_hash(last, &run_proof(rest, lo + k, hi, n, leaf)?))
    }
}

/// A tile: the hashes at tree level `l*h` for nodes `n<<h ..` (`w` of them); `l == -1`
/// is the data tile holding the records of level-0 tile `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tile {
    pub h: u32,
    pub l: i32,
    pub n: u64,
    pub w: u32,
}

impl Tile {
    /// `Tile.Path`: `tile/H/L/NNN[.p/W]`, N in 3-digit groups, all but the last `x`-prefixed.
    pub fn path(&self) -> String {
        let mut n = self.n;
        let mut s = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            s = format!("x{:03}/{s}", n % 1000);
        }
        let p = if self.w != 1 << self.h {
            format!(".p/{}", self.w)
        } else {
            String::new()
        };
        let l = if self.l == -1 {
            "data".to_string()
        } else {
            self.l.to_string()
        };
        format!("tile/{}/{l}/{s}{p}", self.h)
    }

    /// `tlog.ParseTilePath`.
    pub fn parse_path(path: &str) -> Result<Tile, String> {
        let bad = || format!("malformed tile path {path:?}");
        let mut f: Vec<&str> = path.split('/').collect();
        if f.len() < 4 || f[0] != "tile" {
            return Err(bad());
        }
        let h: u32 = atoi(f[1]).ok_or_else(bad)?;
        let l: i32 = if f[2] == "data" {
            -1
        } else {
            atoi(f[2]).ok_or_else(bad)?
        };
        if !(1..=30).contains(&h) {
            return Err(bad());
        }
        let mut w: u32 = 1 << h;
        let len = f.len();
        if let Some(stem) = f[len - 2].strip_suffix(".p") {
            let ww: u32 = atoi(f[len - 1]).ok_or_else(bad)?;
            if ww == 0 || ww >= w {
                return Err(bad());
            }
            w = ww;
            f[len - 2] = stem;
            f.pop();
        }
        let mut n: u64 = 0;
        for s in &f[3..] {
            let nn: u64 = atoi(s.strip_prefix('x').unwrap_or(s)).ok_or_else(bad)?;
            if nn >= 1000 {
                return Err(bad());
            }
            n = n
                .checked_mul(1000)
                .and_then(|n| n.checked_add(nn))
                .ok_or_else(bad)?;
        }
        let t = Tile { h, l, n, w };
        if t.path() != path {
            return Err(bad());
        }
        Ok(t)
    }
}

/// `strconv.Atoi` for the non-negative values tile paths use.
fn atoi<T: std::str::FromStr>(s: &str) -> Option<T> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The tile of height `h` holding complete subtree `(level, index)`'s hash, or the hashes
/// it is computed from, in a tree of `t` leaves; and the range of those hashes in the tile.
fn tile_for_node(h: u32, (level, index): Node, t: u64) -> (Tile, std::ops::Range<usize>) {
    let l = level / h;
    let within = level - l * h;
    // Node indexes at the tile's base level l*h.
    let first = index << within;
    let count = 1u64 << within;
    let n = first >> h;
    let base_nodes = t >> (l * h);
    let w = (base_nodes - (n << h)).min(1 << h) as u32;
    let start = (first - (n << h)) as usize;
    (
        Tile {
            h,
            l: l as i32,
            n,
            w,
        },
        start..start + count as usize,
    )
}

/// Complete subtree hashes read from hash tiles of one tree, each tile fetched once.
struct TileHashes<F> {
    h: u32,
    t: u64,
    read_tile: F,
    cache: std::collections::HashMap<Tile, Vec<u8>>,
}

impl<F: FnMut(&Tile) -> Result<Vec<u8>, String>> TileHashes<F> {
    fn node(&mut self, node: Node) -> Result<Hash, String> {
        let (tile, range) = tile_for_node(self.h, node, self.t);
        if let std::collections::hash_map::Entry::Vacant(e) = self.cache.entry(tile) {
            let b = (self.read_tile)(&tile)?;
            if b.len() != tile.w as usize * 32 {
                return Err(format!("{}: wrong size {}", tile.path(), b.len()));
            }
            e.insert(b);
        }
        let b = &self.cache[&tile];
        let hs: Vec<Hash> = range
            .map(|i| b[i * 32..(i + 1) * 32].try_into().unwrap_or([0; 32]))
            .collect();
        Ok(tree_hash(&hs))
    }

    /// Each part's complete subtrees folded into one hash.
    fn parts(&mut self, parts: Vec<Vec<Node>>) -> Result<Vec<Hash>, String> {
        let mut out = Vec::with_capacity(parts.len());
        for nodes in parts {
            let hs = nodes
                .into_iter()
                .map(|n| self.node(n))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(fold(&hs).unwrap_or_else(empty_hash));
        }
        Ok(out)
    }
}

/// A record's inclusion in a signed tree, checked from hash tiles the way the go
/// command's `TileHashReader` reads them: the hashes read from the tiles must lead to the
/// tree's root, and the leaf at index `n` must be `record_hash(data)`. `read_tile`
/// returns a tile's bytes (`w` hashes of 32 bytes).
pub fn verify_record_from_tiles(
    tree: &Tree,
    h: u32,
    n: u64,
    data: &[u8],
    read_tile: impl FnMut(&Tile) -> Result<Vec<u8>, String>,
) -> Result<(), String> {
    if n >= tree.n {
        return Err(format!("record {n} not in tree of size {}", tree.n));
    }
    if !(1..=30).contains(&h) {
        return Err(format!("invalid tile height {h}"));
    }
    let mut th = TileHashes {
        h,
        t: tree.n,
        read_tile,
        cache: Default::default(),
    };
    let leaf = th.node((0, n))?;
    let mut parts = Vec::new();
    proof_parts(0, tree.n, n, &mut parts);
    let proof = th.parts(parts)?;
    // Go's texts: tiles that do not lead to the signed root, then a record that is not
    // the leaf.
    check_record(&proof, tree.n, &tree.hash, n, &leaf)
        .map_err(|_| "downloaded inconsistent tile".to_string())?;
    if leaf != record_hash(data) {
        return Err("cannot authenticate record data in server response".into());
    }
    Ok(())
}

/// The subtrees of a consistency proof from size `n` to size `hi` (`treeProofIndex`).
fn tree_proof_parts(lo: u64, hi: u64, n: u64, out: &mut Vec<Vec<Node>>) {
    if n == hi {
        if lo != 0 {
            let mut nodes = Vec::new();
            sub_tree_nodes(lo, hi, &mut nodes);
            out.push(nodes);
        }
        return;
    }
    let k = maxpow2(hi - lo);
    let mut nodes = Vec::new();
    if n <= lo + k {
        tree_proof_parts(lo, lo + k, n, out);
        sub_tree_nodes(lo + k, hi, &mut nodes);
    } else {
        sub_tree_nodes(lo, lo + k, &mut nodes);
        tree_proof_parts(lo + k, hi, n, out);
    }
    out.push(nodes);
}

/// `tlog.ProveTree` over in-memory leaves: proof that the first `n` leaves' tree is a
/// prefix of the tree of all `leaves`.
pub fn prove_tree(leaves: &[Hash], n: u64) -> Option<Vec<Hash>> {
    let t = leaves.len() as u64;
    if n < 1 || n > t {
        return None;
    }
    let mut parts = Vec::new();
    tree_proof_parts(0, t, n, &mut parts);
    Some(hash_parts(leaves, &parts))
}

/// `tlog.CheckTree`: does `proof` show tree (`n`, `h`) is a prefix of tree (`t`, `th`)?
pub fn check_tree(proof: &[Hash], t: u64, th: &Hash, n: u64, h: &Hash) -> Result<(), String> {
    if t < 1 || n < 1 || n > t {
        return Err("tlog: invalid inputs in CheckTree".into());
    }
    match run_tree_proof(proof, 0, t, n, h) {
        Some((h2, th2)) if h2 == *h && th2 == *th => Ok(()),
        _ => Err("verification failed".into()),
    }
}

fn run_tree_proof(p: &[Hash], lo: u64, hi: u64, n: u64, old: &Hash) -> Option<(Hash, Hash)> {
    if n == hi {
        return match (lo, p) {
            (0, []) => Some((*old, *old)),
            (0, _) => None,
            (_, [x]) => Some((*x, *x)),
            _ => None,
        };
    }
    let (last, rest) = p.split_last()?;
    let k = maxpow2(hi - lo);
    if n <= lo + k {
        let (oh, th) = run_tree_proof(rest, lo, lo + k, n, old)?;
        Some((oh, node_hash(&th, last)))
    } else {
        let (oh, th) = run_tree_proof(rest, lo + k, hi, n, old)?;
        Some((node_hash(last, &oh), node_hash(last, &th)))
    }
}

/// Is the `old` signed tree a prefix of `new`? Checked from `new`'s hash tiles, as the go
/// command does before trusting a newer tree head than the one it cached.
pub fn verify_tree_from_tiles(
    old: &Tree,
    new: &Tree,
    h: u32,
    read_tile: impl FnMut(&Tile) -> Result<Vec<u8>, String>,
) -> Result<(), String> {
    if old.n == 0 {
        return Ok(());
    }
    if old.n > new.n || !(1..=30).contains(&h) {
        return Err("tlog: invalid inputs in CheckTree".into());
    }
    let mut th = TileHashes {
        h,
        t: new.n,
        read_tile,
        cache: Default::default(),
    };
    let mut parts = Vec::new();
    tree_proof_parts(0, new.n, old.n, &mut parts);
    let proof = th.parts(parts)?;
    check_tree(&proof, new.n, &new.hash, old.n, &old.hash)
}

/// The bytes of a hash tile over `leaves` (what a checksum database serves); empty when
/// the tile is not complete in the tree.
pub fn tile_bytes(leaves: &[Hash], tile: &Tile) -> Vec<u8> {
    let Some(level) = (tile.l.max(0) as u32)
        .checked_mul(tile.h)
        .filter(|&l| l < 63)
    else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(tile.w.min(1 << 10) as usize * 32);
    for i in 0..tile.w as u64 {
        let range = tile
            .n
            .checked_mul(1 << tile.h)
            .and_then(|first| first.checked_add(i))
            .and_then(|idx| {
                Some((
                    idx.checked_mul(1 << level)?,
                    (idx + 1).checked_mul(1 << level)?,
                ))
            });
        match range {
            Some((lo, hi)) if hi <= leaves.len() as u64 => {
                out.extend_from_slice(&tree_hash(&leaves[lo as usize..hi as usize]))
            }
            _ => return Vec::new(),
        }
    }
    out
}

/// `tlog.FormatRecord`: id line, text, blank line.
pub fn format_record(id: u64, text: &str) -> String {
    format!("{id}\n{text}\n")
}

/// `tlog.ParseRecord`: (id, text, rest) of a lookup response.
pub fn parse_record(msg: &[u8]) -> Result<(u64, &[u8], &[u8]), String> {
    let bad = || "malformed record data".to_string();
    let i = msg.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
    let id: u64 = std::str::from_utf8(&msg[..i])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let msg = &msg[i + 1..];
    let j = msg.windows(2).position(|w| w == b"\n\n").ok_or_else(bad)?;
    let (text, rest) = (&msg[..j + 1], &msg[j + 2..]);
    let ok =
        std::str::from_utf8(text).is_ok_and(|s| !s.chars().any(|c| c.is_control() && c != '\n'));
    if !ok {
        return Err(bad());
    }
    Ok((id, text, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_like_go() {
        for (p, t) in [
            (
                "tile/4/0/001",
                Tile {
                    h: 4,
                    l: 0,
                    n: 1,
                    w: 16,
                },
            ),
            (
                "tile/4/0/001.p/5",
                Tile {
                    h: 4,
                    l: 0,
                    n: 1,
                    w: 5,
                },
            ),
            (
                "tile/3/5/x123/x456/078",
                Tile {
                    h: 3,
                    l: 5,
                    n: 123456078,
                    w: 8,
                },
            ),
            (
                "tile/3/5/x123/x456/078.p/2",
                Tile {
                    h: 3,
                    l: 5,
                    n: 123456078,
                    w: 2,
                },
            ),
            (
                "tile/1/0/x003/x057/500",
                Tile {
                    h: 1,
                    l: 0,
                    n: 3057500,
                    w: 2,
                },
            ),
            (
                "tile/3/data/x123/x456/078",
                Tile {
                    h: 3,
                    l: -1,
                    n: 123456078,
                    w: 8,
                },
            ),
        ] {
            assert_eq!(Tile::parse_path(p), Ok(t), "{p}");
            assert_eq!(t.path(), p);
        }
        for p in [
            "tile/3/5/123/456/078",
            "tile/3/-1/123/456/078",
            "tile/1/data/x003/x057/500.p/2/x",
        ] {
            assert!(Tile::parse_path(p).is_err(), "{p}");
        }
    }

    #[test]
    fn consistency_proofs_for_small_trees() {
        let all: Vec<Hash> = (0..40u64).map(|i| record_hash(&i.to_be_bytes())).collect();
        for t in 1..40usize {
            let leaves = &all[..t];
            let big = Tree {
                n: t as u64,
                hash: tree_hash(leaves),
            };
            for n in 1..=t {
                let small = Tree {
                    n: n as u64,
                    hash: tree_hash(&leaves[..n]),
                };
                let p = prove_tree(leaves, n as u64).unwrap();
                assert_eq!(
                    check_tree(&p, big.n, &big.hash, small.n, &small.hash),
                    Ok(())
                );
                let mut forked = small;
                forked.hash[0] ^= 1;
                assert!(check_tree(&p, big.n, &big.hash, n as u64, &forked.hash).is_err());
                let r =
                    verify_tree_from_tiles(&small, &big, 2, |tile| Ok(tile_bytes(leaves, tile)));
                assert_eq!(r, Ok(()), "t={t} n={n}");
                let r =
                    verify_tree_from_tiles(&forked, &big, 2, |tile| Ok(tile_bytes(leaves, tile)));
                assert!(r.is_err(), "t={t} n={n}");
            }
        }
    }

    #[test]
    fn proofs_for_every_leaf_of_small_trees() {
        for t in 1..40u64 {
            let leaves: Vec<Hash> = (0..t).map(|i| record_hash(&i.to_be_bytes())).collect();
            let root = tree_hash(&leaves);
            let tree = Tree { n: t, hash: root };
            for n in 0..t {
                let p = prove_record(&leaves, n).unwrap();
                assert_eq!(check_record(&p, t, &root, n, &leaves[n as usize]), Ok(()));
                let mut bad = leaves[n as usize];
                bad[0] ^= 1;
                assert!(check_record(&p, t, &root, n, &bad).is_err());
                for h in [1, 2, 8] {
                    let r = verify_record_from_tiles(&tree, h, n, &n.to_be_bytes(), |tile| {
                        Ok(tile_bytes(&leaves, tile))
                    });
                    assert_eq!(r, Ok(()), "t={t} n={n} h={h}");
                }
            }
        }
    }
}
