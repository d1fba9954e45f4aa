//! The change journal behind `gomedic fix`, `gomedic env set/unset` and `gomedic undo`.
//!
//! A change is a [`Plan`] of typed [`Change`]s ([`ChangeKind`]: a file's bytes, a registry
//! value, Defender exclusions, a firewall rule, an alternate data stream), each with what
//! undo needs. Applying a plan writes a journal entry (fsynced) *before* touching
//! anything, applies each change, then marks the entry applied. Undo restores the
//! previous state exactly, and refuses when a change could not be undone exactly (a file
//! edited since). Files are replaced atomically, except hard-linked files and files of
//! another owner, which are rewritten in place; devices, FIFOs and sockets are refused.

mod change;
mod error;
mod file;
mod journal;
mod lock;
mod time;

pub use change::blob;
pub use change::{
    Change, ChangeKind, DefenderChange, FileChange, FirewallChange, RegData, RegistryChange,
    StreamChange, ToolBinaryChange,
};
pub use error::Error;
pub use file::{
    clean_leftovers, read_bounded, read_file, remove_dead_temp_dirs, resolve, write_mode, NodeKind,
    WriteMode,
};
pub use journal::{data_dir, CorruptEntry, Entry, EntryState, Journal, Listing, Plan};
pub use lock::JournalLock;
