//! Shared by the differential tests: certificates made with openssl, and the real go
//! toolchains (GOMEDIC_TEST_GOROOTS).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub const CONF: &str = r#"
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ca_pathlen0]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[notca]
basicConstraints = critical, CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:host.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_other]
basicConstraints = CA:FALSE
subjectAltName = DNS:other.example, DNS:www.other.example
[leaf_cn]
basicConstraints = CA:FALSE
[leaf_ip]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1
[leaf_wild]
basicConstraints = CA:FALSE
subjectAltName = DNS:*.example
[leaf_client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
subjectAltName = DNS:host.example
[leaf_ca]
basicConstraints = critical, CA:TRUE
subjectAltName = DNS:host.example
[leaf_selfnotca]
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:host.example
"#;

pub struct Lab {
    pub dir: PathBuf,
    pub serial: std::cell::Cell<u32>,
}

impl Lab {
    pub fn ossl(&self, args: &[&str]) {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn key(&self, name: &str, kind: &str) {
        let f = format!("{name}.key");
        let mut args = vec!["genpkey", "-out", &f];
        let bits;
        match kind.split_once(':') {
            Some(("rsa", n)) => {
                bits = format!("rsa_keygen_bits:{n}");
                args.extend(["-algorithm", "RSA", "-pkeyopt", &bits]);
            }
            Some(("ec", c)) => {
                bits = format!("ec_paramgen_curve:{c}");
                args.extend(["-algorithm", "EC", "-pkeyopt", &bits]);
            }
            _ => args.extend(["-algorithm", "ED25519"]),
        }
        self.ossl(&args);
    }

    /// A self-signed certificate.
    pub fn selfsigned(&self, name: &str, kind: &str, cn: &str, section: &str, digest: &str) {
        self.key(name, kind);
        let (k, o, subj) = (
            format!("{name}.key"),
            format!("{name}.pem"),
            format!("/CN={cn}"),
        );
        let mut args = vec![
            "req",
            "-x509",
            "-new",
            "-key",
            &k,
            "-subj",
            &subj,
            "-days",
            "3650",
            "-config",
            "lab.cnf",
            "-extensions",
            section,
            "-out",
            &o,
        ];
        if !digest.is_empty() {
            args.push(digest);
        }
        self.ossl(&args);
    }

    /// A certificate for `name` issued by `issuer`.
    #[allow(clippy::too_many_arguments)]
    pub fn issue(
        &self,
        name: &str,
        kind: &str,
        subj: &str,
        issuer: &str,
        section: &str,
        digest: &str,
    ) {
        self.key(name, kind);
        let (k, csr, o) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        self.ossl(&[
            "req", "-new", "-key", &k, "-subj", subj, "-config", "lab.cnf", "-out", &csr,
        ]);
        self.serial.set(self.serial.get() + 1);
        let serial = self.serial.get().to_string();
        let (ca, cakey) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &cakey,
            "-set_serial",
            &serial,
            "-days",
            "3650",
            "-extfile",
            "lab.cnf",
            "-extensions",
            section,
            "-out",
            &o,
        ];
        if !digest.is_empty() {
            args.push(digest);
        }
        self.ossl(&args);
    }

    pub fn cat(&self, out: &str, parts: &[&str]) -> PathBuf {
        let mut data = String::new();
        for p in parts {
            data += &std::fs::read_to_string(self.dir.join(format!("{p}.pem"))).unwrap();
        }
        let path = self.dir.join(out);
        std::fs::write(&path, data).unwrap();
        path
    }
}

pub fn ders(path: &Path) -> Vec<Vec<u8>> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    CertificateDer::pem_file_iter(path)
        .unwrap()
        .map(|c| c.unwrap().as_ref().to_vec())
        .collect()
}

pub use gomedic_testkit::goroots as toolchains;

/// The oracle program, built once per toolchain and kept in ~/.cache.
pub fn oracle(version: &str, goroot: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/x509diff/verify.go");
    let text = std::fs::read(&src).unwrap();
    let sum = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        h.finish()
    };
    let home = std::env::var("HOME").unwrap_or_else(|_| "/tmp".into());
    let cache = PathBuf::from(home).join(".cache/gomedic/x509diff");
    std::fs::create_dir_all(&cache).unwrap();
    let bin = cache.join(format!("verify-{version}-{sum:016x}"));
    if bin.exists() {
        return bin;
    }
    let work = tempfile::tempdir().unwrap();
    std::fs::copy(&src, work.path().join("verify.go")).unwrap();
    let out = Command::new(goroot.join("bin/go"))
        .args(["build", "-o"])
        .arg(&bin)
        .arg("verify.go")
        .current_dir(work.path())
        .env("GOROOT", goroot)
        .env("GOTOOLCHAIN", "local")
        .env("GOCACHE", cache.join(format!("gocache-{version}")))
        .env("GOPATH", work.path().join("gopath"))
        .env("GOFLAGS", "")
        .env("GO111MODULE", "")
        .env("GOENV", "off")
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go build of the oracle with {version}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    bin
}

pub fn minor(version: &str) -> u32 {
    version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap()
}

impl Lab {
    pub fn new(dir: &Path) -> Lab {
        std::fs::write(dir.join("lab.cnf"), CONF).unwrap();
        Lab {
            dir: dir.to_path_buf(),
            serial: std::cell::Cell::new(100),
        }
    }
}
