//! `registry`: can the daemon reach each registry it will pull from? For Docker Hub, every
//! configured mirror and insecure registry, and every `--registry`: DNS, TCP, the proxy's
//! CONNECT when the daemon would use one, TLS, `GET /v2/` - each step timed, the failing
//! one named.

use super::Probe;
use super::proxy::dns_text;
use crate::argv;
use crate::context::{Context, RegistryTrace};
use crate::facts::registries::Role;
use crate::host::trace::{
    ConnectOutcome, DnsOutcome, DnsStep, HttpStep, TlsVerdict, Trace, TunnelOutcome,
};
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use async_trait::async_trait;

const OK: FindingKind = FindingKind::new(
    "registry.ok",
    Severity::Ok,
    "the registry answers `GET /v2/` as a registry should",
);
const DNS_NXDOMAIN: FindingKind = FindingKind::new(
    "registry.dns-nxdomain",
    Severity::Error,
    "the registry's name does not exist in DNS (NXDOMAIN, \"no such host\")",
);
const DNS_SERVFAIL: FindingKind = FindingKind::new(
    "registry.dns-servfail",
    Severity::Error,
    "the nameserver fails for the registry's name (SERVFAIL, \"server misbehaving\")",
);
const DNS_TIMEOUT: FindingKind = FindingKind::new(
    "registry.dns-timeout",
    Severity::Error,
    "no nameserver answered for the registry's name (\"i/o timeout\")",
);
const DNS_REFUSED: FindingKind = FindingKind::new(
    "registry.dns-refused",
    Severity::Error,
    "the nameserver refused the query, or nothing listens on it",
);
const DNS_FAILED: FindingKind = FindingKind::new(
    "registry.dns-failed",
    Severity::Error,
    "the registry's name could not be resolved",
);
const DNS_DISAGREE: FindingKind = FindingKind::new(
    "registry.dns-disagree",
    Severity::Warn,
    "the nameservers and the system resolver (/etc/hosts, nsswitch) disagree",
);
const CONNECT_FAILED: FindingKind = FindingKind::new(
    "registry.connect-failed",
    Severity::Error,
    "TCP connection to the registry refused, timed out or unroutable",
);
const PROXY_FAILED: FindingKind = FindingKind::new(
    "registry.proxy-failed",
    Severity::Error,
    "the daemon's proxy could not be used to reach the registry",
);
const TUNNEL_REFUSED: FindingKind = FindingKind::new(
    "registry.tunnel-refused",
    Severity::Error,
    "the proxy refused to CONNECT to the registry",
);
const TLS_FAILED: FindingKind = FindingKind::new(
    "registry.tls-failed",
    Severity::Error,
    "the TLS handshake with the registry failed or its certificate is refused",
);
const HTTP_ONLY: FindingKind = FindingKind::new(
    "registry.http-only",
    Severity::Error,
    "the registry speaks plain HTTP, but it is not an insecure registry (\"server gave HTTP response to HTTPS client\")",
);
const INSECURE: FindingKind = FindingKind::new(
    "registry.insecure",
    Severity::Info,
    "an insecure registry: no TLS verification, or plain HTTP",
);
const RATE_LIMITED: FindingKind = FindingKind::new(
    "registry.rate-limited",
    Severity::Warn,
    "the registry rate-limits this address (429 toomanyrequests)",
);
const UNEXPECTED: FindingKind = FindingKind::new(
    "registry.unexpected-answer",
    Severity::Error,
    "`GET /v2/` was not answered with 200, or 401 with a challenge",
);
const TIMED_OUT: FindingKind = FindingKind::new(
    "registry.timed-out",
    Severity::Error,
    "the check ran out of time at one step",
);

const NOT_CHECKED: FindingKind = FindingKind::new(
    "registry.not-checked",
    Severity::Info,
    "the daemon's configuration lists more mirrors and registries than one run checks",
);

const KINDS: &[FindingKind] = &[
    NOT_CHECKED,
    OK,
    DNS_NXDOMAIN,
    DNS_SERVFAIL,
    DNS_TIMEOUT,
    DNS_REFUSED,
    DNS_FAILED,
    DNS_DISAGREE,
    CONNECT_FAILED,
    PROXY_FAILED,
    TUNNEL_REFUSED,
    TLS_FAILED,
    HTTP_ONLY,
    INSECURE,
    RATE_LIMITED,
    UNEXPECTED,
    TIMED_OUT,
];

