//! `ca`: the certificate chain each registry presents, judged as the daemon judges it
//! (system store, plus `/etc/docker/certs.d/<host[:port]>/` for registries other than Docker
//! Hub) and against Mozilla's roots: a public CA, a private CA the daemon trusts (often a
//! TLS-inspecting corporate proxy), or refused - and then exactly why, naming the issuer.

use super::Probe;
use crate::argv;
use crate::context::{Context, RegistryTrace};
use crate::facts::certs::{self, CertInfo};
use crate::facts::trust;
use crate::host::trace::{TlsVerdict, from_pem};
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use crate::recipes::ca_trust::{CORP_ROOT, system_store_fix};
use async_trait::async_trait;
use std::time::{Duration, SystemTime};

const PUBLIC: FindingKind = FindingKind::new(
    "ca.public",
    Severity::Ok,
    "the registry's certificate comes from a public CA the daemon trusts",
);
const PRIVATE_TRUSTED: FindingKind = FindingKind::new(
    "ca.private-trusted",
    Severity::Info,
    "the certificate comes from a private CA the daemon trusts (e.g. a corporate TLS-inspecting proxy)",
);
const UNTRUSTED: FindingKind = FindingKind::new(
    "ca.untrusted",
    Severity::Error,
    "x509: certificate signed by unknown authority (the daemon does not trust the issuer)",
);
const STORE_INCOMPLETE: FindingKind = FindingKind::new(
    "ca.store-incomplete",
    Severity::Error,
    "a public CA is missing from the system store the daemon reads",
);
const EXPIRED: FindingKind = FindingKind::new(
    "ca.expired",
    Severity::Error,
    "a certificate of the chain has expired",
);
const NOT_YET_VALID: FindingKind = FindingKind::new(
    "ca.not-yet-valid",
    Severity::Error,
    "a certificate of the chain is not valid yet",
);
const WRONG_HOST: FindingKind = FindingKind::new(
    "ca.wrong-host",
    Severity::Error,
    "the certificate is not valid for the registry's name",
);
const CLOCK_SKEW: FindingKind = FindingKind::new(
    "ca.clock-skew",
    Severity::Error,
    "this machine's clock is far from the registry's",
);
const INVALID: FindingKind = FindingKind::new(
    "ca.invalid",
    Severity::Error,
    "the certificate chain is refused for another reason",
);
const SAVED: FindingKind = FindingKind::new(
    "ca.chain-saved",
    Severity::Info,
    "the presented chain was written to a file (--save-chain)",
);

const KINDS: &[FindingKind] = &[
    PUBLIC,
    PRIVATE_TRUSTED,
    UNTRUSTED,
    STORE_INCOMPLETE,
    EXPIRED,
    NOT_YET_VALID,
    WRONG_HOST,
    CLOCK_SKEW,
    INVALID,
    SAVED,
];

/// Clocks further apart than this break certificate checks near their edges, and tokens.
const SKEW_LIMIT: Duration = Duration::from_secs(300);

pub struct Ca;

#[async_trait]
impl Probe for Ca {
    fn id(&self) -> &'static str {
        "ca"
    }

    fn title(&self) -> &'static str {
        "TLS certificate chains of the registries"
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
        let now = ctx.host().now();
        // On macOS and Windows the store is the OS's (Docker Desktop copies it into its VM).
        let family = match ctx.platform().os.as_str() {
            os @ ("macos" | "windows") => Some(os.to_string()),
            _ => ctx.platform().family().map(str::to_string),
        };
        let systemd = ctx.platform().systemd;
        let mut out = Vec::new();
        for rt in ctx.registry_traces().await {
            let Some(tls) = &rt.trace.tls else {
                continue;
            };
            if tls.chain.is_empty() || tls.verdict == TlsVerdict::NotChecked {
                continue;
            }
            let mut found = Vec::new();
            if let Some(dir) = &ctx.options().save_chain {
                found.push(save_chain(dir, rt, &tls.chain));
            }
            for f in judge(
                rt,
                &tls.verdict,
                &tls.chain,
                now,
                family.as_deref(),
                systemd,
            ) {
                // The clock is the machine's: say it once, at its worst.
                if f.id == CLOCK_SKEW.id
                    && let Some(prev) = out
                        .iter_mut()
                        .chain(found.iter_mut())
                        .find(|p| p.id == f.id)
                {
                    if f.severity > prev.severity {
                        *prev = f.subject(rt.registry.name.clone());
                    }
                    continue;
                }
                found.push(f);
            }
            out.extend(
                found
                    .into_iter()
                    .map(|f| f.subject(rt.registry.name.clone())),
            );
        }
        merge_same_ca(out)
    }
}

