//! Plans, journal entries, application and exact undo.

use crate::change::Change;
use crate::error::Error;
use crate::file::{self, Like};
use crate::lock::JournalLock;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a fix or an `env set` intends to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The fix id (`net.mirror`) or command (`env set`).
    pub fix_id: String,
    pub description: String,
    pub changes: Vec<Change>,
    /// The checks to run again after applying or undoing (none: `go.env`).
    #[serde(default)]
    pub recheck: Vec<String>,
}

impl Plan {
    /// A plan for `fix_id` (no checks to re-run yet: the fix command sets those).
    pub fn new(
        fix_id: impl Into<String>,
        description: impl Into<String>,
        changes: Vec<Change>,
    ) -> Plan {
        Plan {
            fix_id: fix_id.into(),
            description: description.into(),
            changes,
            recheck: Vec::new(),
        }
    }

    /// The journal blobs the plan's changes name (tool binaries before and after), as
    /// (blob directory, SHA-256).
    pub fn blobs(&self) -> Vec<(PathBuf, String)> {
        let mut v = Vec::new();
        for c in &self.changes {
            if let crate::change::ChangeKind::ToolBinary(t) = &c.kind {
                for sha in [&t.before, &t.after].into_iter().flatten() {
                    v.push((t.blobs.clone(), sha.clone()));
                }
            }
        }
        v
    }

    /// A plan that changes nothing.
    pub fn is_noop(&self) -> bool {
        self.changes.iter().all(Change::is_noop)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Written before applying; still pending means gomedic stopped mid-change.
    Pending,
    Applied,
    /// Applying failed and what was written was rolled back.
    RolledBack,
    Undone,
}

/// A journal entry on disk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub created: String,
    pub state: EntryState,
    pub plan: Plan,
    #[serde(default)]
    pub note: Option<String>,
}

/// Where gomedic keeps its data: `GOMEDIC_DATA_DIR`, else the OS convention.
pub fn data_dir(getenv: &dyn Fn(&str) -> Option<String>, os: &str) -> Result<PathBuf, Error> {
    let nonempty = |k: &str| getenv(k).filter(|v| !v.is_empty());
    if let Some(d) = nonempty("GOMEDIC_DATA_DIR") {
        return Ok(PathBuf::from(d));
    }
    let home = || {
        nonempty("HOME")
            .map(PathBuf::from)
            .ok_or(Error::NoDataDir { var: "$HOME" })
    };
    Ok(match os {
        "windows" => nonempty("LOCALAPPDATA")
            .map(|d| PathBuf::from(d).join("gomedic"))
            .ok_or(Error::NoDataDir {
                var: "%LOCALAPPDATA%",
            })?,
        "macos" => home()?.join("Library/Application Support/gomedic"),
        _ => match nonempty("XDG_DATA_HOME").filter(|d| Path::new(d).is_absolute()) {
            Some(d) => PathBuf::from(d).join("gomedic"),
            None => home()?.join(".local/share/gomedic"),
        },
    })
}

