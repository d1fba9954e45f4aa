//! The configuration keys cmd/go knows (its `KnownEnv` list, Go 1.21 to 1.27).

/// Keys the go command reads from the environment and the go env file, in any release
/// from 1.21 on: the versioned `KnownEnv` tables of [`crate::rules`] (one list, not two),
/// plus the telemetry keys `go env` reports.
pub fn known() -> impl Iterator<Item = &'static str> {
    crate::rules::known_in_any_release().chain(["GOTELEMETRY", "GOTELEMETRYDIR"])
}

/// Keys that `go env -w` refuses (computed or fixed by the go command itself); a value
/// for one of them in the go env file is never used.
pub const READ_ONLY: &[&str] = &[
    "GOENV",
    "GOEXE",
    "GOGCCFLAGS",
    "GOHOSTARCH",
    "GOHOSTOS",
    "GOTOOLDIR",
    "GOVERSION",
    "GOMOD",
    "GOWORK",
    "GOTELEMETRY",
    "GOTELEMETRYDIR",
    "CGO_CFLAGS_ALLOW_FLAGS",
];

/// The settings `gomedic check` explains one by one, with where each value comes from.
pub const KEY_SETTINGS: &[&str] = &[
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOSUMDB",
    "GONOPROXY",
    "GOFLAGS",
    "GOTOOLCHAIN",
    "GOROOT",
    "GOPATH",
];

/// Keys every working go (1.21+) reports with a non-empty value; an empty or missing one
/// means a broken installation, a foreign `go`, or a wrapper that mangles output.
pub const EXPECTED_IN_GO_ENV_JSON: &[&str] = &[
    "GOARCH",
    "GOOS",
    "GOROOT",
    "GOCACHE",
    "GOMODCACHE",
    "GOVERSION",
    "GOTOOLDIR",
    "GOHOSTOS",
    "GOHOSTARCH",
];

pub fn is_known(key: &str) -> bool {
    known().any(|k| k == key)
}
