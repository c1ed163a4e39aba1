//! What a registry says about logins and limits: the `WWW-Authenticate` challenge of
//! `GET /v2/` (Basic, or Bearer with the token service's realm), and Docker Hub's pull
//! limit headers (`ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 76;w=21600`,
//! `docker-ratelimit-source`).

use crate::host::HttpAnswer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io"` or
/// `Basic realm="Registry Realm"`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, params) = header.split_once(' ').unwrap_or((header, ""));
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => {
            let param = |name: &str| -> Option<String> {
                params.split(',').find_map(|p| {
                    let (k, v) = p.trim().split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().trim_matches('"').to_string())
                })
            };
            Some(Challenge::Bearer {
                realm: param("realm")
                    .filter(|r| r.starts_with("https://") || r.starts_with("http://"))?,
                service: param("service"),
            })
        }
        _ => None,
    }
}

/// The token service's URL for `service`, `scope` and the account logging in.
pub fn token_url(
    realm: &str,
    service: Option<&str>,
    scope: Option<&str>,
    account: Option<&str>,
) -> String {
    let mut params: Vec<String> = Vec::new();
    for (k, v) in [("service", service), ("scope", scope), ("account", account)] {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            params.push(format!("{k}={}", encode(v)));
        }
    }
    let sep = if realm.contains('?') { '&' } else { '?' };
    if params.is_empty() {
        realm.to_string()
    } else {
        format!("{realm}{sep}{}", params.join("&"))
    }
}

fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The token in a token service's answer (`token`, or OAuth's `access_token`).
pub fn token_of(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("token")
        .or_else(|| v.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Docker Hub's pull limit as its headers state it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullLimit {
    pub limit: u64,
    pub remaining: u64,
    /// The window, in seconds (`w=21600`: six hours).
    pub window_secs: Option<u64>,
    /// What the limit is counted against (an IP address, or an account id).
    pub source: Option<String>,
}

/// The limit in an answer's headers; `None` when it states none (no limit applies: a paid
/// plan, or not Docker Hub).
pub fn pull_limit(answer: &HttpAnswer) -> Option<PullLimit> {
    let parse = |v: &str| -> Option<(u64, Option<u64>)> {
        let mut parts = v.split(';');
        let n = parts.next()?.trim().parse().ok()?;
        let w = parts.find_map(|p| p.trim().strip_prefix("w=")?.parse().ok());
        Some((n, w))
    };
    let (limit, w1) = parse(answer.header("ratelimit-limit")?)?;
    let (remaining, w2) = parse(answer.header("ratelimit-remaining")?)?;
    Some(PullLimit {
        limit,
        remaining,
        window_secs: w1.or(w2),
        source: answer
            .header("docker-ratelimit-source")
            .map(str::to_string)
            .filter(|s| !s.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_as_registries_send_them() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into())
            })
        );
        // GitLab, Harbor and ghcr.io send the same shape; distribution with htpasswd, Basic.
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
    }

    #[test]
    fn token_urls_are_encoded() {
        assert_eq!(
            token_url(
                "https://auth.docker.io/token",
                Some("registry.docker.io"),
                Some("repository:ratelimitpreview/test:pull"),
                Some("al ice")
            ),
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Aratelimitpreview%2Ftest%3Apull&account=al%20ice"
        );
        assert_eq!(
            token_of(r#"{"token":"t","access_token":"t"}"#).as_deref(),
            Some("t")
        );
        assert_eq!(token_of("<html>"), None);
    }

    #[test]
    fn hub_limit_headers() {
        // As Docker Hub sends them (docs.docker.com/docker-hub/usage/pulls/).
        let a = HttpAnswer {
            status: 200,
            headers: vec![
                ("ratelimit-limit".into(), "100;w=21600".into()),
                ("ratelimit-remaining".into(), "76;w=21600".into()),
                ("docker-ratelimit-source".into(), "192.0.2.1".into()),
            ],
            body: String::new(),
        };
        assert_eq!(
            pull_limit(&a),
            Some(PullLimit {
                limit: 100,
                remaining: 76,
                window_secs: Some(21600),
                source: Some("192.0.2.1".into())
            })
        );
        assert_eq!(pull_limit(&HttpAnswer::default()), None);
    }
}