/// The journal directory (`<data dir>/journal`).
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn new(data_dir: &Path) -> Journal {
        Journal {
            dir: data_dir.join("journal"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Creates the journal directory, mode 0700 from the start on Unix (entries hold file
    /// contents, which may include proxy credentials); an existing one is made 0700.
    fn ensure_dir(&self) -> Result<(), Error> {
        let fail = |x| Error::io("create the journal directory", self.dir.display(), x);
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        match b.create(&self.dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && self.dir.is_dir() => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let _ =
                        std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700));
                }
            }
            Err(e) => return Err(fail(e)),
        }
        Ok(())
    }

    fn save(&self, e: &Entry) -> Result<(), Error> {
        let what = || format!("the journal entry {}", self.path_of(&e.id).display());
        self.ensure_dir()?;
        let data = serde_json::to_vec_pretty(e)
            .map_err(|x| Error::io("write", what(), std::io::Error::other(x)))?;
        file::write_atomic(&self.path_of(&e.id), &data, Like::Private)
            .map_err(|x| Error::io("write", what(), x))?;
        Ok(())
    }

    /// Takes the journal lock (`<journal>/.lock`), waiting while another gomedic holds it,
    /// and removes temp files killed gomedic runs left in the journal directory. Hold it
    /// from reading what a change is planned from until the change is read back: gomedic
    /// writers then never plan from the same old bytes. Re-entrant within a process.
    pub fn lock(&self) -> Result<JournalLock, Error> {
        self.ensure_dir()?;
        let l = crate::lock::acquire(&self.dir.join(".lock"))?;
        file::remove_leftovers(&self.dir, None);
        Ok(l)
    }

    /// Every entry, oldest first, and every journal file that is not a usable entry (each
    /// named with why). A corrupt entry never hides the others.
    pub fn list(&self) -> Result<Listing, Error> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listing::default()),
            Err(e) => return Err(Error::io("read the journal", self.dir.display(), e)),
        };
        // Temp files of entries a killed gomedic was writing.
        file::remove_leftovers(&self.dir, None);
        let mut out = Listing::default();
        for ent in rd.flatten() {
            let p = ent.path();
            let name = ent.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            match read_entry(&p, id) {
                Ok(e) => out.entries.push(e),
                Err(problem) => out.corrupt.push(CorruptEntry {
                    id: id.to_string(),
                    path: p,
                    problem,
                }),
            }
        }
        out.entries.sort_by(|a, b| a.id.cmp(&b.id));
        out.corrupt.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Entry `id`; a corrupt entry of that id is an error naming its file and problem.
    pub fn get(&self, id: &str) -> Result<Entry, Error> {
        self.list()?.get(id, &self.dir)
    }

    /// Journals `plan`, applies it, and returns the applied entry. On a failure the
    /// changes already made are undone and the entry is marked rolled back.
    pub fn apply(&self, plan: Plan) -> Result<Entry, Error> {
        let _lock = self.lock()?;
        // Stale plans and targets gomedic will not write are refused before journaling.
        for c in &plan.changes {
            if let Err(e) = c.kind.op().check_planned() {
                self.discard_blobs_locked(&plan);
                return Err(e);
            }
        }
        let (created, compact) = crate::time::now();
        // Sub-second part first, so ids sort in the order changes were made.
        let id = format!(
            "{compact}.{:09}-{}-{:04x}",
            nanos(),
            sanitize(&plan.fix_id),
            std::process::id() as u16
        );
        let mut plan = plan;
        for c in &mut plan.changes {
            c.kind.op_mut().prepare();
        }
        let mut entry = Entry {
            id,
            created,
            state: EntryState::Pending,
            plan,
            note: None,
        };
        self.save(&entry)?;
        let mut done: Vec<&Change> = Vec::new();
        for c in &entry.plan.changes {
            if let Err(e) = c.kind.op().apply() {
                let mut rollback_failed = Vec::new();
                for d in done.iter().rev() {
                    if let Err(re) = d.kind.op().undo() {
                        rollback_failed.push(format!("{}: {re}", d.target()));
                    }
                }
                // A failed rollback leaves the kept copies as the only ones: they stay.
                let clean = rollback_failed.is_empty();
                let err = Error::NotApplied {
                    cause: Box::new(e),
                    rollback_failed,
                };
                entry.state = EntryState::RolledBack;
                entry.note = Some(err.to_string());
                self.save(&entry)?;
                if clean {
                    self.discard_blobs_locked(&entry.plan);
                }
                return Err(err);
            }
            done.push(c);
        }
        entry.state = EntryState::Applied;
        self.save(&entry)?;
        Ok(entry)
    }

    /// Undoes entry `id`: each change restores its exact previous state. Without `force`
    /// it refuses when a change could not be undone exactly (e.g. a file edited since).
    pub fn undo(&self, id: &str, force: bool) -> Result<Entry, Error> {
        let _lock = self.lock()?;
        let mut e = self.get(id)?;
        match e.state {
            EntryState::Applied | EntryState::Pending => {}
            EntryState::Undone => {
                return Err(Error::NotUndoable {
                    id: id.into(),
                    why: "was already undone",
                })
            }
            EntryState::RolledBack => {
                return Err(Error::NotUndoable {
                    id: id.into(),
                    why: "was never applied (it was rolled back)",
                })
            }
        }
        let pending = e.state == EntryState::Pending;
        if !force {
            for c in &e.plan.changes {
                c.exact_undo(pending)?;
            }
        }
        for c in e.plan.changes.iter().rev() {
            c.kind.op().undo()?;
        }
        e.state = EntryState::Undone;
        self.save(&e)?;
        self.discard_blobs_locked(&e.plan);
        Ok(e)
    }

    /// Removes the blobs `plan` names that no applied or pending entry needs: a plan that
    /// was declined, rolled back or undone (rebuilt tools are tens of megabytes each).
    /// Best effort: with a corrupt entry in the journal nothing is removed, as its blobs
    /// cannot be known.
    pub fn discard_blobs(&self, plan: &Plan) -> Result<(), Error> {
        let _lock = self.lock()?;
        self.discard_blobs_locked(plan);
        Ok(())
    }

    fn discard_blobs_locked(&self, plan: &Plan) {
        let mine = plan.blobs();
        if mine.is_empty() {
            return;
        }
        let Ok(listing) = self.list() else { return };
        if !listing.corrupt.is_empty() {
            return;
        }
        let live: std::collections::HashSet<(PathBuf, String)> = listing
            .entries
            .iter()
            .filter(|e| matches!(e.state, EntryState::Applied | EntryState::Pending))
            .flat_map(|e| e.plan.blobs())
            .collect();
        for b in mine {
            if !live.contains(&b) {
                let _ = crate::change::blob::remove(&b.0, &b.1);
            }
        }
    }

    /// The newest entry that can be undone (corrupt entries are skipped).
    pub fn last_undoable(&self) -> Result<Option<Entry>, Error> {
        Ok(self.list()?.last_undoable().cloned())
    }
}

