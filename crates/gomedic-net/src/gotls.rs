//! How the diagnosed go release's crypto/tls and crypto/x509 behave: which TLS versions
//! and cipher suites its client offers, which signatures it accepts. Read from the
//! sources of go 1.21 to 1.27 (crypto/tls/cipher_suites.go, defaults.go; crypto/x509,
//! crypto/rsa) and the GODEBUG settings each release honours.

/// The rules of one go release (minor version) under a GODEBUG value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoTls {
    pub minor: u32,
    /// GODEBUG x509sha1=1 (go 1.18 to 1.23): SHA-1 certificate signatures accepted.
    pub x509sha1: bool,
    /// RSA keys below 1024 bits refused (go 1.24+, unless GODEBUG rsa1024min=0).
    pub rsa1024min: bool,
    /// RSA key exchange suites offered (go 1.21; 1.22 to 1.26 with GODEBUG tlsrsakex=1).
    pub rsakex: bool,
    /// 3DES suites offered (go up to 1.22; 1.23 to 1.26 with GODEBUG tls3des=1).
    pub tdes: bool,
}

impl Default for GoTls {
    fn default() -> Self {
        GoTls::for_release(27, "")
    }
}

impl GoTls {
    pub fn for_release(minor: u32, godebug: &str) -> GoTls {
        // The last setting of a key wins, as in go's internal/godebug.
        let get = |key: &str| {
            godebug
                .split(',')
                .filter_map(|kv| kv.trim().split_once('='))
                .filter(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
                .next_back()
        };
        let is = |key: &str, v: &str| get(key).as_deref() == Some(v);
        GoTls {
            minor,
            x509sha1: (18..=23).contains(&minor) && is("x509sha1", "1"),
            rsa1024min: minor >= 24 && !is("rsa1024min", "0"),
            rsakex: minor <= 21 || ((22..=26).contains(&minor) && is("tlsrsakex", "1")),
            tdes: minor <= 22 || ((23..=26).contains(&minor) && is("tls3des", "1")),
        }
    }

    /// TLS 1.2 cipher suites go's client offers by default, in its preference order.
    pub fn tls12_suites(&self) -> Vec<u16> {
        let mut v = vec![
            0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, // ECDHE AEADs
            0xc009, 0xc013, 0xc00a, 0xc014, // ECDHE CBC-SHA
        ];
        if self.rsakex {
            v.extend([0x009c, 0x009d, 0x002f, 0x0035]);
        }
        if self.tdes {
            v.push(0xc012);
            if self.rsakex {
                v.push(0x000a);
            }
        }
        v
    }

    pub fn min_rsa_bits(&self) -> usize {
        if self.rsa1024min {
            1024
        } else {
            0
        }
    }

    /// The hint go appends to an insecure SHA-1 signature error.
    pub fn sha1_hint(&self) -> &'static str {
        if (18..=23).contains(&self.minor) {
            " (temporarily override with GODEBUG=x509sha1=1)"
        } else {
            ""
        }
    }
}

/// IANA names of the suites gomedic reports.
pub fn suite_name(id: u16) -> String {
    let n = match id {
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        0x003c => "TLS_RSA_WITH_AES_128_CBC_SHA256",
        0x009c => "TLS_RSA_WITH_AES_128_GCM_SHA256",
        0x009d => "TLS_RSA_WITH_AES_256_GCM_SHA384",
        0xc007 => "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
        0xc009 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        0xc00a => "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        0xc011 => "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        0xc012 => "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        0xc013 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        0xc014 => "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        0xc023 => "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        0xc027 => "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0x0005 => "TLS_RSA_WITH_RC4_128_SHA",
        _ => return format!("0x{id:04X}"),
    };
    n.to_string()
}

/// Every suite a server might pick, to learn what it wants when go's offer is refused.
pub const WIDE_SUITES: &[u16] = &[
    0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d,
    0x002f, 0x0035, 0xc012, 0x000a, 0xc023, 0xc027, 0x003c, 0xc007, 0xc011, 0x0005, 0x0033, 0x0039,
    0x0067, 0x006b, 0x009e, 0x009f,
];

/// Why go's default client refuses a suite the server chose, if it does.
pub fn why_refused(go: &GoTls, suite: u16) -> Option<String> {
    if go.tls12_suites().contains(&suite) {
        return None;
    }
    let name = suite_name(suite);
    let rsakex = [0x009c, 0x009d, 0x002f, 0x0035, 0x000a, 0x003c, 0x0005].contains(&suite);
    let tdes = [0x000a, 0xc012].contains(&suite);
    Some(if rsakex && (22..=26).contains(&go.minor) {
        format!("{name} uses RSA key exchange, which go 1.22+ no longer offers (GODEBUG=tlsrsakex=1 restores it until go 1.27)")
    } else if tdes && (23..=26).contains(&go.minor) {
        format!("{name} is a 3DES suite, which go 1.23+ no longer offers (GODEBUG=tls3des=1 restores it until go 1.27)")
    } else {
        format!(
            "{name} is not among the cipher suites go 1.{} offers",
            go.minor
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_per_release_follow_go() {
        let g21 = GoTls::for_release(21, "");
        assert!(g21.tls12_suites().contains(&0x002f));
        assert!(g21.tls12_suites().contains(&0xc012));
        let g22 = GoTls::for_release(22, "");
        assert!(!g22.tls12_suites().contains(&0x002f));
        assert!(g22.tls12_suites().contains(&0xc012));
        assert!(GoTls::for_release(22, "tlsrsakex=1")
            .tls12_suites()
            .contains(&0x002f));
        let g24 = GoTls::for_release(24, "tls3des=1,tls3des=0");
        assert!(!g24.tls12_suites().contains(&0xc012));
        assert!(!GoTls::for_release(27, "tlsrsakex=1")
            .tls12_suites()
            .contains(&0x002f));
        assert!(GoTls::for_release(27, "").tls12_suites().contains(&0xc013));
        assert_eq!(GoTls::for_release(23, "").min_rsa_bits(), 0);
        assert_eq!(GoTls::for_release(24, "").min_rsa_bits(), 1024);
        assert_eq!(GoTls::for_release(24, "rsa1024min=0").min_rsa_bits(), 0);
    }
}
