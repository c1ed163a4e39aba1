//! Judging a presented certificate chain the way a TLS client does (rustls' WebPKI verifier),
//! against any set of roots and at any moment, and describing its certificates for people.

use crate::host::trace::TlsVerdict;
use rustls::CertificateError;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A root store made of certificates (those that do not parse as trust anchors are skipped).
pub fn store_of(certs: &[CertificateDer<'static>]) -> rustls::RootCertStore {
    let mut store = rustls::RootCertStore::empty();
    for c in certs {
        let _ = store.add(c.clone());
    }
    store
}

/// The handshake's own signature checks, with ring's algorithms: the same for every
/// verifier that records a chain before (or instead of) judging it.
pub fn handshake_signature(
    tls13: bool,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &rustls::DigitallySignedStruct,
) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
    let algorithms = rustls::crypto::ring::default_provider().signature_verification_algorithms;
    if tls13 {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algorithms)
    } else {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algorithms)
    }
}

/// The signature schemes [`handshake_signature`] checks.
pub fn handshake_schemes() -> Vec<rustls::SignatureScheme> {
    rustls::crypto::ring::default_provider()
        .signature_verification_algorithms
        .supported_schemes()
}

/// Mozilla's roots, as a public client would trust them.
pub fn mozilla() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The verdict on `chain` (leaf first) for `host` against `roots` at `at`.
pub fn verify(
    chain: &[CertificateDer<'static>],
    roots: &rustls::RootCertStore,
    host: &str,
    at: SystemTime,
) -> TlsVerdict {
    let Some((leaf, intermediates)) = chain.split_first() else {
        return TlsVerdict::Other {
            message: "no certificate was presented".into(),
        };
    };
    if roots.is_empty() {
        return TlsVerdict::UnknownIssuer;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = match rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots.clone()),
        provider,
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => {
            return TlsVerdict::Other {
                message: e.to_string(),
            };
        }
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return TlsVerdict::Other {
            message: format!("{host} is not a valid server name"),
        };
    };
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    match verifier.verify_server_cert(
        leaf,
        intermediates,
        &name,
        &[],
        UnixTime::since_unix_epoch(secs),
    ) {
        Ok(_) => TlsVerdict::Trusted,
        Err(e) => verdict_of(&e),
    }
}

/// The verdict of a rustls verification error.
pub fn verdict_of(e: &rustls::Error) -> TlsVerdict {
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => TlsVerdict::UnknownIssuer,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TlsVerdict::Expired
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TlsVerdict::NotYetValid
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsVerdict::WrongHost
            }
            other => TlsVerdict::Other {
                message: format!("{other:?}"),
            },
        },
        other => TlsVerdict::Other {
            message: other.to_string(),
        },
    }
}

/// What a person needs to know about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// DNS names and IP addresses it is valid for.
    pub names: Vec<String>,
    pub is_ca: bool,
    /// SHA-256 of the DER, as `AA:BB:...` (what `openssl x509 -fingerprint -sha256` prints).
    pub sha256: String,
}

impl CertInfo {
    pub fn self_signed(&self) -> bool {
        self.subject == self.issuer
    }

    pub fn valid_at(&self, t: SystemTime) -> bool {
        self.not_before <= t && t <= self.not_after
    }
}

pub fn describe(der: &[u8]) -> Option<CertInfo> {
    use x509_parser::prelude::*;
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let time = |t: ASN1Time| {
        let secs = t.timestamp();
        if secs >= 0 {
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64)
        } else {
            SystemTime::UNIX_EPOCH
        }
    };
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => names.push(d.to_string()),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => {
                        names.push(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string())
                    }
                    16 => {
                        let mut b = [0u8; 16];
                        b.copy_from_slice(ip);
                        names.push(std::net::Ipv6Addr::from(b).to_string());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|b| b.value.ca);
    let digest = Sha256::digest(der);
    let sha256 = digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Some(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: time(cert.validity().not_before),
        not_after: time(cert.validity().not_after),
        names,
        is_ca,
        sha256,
    })
}

/// `YYYY-MM-DD HH:MM:SS UTC` for a certificate date.
pub fn date(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    humanize_utc(secs)
}

/// Civil date from days since the epoch (Howard Hinnant's algorithm).
fn humanize_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses an HTTP `Date` header (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, _] = parts.as_slice() else {
        return None;
    };
    let day: i64 = day.parse().ok()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m.eq_ignore_ascii_case(month))? as i64
        + 1;
    let year: i64 = year.parse().ok()?;
    let mut hms = time.split(':').map(|p| p.parse::<i64>());
    let (h, mi, s) = (hms.next()?.ok()?, hms.next()?.ok()?, hms.next()?.ok()?);
    // Days from civil (inverse of the above).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + s;
    (secs >= 0).then(|| SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(date(t), "1994-11-06 08:49:37 UTC");
        let t = parse_http_date("Sun, 22 Nov 2026 16:07:00 GMT").unwrap();
        assert_eq!(date(t), "2026-11-22 16:07:00 UTC");
        assert!(parse_http_date("yesterday").is_none());
    }
}