pub struct Registry;

#[async_trait]
impl Probe for Registry {
    fn id(&self) -> &'static str {
        "registry"
    }

    fn title(&self) -> &'static str {
        "Registries: DNS, TCP, proxy, TLS and GET /v2/"
    }

    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    fn network(&self) -> bool {
        true
    }

    fn not_applicable_because(&self, ctx: &Context) -> Option<String> {
        super::needs_traces(ctx)
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let traces = ctx.registry_traces().await;
        let shell_has_proxy = !ctx.shell_proxy().set.is_empty();
        let mut out = Vec::new();
        let skipped = crate::facts::registries::not_listed(&ctx.registry_config().await);
        if skipped > 0 {
            out.push(NOT_CHECKED.finding(format!(
                "the daemon's configuration lists more mirrors and insecure registries than one run checks: the first {} are checked, and {skipped} more are not",
                crate::facts::registries::CONFIGURED_CAP
            )));
        }
        let os = ctx.platform().os.clone();
        let mut judged = Vec::new();
        for rt in traces {
            let name = &rt.registry.name;
            judged.extend(
                judge(rt, shell_has_proxy, &os)
                    .into_iter()
                    .map(|f| f.subject(name.clone())),
            );
        }
        out.extend(one_per_nameserver(judged));
        out
    }
}

/// A nameserver that answers nothing (or refuses, or fails upstream) fails every name the
/// same way: one problem, the names listed, not one error per Docker Hub host. NXDOMAIN is
/// about each name and stays apart.
fn one_per_nameserver(findings: Vec<Finding>) -> Vec<Finding> {
    let key = |f: &Finding| {
        [DNS_TIMEOUT.id, DNS_SERVFAIL.id, DNS_REFUSED.id]
            .contains(&f.id.as_str())
            .then(|| {
                let servers = f
                    .evidence
                    .iter()
                    .find(|e| e.key == "nameservers")
                    .map(|e| e.value.clone());
                (f.id.clone(), servers)
            })
    };
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        let k = key(&f);
        let Some(first) = k
            .as_ref()
            .and_then(|k| out.iter_mut().find(|g| key(g).as_ref() == Some(k)))
        else {
            out.push(f);
            continue;
        };
        let subjects = match (&first.subject, &f.subject) {
            (Some(a), Some(b)) => format!("{a}, {b}"),
            (a, b) => a.clone().or_else(|| b.clone()).unwrap_or_default(),
        };
        let names: Vec<String> = first
            .evidence
            .iter()
            .chain(f.evidence.iter())
            .filter(|e| e.key == "name")
            .map(|e| e.value.clone())
            .collect();
        let servers = first
            .evidence
            .iter()
            .find(|e| e.key == "nameservers")
            .map(|e| e.value.clone())
            .unwrap_or_default();
        first.summary = match first.id.as_str() {
            id if id == DNS_TIMEOUT.id => format!(
                "no answer from the nameserver {servers} for {} names ({})",
                names.len(),
                names.join(", ")
            ),
            id if id == DNS_SERVFAIL.id => format!(
                "the nameserver {servers} fails for {} names ({}) (SERVFAIL)",
                names.len(),
                names.join(", ")
            ),
            _ => format!(
                "the nameserver {servers} refused the queries for {} names ({})",
                names.len(),
                names.join(", ")
            ),
        };
        first.subject = Some(subjects);
        for e in f.evidence.into_iter().filter(|e| e.key == "name") {
            first.evidence.push(e);
        }
    }
    out
}

/// The time of each step taken, as evidence.
fn timings(mut f: Finding, t: &Trace) -> Finding {
    if let Some(p) = &t.proxy {
        f = f.evidence("proxy", p);
    }
    if let Some(d) = &t.dns {
        f = f.evidence("dns_ms", d.ms);
    }
    if let Some(c) = &t.connect {
        f = f.evidence("connect_ms", c.ms);
    }
    if let Some(c) = &t.tunnel {
        f = f.evidence("tunnel_ms", c.ms);
    }
    if let Some(c) = &t.tls {
        f = f.evidence("tls_ms", c.ms);
    }
    if let Some(c) = &t.http {
        f = f.evidence("http_ms", c.ms);
    }
    f
}