/// One CA seen on several registries (an inspecting proxy re-signs every host) is one
/// problem: one finding listing its registries, with the fixes of all of them merged.
fn merge_same_ca(findings: Vec<Finding>) -> Vec<Finding> {
    // Same finding, same CA, same way out: Docker Hub (system store only) and a private
    // registry (certs.d) stay apart even under one CA, since their fixes differ.
    let key = |f: &Finding| {
        f.evidence.iter().find(|e| e.key == "top sha256").map(|e| {
            let way_out = f.fixes.first().map(|x| x.title.clone()).unwrap_or_default();
            (f.id.clone(), e.value.clone(), way_out)
        })
    };
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        let k = key(&f);
        let same = k
            .as_ref()
            .and_then(|k| out.iter_mut().find(|g| key(g).as_ref() == Some(k)));
        let Some(first) = same else {
            out.push(f);
            continue;
        };
        let subject = f.subject.clone().unwrap_or_default();
        let subjects = match &first.subject {
            Some(s) => format!("{s}, {subject}"),
            None => subject,
        };
        let count = subjects.split(", ").count();
        // The summary names the registries; what follows its first ": " is the same.
        let tail = first
            .summary
            .split_once(": ")
            .map(|(_, t)| t.to_string())
            .unwrap_or_else(|| first.summary.clone());
        first.summary = format!("{count} registries ({subjects}): {tail}");
        first.subject = Some(subjects);
        for fix in f.fixes {
            match first.fixes.iter_mut().find(|g| g.title == fix.title) {
                Some(g) => {
                    for step in fix.steps {
                        if !g.steps.contains(&step) {
                            // Keep a service step (the restart) last.
                            let at = g
                                .steps
                                .iter()
                                .position(|s| matches!(s, crate::model::Step::Service { .. }))
                                .unwrap_or(g.steps.len());
                            g.steps.insert(at, step);
                        }
                    }
                }
                None => first.fixes.push(fix),
            }
        }
    }
    out
}

struct Chain {
    der: Vec<rustls::pki_types::CertificateDer<'static>>,
    info: Vec<CertInfo>,
}

impl Chain {
    fn leaf(&self) -> Option<&CertInfo> {
        self.info.first()
    }

    /// The issuer at the top of the presented chain: the CA a client must trust.
    fn anchor_issuer(&self) -> String {
        self.info
            .last()
            .map(|c| c.issuer.clone())
            .unwrap_or_else(|| "(unknown)".into())
    }
}

fn with_chain(mut f: Finding, chain: &Chain) -> Finding {
    for (i, c) in chain.info.iter().enumerate() {
        f = f.evidence(
            format!("chain[{i}]"),
            format!(
                "subject: {}; issuer: {}; valid {} to {}",
                c.subject,
                c.issuer,
                certs::date(c.not_before),
                certs::date(c.not_after)
            ),
        );
    }
    if let Some(top) = chain.info.last() {
        f = f.evidence("top sha256", &top.sha256);
    }
    f
}