/// A journal file that is not a usable entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptEntry {
    /// The file name without `.json`.
    pub id: String,
    pub path: PathBuf,
    /// Why it cannot be used (not JSON, an unknown change kind, unreadable, ...).
    pub problem: String,
}

impl CorruptEntry {
    pub fn to_error(&self) -> Error {
        Error::CorruptEntry {
            path: self.path.clone(),
            problem: self.problem.clone(),
        }
    }
}

/// The journal's contents: usable entries and corrupt files, each oldest first.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub corrupt: Vec<CorruptEntry>,
}

impl Listing {
    /// The newest entry that is `applied` or `pending`.
    pub fn last_undoable(&self) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| matches!(e.state, EntryState::Applied | EntryState::Pending))
    }

    /// Entry `id`, or why not (corrupt, or no such entry in `dir`).
    pub fn get(&self, id: &str, dir: &Path) -> Result<Entry, Error> {
        if let Some(e) = self.entries.iter().find(|e| e.id == id) {
            return Ok(e.clone());
        }
        if let Some(c) = self.corrupt.iter().find(|c| c.id == id) {
            return Err(c.to_error());
        }
        Err(Error::NoEntry {
            id: id.to_string(),
            dir: dir.to_path_buf(),
        })
    }
}

/// Journal entries are small (a go env file, a PATH value): anything larger is not one.
const MAX_ENTRY: u64 = 64 << 20;

/// Reads one entry without blocking (a FIFO named `x.json` is refused, not read), or says
/// why it is not a usable entry.
fn read_entry(p: &Path, id: &str) -> Result<Entry, String> {
    let data = file::read_bounded(p, MAX_ENTRY).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "it disappeared while being read".to_string(),
        _ => format!("cannot read it: {e}"),
    })?;
    let e: Entry = serde_json::from_slice(&data).map_err(|e| {
        if data.iter().all(|b| b.is_ascii_whitespace()) {
            "it is empty".to_string()
        } else {
            format!("not a journal entry: {e}")
        }
    })?;
    if e.id != id {
        return Err(format!("its id {:?} does not match its file name", e.id));
    }
    Ok(e)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}
#[cfg(test)]
mod tests {
    use super::*;

    fn plan(path: &Path, before: Option<&[u8]>, after: Option<&[u8]>) -> Plan {
        Plan::new(
            "test.fix",
            "d",
            vec![Change::file(
                path,
                before.map(<[u8]>::to_vec),
                after.map(<[u8]>::to_vec),
                vec![],
            )],
        )
    }

