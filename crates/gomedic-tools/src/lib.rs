//! Go tools around a toolchain (gopls, dlv, staticcheck, golangci-lint...): their version rules
//! kept as data, where copies of them are on this machine, and which Go and tools an editor uses.
//! Pure library code: nothing is run and nothing is printed; build information read from the
//! executables is supplied by the caller ([`BuildFacts`]).

pub mod data;
pub mod delve;
pub mod discover;
pub mod editor;
pub mod older;
pub mod report;

pub use data::{known_tool, known_tools, KnownTool};
pub use delve::{delve_supports, delve_supports_on, DelveHost, Verdict};
pub use discover::{discover, BuildFacts, Discovery, FoundCopy, Place, ToolCopies, ToolDirs};
pub use editor::{
    editor_differences, load_editor_config, Difference, DifferenceKind, EditorConfig, EditorInputs,
    Provenance, SettingsError, Sourced,
};
pub use older::{
    go_types_message, gopls_build_go, gopls_supports_go, parse_built, tool_older_than_module,
    tool_older_than_module_v, OlderTool,
};
