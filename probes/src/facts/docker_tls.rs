//! The TLS material of a `tcp://` endpoint, found and loaded exactly as the docker CLI
//! does (docker/cli `flags.SetDefaultOptions`, go-connections `tlsconfig.Client`):
//!
//! - `DOCKER_HOST`: TLS when `DOCKER_TLS_VERIFY` or `DOCKER_TLS` is set (or the scheme is
//!   `https`); the server is verified only with `DOCKER_TLS_VERIFY`; the files are
//!   `ca.pem`, `cert.pem` and `key.pem` in `DOCKER_CERT_PATH`, else the CLI's config
//!   folder (`~/.docker`).
//! - a context: its `contexts/tls/<hash>/docker/` folder, verified unless the context says
//!   `SkipTLSVerify`.
//!
//! With verification the CA file must be readable and is the only root (the CLI's
//! `ExclusiveRootPools`); a client certificate and key are sent when present, and one
//! without the other is an error, as it is for the CLI.

use crate::facts::certs;
use crate::host::Host;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use crate::shared::TlsFiles;

/// What the client would present and trust.
pub struct Material {
    /// The only roots when verifying; `None` without verification.
    pub roots: Option<rustls::RootCertStore>,
    pub client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    /// The client certificate, described (subject, issuer, validity).
    pub client_info: Option<certs::CertInfo>,
}

/// Why the client's TLS material cannot be used, naming the file: the CLI fails on each of
/// these before it connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaterialProblem {
    /// The folder itself is missing.
    FolderMissing {
        dir: PathBuf,
        from: String,
    },
    /// `ca.pem` is missing while verification is on.
    CaMissing {
        path: PathBuf,
    },
    Unreadable {
        path: PathBuf,
        error: String,
    },
    /// The file holds no certificate (or no key) in PEM form.
    NotPem {
        path: PathBuf,
        what: &'static str,
    },
    /// A certificate without its key, or a key without its certificate.
    HalfPair {
        present: PathBuf,
        missing: PathBuf,
    },
    /// `key.pem` is not the key of `cert.pem`.
    KeyMismatch {
        cert: PathBuf,
        key: PathBuf,
    },
    /// The client certificate's validity, read locally.
    ClientExpired {
        path: PathBuf,
        not_after: String,
    },
    ClientNotYetValid {
        path: PathBuf,
        not_before: String,
    },
}

impl fmt::Display for MaterialProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaterialProblem::FolderMissing { dir, from } => write!(
                f,
                "the TLS folder {} ({from}) does not exist",
                dir.display()
            ),
            MaterialProblem::CaMissing { path } => write!(
                f,
                "{} is missing: with DOCKER_TLS_VERIFY the CLI needs the CA that signed the daemon's certificate",
                path.display()
            ),
            MaterialProblem::Unreadable { path, error } => {
                write!(f, "{} cannot be read: {error}", path.display())
            }
            MaterialProblem::NotPem { path, what } => {
                write!(f, "{} holds no {what} in PEM form", path.display())
            }
            MaterialProblem::HalfPair { present, missing } => write!(
                f,
                "{} is there but {} is not: the CLI needs both or neither",
                present.display(),
                missing.display()
            ),
            MaterialProblem::KeyMismatch { cert, key } => write!(
                f,
                "{} is not the private key of {}",
                key.display(),
                cert.display()
            ),
            MaterialProblem::ClientExpired { path, not_after } => write!(
                f,
                "the client certificate {} expired on {not_after}",
                path.display()
            ),
            MaterialProblem::ClientNotYetValid { path, not_before } => write!(
                f,
                "the client certificate {} is valid only from {not_before}",
                path.display()
            ),
        }
    }
}

/// Reads and checks the material of `files` at `now` (no network).
pub fn load(
    host: &dyn Host,
    files: &TlsFiles,
    now: SystemTime,
) -> Result<Material, MaterialProblem> {
    // Without verification the CLI needs no file at all (a client pair is sent if there).
    if host.stat(&files.dir).is_err() && files.verify {
        return Err(MaterialProblem::FolderMissing {
            dir: files.dir.clone(),
            from: files.from.clone(),
        });
    }
    let read = |path: &Path| -> Result<Option<Vec<u8>>, MaterialProblem> {
        match host.read_file(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(MaterialProblem::Unreadable {
                path: path.to_path_buf(),
                error: e.to_string(),
            }),
        }
    };
    let roots = if files.verify {
        let ca = files.ca();
        let bytes = read(&ca)?.ok_or(MaterialProblem::CaMissing { path: ca.clone() })?;
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&bytes)
            .filter_map(Result::ok)
            .collect();
        if certs.is_empty() {
            return Err(MaterialProblem::NotPem {
                path: ca,
                what: "certificate",
            });
        }
        Some(certs::store_of(&certs))
    } else {
        None
    };
    let (cert_path, key_path) = (files.cert(), files.key());
    let client = match (read(&cert_path)?, read(&key_path)?) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(MaterialProblem::HalfPair {
                present: cert_path,
                missing: key_path,
            });
        }
        (None, Some(_)) => {
            return Err(MaterialProblem::HalfPair {
                present: key_path,
                missing: cert_path,
            });
        }
        (Some(c), Some(k)) => {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&c)
                .filter_map(Result::ok)
                .collect();
            if chain.is_empty() {
                return Err(MaterialProblem::NotPem {
                    path: cert_path,
                    what: "certificate",
                });
            }
            let key = PrivateKeyDer::from_pem_slice(&k).map_err(|_| MaterialProblem::NotPem {
                path: key_path.clone(),
                what: "private key",
            })?;
            if !keys_match(&chain, &key) {
                return Err(MaterialProblem::KeyMismatch {
                    cert: cert_path,
                    key: key_path,
                });
            }
            Some((chain, key))
        }
    };
    let client_info = client.as_ref().and_then(|(c, _)| certs::describe(&c[0]));
    if let Some(info) = &client_info {
        if now > info.not_after {
            return Err(MaterialProblem::ClientExpired {
                path: cert_path,
                not_after: certs::date(info.not_after),
            });
        }
        if now < info.not_before {
            return Err(MaterialProblem::ClientNotYetValid {
                path: cert_path,
                not_before: certs::date(info.not_before),
            });
        }
    }
    Ok(Material {
        roots,
        client,
        client_info,
    })
}

