//! Checksum database client, verifying as the go command does: a lookup's signed tree
//! head is checked against the configured key, the record's inclusion is proved from hash
//! tiles, and every tree head is proved consistent with the last verified one (kept in
//! storage), so a forked or rolled-back database is refused. Requests go to the database
//! URL, then to its mirrors; verified full tiles are stored under `sumdb/<name>/tile/...`
//! (the GOMODCACHE/cache/download layout) and never fetched again.

use crate::client::{Client, FetchError};
use crate::storage::{Opened, Storage};
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
/// A data tile holds up to 256 records.
const MAX_DATA_TILE: u64 = 8 << 20;

#[derive(Clone)]
pub struct SumDb {
    pub verifier: NoteVerifier,
    /// Base URL, no trailing slash.
    pub url: String,
    /// Base URLs of mirrors of the same database, tried in order after `url`.
    pub mirrors: Vec<String>,
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
        // The name is a storage directory.
        let name = &verifier.name;
        if name == "." || name == ".." || name.contains(['/', '\\']) {
            return Err(format!(
                "checksum database name {name:?} cannot be a cache directory name"
            ));
        }
        let url = match url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("https://{}", verifier.name),
        };
        crate::client::check_url(&url)?;
        Ok(SumDb {
            verifier,
            url,
            mirrors: Vec::new(),
        })
    }

    /// Adds `--sumdb-mirror` URLs: each the database's base URL on the mirror, e.g.
    /// `https://goproxy.cn/sumdb/sum.golang.org`.
    pub fn with_mirrors(mut self, urls: &[String]) -> Result<SumDb, String> {
        for u in urls {
            crate::client::check_url(u).map_err(|e| format!("{u}: {e}"))?;
            self.mirrors.push(u.trim_end_matches('/').to_string());
        }
        Ok(self)
    }

    /// The database URL, then the mirrors.
    fn bases(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.url).chain(&self.mirrors)
    }
}

/// The hashes the database holds for path@version.
#[derive(Debug, Clone, Default)]
pub struct Sums {
    pub zip: Option<String>,
    pub go_mod: Option<String>,
}

/// Why a database request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbError {
    /// The database answered 404/410.
    NotFound(String),
    /// No URL answered (connection errors, timeouts, 5xx).
    Unavailable(String),
    /// An answer that does not verify: a bad signature, tiles that do not prove the record,
    /// a tree head inconsistent with the last verified one.
    Refused(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::NotFound(m) | DbError::Unavailable(m) | DbError::Refused(m) => f.write_str(m),
        }
    }
}

pub struct Checker {
    inner: Arc<Inner>,
}

struct Inner {
    db: SumDb,
    client: Client,
    store: Storage,
    log: Arc<dyn Fn(&str) + Send + Sync>,
    sums: Mutex<HashMap<String, Sums>>,
    /// Verified partial hash tiles by (level, index): memory only, they are superseded.
    partial: Mutex<HashMap<(i32, u64), Vec<u8>>>,
    /// The last verified signed tree head (loaded from storage on first use); held while a
    /// newer one is being proved consistent with it.
    latest: tokio::sync::Mutex<Option<Option<Signed>>>,
}

/// A tree head and the signed note it came in.
type Signed = (Tree, Vec<u8>);

/// Tiles read during one verification: kept only if it succeeds.
#[derive(Default)]
struct Reads {
    tiles: Vec<(Tile, Vec<u8>)>,
    /// A fetch failed: a failed proof is then "unavailable", not a refusal.
    net_error: Option<String>,
}

