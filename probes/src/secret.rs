//! Secrets (proxy passwords, registry credentials, tokens) as a type that cannot print itself.
//!
//! `Secret` implements neither `Display` nor `Serialize` with its value: `Debug` and serde both
//! write a fixed mask, so no renderer can leak one by accident. The only way to the value is
//! [`Secret::expose`], which a probe calls where it must use it (to authenticate), never to show it.

use serde::{Serialize, Serializer};
use std::fmt;

/// The text written wherever a secret would have been.
pub const MASK: &str = "<redacted>";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for use (never for output).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(MASK)
    }
}

/// A URL such as `http://user:pass@proxy:3128` with the password (and any token-like query)
/// replaced by the mask; the user name is kept because it helps a support engineer.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        // `user:pass@proxy:3128`, the scheme-less form Go's proxy parsing accepts.
        let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
        if url[..authority_end].contains('@') && !url.contains(char::is_whitespace) {
            return redact_url(&format!("http://{url}"))["http://".len()..].to_string();
        }
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let user = userinfo.split(':').next().unwrap_or("");
    let masked = if userinfo.contains(':') {
        format!("{user}:{MASK}")
    } else {
        // A lone token in the user part (e.g. `https://TOKEN@host`) is a secret too.
        MASK.to_string()
    };
    format!(
        "{}://{}@{}{}",
        &url[..scheme_end],
        masked,
        &authority[at + 1..],
        &rest[authority_end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), MASK);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{MASK}\""));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn redacts_password_keeps_user_and_host() {
        assert_eq!(
            redact_url("http://alice:s3cr%40t@proxy.corp:3128/"),
            "http://alice:<redacted>@proxy.corp:3128/"
        );
        assert_eq!(
            redact_url("http://proxy.corp:3128"),
            "http://proxy.corp:3128"
        );
        assert_eq!(redact_url("https://tok@h/x"), "https://<redacted>@h/x");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(
            redact_url("bob:Pa:ss@word@127.0.0.1:9"),
            "bob:<redacted>@127.0.0.1:9"
        );
        assert_eq!(redact_url("proxy:3128"), "proxy:3128");
    }
}
