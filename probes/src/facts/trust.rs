//! Which certificate authorities the daemon trusts for a registry, read as dockerd (Go) does:
//! the system store (the first CA bundle file Go finds, or `SSL_CERT_FILE`), plus, for every
//! registry except Docker Hub, `/etc/docker/certs.d/<host[:port]>/*.crt`.

use crate::host::Host;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::{Path, PathBuf};

/// Go's `crypto/x509` bundle files on Linux, in the order it tries them.
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

pub const CERTS_D: &str = "/etc/docker/certs.d";

/// A set of trusted certificates and where they came from.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// Files read, in order.
    pub files: Vec<PathBuf>,
    pub certs: Vec<CertificateDer<'static>>,
}

impl TrustStore {
    pub fn extend(&mut self, other: &TrustStore) {
        self.files.extend(other.files.iter().cloned());
        self.certs.extend(other.certs.iter().cloned());
    }
}

/// The certificates of a PEM text (anything that is not a certificate is skipped).
pub fn parse_pem(bytes: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(bytes)
        .filter_map(|c| c.ok())
        .collect()
}

/// The system store, as a Go program started with this environment would load it. On
/// macOS and Windows the engine runs in Docker Desktop's Linux VM: its own public bundle
/// (Mozilla's, as webpki-roots has it) plus the CAs of the host's store, which Desktop
/// copies into the VM when it starts.
pub fn system(host: &dyn Host) -> TrustStore {
    if matches!(host.os().os.as_str(), "macos" | "windows") {
        let mut store = TrustStore {
            files: vec![PathBuf::from("Docker Desktop VM's public CA bundle")],
            certs: webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec(),
        };
        if let Some((name, certs)) = host.native_roots() {
            store.files.push(PathBuf::from(name));
            store.certs.extend(certs);
        }
        return store;
    }
    let mut store = TrustStore::default();
    let candidates: Vec<PathBuf> = match host.env_nonempty("SSL_CERT_FILE") {
        Some(f) => vec![PathBuf::from(f)],
        None => SYSTEM_BUNDLES.iter().map(PathBuf::from).collect(),
    };
    for path in candidates {
        if let Ok(bytes) = host.read_file(&path) {
            store.certs = parse_pem(&bytes);
            store.files.push(path);
            break;
        }
    }
    if store.certs.is_empty() {
        // No bundle: Go falls back to the individual files of the certificate directory.
        let dir = PathBuf::from(
            host.env_nonempty("SSL_CERT_DIR")
                .unwrap_or_else(|| "/etc/ssl/certs".into()),
        );
        for name in host.list_dir(&dir).unwrap_or_default() {
            let path = dir.join(&name);
            if let Ok(bytes) = host.read_file(&path) {
                let certs = parse_pem(&bytes);
                if !certs.is_empty() {
                    store.certs.extend(certs);
                    store.files.push(path);
                }
            }
        }
    }
    store
}

/// The directory dockerd reads for this registry (`host:port` exactly as in the image name).
pub fn certs_d_dir(registry: &str) -> PathBuf {
    Path::new(CERTS_D).join(registry)
}

/// The most `*.crt` files of one certs.d folder that are read.
pub const CERTS_D_FILES_CAP: usize = 16;

/// The CA files (`*.crt`) dockerd adds for this registry.
pub fn certs_d(host: &dyn Host, registry: &str) -> TrustStore {
    let dir = certs_d_dir(registry);
    let mut store = TrustStore::default();
    let crts = host
        .list_dir(&dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.ends_with(".crt"));
    // A registry has one CA file, or a few; a folder of thousands is not read whole.
    for name in crts.take(CERTS_D_FILES_CAP) {
        let path = dir.join(&name);
        if let Ok(bytes) = host.read_file(&path) {
            store.certs.extend(parse_pem(&bytes));
            store.files.push(path);
        }
    }
    store
}
