//! Checksum database client: a lookup's signed tree head is checked against the
//! configured key and the record's inclusion is proved from hash tiles, as the go
//! command does, before its hashes are trusted.

use crate::client::{Client, FetchError};
use gomedic_gomod::escape::{escape_path, escape_version};
use gomedic_gomod::gosum::SumLine;
use gomedic_gomod::note::{self, NoteVerifier};
use gomedic_gomod::tlog::{self, Tile, Tree};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The sum.golang.org verifier key, as cmd/go knows it.
pub const SUM_GOLANG_ORG: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

const TILE_HEIGHT: u32 = 8;
const MAX_LOOKUP: u64 = 1 << 20;
const MAX_TILE: u64 = 32 << TILE_HEIGHT;

#[derive(Clone)]
pub struct SumDb {
    pub verifier: NoteVerifier,
    /// Base URL, no trailing slash.
    pub url: String,
}

impl SumDb {
    /// `name+key [URL]` (GOSUMDB syntax); `sum.golang.org` alone uses go's built-in key.
    pub fn parse(s: &str) -> Result<SumDb, String> {
        let f: Vec<&str> = s.split_whitespace().collect();
        let (key, url) = match f.as_slice() {
            [k] => (*k, None),
            [k, u] => (*k, Some(*u)),
            _ => return Err(format!("malformed --sumdb {s:?}: want \"name+key [URL]\"")),
        };
        let key = match key {
            "sum.golang.org" => SUM_GOLANG_ORG,
            "sum.golang.google.cn" => {
                return SumDb::parse(&format!(
                    "{SUM_GOLANG_ORG} {}",
                    url.unwrap_or("https://sum.golang.google.cn")
                ))
            }
            k => k,
        };
        let verifier =
            NoteVerifier::parse(key).map_err(|e| format!("invalid sumdb key {key:?}: {e}"))?;
        let url = match url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("https://{}", verifier.name),
        };
        crate::client::check_url(&url)?;
        Ok(SumDb { verifier, url })
    }
}

/// The hashes the database holds for path@version.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    pub zip: Option<String>,
    pub go_mod: Option<String>,
}

pub struct Checker {
    db: SumDb,
    client: Client,
    sums: Mutex<HashMap<String, Sums>>,
    tiles: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

impl Checker {
    pub fn new(db: SumDb, client: Client) -> Checker {
        Checker {
            db,
            client,
            sums: Mutex::new(HashMap::new()),
            tiles: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub fn db(&self) -> &SumDb {
        &self.db
    }

    /// As [`Checker::lookup`], but a module version the database does not know (a
    /// private module) is `Ok(None)` rather than an error.
    pub async fn lookup_known(&self, path: &str, version: &str) -> Result<Option<Sums>, String> {
        match self.lookup(path, version).await {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.ends_with(&not_found(&self.db.verifier.name)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Verified hashes of path@version from the database.
    pub async fn lookup(&self, path: &str, version: &str) -> Result<Sums, String> {
        let key = format!("{path}@{version}");
        if let Some(s) = self
            .sums
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(s.clone());
        }
        let ep = escape_path(path)?;
        let ev = escape_version(version)?;
        let url = format!("{}/lookup/{ep}@{ev}", self.db.url);
        let body = self
            .client
            .get_bytes(&url, MAX_LOOKUP)
            .await
            .map_err(|e| match e {
                FetchError::NotFound(_) => format!("{key}: {}", not_found(&self.db.verifier.name)),
                FetchError::Other(m) => format!("checksum database lookup: {m}"),
            })?;
        let (id, text, rest) = tlog::parse_record(&body)?;
        let tree_text = note::open(rest, &self.db.verifier)
            .map_err(|e| format!("checksum database tree head: {e}"))?;
        let tree = Tree::parse(tree_text.as_bytes())?;
        let text = text.to_vec();
        let client = self.client.clone();
        let base = self.db.url.clone();
        let tiles = self.tiles.clone();
        let handle = tokio::runtime::Handle::current();
        let record = text.clone();
        // The tile reader of gomedic-gomod is synchronous: run it off the async workers.
        tokio::task::spawn_blocking(move || {
            tlog::verify_record_from_tiles(&tree, TILE_HEIGHT, id, &record, |t| {
                handle.block_on(read_tile(&client, &base, &tiles, t))
            })
        })
        .await
        .map_err(|e| format!("checksum verification: {e}"))?
        .map_err(|e| format!("checksum database: cannot authenticate record: {e}"))?;
        let mut sums = Sums::default();
        for line in String::from_utf8_lossy(&text).lines() {
            if let Ok(Some(l)) = SumLine::parse(line) {
                if l.path != path || l.version != version {
                    continue;
                }
                if l.go_mod {
                    sums.go_mod = Some(l.hash);
                } else {
                    sums.zip = Some(l.hash);
                }
            }
        }
        self.sums
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, sums.clone());
        Ok(sums)
    }
}

fn not_found(db: &str) -> String {
    format!("not found in checksum database {db}")
}

async fn read_tile(
    client: &Client,
    base: &str,
    cache: &Mutex<HashMap<String, Vec<u8>>>,
    t: &Tile,
) -> Result<Vec<u8>, String> {
    let want = t.w as usize * 32;
    let full = Tile { w: 1 << t.h, ..*t };
    for tile in [*t, full] {
        let p = tile.path();
        if let Some(b) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&p) {
            if b.len() >= want {
                return Ok(b[..want].to_vec());
            }
        }
        match client.get_bytes(&format!("{base}/{p}"), MAX_TILE).await {
            Ok(b) if b.len() >= want => {
                cache
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(p, b.clone());
                return Ok(b[..want].to_vec());
            }
            Ok(_) => return Err(format!("short tile {p}")),
            // A partial tile may be gone once the full one exists.
            Err(FetchError::NotFound(_)) if tile != full => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    Err(format!("tile {} not found", t.path()))
}