fn judge(rt: &RegistryTrace, shell_has_proxy: bool, os: &str) -> Vec<Finding> {
    let t = &rt.trace;
    let name = &rt.registry.name;
    let via_proxy = t.proxy.is_some();
    let mut out = Vec::new();

    // DNS: of the registry, or of the proxy (then it is the proxy probe's finding).
    if let Some(d) = &t.dns {
        let resolved = |o: &Option<DnsOutcome>| matches!(o, Some(DnsOutcome::Resolved { .. }));
        let ok = matches!(d.resolver, DnsOutcome::Resolved { .. }) || resolved(&d.system);
        if !ok {
            if via_proxy {
                out.push(timings(
                    PROXY_FAILED
                        .finding(format!(
                            "{}: the daemon's proxy {} does not resolve",
                            rt.registry.label(),
                            d.name
                        ))
                        .caused_by("proxy.unreachable"),
                    t,
                ));
            } else {
                out.push(timings(dns_failure(rt, d, shell_has_proxy, os), t));
            }
            return out;
        }
        if !via_proxy && let Some(f) = dns_disagreement(rt, d, os) {
            out.push(f);
        }
    }

    if let Some(c) = &t.connect
        && !matches!(c.outcome, ConnectOutcome::Connected { .. })
    {
        if via_proxy {
            out.push(timings(
                PROXY_FAILED
                    .finding(format!(
                        "{}: the daemon's proxy {} cannot be reached",
                        rt.registry.label(),
                        c.to
                    ))
                    .caused_by("proxy.unreachable"),
                t,
            ));
        } else {
            let (what, addr) = match &c.outcome {
                ConnectOutcome::Refused { addr } => ("refused".to_string(), addr),
                ConnectOutcome::TimedOut { addr } => ("timed out".to_string(), addr),
                ConnectOutcome::Failed { addr, message } => (message.clone(), addr),
                ConnectOutcome::Connected { addr } => (String::new(), addr),
            };
            let mut f = CONNECT_FAILED
                    .finding(format!("{}: TCP connection to {addr} {what}", rt.registry.label()))
                    .evidence("address", addr)
                    .fix(
                        Fix::new("Check the route to the registry from this machine")
                            .run(argv!["curl", "-sv", "--max-time", "10", format!("https://{name}/v2/"), "-o", "/dev/null"])
                            .manual("A firewall that only lets traffic out through a proxy drops direct connections: the daemon then needs that proxy."),
                    );
            if addr.starts_with('[') && !matches!(c.outcome, ConnectOutcome::TimedOut { .. }) {
                // Docker Hub is dual-stack: an AAAA answer on a host without IPv6 routing.
                f = f
                    .detail("DNS gave an IPv6 address, but this host cannot reach IPv6 (no global address or route): \"cannot assign requested address\" or \"network is unreachable\".")
                    .fix(
                        Fix::new("Give the host working IPv6, or remove the stray IPv6 route")
                            .run(argv!["getent", "ahosts", name])
                            .run("ip -6 addr show scope global; ip -6 route"),
                    );
            }
            if shell_has_proxy {
                f = f
                        .detail("This shell has a proxy but the daemon connects directly: on a network that only allows the proxy out, direct connections time out.")
                        .caused_by("proxy.not-applied|proxy.daemon-missing|proxy");
            }
            out.push(timings(f, t));
        }
        return out;
    }

    if let Some(tn) = &t.tunnel {
        match &tn.outcome {
            TunnelOutcome::Open => {}
            TunnelOutcome::Rejected { status: 407, .. } => {
                out.push(timings(
                    PROXY_FAILED
                        .finding(format!(
                            "{}: the proxy wants credentials (407)",
                            rt.registry.label()
                        ))
                        .caused_by("proxy.auth-required"),
                    t,
                ));
                return out;
            }
            TunnelOutcome::Rejected { status, reason } => {
                out.push(timings(
                    TUNNEL_REFUSED
                        .finding(format!(
                            "{}: the proxy answered CONNECT {name} with {status} {reason}",
                            rt.registry.label()
                        ))
                        .detail("The proxy is up but will not open a tunnel to this registry: its policy blocks the host or port, or it cannot reach it. An internal registry belongs in the daemon's NO_PROXY.")
                        .evidence("status", status)
                        .fix(Fix::new("Ask for the registry to be allowed through the proxy, or bypass the proxy for it").manual(format!(
                            "Add {} to the daemon's NO_PROXY if it is inside your network; otherwise ask the proxy's administrators to allow CONNECT to {name}.",
                            rt.registry.host
                        ))),
                    t,
                ));
                return out;
            }
            TunnelOutcome::TimedOut | TunnelOutcome::Failed { .. } => {
                let why = match &tn.outcome {
                    TunnelOutcome::Failed { message } => message.clone(),
                    _ => "no answer".into(),
                };
                out.push(timings(
                    PROXY_FAILED
                        .finding(format!(
                            "{}: the proxy did not answer CONNECT: {why}",
                            rt.registry.label()
                        ))
                        .caused_by("proxy.unreachable|proxy"),
                    t,
                ));
                return out;
            }
        }
    }

    if let Some(tls) = &t.tls {
        if tls.timed_out {
            out.push(timings(
                TIMED_OUT
                    .finding(format!("{}: no TLS handshake before the deadline", rt.registry.label()))
                    .detail("The connection opened but the handshake stalled. With a VPN or tunnel, a path MTU too small for the certificate chain does this (\"TLS handshake timeout\").")
                    .evidence("step", "tls")
                    .fix(Fix::new("Compare the interface MTUs and retry with a larger --timeout").run("ip link | grep -E 'mtu'")),
                t,
            ));
            return out;
        }
        let handshake_ok = tls.version.is_some();
        if !handshake_ok {
            let error = tls.error.clone().unwrap_or_default();
            if looks_like_plain_http(&error) && !rt.registry.insecure {
                out.push(timings(http_only(rt, &error), t));
            } else if !rt.registry.insecure {
                out.push(timings(
                    TLS_FAILED
                        .finding(format!(
                            "{}: TLS handshake failed: {error}",
                            rt.registry.label()
                        ))
                        .evidence("error", &error),
                    t,
                ));
            }
            if !(rt.registry.insecure && t.http.is_some()) {
                return out;
            }
        } else if !matches!(tls.verdict, TlsVerdict::Trusted | TlsVerdict::NotChecked) {
            out.push(timings(
                TLS_FAILED
                    .finding(format!(
                        "{}: the daemon would refuse the registry's certificate ({})",
                        rt.registry.label(),
                        verdict_text(&tls.verdict)
                    ))
                    .caused_by("ca"),
                t,
            ));
            // The answer of /v2/ over an unverified connection is still worth reading (rate
            // limits), but the daemon would have stopped here.
            if let Some(h) = &t.http
                && let Some(f) = rate_limit(rt, h)
            {
                out.push(f);
            }
            return out;
        }
    }

    let Some(h) = &t.http else {
        if t.timed_out {
            out.push(timings(
                TIMED_OUT
                    .finding(format!(
                        "{}: the check ran out of time",
                        rt.registry.label()
                    ))
                    .evidence("step", last_step(t)),
                t,
            ));
        }
        return out;
    };
    if h.timed_out || (t.timed_out && h.status.is_none()) {
        out.push(timings(
            TIMED_OUT
                .finding(format!(
                    "{}: no answer to GET /v2/ before the deadline",
                    rt.registry.label()
                ))
                .evidence("step", "http"),
            t,
        ));
        return out;
    }
    if let Some(f) = rate_limit(rt, h) {
        out.push(timings(f, t));
        return out;
    }
    if rt.registry.insecure {
        out.push(
            INSECURE
                .finding(format!(
                    "{}: insecure registry, answered over {}",
                    rt.registry.label(),
                    if h.plain_http { "plain HTTP" } else { "HTTPS without verification" }
                ))
                .detail("dockerd does not verify this registry's certificate, or talks plain HTTP to it: anyone on the path can change the images it pulls.")
                .evidence("role", rt.registry.role.as_str()),
        );
    }
    match h.status {
        Some(200) => out.push(ok(rt, h, t)),
        Some(401) if h.www_authenticate.is_some() => out.push(ok(rt, h, t)),
        Some(403) if h.body.as_deref().is_some_and(export_control_block) => {
            out.push(timings(geo_blocked(rt, h), t));
        }
        Some(status) => {
            let mut f = UNEXPECTED
                .finding(format!(
                    "{}: GET /v2/ answered {status}",
                    rt.registry.label()
                ))
                .evidence("status", status);
            if let Some(b) = &h.body {
                f = f.evidence("body", b);
            }
            f = match status {
                401 => f.detail("401 without a Www-Authenticate challenge: not how a registry asks for a login."),
                404 => f.detail("Nothing serves the registry API (/v2/) here: a web server, or a registry under another path or port."),
                502..=504 if via_proxy => f.detail("The proxy could not reach the registry for the daemon. An internal registry belongs in the daemon's NO_PROXY.").caused_by("proxy.no-proxy-missing"),
                _ => f,
            };
            out.push(timings(f, t));
        }
        None => {
            out.push(timings(
                UNEXPECTED
                    .finding(format!(
                        "{}: GET /v2/ got no HTTP answer: {}",
                        rt.registry.label(),
                        h.error.clone().unwrap_or_default()
                    ))
                    .evidence("step", "http"),
                t,
            ));
        }
    }
    out
}