impl Checker {
    /// A checker for callers outside the proxy (toolchain installs): verified tiles and the
    /// last tree head are kept under `dir/sumdb/<name>/`, go's module-cache layout.
    pub fn on_disk(
        db: SumDb,
        dir: std::path::PathBuf,
        client: Client,
        log: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Checker {
        Checker::new(db, client, Storage::Disk(dir), log)
    }

    pub(crate) fn new(
        db: SumDb,
        client: Client,
        store: Storage,
        log: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Checker {
        Checker {
            inner: Arc::new(Inner {
                db,
                client,
                store,
                log,
                sums: Mutex::new(HashMap::new()),
                partial: Mutex::new(HashMap::new()),
                latest: tokio::sync::Mutex::new(None),
            }),
        }
    }

    pub fn db(&self) -> &SumDb {
        &self.inner.db
    }

    /// As [`Checker::lookup`], but a module version the database does not know (a
    /// private module) is `Ok(None)` rather than an error.
    pub async fn lookup_known(&self, path: &str, version: &str) -> Result<Option<Sums>, String> {
        match self.lookup(path, version).await {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.ends_with(&not_found(&self.inner.db.verifier.name)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Verified hashes of path@version from the database.
    pub async fn lookup(&self, path: &str, version: &str) -> Result<Sums, String> {
        let key = format!("{path}@{version}");
        if let Some(s) = lock(&self.inner.sums).get(&key) {
            return Ok(s.clone());
        }
        let ep = escape_path(path)?;
        let ev = escape_version(version)?;
        let (_, text) = self
            .inner
            .clone()
            .lookup_record(&format!("{ep}@{ev}"))
            .await
            .map_err(|e| match e {
                DbError::NotFound(_) => {
                    format!("{key}: {}", not_found(&self.inner.db.verifier.name))
                }
                e => e.to_string(),
            })?;
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
        lock(&self.inner.sums).insert(key, sums.clone());
        Ok(sums)
    }

    /// A `/sumdb/<name>/<sub>` request of a client: `latest` and lookups are verified
    /// (and their tree heads remembered) before they are passed on; hash tiles come from
    /// storage when the proxy has verified them, else from the database or a mirror.
    pub async fn serve(&self, sub: &str) -> Result<Vec<u8>, DbError> {
        let inner = self.inner.clone();
        if sub == "latest" {
            let body = inner.fetch("latest", MAX_LOOKUP).await?;
            inner.check_tree(&body).await?;
            return Ok(body);
        }
        if let Some(q) = sub.strip_prefix("lookup/") {
            return inner.lookup_record(q).await.map(|(body, _)| body);
        }
        let t = Tile::parse_path(sub).map_err(DbError::NotFound)?;
        if t.h != TILE_HEIGHT || t.l < 0 {
            // Data tiles and other heights: passed through.
            return inner.fetch(sub, MAX_DATA_TILE).await;
        }
        if let Some(b) = inner.known_tile(&t).await {
            return Ok(b);
        }
        inner.fetch(sub, MAX_TILE).await
    }
}

fn not_found(db: &str) -> String {
    format!("not found in checksum database {db}")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    fn name(&self) -> &str {
        &self.db.verifier.name
    }

    fn tile_key(&self, t: &Tile) -> String {
        format!("sumdb/{}/{}", self.name(), t.path())
    }

    fn latest_key(&self) -> String {
        format!("sumdb/{}/latest", self.name())
    }

    /// GET `<base>/<sub>` from the database, then each mirror: a connection error, a
    /// timeout or another status than 200/404/410 moves on to the next URL.
    async fn fetch(&self, sub: &str, limit: u64) -> Result<Vec<u8>, DbError> {
        let mut last = String::new();
        let bases: Vec<&String> = self.db.bases().collect();
        for (i, base) in bases.iter().enumerate() {
            match self.client.get_bytes(&format!("{base}/{sub}"), limit).await {
                Ok(b) => return Ok(b),
                Err(FetchError::NotFound(m)) => return Err(DbError::NotFound(m)),
                Err(FetchError::Other(m)) => {
                    if let Some(next) = bases.get(i + 1) {
                        (self.log)(&format!(
                            "checksum database {}: {m}; trying {}",
                            self.name(),
                            crate::ops::redact_url(next)
                        ));
                    }
                    last = m;
                }
            }
        }
        Err(DbError::Unavailable(format!(
            "checksum database {}: {last}",
            self.name()
        )))
    }

    async fn read_stored(&self, key: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        match self.store.open(key).await {
            Ok(Opened::Bytes(b, _)) => {
                if b.len() as u64 > MAX_LOOKUP {
                    return None;
                }
                out = b.to_vec();
            }
            Ok(Opened::Stream(mut s, _)) => {
                use futures_util::StreamExt;
                while let Some(c) = s.next().await {
                    out.extend_from_slice(&c.ok()?);
                    if out.len() as u64 > MAX_LOOKUP {
                        return None;
                    }
                }
            }
            Err(e) => {
                if e.kind() != std::io::ErrorKind::NotFound {
                    (self.log)(&format!("cache read {key}: {e}"));
                }
                return None;
            }
        }
        Some(out)
    }

    /// A verified hash tile (or its prefix, for a partial tile) from memory or storage.
    async fn known_tile(&self, t: &Tile) -> Option<Vec<u8>> {
        let want = t.w as usize * 32;
        if let Some(b) = lock(&self.partial).get(&(t.l, t.n)) {
            if b.len() >= want {
                return Some(b[..want].to_vec());
            }
        }
        let full = Tile { w: 1 << t.h, ..*t };
        let b = self.read_stored(&self.tile_key(&full)).await?;
        (b.len() == MAX_TILE as usize).then(|| b[..want].to_vec())
    }

    /// A hash tile for a proof: known, else fetched (a missing partial tile falls back to
    /// the full one, as go's client does).
    async fn read_tile(&self, t: &Tile, reads: &Mutex<Reads>) -> Result<Vec<u8>, String> {
        if let Some(b) = self.known_tile(t).await {
            return Ok(b);
        }
        let want = t.w as usize * 32;
        let full = Tile { w: 1 << t.h, ..*t };
        for tile in [*t, full] {
            match self.fetch(&tile.path(), MAX_TILE).await {
                Ok(b) if b.len() >= want && b.len() == tile.w as usize * 32 => {
                    lock(reads).tiles.push((tile, b.clone()));
                    return Ok(b[..want].to_vec());
                }
                Ok(b) => return Err(format!("{}: wrong size {}", tile.path(), b.len())),
                Err(DbError::NotFound(_)) if tile != full => continue,
                Err(e) => {
                    let m = e.to_string();
                    lock(reads).net_error = Some(m.clone());
                    return Err(m);
                }
            }
        }
        Err(format!("tile {} not found", t.path()))
    }

    /// Keeps the tiles of a successful proof: full ones in storage, partial in memory.
    async fn keep(&self, reads: Reads) {
        for (t, b) in reads.tiles {
            if t.w == 1 << t.h {
                let key = self.tile_key(&t);
                if let Err(e) = self.store.put_bytes(&key, b).await {
                    (self.log)(&format!("cache write {key}: {e}"));
                }
            } else {
                let mut p = lock(&self.partial);
                let e = p.entry((t.l, t.n)).or_default();
                if b.len() > e.len() {
                    *e = b;
                }
            }
        }
    }

    /// Runs a tile proof off the async workers (gomedic-gomod's tile reader is
    /// synchronous); its tiles are kept when it succeeds.
    async fn prove<F>(self: &Arc<Self>, what: String, proof: F) -> Result<(), DbError>
    where
        F: FnOnce(&mut dyn FnMut(&Tile) -> Result<Vec<u8>, String>) -> Result<(), String>
            + Send
            + 'static,
    {
        let me = self.clone();
        let handle = tokio::runtime::Handle::current();
        let reads = Arc::new(Mutex::new(Reads::default()));
        let r2 = reads.clone();
        let r = tokio::task::spawn_blocking(move || {
            let mut read = |t: &Tile| handle.block_on(me.read_tile(t, &r2));
            proof(&mut read)
        })
        .await
        .map_err(|e| DbError::Unavailable(format!("checksum verification: {e}")))?;
        let reads = std::mem::take(&mut *lock(&reads));
        match r {
            Ok(()) => {
                self.keep(reads).await;
                Ok(())
            }
            Err(e) => match reads.net_error {
                Some(n) => Err(DbError::Unavailable(n)),
                None => Err(DbError::Refused(format!(
                    "checksum database {}: {what}: {e}",
                    self.name()
                ))),
            },
        }
    }

    /// `lookup/<escaped path>@<escaped version>`: the response and its record text, once
    /// the tree head is verified and consistent with the last one and the record proved.
    async fn lookup_record(self: Arc<Self>, q: &str) -> Result<(Vec<u8>, Vec<u8>), DbError> {
        let body = self.fetch(&format!("lookup/{q}"), MAX_LOOKUP).await?;
        let refused = |e: String| {
            DbError::Refused(format!(
                "checksum database {}: lookup {q}: {e}",
                self.name()
            ))
        };
        let (id, text, rest) = tlog::parse_record(&body).map_err(refused)?;
        let tree = self.check_tree(rest).await?;
        let record = text.to_vec();
        let r2 = record.clone();
        self.prove("cannot authenticate record".into(), move |read| {
            tlog::verify_record_from_tiles(&tree, TILE_HEIGHT, id, &r2, read)
        })
        .await?;
        Ok((body, record))
    }

    /// A signed tree head: its signature, then its consistency with the last verified one
    /// (a newer one becomes the last verified one, in storage).
    async fn check_tree(self: &Arc<Self>, signed: &[u8]) -> Result<Tree, DbError> {
        let refused = |e: String| {
            DbError::Refused(format!("checksum database {}: tree head: {e}", self.name()))
        };
        let text = note::open(signed, &self.db.verifier).map_err(refused)?;
        let tree = Tree::parse(text.as_bytes()).map_err(refused)?;
        let mut latest = self.latest.lock().await;
        if latest.is_none() {
            *latest = Some(self.load_latest().await);
        }
        let old = latest.as_ref().and_then(|l| l.as_ref()).map(|l| l.0);
        let fork = |old: &Tree| {
            DbError::Refused(format!(
                "checksum database {}: SECURITY ERROR: server misbehavior detected: the tree head of size {} ({}) is not consistent with the last verified tree head of size {} ({}): the database forked or rolled back; refused, the last verified tree head is kept",
                self.name(),
                tree.n,
                b64(&tree),
                old.n,
                b64(old)
            ))
        };
        match old {
            Some(old) if old.n == tree.n => {
                if old.hash != tree.hash {
                    return Err(fork(&old));
                }
                return Ok(tree);
            }
            Some(old) => {
                // Proved from the larger tree's tiles, as go's checkTrees does.
                let (small, big) = if old.n < tree.n {
                    (old, tree)
                } else {
                    (tree, old)
                };
                let r = self
                    .prove("tree consistency".into(), move |read| {
                        tlog::verify_tree_from_tiles(&small, &big, TILE_HEIGHT, read)
                    })
                    .await;
                match r {
                    Ok(()) => {}
                    Err(DbError::Refused(_)) => return Err(fork(&old)),
                    Err(e) => return Err(e),
                }
                if tree.n < old.n {
                    return Ok(tree);
                }
            }
            None => {}
        }
        let key = self.latest_key();
        if let Err(e) = self.store.put_bytes(&key, signed.to_vec()).await {
            (self.log)(&format!("cache write {key}: {e}"));
        }
        *latest = Some(Some((tree, signed.to_vec())));
        Ok(tree)
    }

    /// The stored last verified tree head; one that does not verify is ignored (logged).
    async fn load_latest(&self) -> Option<Signed> {
        let key = self.latest_key();
        let b = self.read_stored(&key).await?;
        let parsed = note::open(&b, &self.db.verifier).and_then(|t| Tree::parse(t.as_bytes()));
        match parsed {
            Ok(t) => Some((t, b)),
            Err(e) => {
                (self.log)(&format!("ignoring {key}: {e}"));
                None
            }
        }
    }
}

fn b64(t: &Tree) -> String {
    t.format().lines().nth(2).unwrap_or_default().to_string()
}
