//! Where cached files live: a local directory (the default) or an S3-compatible bucket
//! through `object_store`. Both use the GOMODCACHE/cache/download keys (`rel`, the
//! canonical escaped request path), under the directory or under the bucket's prefix.

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::buffered::BufWriter;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

/// An S3-compatible bucket and key prefix (`s3://bucket/prefix`).
#[derive(Clone)]
pub struct S3 {
    pub url: String,
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl S3 {
    /// `s3://bucket[/prefix]`; endpoint, region and credentials come from the usual AWS
    /// environment variables (`AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ALLOW_HTTP`, ...).
    pub fn from_url(url: &str) -> Result<S3, String> {
        Self::with_options(url, std::iter::empty::<(&str, &str)>())
    }

    /// As `from_url`, with `object_store` AWS settings (`aws_endpoint`,
    /// `aws_access_key_id`, ...) overriding the environment.
    pub fn with_options<'a>(
        url: &str,
        opts: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<S3, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url:?}: expected s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?}: no bucket name"));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|e| e == "." || e == "..")
            || (!prefix.is_empty() && prefix.split('/').any(str::is_empty))
        {
            return Err(format!("{url:?}: malformed prefix"));
        }
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (k, v) in opts {
            let key = k
                .parse::<AmazonS3ConfigKey>()
                .map_err(|e| format!("{k}: {e}"))?;
            b = b.with_config(key, v);
        }
        let store = b.build().map_err(|e| format!("{url}: {e}"))?;
        Ok(S3 {
            url: url.to_string(),
            store: Arc::new(store),
            prefix: prefix.to_string(),
        })
    }

    /// Every key under the prefix, relative to it, sorted.
    pub async fn keys(&self) -> Result<Vec<String>, String> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjPath::from(self.prefix.as_str()));
        let mut out = Vec::new();
        let mut list = self.store.list(prefix.as_ref());
        while let Some(m) = list.next().await {
            let k = m.map_err(|e| e.to_string())?.location.to_string();
            let rel = match self.prefix.as_str() {
                "" => k,
                p => k.strip_prefix(&format!("{p}/")).unwrap_or(&k).to_string(),
            };
            out.push(rel);
        }
        out.sort();
        Ok(out)
    }

    /// The object key: the cache-relative path as is (`Path::from` would
    /// percent-encode characters such as `~` that module paths may hold).
    fn key(&self, rel: &str) -> std::io::Result<ObjPath> {
        let k = if self.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.prefix)
        };
        ObjPath::parse(&k).map_err(|e| std::io::Error::other(e.to_string()))
    }
}

#[derive(Clone)]
pub(crate) enum Storage {
    Disk(PathBuf),
    /// The bucket, and a local directory for zips being downloaded and checked.
    S3(S3, PathBuf),
}

/// A cached file opened for serving.
pub(crate) enum Opened {
    Bytes(Bytes, u64),
    Stream(BoxStream<'static, std::io::Result<Bytes>>, u64),
}

fn io_err(e: object_store::Error) -> std::io::Error {
    match e {
        object_store::Error::NotFound { .. } => {
            std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string())
        }
        e => std::io::Error::other(e.to_string()),
    }
}

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn tmp_name(file: &Path) -> PathBuf {
    let n = TMP_SEQ.fetch_add(1, Ordering::Relaxed);
    let name = file.file_name().and_then(|s| s.to_str()).unwrap_or("f");
    file.with_file_name(format!("{name}.{}-{n}.tmp", std::process::id()))
}