/// Docker Hub's page for an address it locates in an embargoed country or region.
fn export_control_block(body: &str) -> bool {
    body.to_ascii_lowercase()
        .contains("export control regulations")
}

/// The registry refused this machine's address for its country: no login or local setting
/// lifts it, so the fix is the address's location or a mirror, never `docker login`.
fn geo_blocked(rt: &RegistryTrace, h: &HttpStep) -> Finding {
    let mut f = UNEXPECTED
        .finding(format!(
            "{}: GET /v2/ answered 403 with Docker Hub's export-control block: it locates this machine's address in an embargoed country or region",
            rt.registry.label()
        ))
        .evidence("status", 403)
        .detail("No login, proxy setting or trust store lifts it: the address the daemon's requests come from does. Outside an embargoed country or region, the geo-IP location of this address is wrong (a reassigned range, a VPN's exit).");
    if let Some(b) = &h.body {
        f = f.evidence("body", b);
    }
    f.fix(
        Fix::new("Have the address's location corrected, or pull through a mirror")
            .manual("Not in an embargoed country or region: send this machine's public address to https://hub.docker.com/support/contact/")
            .manual("Or pull Docker Hub's images through a mirror your organisation runs: \"registry-mirrors\" in /etc/docker/daemon.json, then restart the daemon"),
    )
}