    #[test]
    fn apply_then_undo_is_byte_identical() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("go/env");
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        let original = b"GOPROXY=a\r\n# odd\n\xffraw";
        std::fs::write(&f, original).unwrap();
        let e = j
            .apply(plan(&f, Some(original), Some(b"GOPROXY=b\n")))
            .unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"GOPROXY=b\n");
        assert_eq!(j.last_undoable().unwrap().unwrap().id, e.id);
        j.undo(&e.id, false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), original);
        assert!(j.undo(&e.id, false).is_err(), "twice");
        assert!(j.last_undoable().unwrap().is_none());
    }

    /// Kept tool binaries live as long as an entry can still be undone: undo, a rolled
    /// back apply and a declined plan remove them, unless another live entry shares them.
    #[test]
    fn tool_blobs_go_with_the_last_entry_that_needs_them() {
        use crate::change::blob;
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let blobs = j.dir().join("blobs");
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::write(&a, b"old a").unwrap();
        std::fs::write(&b, b"old b").unwrap();
        let rebuild = |path: &Path, old: &[u8], new: &[u8]| {
            let after = blob::store(&blobs, new).unwrap();
            Plan::new(
                "tools.rebuild",
                "d",
                vec![Change::tool_binary(
                    path,
                    Some(blob::sha256_hex(old)),
                    Some(after),
                    &blobs,
                    Some(0o755),
                    vec![],
                )],
            )
        };
        let count = || std::fs::read_dir(&blobs).map_or(0, |r| r.count());
        // Two entries share the new binary's blob.
        let e1 = j.apply(rebuild(&a, b"old a", b"new")).unwrap();
        let e2 = j.apply(rebuild(&b, b"old b", b"new")).unwrap();
        assert_eq!(count(), 3, "new, old a, old b");
        j.undo(&e2.id, false).unwrap();
        assert_eq!(std::fs::read(&b).unwrap(), b"old b");
        assert_eq!(count(), 2, "old b goes, the shared new stays for e1");
        j.undo(&e1.id, false).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"old a");
        assert_eq!(count(), 0);
        // A declined plan.
        let p = rebuild(&a, b"old a", b"newer");
        assert_eq!(count(), 1);
        j.discard_blobs(&p).unwrap();
        assert_eq!(count(), 0);
        // A stale plan (the file changed since) is refused and leaves no blob.
        let p = rebuild(&a, b"old a", b"newest");
        std::fs::write(&a, b"edited").unwrap();
        assert!(j.apply(p).is_err());
        assert_eq!(count(), 0);
        // A blob name that is not a SHA-256 (a damaged entry) never names another file.
        assert!(blob::remove(&blobs, "../a").is_err());
        assert!(a.exists());
    }

    #[test]
    fn creating_a_file_undoes_to_absent() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("new/dir/env");
        let e = j.apply(plan(&f, None, Some(b"X=1\n"))).unwrap();
        assert!(f.exists());
        j.undo(&e.id, false).unwrap();
        assert!(!f.exists());
        assert!(
            !d.path().join("new").exists(),
            "created directories are removed again"
        );
    }

    #[test]
    fn refuses_stale_plans_and_edited_files() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        assert!(j.apply(plan(&f, Some(b"A=0\n"), Some(b"A=2\n"))).is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
        let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
        std::fs::write(&f, "A=3\n").unwrap();
        let msg = j.undo(&e.id, false).unwrap_err().to_string();
        assert!(msg.contains("--force"), "{msg}");
        j.undo(&e.id, true).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
    }

    #[cfg(unix)]
    #[test]
    fn read_only_file_is_left_untouched() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
        let e = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n")));
        assert!(matches!(e, Err(Error::ReadOnly { .. })), "{e:?}");
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n");
        assert!(
            j.list().unwrap().entries.is_empty(),
            "refused before journaling"
        );
    }

    /// A change that fails after others were applied: those are undone, the entry says so.
    #[cfg(target_os = "linux")]
    #[test]
    fn failed_write_rolls_back_earlier_changes() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        let mut p = plan(&f, Some(b"A=1\n"), Some(b"A=2\n"));
        // Nothing, not even root, can create files in /proc/self.
        p.changes.push(Change::file(
            "/proc/self/gomedic-test-env",
            None,
            Some(b"X=1\n".to_vec()),
            vec![],
        ));
        let e = j.apply(p).unwrap_err();
        assert!(matches!(e, Error::NotApplied { .. }), "{e:?}");
        assert!(e.to_string().contains("Nothing was changed"), "{e}");
        assert_eq!(std::fs::read(&f).unwrap(), b"A=1\n", "rolled back");
        let entries = j.list().unwrap().entries;
        assert_eq!(entries[0].state, EntryState::RolledBack);
        assert!(entries[0]
            .note
            .as_deref()
            .unwrap()
            .contains("/proc/self/gomedic-test-env"));
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_symlinks_and_orders_fast_changes() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let real = d.path().join("real-env");
        std::fs::write(&real, "A=1\n").unwrap();
        let link = d.path().join("env");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e1 = j
            .apply(plan(&link, Some(b"A=1\n"), Some(b"A=2\n")))
            .unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink(),
            "link kept"
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"A=2\n");
        let e2 = j
            .apply(plan(&link, Some(b"A=2\n"), Some(b"A=3\n")))
            .unwrap();
        assert!(e1.id < e2.id, "{} < {}", e1.id, e2.id);
        assert_eq!(j.last_undoable().unwrap().unwrap().id, e2.id);
        j.undo(&e2.id, false).unwrap();
        j.undo(&e1.id, false).unwrap();
        assert_eq!(std::fs::read(&real).unwrap(), b"A=1\n");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[cfg(not(windows))]
    #[test]
    fn defender_changes_are_refused_off_windows_and_rolled_back() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let list = br#"{"paths":["C:\\Users\\dev\\go"],"processes":["go.exe"]}"#;
        let p = Plan::new(
            "win.defender-exclusions",
            "d",
            vec![Change::defender_exclusions(
                serde_json::from_slice(list).unwrap(),
                vec![],
            )],
        );
        let e = j.apply(p).unwrap_err();
        assert!(e.to_string().contains("only be changed on Windows"), "{e}");
        assert_eq!(j.list().unwrap().entries[0].state, EntryState::RolledBack);
    }

    /// Corrupt entries are each named with why, and never block the healthy ones.
    #[test]
    fn corrupt_entries_are_named_and_skipped() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let f = d.path().join("env");
        std::fs::write(&f, "A=1\n").unwrap();
        let e1 = j.apply(plan(&f, Some(b"A=1\n"), Some(b"A=2\n"))).unwrap();
        let e2 = j.apply(plan(&f, Some(b"A=2\n"), Some(b"A=3\n"))).unwrap();
        // Newer than both: not JSON, empty, an unknown kind, a wrong id, a directory.
        std::fs::write(j.dir().join("29990101T000000Z.1-x-0001.json"), "{not json").unwrap();
        std::fs::write(j.dir().join("29990101T000000Z.2-x-0002.json"), "").unwrap();
        let mut future: serde_json::Value = serde_json::from_slice(
            &std::fs::read(j.dir().join(format!("{}.json", e2.id))).unwrap(),
        )
        .unwrap();
        future["id"] = "29990101T000000Z.3-x-0003".into();
        future["plan"]["changes"][0]["kind"] = "cache_trim".into();
        std::fs::write(
            j.dir().join("29990101T000000Z.3-x-0003.json"),
            serde_json::to_vec(&future).unwrap(),
        )
        .unwrap();
        std::fs::write(
            j.dir().join("29990101T000000Z.4-x-0004.json"),
            std::fs::read(j.dir().join(format!("{}.json", e1.id))).unwrap(),
        )
        .unwrap();
        std::fs::create_dir(j.dir().join("29990101T000000Z.5-x-0005.json")).unwrap();
        #[cfg(unix)]
        {
            let fifo = j.dir().join("29990101T000000Z.6-x-0006.json");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        }
        let l = j.list().unwrap();
        assert_eq!(l.entries.len(), 2);
        let problems: Vec<String> = l
            .corrupt
            .iter()
            .map(|c| format!("{}: {}", c.path.display(), c.problem))
            .collect();
        let n = if cfg!(unix) { 6 } else { 5 };
        assert_eq!(l.corrupt.len(), n, "{problems:#?}");
        assert!(problems[0].contains("not a journal entry"), "{problems:#?}");
        assert!(problems[1].contains("empty"), "{problems:#?}");
        assert!(problems[2].contains("cache_trim"), "{problems:#?}");
        assert!(
            problems[3].contains("does not match its file name"),
            "{problems:#?}"
        );
        assert!(problems[4].contains("directory"), "{problems:#?}");
        // The newest healthy entry is still undone; a corrupt one is named when asked for.
        assert_eq!(j.last_undoable().unwrap().unwrap().id, e2.id);
        j.undo(&e2.id, false).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"A=2\n");
        let m = j
            .undo("29990101T000000Z.1-x-0001", false)
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("29990101T000000Z.1-x-0001.json") && m.contains("corrupt"),
            "{m}"
        );
    }

    #[test]
    fn data_dir_conventions() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/u".to_string()),
            "LOCALAPPDATA" => Some("C:\\Users\\u\\AppData\\Local".to_string()),
            _ => None,
        };
        assert_eq!(
            data_dir(&env, "linux").unwrap(),
            PathBuf::from("/home/u/.local/share/gomedic")
        );
        assert_eq!(
            data_dir(&env, "macos").unwrap(),
            PathBuf::from("/home/u/Library/Application Support/gomedic")
        );
        assert!(data_dir(&env, "windows").unwrap().ends_with("gomedic"));
    }
}
