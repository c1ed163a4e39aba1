//! One registry connection followed step by step, the way dockerd makes it: DNS (or the
//! proxy's name), TCP, `CONNECT` through the proxy when one applies, TLS, `GET /v2/`. Every
//! step is timed and classified, so a probe can say which step failed and why.
//!
//! The trace is data: [`RealHost`](super::RealHost) makes it on the network (this module's
//! [`run`]); a fixture replays one that was recorded.

use crate::facts::proxy::ProxyUrl;
use crate::secret::redact_url;
use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// What to connect to and how.
#[derive(Debug, Clone)]
pub struct TraceRequest {
    pub host: String,
    pub port: u16,
    /// HTTPS first; for an insecure registry, plain HTTP when TLS fails (as dockerd does).
    pub insecure: bool,
    /// The proxy dockerd would use for this registry.
    pub proxy: Option<ProxyUrl>,
    pub timeout: Duration,
}

/// How one name lookup ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum DnsOutcome {
    Resolved {
        addrs: Vec<String>,
    },
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no address records.
    NoRecords,
    /// The nameserver failed (SERVFAIL), Go's "server misbehaving".
    ServFail,
    /// The nameserver refused to answer (REFUSED) or the port is closed.
    Refused,
    TimedOut,
    Failed {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsStep {
    pub name: String,
    pub ms: u64,
    /// Nameservers of the system configuration (`/etc/resolv.conf`).
    pub nameservers: Vec<String>,
    /// What those nameservers said (hickory-resolver).
    pub resolver: DnsOutcome,
    /// What the C library said (`getaddrinfo`: /etc/hosts, nsswitch), when it was asked.
    pub system: Option<DnsOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum ConnectOutcome {
    Connected { addr: String },
    Refused { addr: String },
    TimedOut { addr: String },
    Failed { addr: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectStep {
    /// What was dialled: the registry, or the proxy.
    pub to: String,
    pub ms: u64,
    pub outcome: ConnectOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum TunnelOutcome {
    Open,
    /// The proxy answered CONNECT with an error status (407 wants credentials).
    Rejected {
        status: u16,
        reason: String,
    },
    TimedOut,
    Failed {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TunnelStep {
    pub ms: u64,
    pub outcome: TunnelOutcome,
}

/// The verdict on the presented chain against the roots dockerd trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum TlsVerdict {
    Trusted,
    UnknownIssuer,
    Expired,
    NotYetValid,
    WrongHost,
    Other {
        message: String,
    },
    /// Not judged: an insecure registry (dockerd skips verification), or a chain on the
    /// wire, which the [`Context`](crate::context::Context) judges against the daemon's
    /// roots at this machine's clock.
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsStep {
    pub ms: u64,
    /// `None` when the handshake did not complete.
    pub version: Option<String>,
    /// The certificates the server presented, leaf first, as PEM.
    pub chain: Vec<String>,
    pub verdict: TlsVerdict,
    /// Why the handshake failed, when it did for another reason than the verdict.
    pub error: Option<String>,
    pub timed_out: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpStep {
    pub ms: u64,
    pub status: Option<u16>,
    pub www_authenticate: Option<String>,
    /// The server's `Date` header (RFC 7231 text).
    pub date: Option<String>,
    /// The start of the body (error bodies name `toomanyrequests` and the like).
    pub body: Option<String>,
    pub error: Option<String>,
    pub timed_out: bool,
    /// Asked over plain HTTP (insecure registry after TLS failed).
    pub plain_http: bool,
}

/// Every step that was taken, in order; the first failing one is the last present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trace {
    /// The proxy used, password masked.
    pub proxy: Option<String>,
    pub dns: Option<DnsStep>,
    pub connect: Option<ConnectStep>,
    pub tunnel: Option<TunnelStep>,
    pub tls: Option<TlsStep>,
    pub http: Option<HttpStep>,
    /// Ran out of its time budget.
    pub timed_out: bool,
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Follows one connection on the network.
pub async fn run(req: &TraceRequest) -> Trace {
    let deadline = tokio::time::Instant::now() + req.timeout;
    let mut trace = Trace {
        proxy: req.proxy.as_ref().map(|p| p.shown()),
        ..Trace::default()
    };
    match tokio::time::timeout_at(deadline, steps(req, &mut trace, deadline)).await {
        Ok(()) => {}
        Err(_) => trace.timed_out = true,
    }
    trace
}

async fn steps(req: &TraceRequest, trace: &mut Trace, deadline: tokio::time::Instant) {
    let (dial_host, dial_port) = match &req.proxy {
        Some(p) => (p.host.clone(), p.port),
        None => (req.host.clone(), req.port),
    };
    let dns = resolve(&dial_host, dial_port, deadline).await;
    let addrs = match (&dns.resolver, &dns.system) {
        (DnsOutcome::Resolved { addrs }, _) | (_, Some(DnsOutcome::Resolved { addrs })) => {
            addrs.clone()
        }
        _ => Vec::new(),
    };
    trace.dns = Some(dns);
    if addrs.is_empty() {
        return;
    }
    let Some(stream) = connect(&dial_host, dial_port, &addrs, trace).await else {
        return;
    };
    let stream = match &req.proxy {
        Some(proxy) => {
            let started = Instant::now();
            let (stream, outcome) = tunnel(stream, proxy, &req.host, req.port).await;
            trace.tunnel = Some(TunnelStep {
                ms: ms(started),
                outcome,
            });
            match stream {
                Some(s) => s,
                None => return,
            }
        }
        None => stream,
    };
    let recorder = Arc::new(Recorder::default());
    let started = Instant::now();
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = match ServerName::try_from(req.host.clone()) {
        Ok(n) => n,
        Err(e) => {
            trace.tls = Some(TlsStep {
                ms: 0,
                version: None,
                chain: Vec::new(),
                verdict: TlsVerdict::Other {
                    message: e.to_string(),
                },
                error: Some(e.to_string()),
                timed_out: false,
            });
            return;
        }
    };
    let handshake = tokio::time::timeout_at(deadline, connector.connect(name, stream)).await;
    let chain = recorder.chain();
    let verdict = if chain.is_empty() && !req.insecure {
        TlsVerdict::Other {
            message: "no certificate was presented".into(),
        }
    } else {
        TlsVerdict::NotChecked
    };
    let (tls_stream, version, error, timed_out) = match handshake {
        Ok(Ok(s)) => {
            let v = s
                .get_ref()
                .1
                .protocol_version()
                .and_then(|v| v.as_str())
                .map(str::to_string);
            (Some(s), v, None, false)
        }
        Ok(Err(e)) => (None, None, Some(e.to_string()), false),
        Err(_) => (None, None, None, true),
    };
    let handshake_done = tls_stream.is_some();
    trace.tls = Some(TlsStep {
        ms: ms(started),
        version,
        chain,
        verdict,
        error,
        timed_out,
    });
    if timed_out {
        trace.timed_out = true;
        return;
    }
    match tls_stream {
        // Read even over a chain dockerd would refuse: the server's clock and status still
        // tell why (the verdict decides, not the connection).
        Some(s) => trace.http = Some(get_v2(s, &req.host, req.port, false).await),
        None if req.insecure && !handshake_done => {
            // dockerd falls back to plain HTTP for an insecure registry.
            let Some(stream) = reconnect(trace).await else {
                return;
            };
            let mut http = get_v2(stream, &req.host, req.port, req.proxy.is_some()).await;
            http.plain_http = true;
            trace.http = Some(http);
        }
        None => {}
    }
}

/// A second plain connection for the HTTP fallback (through the proxy as an absolute URI).
async fn reconnect(trace: &Trace) -> Option<TcpStream> {
    let addr = match trace.connect.as_ref().map(|c| &c.outcome) {
        Some(ConnectOutcome::Connected { addr }) => addr.parse::<SocketAddr>().ok()?,
        _ => return None,
    };
    TcpStream::connect(addr).await.ok()
}

async fn resolve(name: &str, port: u16, deadline: tokio::time::Instant) -> DnsStep {
    let started = Instant::now();
    if let Ok(ip) = name.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        return DnsStep {
            name: name.to_string(),
            ms: 0,
            nameservers: Vec::new(),
            resolver: DnsOutcome::Resolved {
                addrs: vec![ip.to_string()],
            },
            system: None,
        };
    }
    // DNS gets most of the budget, never all of it: a dead nameserver must read as a DNS
    // timeout, not as the whole check running out.
    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
    let deadline = deadline - left.mul_f32(0.15).min(Duration::from_millis(500));
    let hickory = async {
        use hickory_resolver::net::runtime::TokioRuntimeProvider;
        let (config, mut opts) = match hickory_resolver::system_conf::read_system_conf() {
            Ok(c) => c,
            Err(e) => {
                return (
                    DnsOutcome::Failed {
                        message: format!("cannot read /etc/resolv.conf: {e}"),
                    },
                    Vec::new(),
                );
            }
        };
        let nameservers: Vec<String> = config
            .name_servers()
            .iter()
            .map(|n| n.ip.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        // Leave time for the steps after DNS: a dead nameserver must read as a timeout.
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        opts.timeout = opts
            .timeout
            .min(left.mul_f32(0.5).max(Duration::from_millis(100)));
        opts.attempts = opts.attempts.min(2);
        opts.cache_size = 0;
        let resolver = match hickory_resolver::Resolver::builder_with_config(
            config,
            TokioRuntimeProvider::default(),
        )
        .with_options(opts)
        .build()
        {
            Ok(r) => r,
            Err(e) => {
                return (
                    DnsOutcome::Failed {
                        message: e.to_string(),
                    },
                    nameservers,
                );
            }
        };
        let outcome = match tokio::time::timeout_at(deadline, resolver.lookup_ip(name)).await {
            Ok(Ok(lookup)) => DnsOutcome::Resolved {
                addrs: lookup.iter().map(|a| a.to_string()).collect(),
            },
            Ok(Err(e)) => classify_dns(&e),
            Err(_) => DnsOutcome::TimedOut,
        };
        (outcome, nameservers)
    };
    // getaddrinfo, as a cross-check (it also reads /etc/hosts and nsswitch).
    let system = async {
        match tokio::time::timeout_at(deadline, tokio::net::lookup_host((name, port))).await {
            Ok(Ok(addrs)) => {
                let mut v: Vec<String> = addrs.map(|a| a.ip().to_string()).collect();
                v.dedup();
                if v.is_empty() {
                    DnsOutcome::NoRecords
                } else {
                    DnsOutcome::Resolved { addrs: v }
                }
            }
            Ok(Err(e)) => classify_gai(&e.to_string()),
            Err(_) => DnsOutcome::TimedOut,
        }
    };
    let ((resolver_outcome, nameservers), system) = tokio::join!(hickory, system);
    DnsStep {
        name: name.to_string(),
        ms: ms(started),
        nameservers,
        resolver: resolver_outcome,
        system: Some(system),
    }
}

fn classify_dns(e: &hickory_resolver::net::NetError) -> DnsOutcome {
    use hickory_resolver::net::{DnsError, NetError};
    use hickory_resolver::proto::op::ResponseCode;
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            if nr.response_code == ResponseCode::NXDomain {
                DnsOutcome::NxDomain
            } else {
                DnsOutcome::NoRecords
            }
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => DnsOutcome::ServFail,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => DnsOutcome::Refused,
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => DnsOutcome::NxDomain,
        NetError::Timeout => DnsOutcome::TimedOut,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            DnsOutcome::Refused
        }
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => DnsOutcome::TimedOut,
        other => {
            let text = other.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("timed out") || lower.contains("timeout") {
                DnsOutcome::TimedOut
            } else if lower.contains("servfail") || lower.contains("server failure") {
                DnsOutcome::ServFail
            } else if lower.contains("refused") {
                DnsOutcome::Refused
            } else if lower.contains("nxdomain") {
                DnsOutcome::NxDomain
            } else {
                DnsOutcome::Failed { message: text }
            }
        }
    }
}

/// glibc's `gai_strerror` texts, as Rust's std reports them.
fn classify_gai(text: &str) -> DnsOutcome {
    let lower = text.to_ascii_lowercase();
    if lower.contains("name or service not known") || lower.contains("no address associated") {
        DnsOutcome::NxDomain
    } else if lower.contains("temporary failure") {
        // EAI_AGAIN: SERVFAIL or no nameserver answered.
        DnsOutcome::Failed {
            message: "temporary failure in name resolution (SERVFAIL or no answer)".into(),
        }
    } else {
        DnsOutcome::Failed {
            message: text.to_string(),
        }
    }
}

async fn connect(host: &str, port: u16, addrs: &[String], trace: &mut Trace) -> Option<TcpStream> {
    let started = Instant::now();
    let mut last = None;
    for a in addrs {
        let Ok(ip) = a.parse::<std::net::IpAddr>() else {
            continue;
        };
        let addr = SocketAddr::new(ip, port);
        // Each address gets a share of a few seconds, as Go's dialer splits its budget.
        match tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                // As Go's dialer does: small requests must not wait for delayed ACKs.
                let _ = s.set_nodelay(true);
                trace.connect = Some(ConnectStep {
                    to: format!("{host}:{port}"),
                    ms: ms(started),
                    outcome: ConnectOutcome::Connected {
                        addr: addr.to_string(),
                    },
                });
                return Some(s);
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Some(ConnectOutcome::Refused {
                    addr: addr.to_string(),
                })
            }
            Ok(Err(e)) => {
                last = Some(ConnectOutcome::Failed {
                    addr: addr.to_string(),
                    message: e.to_string(),
                })
            }
            Err(_) => {
                last = Some(ConnectOutcome::TimedOut {
                    addr: addr.to_string(),
                })
            }
        }
    }
    trace.connect = last.map(|outcome| ConnectStep {
        to: format!("{host}:{port}"),
        ms: ms(started),
        outcome,
    });
    None
}

/// `CONNECT host:port` through an HTTP proxy.
async fn tunnel(
    mut stream: TcpStream,
    proxy: &ProxyUrl,
    host: &str,
    port: u16,
) -> (Option<TcpStream>, TunnelOutcome) {
    let target = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request =
        format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: docker-doctor\r\n");
    if let Some(user) = &proxy.user {
        let pass = proxy.password.as_ref().map(|p| p.expose()).unwrap_or("");
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        return (
            None,
            TunnelOutcome::Failed {
                message: e.to_string(),
            },
        );
    }
    let head = match read_head(&mut stream).await {
        Ok(h) => h,
        Err(e) => {
            return (
                None,
                TunnelOutcome::Failed {
                    message: format!("no answer to CONNECT: {e}"),
                },
            );
        }
    };
    let status_line = head.lines().next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts.next().and_then(|s| s.parse::<u16>().ok());
    let reason = parts.next().unwrap_or("").trim().to_string();
    match status {
        Some(s) if (200..300).contains(&s) => (Some(stream), TunnelOutcome::Open),
        Some(s) => (None, TunnelOutcome::Rejected { status: s, reason }),
        None => (
            None,
            TunnelOutcome::Failed {
                message: format!("not an HTTP answer: {:?}", truncate(status_line, 80)),
            },
        ),
    }
}

/// Reads an HTTP response head (up to the blank line), at most 16 KiB.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while buf.len() < 16 * 1024 {
        let n = stream.read(&mut byte).await?;
        if n == 0 {
            if buf.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed",
                ));
            }
            break;
        }
        buf.push(byte[0]);
        if buf.ends_with(b"\r\n\r\n") {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// `GET /v2/` over an open stream, HTTP/1.1, reading the head and the start of the body.
async fn get_v2<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    host: &str,
    port: u16,
    absolute: bool,
) -> HttpStep {
    let started = Instant::now();
    let authority = if port == 443 {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    let path = if absolute {
        format!("http://{authority}/v2/")
    } else {
        "/v2/".to_string()
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: docker-doctor\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    let mut step = HttpStep {
        ms: 0,
        status: None,
        www_authenticate: None,
        date: None,
        body: None,
        error: None,
        timed_out: false,
        plain_http: false,
    };
    let result = async {
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await?;
        let head = read_head(&mut stream).await?;
        let mut body = vec![0u8; 1024];
        let n = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut body))
            .await
            .unwrap_or(Ok(0))
            .unwrap_or(0);
        body.truncate(n);
        Ok::<_, std::io::Error>((head, body))
    }
    .await;
    match result {
        Ok((head, body)) => {
            let mut lines = head.lines();
            let status_line = lines.next().unwrap_or("");
            step.status = status_line
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok());
            if !status_line.starts_with("HTTP/") {
                step.error = Some(format!(
                    "not an HTTP answer: {:?}",
                    truncate(status_line, 80)
                ));
                step.status = None;
            }
            for line in lines {
                if let Some((k, v)) = line.split_once(':') {
                    let v = v.trim().to_string();
                    match k.trim().to_ascii_lowercase().as_str() {
                        "www-authenticate" => step.www_authenticate = Some(v),
                        "date" => step.date = Some(v),
                        _ => {}
                    }
                }
            }
            let text = String::from_utf8_lossy(&body);
            let text = text.trim();
            if !text.is_empty() {
                step.body = Some(redact_url(&truncate(text, 300)));
            }
        }
        Err(e) => step.error = Some(e.to_string()),
    }
    step.ms = ms(started);
    step
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A verifier that records the presented chain and lets the handshake finish, so the
/// trace can still read the server's clock and status. The chain is judged once, as the
/// daemon would judge it, by the [`Context`](crate::context::Context); the handshake
/// signatures are still checked here.
#[derive(Debug, Default)]
struct Recorder {
    chain: Mutex<Vec<String>>,
}

impl Recorder {
    fn chain(&self) -> Vec<String> {
        self.chain.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

/// The PEM text of a DER certificate.
pub fn to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The DER certificates of PEM texts (the inverse of [`to_pem`]).
pub fn from_pem(pems: &[String]) -> Vec<CertificateDer<'static>> {
    pems.iter()
        .filter_map(|p| CertificateDer::from_pem_slice(p.as_bytes()).ok())
        .collect()
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut recorded) = self.chain.lock() {
            *recorded = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| to_pem(c))
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crate::facts::certs::handshake_signature(false, message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        crate::facts::certs::handshake_signature(true, message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        crate::facts::certs::handshake_schemes()
    }
}