fn ok(rt: &RegistryTrace, h: &HttpStep, t: &Trace) -> Finding {
    let total: u64 = [
        t.dns.as_ref().map(|s| s.ms),
        t.connect.as_ref().map(|s| s.ms),
        t.tunnel.as_ref().map(|s| s.ms),
        t.tls.as_ref().map(|s| s.ms),
        Some(h.ms),
    ]
    .into_iter()
    .flatten()
    .sum();
    let via = match &t.proxy {
        Some(p) => format!(" through {p}"),
        None => String::new(),
    };
    let status = h.status.unwrap_or(0);
    let mut f = OK
        .finding(format!(
            "{}: GET /v2/ answered {status}{via} ({total} ms)",
            rt.registry.label()
        ))
        .evidence("status", status);
    if let Some(a) = &t.connect
        && let ConnectOutcome::Connected { addr } = &a.outcome
    {
        f = f.evidence("address", addr);
    }
    timings(f, t)
}

fn rate_limit(rt: &RegistryTrace, h: &HttpStep) -> Option<Finding> {
    let body = h.body.as_deref().unwrap_or("");
    if h.status != Some(429) && !body.to_ascii_lowercase().contains("toomanyrequests") {
        return None;
    }
    let mut f = RATE_LIMITED
        .finding(format!("{}: rate limited ({})", rt.registry.label(), h.status.unwrap_or(0)))
        .detail("Docker Hub limits anonymous pulls per public IP address. Behind a corporate NAT or on shared CI, other machines use up the same quota.")
        .evidence("status", h.status.unwrap_or(0));
    f = if rt.registry.is_hub() {
        f.fix(
            Fix::new("Pull as a logged-in user, or through a mirror")
                .run("docker login")
                .manual(
                    "Or set a pull-through cache in /etc/docker/daemon.json \"registry-mirrors\".",
                )
                .docs("https://docs.docker.com/docker-hub/usage/"),
        )
    } else {
        f.fix(
            Fix::new("Tell the registry's administrators")
                .manual(format!(
                    "{} itself is being rate limited. A pull-through cache must log in to Docker Hub upstream (its own credentials), or it shares the anonymous quota of its address.",
                    rt.registry.name
                ))
                .docs("https://docs.docker.com/docker-hub/usage/"),
        )
    };
    if !body.is_empty() {
        f = f.evidence("body", body);
    }
    Some(f)
}

