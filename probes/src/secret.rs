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
        let raw_login = raw_userinfo(url).is_some();
        if (raw_login || url[..authority_end].contains('@')) && !url.contains(char::is_whitespace) {
            return redact_url(&format!("http://{url}"))["http://".len()..].to_string();
        }
        return url.to_string();
    };
    if let Some(masked) = redact_raw_login(url) {
        return masked;
    }
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

/// `scheme://user:<redacted>@host…` for a URL whose raw password holds a URL delimiter
/// ([`raw_userinfo`]), `None` for any other. People write passwords raw: a `/`, `?` or `#`
/// in one ends the authority for a URL parser (Go connects to `user:1` for
/// `http://user:1/x@proxy`), yet the text up to the last `@` a host follows is still its
/// user and password. The report's values and the masking layer's texts both go through it.
pub fn redact_raw_login(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let (userinfo, after) = raw_userinfo(rest)?;
    let user = userinfo.split(':').next().unwrap_or("");
    Some(format!("{scheme}://{user}:{MASK}@{after}"))
}

/// `user:password` and what follows it, when a URL's text after its scheme holds a `@`
/// beyond the first `/`, `?` or `#` and reads as `user:password@host`: the password holds a
/// character a URL parser ends the host at. `None` for any other URL (a path holding `@`,
/// as an image digest does, has no `user:` before it).
pub fn raw_userinfo(rest: &str) -> Option<(&str, &str)> {
    let end = rest
        .find(|c: char| c.is_whitespace() || "\"'<>`".contains(c))
        .unwrap_or(rest.len());
    let candidate = &rest[..end];
    let authority_end = candidate.find(['/', '?', '#'])?;
    let at = candidate.rfind('@').filter(|at| *at > authority_end)?;
    let (userinfo, host) = (&candidate[..at], &rest[at + 1..]);
    let user = &userinfo[..userinfo.find(':')?];
    let reads_as_login = !user.is_empty()
        && user.find(['/', '?', '#']).is_none()
        && host.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[')
        && !is_digest(host);
    reads_as_login.then_some((userinfo, host))
}

/// Whether `text` starts with an image digest (`sha256:…`), which follows `@` in a reference.
fn is_digest(text: &str) -> bool {
    let t = text.get(..7).unwrap_or("").to_ascii_lowercase();
    t == "sha256:" || t == "sha384:" || t == "sha512:"
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

    #[test]
    fn a_raw_password_holding_a_slash_hash_or_question_mark_is_masked_whole() {
        for (url, shown) in [
            ("http://u:1/w@proxy:3128", "http://u:<redacted>@proxy:3128"),
            (
                "http://bob:a#b@proxy.corp:8080/",
                "http://bob:<redacted>@proxy.corp:8080/",
            ),
            (
                "http://bob:a?b/c@10.0.0.1:3128",
                "http://bob:<redacted>@10.0.0.1:3128",
            ),
            ("u:1/w@proxy:3128", "u:<redacted>@proxy:3128"),
            // A host whose name starts like a digest's algorithm is still a host.
            (
                "http://u:1/w@shadow.corp:3128",
                "http://u:<redacted>@shadow.corp:3128",
            ),
            // Ambiguous (`proxy:3128/a` may be a login): masked, never shown.
            ("http://proxy:3128/a@b", "http://proxy:<redacted>@b"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
        // A path or a digest holding `@` has no login before it.
        for url in [
            "https://registry:5000/v2/foo@sha256:abc",
            "https://github.com/o/r@v1",
            "http://proxy/a@b",
        ] {
            assert_eq!(redact_url(url), url);
        }
    }
}
