//! The configuration keys cmd/go knows (its `KnownEnv` list, Go 1.21 to 1.27).

/// Keys the go command reads from the environment and the go env file.
pub const KNOWN: &[&str] = &[
    "AR",
    "CC",
    "CGO_CFLAGS",
    "CGO_CFLAGS_ALLOW",
    "CGO_CFLAGS_DISALLOW",
    "CGO_CPPFLAGS",
    "CGO_CPPFLAGS_ALLOW",
    "CGO_CPPFLAGS_DISALLOW",
    "CGO_CXXFLAGS",
    "CGO_CXXFLAGS_ALLOW",
    "CGO_CXXFLAGS_DISALLOW",
    "CGO_ENABLED",
    "CGO_FFLAGS",
    "CGO_FFLAGS_ALLOW",
    "CGO_FFLAGS_DISALLOW",
    "CGO_LDFLAGS",
    "CGO_LDFLAGS_ALLOW",
    "CGO_LDFLAGS_DISALLOW",
    "CXX",
    "FC",
    "GCCGO",
    "GO111MODULE",
    "GO386",
    "GOAMD64",
    "GOARCH",
    "GOARM",
    "GOARM64",
    "GOAUTH",
    "GOBIN",
    "GOCACHE",
    "GOCACHEPROG",
    "GOENV",
    "GOEXE",
    "GOEXPERIMENT",
    "GOFIPS140",
    "GOFLAGS",
    "GOGCCFLAGS",
    "GOHOSTARCH",
    "GOHOSTOS",
    "GOINSECURE",
    "GOMIPS",
    "GOMIPS64",
    "GOMODCACHE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOOS",
    "GOPATH",
    "GOPPC64",
    "GOPRIVATE",
    "GOPROXY",
    "GORISCV64",
    "GOROOT",
    "GOSUMDB",
    "GOTELEMETRY",
    "GOTELEMETRYDIR",
    "GOTMPDIR",
    "GOTOOLCHAIN",
    "GOTOOLDIR",
    "GOVCS",
    "GOWASM",
    "GOWORK",
    "GO_EXTLINK_ENABLED",
    "PKG_CONFIG",
];

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
    KNOWN.contains(&key)
}