/// How this OS is asked which nameservers it uses and what they say.
fn ask_the_nameserver(os: &str, name: &str, first: &str) -> Fix {
    let title = "Ask the nameserver directly, then fix the host's resolver";
    match os {
        // Docker Desktop's VM forwards DNS to Windows' own resolver.
        "windows" => Fix::new(title)
            .powershell("Get-DnsClientServerAddress -AddressFamily IPv4", false)
            .powershell(argv!["Resolve-DnsName", name], false)
            .powershell(argv!["Resolve-DnsName", name, "-Server", first], false)
            .note("Docker Desktop's engine resolves registries through Windows' resolver (the network adapter's DNS, or the VPN's): the \"dns\" key of daemon.json only sets DNS for containers, and does not help here."),
        "macos" => Fix::new(title)
            .run("scutil --dns")
            .run(argv!["dscacheutil", "-q", "host", "-a", "name", name])
            .run(argv!["dig", name, format!("@{first}")])
            .note("Docker Desktop's engine resolves registries through macOS' resolver (System Settings > Network > DNS, or the VPN's): the \"dns\" key of daemon.json only sets DNS for containers, and does not help here."),
        _ => Fix::new(title)
            .run("cat /etc/resolv.conf")
            .run(argv!["getent", "hosts", name])
            .run(argv!["dig", name, format!("@{first}")])
            .note("dockerd resolves registries with the host's /etc/resolv.conf: the \"dns\" key of daemon.json only sets DNS for containers, and does not help here. Restart the daemon after the host resolver changes."),
    }
}

fn dns_failure(rt: &RegistryTrace, d: &DnsStep, shell_has_proxy: bool, os: &str) -> Finding {
    let name = &d.name;
    let servers = if d.nameservers.is_empty() {
        if os == "linux" {
            "(none in /etc/resolv.conf)".to_string()
        } else {
            "(none configured)".to_string()
        }
    } else {
        d.nameservers.join(", ")
    };
    let first = d
        .nameservers
        .first()
        .cloned()
        .unwrap_or_else(|| "<nameserver>".into());
    let base = ask_the_nameserver(os, name, &first);
    let kind = match &d.resolver {
        DnsOutcome::NxDomain => DNS_NXDOMAIN,
        DnsOutcome::ServFail => DNS_SERVFAIL,
        DnsOutcome::TimedOut => DNS_TIMEOUT,
        DnsOutcome::Refused => DNS_REFUSED,
        _ => DNS_FAILED,
    };
    let summary = match &d.resolver {
        DnsOutcome::NxDomain => format!(
            "{}: {name} does not exist for the nameserver {servers} (NXDOMAIN)",
            rt.registry.label()
        ),
        DnsOutcome::ServFail => format!(
            "{}: the nameserver {servers} fails for {name} (SERVFAIL)",
            rt.registry.label()
        ),
        DnsOutcome::TimedOut => format!(
            "{}: no answer from the nameserver {servers} for {name}",
            rt.registry.label()
        ),
        DnsOutcome::Refused => format!(
            "{}: the nameserver {servers} refused the query for {name}",
            rt.registry.label()
        ),
        other => format!(
            "{}: {name} could not be resolved: {}",
            rt.registry.label(),
            dns_text(other)
        ),
    };
    let detail = match &d.resolver {
        DnsOutcome::NxDomain if rt.registry.role != Role::Hub && !name.contains('.') => {
            "A single-label name depends on the search domain; the daemon (and Docker Desktop's VM) may not have it. Use the fully qualified name."
        }
        DnsOutcome::NxDomain => {
            "The nameserver says the name does not exist: a typo, a name only the corporate DNS (or VPN) knows, or a DNS filter."
        }
        DnsOutcome::ServFail => {
            "Go reports this as \"server misbehaving\": the local resolver is up but its upstream cannot resolve public names (a broken VPN DNS, split DNS without recursion, a captive portal)."
        }
        DnsOutcome::TimedOut => {
            "The nameserver does not answer: the pull fails with \"read udp ...:53: i/o timeout\"."
        }
        DnsOutcome::Refused => {
            "The nameserver answers, but refuses to resolve for this machine, or nothing listens on port 53."
        }
        _ => "The name could not be resolved.",
    };
    let mut f = kind
        .finding(summary)
        .detail(detail)
        .evidence("name", name)
        .evidence("nameservers", &servers)
        .evidence("resolver", dns_text(&d.resolver));
    if let Some(s) = &d.system {
        f = f.evidence("getaddrinfo", dns_text(s));
    }
    if shell_has_proxy && rt.registry.is_hub() {
        f = f.caused_by("proxy.not-applied|proxy.daemon-missing|proxy");
    }
    f.fix(base)
}