fn judge(
    rt: &RegistryTrace,
    verdict: &TlsVerdict,
    pems: &[String],
    now: SystemTime,
    family: Option<&str>,
    systemd: bool,
) -> Vec<Finding> {
    let der = from_pem(pems);
    let chain = Chain {
        info: der.iter().filter_map(|d| certs::describe(d)).collect(),
        der,
    };
    let host = &rt.registry.host;
    let server_time = rt
        .trace
        .http
        .as_ref()
        .and_then(|h| h.date.as_deref())
        .and_then(certs::parse_http_date);
    let skew = server_time.map(|s| match now.duration_since(s) {
        Ok(d) => (d, true),
        Err(e) => (e.duration(), false),
    });
    let mut out = Vec::new();
    let public = certs::verify(&chain.der, &certs::mozilla(), host, now) == TlsVerdict::Trusted;

    match verdict {
        TlsVerdict::Trusted if public => out.push(with_chain(
            PUBLIC.finding(format!(
                "{}: certificate from the public CA {}",
                rt.registry.label(),
                chain.anchor_issuer()
            )),
            &chain,
        )),
        TlsVerdict::Trusted => {
            let detail = if rt.registry.is_hub() || rt.trace.proxy.is_some() {
                "Docker Hub's real certificate comes from a public CA; this one was issued by a private CA on the way, the signature of a TLS-inspecting corporate proxy. The daemon trusts that CA, so pulls work."
            } else {
                "The registry uses a certificate from a private CA, and the daemon trusts that CA (system store or certs.d)."
            };
            out.push(with_chain(
                PRIVATE_TRUSTED
                    .finding(format!(
                        "{}: certificate from the private CA {}, which the daemon trusts",
                        rt.registry.label(),
                        chain.anchor_issuer()
                    ))
                    .detail(detail)
                    .evidence("trusted from", trust_files(rt)),
                &chain,
            ));
        }
        TlsVerdict::UnknownIssuer if public => out.push(with_chain(
            STORE_INCOMPLETE
                .finding(format!(
                    "{}: the public CA {} is missing from the system store the daemon reads",
                    rt.registry.label(),
                    chain.anchor_issuer()
                ))
                .detail("Any public client trusts this chain, but the system CA bundle does not: it was edited by hand or replaced (a private CA appended to ca-certificates.crt is then lost on the next update), or it is years old.")
                .evidence("system store", trust_files(rt))
                .evidence("certificates in it", rt.trust.certs.len())
                .fix(store_rebuild_fix(family)),
            &chain,
        )),
        TlsVerdict::UnknownIssuer => out.push(with_chain(untrusted(rt, &chain, family), &chain)),
        TlsVerdict::Expired | TlsVerdict::NotYetValid => {
            let valid_at_server = server_time
                .is_some_and(|t| {
                    let daemon_roots = certs::store_of(&rt.trust.certs);
                    certs::verify(&chain.der, &daemon_roots, host, t) == TlsVerdict::Trusted
                });
            if valid_at_server {
                out.push(clock_skew(rt, now, server_time, skew, Severity::Error, systemd));
            } else {
                out.push(with_chain(time_failure(rt, verdict, &chain, now, family, systemd), &chain));
            }
        }
        TlsVerdict::WrongHost => {
            let names = chain.leaf().map(|c| c.names.join(", ")).unwrap_or_default();
            out.push(with_chain(
                WRONG_HOST
                    .finding(format!(
                        "{}: the certificate is for {}, not {host}",
                        rt.registry.label(),
                        if names.is_empty() { "other names" } else { &names }
                    ))
                    .detail("The name in the image reference must be one the certificate lists (subject alternative names). An IP address needs an IP SAN; a short name needs its own SAN.")
                    .evidence("valid for", &names)
                    .fix(
                        Fix::new("Use a name the certificate covers, or reissue it with this one")
                            .manual(format!("Pull as <one of: {names}>/image:tag, or reissue the registry's certificate with subjectAltName DNS:{host}"))
                            .run_line("openssl s_client -connect {} -servername {} </dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName", &[&format!("{host}:{}", rt.registry.port), host]),
                    ),
                &chain,
            ));
        }
        TlsVerdict::Other { message } => out.push(with_chain(
            INVALID
                .finding(format!("{}: the chain is refused: {message}", rt.registry.label()))
                .evidence("error", message),
            &chain,
        )),
        TlsVerdict::NotChecked => {}
    }
    // A skewed clock is worth saying even when this chain still passes.
    if let Some((d, _)) = skew {
        let reported = out.iter().any(|f| f.id == CLOCK_SKEW.id);
        if d > SKEW_LIMIT && !reported {
            out.push(clock_skew(
                rt,
                now,
                server_time,
                skew,
                Severity::Warn,
                systemd,
            ));
        }
    }
    out
}