impl Storage {
    /// Modification time of a cached file; None when absent (or unreadable: a miss).
    pub(crate) async fn modified(&self, rel: &str) -> std::io::Result<Option<SystemTime>> {
        match self {
            Storage::Disk(d) => match tokio::fs::metadata(d.join(rel)).await {
                Ok(m) if m.is_file() => Ok(Some(m.modified()?)),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            Storage::S3(s, _) => match s.store.head(&s.key(rel)?).await {
                Ok(m) => Ok(Some(m.last_modified.into())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(io_err(e)),
            },
        }
    }

    pub(crate) async fn exists(&self, rel: &str) -> std::io::Result<bool> {
        Ok(self.modified(rel).await?.is_some())
    }

    /// Disk: temp file + rename, so a kill never leaves a partial file under a served
    /// name. S3: one PUT, which is atomic.
    pub(crate) async fn put_bytes(&self, rel: &str, data: Vec<u8>) -> std::io::Result<()> {
        match self {
            Storage::Disk(d) => {
                let file = d.join(rel);
                tokio::task::spawn_blocking(move || {
                    if let Some(p) = file.parent() {
                        std::fs::create_dir_all(p)?;
                    }
                    let tmp = tmp_name(&file);
                    let r = std::fs::write(&tmp, &data).and_then(|_| std::fs::rename(&tmp, &file));
                    if r.is_err() {
                        let _ = std::fs::remove_file(&tmp);
                    }
                    r
                })
                .await
                .map_err(std::io::Error::other)?
            }
            Storage::S3(s, _) => s
                .store
                .put(&s.key(rel)?, PutPayload::from(data))
                .await
                .map(|_| ())
                .map_err(io_err),
        }
    }

    /// A local temp file to download `rel` into before it is checked and committed.
    pub(crate) fn temp_for(&self, rel: &str) -> std::io::Result<PathBuf> {
        let file = match self {
            Storage::Disk(d) => d.join(rel),
            Storage::S3(_, scratch) => {
                let name = rel.rsplit('/').next().unwrap_or("f");
                scratch.join(name)
            }
        };
        if let Some(p) = file.parent() {
            std::fs::create_dir_all(p)?;
        }
        Ok(tmp_name(&file))
    }

    /// Moves a checked temp file (from `temp_for`) into place under `rel`, and removes
    /// it. Disk: a rename. S3: streamed from the file (a multipart upload when large).
    pub(crate) async fn commit_file(&self, rel: &str, tmp: &Path) -> std::io::Result<()> {
        let r = match self {
            Storage::Disk(d) => tokio::fs::rename(tmp, d.join(rel)).await,
            Storage::S3(s, _) => match s.key(rel) {
                Err(e) => Err(e),
                Ok(key) => {
                    let mut w = BufWriter::with_capacity(s.store.clone(), key, 8 << 20);
                    let r = async {
                        let mut f = tokio::fs::File::open(tmp).await?;
                        tokio::io::copy(&mut f, &mut w).await?;
                        tokio::io::AsyncWriteExt::shutdown(&mut w).await
                    }
                    .await;
                    if r.is_err() {
                        let _ = w.abort().await;
                    }
                    r
                }
            },
        };
        let _ = tokio::fs::remove_file(tmp).await;
        r
    }

    /// Opens a cached file for serving; NotFound when absent. On disk, one blocking hop
    /// opens it and reads it whole when small; larger files stream in chunks.
    pub(crate) async fn open(&self, rel: &str) -> std::io::Result<Opened> {
        self.open_upto(rel, CHUNK as u64).await
    }

    /// Like `open`, reading files up to `whole` bytes into memory in one go.
    pub(crate) async fn open_upto(&self, rel: &str, whole: u64) -> std::io::Result<Opened> {
        match self {
            Storage::Disk(d) => {
                let p = d.join(rel);
                tokio::task::spawn_blocking(move || open_disk(&p, whole))
                    .await
                    .map_err(std::io::Error::other)?
            }
            Storage::S3(s, _) => {
                let g = s.store.get(&s.key(rel)?).await.map_err(io_err)?;
                let n = g.meta.size;
                if n <= whole {
                    let b = g.bytes().await.map_err(io_err)?;
                    let len = b.len() as u64;
                    return Ok(Opened::Bytes(b, len));
                }
                Ok(Opened::Stream(
                    g.into_stream().map(|r| r.map_err(io_err)).boxed(),
                    n,
                ))
            }
        }
    }
}

/// Files up to this size are read in one go; larger ones stream in chunks of this size.
const CHUNK: usize = 256 * 1024;

fn open_disk(p: &Path, whole: u64) -> std::io::Result<Opened> {
    use std::io::Read;
    let mut f = std::fs::File::open(p)?;
    let n = f.metadata()?.len();
    if n <= whole.max(CHUNK as u64) {
        let mut v = Vec::with_capacity(n as usize);
        f.read_to_end(&mut v)?;
        let len = v.len() as u64;
        return Ok(Opened::Bytes(v.into(), len));
    }
    // Each chunk is one blocking read; never more than one chunk in memory per response.
    let s = futures_util::stream::try_unfold((f, n), |(mut f, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = left.min(CHUNK as u64) as usize;
        let (f, buf) = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; want];
            let mut got = 0;
            while got < want {
                match f.read(&mut buf[got..]) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            buf.truncate(got);
            Ok((f, buf))
        })
        .await
        .map_err(std::io::Error::other)??;
        if buf.is_empty() {
            // Shorter than its size said: end the body early; the client sees the cut.
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "cached file shrank while being served",
            ));
        }
        let k = buf.len() as u64;
        Ok(Some((Bytes::from(buf), (f, left - k))))
    });
    Ok(Opened::Stream(s.boxed(), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls() {
        let s = S3::from_url("s3://bucket/a/b/").unwrap();
        assert_eq!(
            s.key("example.com/~x/@v/v1.0.0.zip").unwrap().as_ref(),
            "a/b/example.com/~x/@v/v1.0.0.zip"
        );
        let s = S3::from_url("s3://bucket").unwrap();
        assert_eq!(s.key("m/@v/list").unwrap().as_ref(), "m/@v/list");
        assert!(S3::from_url("s3:///x").is_err());
        assert!(S3::from_url("http://bucket").is_err());
        assert!(S3::from_url("s3://b/a/../c").is_err());
        assert!(S3::from_url("s3://b/a//c").is_err());
    }
}