/// Whether `key` is the private key of the certificate (a key rustls cannot load, or one
/// whose match cannot be told, counts as a mismatch only when it is known to be one).
fn keys_match(chain: &[CertificateDer<'static>], key: &PrivateKeyDer<'static>) -> bool {
    let provider = rustls::crypto::ring::default_provider();
    let Ok(signer) = provider.key_provider.load_private_key(key.clone_key()) else {
        return false;
    };
    let certified = rustls::sign::CertifiedKey::new(chain.to_vec(), signer);
    !matches!(
        certified.keys_match(),
        Err(rustls::Error::InconsistentKeys(
            rustls::InconsistentKeys::KeyMismatch
        ))
    )
}

/// A verifier that records the chain the server presented, then judges it as the CLI
/// would (only `ca.pem` as root, when verifying): the names and issuer of a refused
/// certificate can then be shown.
#[derive(Debug)]
pub struct Judge {
    inner: Option<std::sync::Arc<rustls::client::WebPkiServerVerifier>>,
    chain: std::sync::Mutex<Vec<CertificateDer<'static>>>,
}

impl Judge {
    /// The server's certificates, leaf first (empty before a handshake).
    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.chain.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

impl rustls::client::danger::ServerCertVerifier for Judge {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Ok(mut c) = self.chain.lock() {
            *c = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
        }
        match &self.inner {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => Ok(rustls::client::danger::ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        certs::handshake_signature(false, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        certs::handshake_signature(true, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        certs::handshake_schemes()
    }
}

/// The client configuration the CLI would use with this material, and the judge that
/// keeps what the server presented.
pub fn client_config(
    material: Material,
) -> Result<(std::sync::Arc<rustls::ClientConfig>, std::sync::Arc<Judge>), String> {
    let inner = match material.roots {
        Some(roots) => Some(
            rustls::client::WebPkiServerVerifier::builder_with_provider(
                std::sync::Arc::new(roots),
                provider(),
            )
            .build()
            .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let judge = std::sync::Arc::new(Judge {
        inner,
        chain: std::sync::Mutex::new(Vec::new()),
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(judge.clone());
    let config = match material.client {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| e.to_string())?,
        None => builder.with_no_client_auth(),
    };
    Ok((std::sync::Arc::new(config), judge))
}

/// What a failed TLS connection says, told apart for the fix: the verdict on the server's
/// certificate, an alert the server sent about ours, or no TLS at all on the other side.
pub fn failure_of(
    e: &rustls::Error,
    chain: &[CertificateDer<'static>],
    asked: &str,
    sent_certificate: bool,
) -> crate::host::TlsFailure {
    use crate::host::TlsFailure;
    use crate::host::trace::TlsVerdict;
    use rustls::AlertDescription as A;
    let leaf = chain.first().and_then(|c| certs::describe(c));
    match e {
        rustls::Error::InvalidCertificate(_) => match certs::verdict_of(e) {
            TlsVerdict::UnknownIssuer => TlsFailure::Untrusted {
                issuer: leaf.as_ref().map(|l| l.issuer.clone()).unwrap_or_default(),
                subject: leaf.as_ref().map(|l| l.subject.clone()).unwrap_or_default(),
            },
            TlsVerdict::WrongHost => TlsFailure::WrongName {
                asked: asked.to_string(),
                names: leaf.map(|l| l.names).unwrap_or_default(),
            },
            TlsVerdict::Expired | TlsVerdict::NotYetValid => TlsFailure::ServerValidity {
                detail: match &leaf {
                    Some(l) => format!(
                        "valid from {} to {}",
                        certs::date(l.not_before),
                        certs::date(l.not_after)
                    ),
                    None => e.to_string(),
                },
            },
            _ => TlsFailure::Other(e.to_string()),
        },
        rustls::Error::AlertReceived(
            a @ (A::BadCertificate
            | A::CertificateRequired
            | A::UnknownCA
            | A::CertificateUnknown
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::UnsupportedCertificate
            | A::AccessDenied),
        ) => TlsFailure::ClientRejected {
            alert: format!("{a:?}"),
            sent_certificate,
        },
        rustls::Error::InvalidMessage(_) => TlsFailure::NotTls,
        other => TlsFailure::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::RealHost;

    #[test]
    fn a_missing_folder_or_ca_is_named_before_any_connection() {
        let host = RealHost::new();
        let files = TlsFiles {
            verify: true,
            dir: "/nonexistent/dd-test/.docker/certs".into(),
            from: "DOCKER_CERT_PATH".into(),
        };
        let e = load(&host, &files, SystemTime::now()).err().unwrap();
        assert!(matches!(e, MaterialProblem::FolderMissing { .. }), "{e}");
        assert!(e.to_string().contains("DOCKER_CERT_PATH"), "{e}");
    }
}
