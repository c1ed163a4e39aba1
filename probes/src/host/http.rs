//! Plain HTTP to registries through reqwest (rustls), configured by hand as the daemon is:
//! only the roots it trusts, only its proxy (never this shell's), no redirect to plain
//! HTTP, a deadline, and a capped body. The step-by-step view (DNS, TCP, CONNECT, TLS) is
//! the trace's job (`trace.rs`); this answers "what does the registry say".

use super::{HttpAnswer, HttpAuth, HttpError, HttpRequest};
use std::sync::Arc;

const BODY_CAP: usize = 1024 * 1024;

pub async fn request(req: &HttpRequest) -> Result<HttpAnswer, HttpError> {
    let work = async {
        let client = client(req)?;
        let mut builder = if req.head {
            client.head(&req.url)
        } else {
            client.get(&req.url)
        };
        builder = match &req.auth {
            Some(HttpAuth::Basic { user, password }) => {
                builder.basic_auth(user, Some(password.expose()))
            }
            Some(HttpAuth::Bearer(token)) => builder.bearer_auth(token.expose()),
            None => builder,
        };
        let mut resp = builder.send().await.map_err(describe)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(describe)? {
            body.extend_from_slice(&chunk);
            if body.len() >= BODY_CAP {
                body.truncate(BODY_CAP);
                break;
            }
        }
        Ok(HttpAnswer {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    };
    tokio::time::timeout(req.timeout, work)
        .await
        .unwrap_or(Err(HttpError::TimedOut))
}

fn client(req: &HttpRequest) -> Result<reqwest::Client, HttpError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in &req.roots {
        // A certificate rustls cannot use is one the daemon could not use either.
        let _ = roots.add(cert.clone());
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| HttpError::Failed(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .timeout(req.timeout)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            // A token realm or blob may redirect, never down to plain HTTP.
            if attempt.previous().len() >= 5 || attempt.url().scheme() != "https" {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }));
    if let Some(proxy) = &req.proxy {
        let proxy = reqwest::Proxy::all(proxy.expose())
            .map_err(|_| HttpError::Failed("the proxy URL cannot be used".into()))?;
        builder = builder.proxy(proxy);
    }
    builder.build().map_err(describe)
}

/// The error with its innermost cause, which names what failed (the URL, and so any
/// credentials in it, left out).
fn describe(e: reqwest::Error) -> HttpError {
    if e.is_timeout() {
        return HttpError::TimedOut;
    }
    let mut inner = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(err) = source {
        inner = err.to_string();
        source = err.source();
    }
    let top = e.without_url().to_string();
    HttpError::Failed(if inner.is_empty() || top.contains(&inner) {
        top
    } else {
        format!("{top}: {inner}")
    })
}
