//! What can go wrong, each naming the file (or value, rule, entry) and what to do.

use crate::file::NodeKind;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target exists but is a device, FIFO, socket or directory.
    #[error("{} is {}, not a regular file: gomedic will not write to it; {hint}", shown(.path, .link_target), .kind.describe())]
    NotAFile {
        path: PathBuf,
        /// Where `path` leads when it is a symbolic link.
        link_target: Option<PathBuf>,
        kind: NodeKind,
        hint: String,
    },

    /// No write permission: refused, not forced.
    #[error("{} is read-only; make it writable if gomedic should change it", .path.display())]
    ReadOnly { path: PathBuf },

    /// The target no longer holds what the plan was made from.
    #[error("{target} changed while gomedic was planning; run the command again")]
    Stale { target: String },

    /// Undo would not restore exactly: the target changed after gomedic wrote it.
    #[error("{target} changed after gomedic wrote it; undo would lose those edits. Inspect it, then use --force to restore the recorded version")]
    ChangedSince { target: String },

    #[error("cannot {action} {target}: {source}")]
    Io {
        action: &'static str,
        target: String,
        #[source]
        source: std::io::Error,
    },

    /// A Windows API (registry, Defender, firewall) refused or is unavailable.
    #[error("cannot {action} {target}: {message}")]
    System {
        action: &'static str,
        target: String,
        message: String,
    },

    /// One change of a plan failed; the ones before it were rolled back.
    #[error("{cause}. Nothing was changed{}", rollback_note(.rollback_failed))]
    NotApplied {
        cause: Box<Error>,
        /// Targets that could not be restored (they may hold the new content).
        rollback_failed: Vec<String>,
    },

    #[error("cannot find gomedic's data directory: {var} is not set (set GOMEDIC_DATA_DIR)")]
    NoDataDir { var: &'static str },

    #[error("journal entry {} is corrupt ({problem}); move it aside to continue", .path.display())]
    CorruptEntry { path: PathBuf, problem: String },

    #[error("no journal entry {id:?} in {} (see `gomedic undo --list`)", .dir.display())]
    NoEntry { id: String, dir: PathBuf },

    /// The entry is not in a state that can be undone.
    #[error("{id} {why}")]
    NotUndoable { id: String, why: &'static str },
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        target: impl std::fmt::Display,
        e: std::io::Error,
    ) -> Error {
        Error::Io {
            action,
            target: target.to_string(),
            source: e,
        }
    }
}

fn shown(path: &std::path::Path, link: &Option<PathBuf>) -> String {
    match link {
        Some(t) => format!("{} (a link to {})", path.display(), t.display()),
        None => path.display().to_string(),
    }
}

fn rollback_note(failed: &[String]) -> String {
    if failed.is_empty() {
        String::new()
    } else {
        format!(
            " except what could not be rolled back ({}; see the journal)",
            failed.join(", ")
        )
    }
}