fn trust_files(rt: &RegistryTrace) -> String {
    if rt.trust.files.is_empty() {
        "(no CA files found)".into()
    } else {
        rt.trust
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn store_rebuild_fix(family: Option<&str>) -> Fix {
    match family {
        Some("fedora" | "rhel" | "centos") => Fix::new("Rebuild the system CA store from the package")
            .run_root("dnf reinstall -y ca-certificates")
            .run_root("update-ca-trust")
            .service(ServiceAction::Restart),
        _ => Fix::new("Rebuild the system CA store from the package")
            .run("grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt")
            .run_root("apt-get install --reinstall ca-certificates")
            .run_root("update-ca-certificates --fresh")
            .service(ServiceAction::Restart)
            .note("Private CAs belong in /usr/local/share/ca-certificates/ or /etc/docker/certs.d/, never appended to the generated bundle."),
    }
}

fn untrusted(rt: &RegistryTrace, chain: &Chain, family: Option<&str>) -> Finding {
    let issuer = chain.anchor_issuer();
    let intercepted = rt.registry.is_hub() || rt.trace.proxy.is_some();
    let mut f = UNTRUSTED
        .finding(format!(
            "{}: x509: certificate signed by unknown authority: the issuer {issuer} is not trusted by the daemon",
            rt.registry.label()
        ))
        .evidence("issuer", &issuer)
        .evidence("daemon trusts", trust_files(rt));
    let desktop = matches!(family, Some("macos" | "windows"));
    if intercepted && desktop {
        f = f
            .detail("Docker Hub's real certificate comes from a public CA. This one was re-signed on the way by a TLS-inspecting proxy with its own CA. Docker Desktop's engine trusts its VM's public bundle plus the CAs this machine trusts, copied in when Desktop starts: the inspection CA is in neither.")
            .fix(system_store_fix(family, CORP_ROOT, if family == Some("macos") {
                "Trust the inspection CA in the System keychain, then restart Docker Desktop"
            } else {
                "Trust the inspection CA in the Windows store, then restart Docker Desktop"
            }));
    } else if intercepted {
        f = f
            .detail("Docker Hub's real certificate comes from a public CA. This one was re-signed on the way by a TLS-inspecting proxy with its own CA, which the system store does not hold. dockerd uses the system store for Docker Hub (certs.d does not apply to it).")
            .fix(system_store_fix(family, CORP_ROOT, "Trust the inspection CA in the system store, then restart the daemon"));
    } else if family == Some("windows") {
        // Docker Desktop for Windows takes private CAs from the Windows store only.
        f = f
            .detail("The registry's certificate comes from a CA that neither Docker Desktop's VM nor the Windows certificate store trusts.")
            .fix(system_store_fix(family, CORP_ROOT, "Trust the registry's CA in the Windows store, then restart Docker Desktop"));
    } else if family == Some("macos") {
        let name = rt.registry.name.as_str();
        f = f
            .detail("The registry's certificate comes from a CA that neither Docker Desktop's VM nor the macOS keychain trusts. Desktop also reads ~/.docker/certs.d/<host:port>/ca.crt for one registry.")
            .fix(
                Fix::new("Trust the registry's CA for this registry only (~/.docker/certs.d)")
                    .run_line("mkdir -p \"$HOME/.docker/certs.d/\"{}", &[name])
                    .run_line("cp registry-ca.crt \"$HOME/.docker/certs.d/\"{}/ca.crt", &[name])
                    .run("docker desktop restart")
                    .note("registry-ca.crt is the CA that issued the registry's certificate (ask its administrators, or use --save-chain DIR and check the fingerprint).")
                    .docs("https://docs.docker.com/desktop/troubleshoot-and-support/faqs/macfaqs/#how-do-i-add-client-certificates"),
            )
            .fix(system_store_fix(family, CORP_ROOT, "Or trust it in the System keychain"));
    } else {
        let dir = trust::certs_d_dir(&rt.registry.name);
        f = f
            .detail("The registry's certificate comes from a CA the daemon does not know. dockerd trusts the system store plus the CA files in /etc/docker/certs.d/<host:port>/ for this registry only.")
            .fix(
                Fix::new("Trust the registry's CA for these registries only (/etc/docker/certs.d)")
                    .run_root(argv!["mkdir", "-p", dir.display()])
                    .run_root(argv!["cp", "registry-ca.crt", dir.join("ca.crt").display()])
                    .note("registry-ca.crt is the CA that issued the registry's certificate (ask its administrators, or use --save-chain DIR and check the fingerprint). No restart is needed for certs.d.")
                    .docs("https://docs.docker.com/engine/security/certificates/"),
            )
            .fix(system_store_fix(family, CORP_ROOT, "Or trust it for the whole machine"));
    }
    f
}

fn time_failure(
    rt: &RegistryTrace,
    verdict: &TlsVerdict,
    chain: &Chain,
    now: SystemTime,
    family: Option<&str>,
    systemd: bool,
) -> Finding {
    let expired = *verdict == TlsVerdict::Expired;
    let culprit = chain.info.iter().find(|c| {
        if expired {
            c.not_after < now
        } else {
            c.not_before > now
        }
    });
    let who = culprit
        .map(|c| {
            format!(
                "{} ({} {})",
                c.subject,
                if expired { "expired" } else { "valid from" },
                certs::date(if expired { c.not_after } else { c.not_before })
            )
        })
        .unwrap_or_else(|| "a CA of the system store".into());
    let kind = if expired { EXPIRED } else { NOT_YET_VALID };
    let mut f = kind
        .finding(format!(
            "{}: x509: certificate has expired or is not yet valid: {who}",
            rt.registry.label()
        ))
        .evidence("local clock", certs::date(now));
    if culprit.is_none() && expired {
        f = f
            .detail("Every certificate the server sent is in date, so the expired one is the root the system store would chain to: the store is outdated.")
            .fix(store_rebuild_fix(family));
    } else if rt.registry.is_hub() {
        f = f
            .detail("Docker Hub renews its certificates; an out-of-date one here comes from something on the way (a proxy) or from this machine's clock.")
            .fix(clock_check(Fix::new("Check the clock first"), systemd));
    } else {
        f = f.fix(
            Fix::new("Renew the registry's certificate")
                .manual(format!("Ask the administrators of {} to renew its certificate; check it with:", rt.registry.name))
                .run_line(
                    "openssl s_client -connect {} -servername {} </dev/null 2>/dev/null | openssl x509 -noout -dates",
                    &[&format!("{}:{}", rt.registry.host, rt.registry.port), &rt.registry.host],
                ),
        );
    }
    f
}

fn clock_skew(
    rt: &RegistryTrace,
    now: SystemTime,
    server: Option<SystemTime>,
    skew: Option<(Duration, bool)>,
    severity: Severity,
    systemd: bool,
) -> Finding {
    let (d, ahead) = skew.unwrap_or((Duration::ZERO, true));
    let amount = humanize(d);
    CLOCK_SKEW
        .finding(format!(
            "this machine's clock is {amount} {} {}'s",
            if ahead { "ahead of" } else { "behind" },
            rt.registry.host
        ))
        .severity(severity)
        .detail(if severity == Severity::Error {
            "Certificates are checked against the local clock: with this one, a valid certificate looks expired or not yet valid (\"x509: certificate has expired or is not yet valid\"). At the registry's time it is valid."
        } else {
            "A clock this far off makes certificates near their dates fail and short-lived tokens expire early."
        })
        .evidence("local clock", certs::date(now))
        .evidence(
            "registry clock (Date header)",
            server.map(certs::date).unwrap_or_default(),
        )
        .fix(
            clock_sync(Fix::new("Set the clock from the network"), systemd)
                .manual("In a VM or WSL, resynchronise after a suspend (or restart it). No daemon restart is needed."),
        )
}

/// Looking at the clock: `timedatectl` needs systemd running.
fn clock_check(fix: Fix, systemd: bool) -> Fix {
    let fix = fix.run("date -u");
    if systemd {
        fix.run("timedatectl status")
    } else {
        fix
    }
}

fn clock_sync(fix: Fix, systemd: bool) -> Fix {
    let fix = clock_check(fix, systemd);
    if systemd {
        fix.run_root("timedatectl set-ntp true")
    } else {
        fix.manual("Without systemd, set the clock with the time service this machine has (chronyc makestep, ntpdate, or `hwclock --hctosys` from a correct hardware clock); under WSL, `wsl --shutdown` from Windows resets it.")
    }
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

fn save_chain(dir: &std::path::Path, rt: &RegistryTrace, pems: &[String]) -> Finding {
    let file = dir.join(format!("{}.pem", rt.registry.name.replace([':', '/'], "_")));
    let result = crate::safe_write::create_dir(dir).and_then(|_| {
        crate::safe_write::write(
            &file,
            pems.concat().as_bytes(),
            crate::safe_write::Keep::Private,
        )
    });
    match result {
        Ok(()) => SAVED
            .finding(format!(
                "{}: presented chain written to {}",
                rt.registry.label(),
                file.display()
            ))
            .evidence("file", file.display())
            .fix(Fix::new("Inspect it").run_line(
                "openssl crl2pkcs7 -nocrl -certfile {} | openssl pkcs7 -print_certs -noout",
                &[&file.display().to_string()],
            )),
        Err(e) => SAVED
            .finding(format!("{}: {e}", rt.registry.label()))
            .severity(Severity::Warn)
            .evidence("file", file.display()),
    }
}