fn dns_disagreement(rt: &RegistryTrace, d: &DnsStep, os: &str) -> Option<Finding> {
    let system = d.system.as_ref()?;
    let a = matches!(d.resolver, DnsOutcome::Resolved { .. });
    let b = matches!(system, DnsOutcome::Resolved { .. });
    if a == b {
        return None;
    }
    Some(
        DNS_DISAGREE
            .finding(format!(
                "{}: the nameservers say {}, the system resolver says {}",
                rt.registry.label(),
                dns_text(&d.resolver),
                dns_text(system)
            ))
            .detail(if os == "windows" {
                "Windows' resolver also reads the hosts file and the VPN's name resolution policy (NRPT); the nameservers alone answer differently, so the pull may work here and fail on a machine without them."
            } else {
                "getaddrinfo also reads /etc/hosts and nsswitch sources; the nameservers of /etc/resolv.conf alone answer differently. dockerd follows /etc/hosts too, so the pull may work here and fail on a machine without that entry."
            })
            .evidence("name", &d.name)
            .evidence("nameservers", d.nameservers.join(", "))
            .fix(if os == "windows" {
                Fix::new("See where each answer comes from")
                    .powershell(
                        argv!["Select-String", "-SimpleMatch", "-Pattern", &d.name, "-Path", r"C:\Windows\System32\drivers\etc\hosts"],
                        false,
                    )
                    .powershell("Get-DnsClientNrptPolicy", false)
            } else {
                Fix::new("See where each answer comes from")
                    .run(argv!["grep", "-w", &d.name, "/etc/hosts"])
                    .run("grep ^hosts: /etc/nsswitch.conf")
            }),
    )
}

fn looks_like_plain_http(error: &str) -> bool {
    let e = error.to_ascii_lowercase();
    e.contains("invalidcontenttype") || e.contains("corrupt message") || e.contains("http response")
}

fn http_only(rt: &RegistryTrace, error: &str) -> Finding {
    let name = &rt.registry.name;
    HTTP_ONLY
        .finding(format!(
            "{}: the registry answers plain HTTP, and the daemon only talks HTTPS to it",
            rt.registry.label()
        ))
        .detail("Docker always tries HTTPS first. A registry without TLS must be listed in insecure-registries of the daemon that pulls (this machine), and the daemon restarted.")
        .evidence("error", error)
        .fix(
            Fix::new("Give the registry TLS, or list it as insecure on this machine")
                .manual(format!(
                    "Add to /etc/docker/daemon.json (merge with what is there):\n{{\n  \"insecure-registries\": [\"{name}\"]\n}}"
                ))
                .service(ServiceAction::Restart)
                .run("docker info --format '{{.RegistryConfig.IndexConfigs}}'")
                .docs("https://docs.docker.com/reference/cli/dockerd/#insecure-registries")
                .note("An insecure registry is open to tampering on the network; a certificate (certs.d) is the better fix."),
        )
}

pub fn verdict_text(v: &TlsVerdict) -> String {
    match v {
        TlsVerdict::Trusted => "trusted".into(),
        TlsVerdict::UnknownIssuer => "x509: certificate signed by unknown authority".into(),
        TlsVerdict::Expired => "x509: certificate has expired".into(),
        TlsVerdict::NotYetValid => "x509: certificate is not yet valid".into(),
        TlsVerdict::WrongHost => "x509: certificate is valid for other names".into(),
        TlsVerdict::Other { message } => message.clone(),
        TlsVerdict::NotChecked => "not checked".into(),
    }
}

fn last_step(t: &Trace) -> &'static str {
    if t.http.is_some() {
        "http"
    } else if t.tls.is_some() {
        "tls"
    } else if t.tunnel.is_some() {
        "tunnel"
    } else if t.connect.is_some() {
        "connect"
    } else {
        "dns"
    }
}
