//! `endpoint`: which daemon is meant and why (`DOCKER_HOST`, `DOCKER_CONTEXT`, the current
//! context in config.json, the default), and whether a stale setting hides a daemon that
//! does answer somewhere else.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::endpoint::{DEFAULT_UNIX_SOCKET, Endpoint, Problem, Source, well_known_sockets};
use crate::facts::shell_profiles;
use crate::host::ApiError;
use crate::model::{Finding, FindingKind, Fix, Severity};
use crate::recipes::shell_env;
use async_trait::async_trait;

const RESOLVED: FindingKind = FindingKind::new(
    "endpoint.resolved",
    Severity::Ok,
    "which daemon the CLI talks to, and why",
);
const STALE: FindingKind = FindingKind::new(
    "endpoint.stale",
    Severity::Error,
    "DOCKER_HOST or the current context points at a daemon that does not answer, while another one does",
);
const INVALID_HOST: FindingKind = FindingKind::new(
    "endpoint.invalid-host",
    Severity::Error,
    "DOCKER_HOST or a context holds an address the CLI cannot use",
);
const CONTEXT_NOT_FOUND: FindingKind = FindingKind::new(
    "endpoint.context-not-found",
    Severity::Error,
    "the selected context does not exist",
);
const CONTEXT_INVALID: FindingKind = FindingKind::new(
    "endpoint.context-invalid",
    Severity::Error,
    "the selected context's metadata is unreadable or malformed",
);
const CONFIG_INVALID: FindingKind = FindingKind::new(
    "endpoint.config-invalid",
    Severity::Warn,
    "the CLI's config.json is not valid JSON (the CLI ignores all of it)",
);
const CONFIG_UNREADABLE: FindingKind = FindingKind::new(
    "endpoint.config-unreadable",
    Severity::Warn,
    "the CLI's config.json cannot be read",
);
const HOST_OVERRIDES_CONTEXT: FindingKind = FindingKind::new(
    "endpoint.host-overrides-context",
    Severity::Info,
    "DOCKER_HOST is set and silently wins over the selected context",
);

const TLS_MATERIAL: FindingKind = FindingKind::new(
    "endpoint.tls-material",
    Severity::Error,
    "the client's TLS files for a tcp:// daemon are missing, unreadable, mismatched or out of date",
);
const API_VERSION_INVALID: FindingKind = FindingKind::new(
    "endpoint.api-version-invalid",
    Severity::Error,
    "DOCKER_API_VERSION is not a version the CLI accepts (every docker command fails)",
);

const ELSEWHERE: FindingKind = FindingKind::new(
    "endpoint.elsewhere",
    Severity::Error,
    "nothing answers at the default socket, but a daemon of this user answers elsewhere (rootless, Podman, Desktop, Colima...) and the CLI is not told to use it",
);

const KINDS: &[FindingKind] = &[
    ELSEWHERE,
    TLS_MATERIAL,
    API_VERSION_INVALID,
    RESOLVED,
    STALE,
    INVALID_HOST,
    CONTEXT_NOT_FOUND,
    CONTEXT_INVALID,
    CONFIG_INVALID,
    CONFIG_UNREADABLE,
    HOST_OVERRIDES_CONTEXT,
];

pub struct EndpointProbe;

#[async_trait]
impl Probe for EndpointProbe {
    fn id(&self) -> &'static str {
        "endpoint"
    }
    fn title(&self) -> &'static str {
        "Daemon endpoint"
    }
    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let r = ctx.endpoint();
        let mut findings: Vec<Finding> =
            r.problems.iter().map(|p| problem_finding(ctx, p)).collect();
        let Some(endpoint) = &r.endpoint else {
            return findings;
        };

        let mut resolved = RESOLVED
            .finding(format!("{} (from {})", endpoint.url, r.source))
            .evidence("endpoint", &endpoint.url)
            .evidence("kind", endpoint.kind_name())
            .evidence("source", &r.source);
        if let Some(tls) = &endpoint.tls {
            resolved = resolved
                .evidence("tls_verify", tls.verify)
                .evidence("tls_files", tls.dir.display())
                .evidence("tls_files_from", &tls.from);
        }
        if let Some(f) = api_version_finding(ctx) {
            findings.push(f);
        }
        if let Some(tls) = &endpoint.tls
            && let Err(problem) = crate::facts::docker_tls::load(ctx.host(), tls, ctx.host().now())
        {
            findings.push(tls_material_finding(ctx, endpoint, tls, &problem));
        }
        if let Some(c) = &r.context {
            resolved = resolved.evidence("context", c);
        }
        if let Some(p) = &r.config_path {
            resolved = resolved.evidence("config", p.display());
        }
        findings.insert(0, resolved);

        // A setting that points nowhere while a daemon answers elsewhere is the root cause.
        let Some(state) = ctx.daemon().await else {
            return findings;
        };
        let unreachable = matches!(
            state.version,
            Err(ApiError::NotFound | ApiError::Refused | ApiError::TimedOut)
        );
        if unreachable {
            let candidates: Vec<_> = well_known_sockets(ctx.host())
                .into_iter()
                .filter(|(_, e)| e != endpoint)
                .filter(|(_, e)| e.socket_path().is_some_and(|p| ctx.host().exists(p)))
                .collect();
            let answers =
                futures_util::future::join_all(candidates.iter().map(|(_, e)| ctx.query(e, false)))
                    .await;
            if let Some(((label, alt), _)) = candidates
                .iter()
                .zip(answers)
                .find(|(_, s)| s.answered() || s.version == Err(ApiError::PermissionDenied))
            {
                findings.push(
                    if r.source == Source::Default && !endpoint.is_docker_desktop() {
                        elsewhere_finding(endpoint, label, alt)
                    } else {
                        stale_finding(ctx, endpoint, &r.source, r.context.as_deref(), label, alt)
                    },
                );
            }
        }
        findings
    }
}

/// `DOCKER_API_VERSION` is read byte for byte by the CLI: `1.41\r` from a CRLF `.env`
/// file, `41` or `auto` make every command fail before it reaches the daemon.
fn api_version_finding(ctx: &Context) -> Option<Finding> {
    let raw = ctx.host().env("DOCKER_API_VERSION")?;
    if raw.is_empty() {
        return None;
    }
    let valid = raw.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    if valid {
        return None;
    }
    let shown = format!("{raw:?}");
    let clean: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut f = API_VERSION_INVALID
        .finding(format!(
            "DOCKER_API_VERSION is {shown}: the CLI needs MAJOR.MINOR exactly, so every docker command fails"
        ))
        .evidence("DOCKER_API_VERSION", &shown)
        .detail("A carriage return from a file saved with Windows line endings (an .env file), a lone number or a word is not trimmed or guessed by the CLI: it sends that version and fails.")
        .fix(unset_fix(ctx, "Let the CLI negotiate the version", "DOCKER_API_VERSION"));
    if clean
        .split_once('.')
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
    {
        f = f.fix(
            Fix::new("Or pin it without the stray characters")
                .run(argv!["export", format!("DOCKER_API_VERSION={clean}")]),
        );
    }
    Some(f)
}

/// The client's TLS files cannot be used: named with the setting that chose them and the
/// command that fixes it in this user's terms.
fn tls_material_finding(
    ctx: &Context,
    endpoint: &Endpoint,
    tls: &crate::facts::docker_tls::TlsFiles,
    problem: &crate::facts::docker_tls::MaterialProblem,
) -> Finding {
    use crate::facts::docker_tls::MaterialProblem as P;
    let r = ctx.endpoint();
    let mut f = TLS_MATERIAL
        .finding(format!("{}: {problem}", endpoint.url))
        .evidence("endpoint", &endpoint.url)
        .evidence("tls_files", tls.dir.display())
        .evidence("tls_files_from", &tls.from)
        .detail("The docker CLI fails on this before it connects, with the same file named.");
    let context = r
        .context
        .as_deref()
        .filter(|_| r.source != Source::DockerHost);
    let files_fix = |title: &str| {
        match context {
        Some(name) => Fix::new(title.to_string()).run(argv![
            "docker",
            "context",
            "update",
            name,
            "--docker",
            format!(
                "host={},ca=<ca.pem>,cert=<cert.pem>,key=<key.pem>",
                endpoint.url
            )
        ]),
        None => Fix::new(title.to_string())
            .manual(format!(
                "Put the daemon's CA as ca.pem, and your client certificate and key as cert.pem and key.pem, in {} (or point DOCKER_CERT_PATH at the folder that has them).",
                tls.dir.display()
            ))
            .run(argv!["ls", "-l", tls.dir.display()]),
    }
    };
    f = match problem {
        P::FolderMissing { .. } | P::CaMissing { .. } | P::Unreadable { .. } | P::NotPem { .. } => {
            f.fix(files_fix("Give the CLI the daemon's CA and your client certificate"))
        }
        P::HalfPair { missing, .. } => f.fix(files_fix(&format!(
            "Add {} (certificate and key come as a pair)",
            missing.display()
        ))),
        P::KeyMismatch { cert, key } => f.fix(
            files_fix("Use the key that was made with this certificate")
                .run(argv!["openssl", "x509", "-noout", "-pubkey", "-in", cert.display()])
                .run(argv!["openssl", "pkey", "-pubout", "-in", key.display()])
                .why("the two public keys printed must be the same"),
        ),
        P::ClientExpired { path, .. } | P::ClientNotYetValid { path, .. } => f
            .fix(
                Fix::new("Check this machine's clock, then get a new client certificate from the daemon's CA")
                    .run("date -u")
                    .run(argv!["openssl", "x509", "-noout", "-dates", "-in", path.display()])
                    .manual("Ask whoever runs the daemon for a new client certificate signed by its CA (the file its --tlscacert names), and replace cert.pem and key.pem."),
            ),
    };
    f
}

/// `unset VAR`, and the start-up files that would set it again in new shells.
fn unset_fix(ctx: &Context, title: &str, var: &'static str) -> Fix {
    let os = ctx.platform().os.as_str();
    let fix = shell_env::unset(Fix::new(title), os, &[var]);
    let places = shell_profiles::where_set(ctx.host(), var);
    if places.is_empty() {
        fix.manual(shell_env::where_it_is_kept(os, var))
    } else {
        let list: Vec<String> = places.iter().map(|p| p.to_string()).collect();
        fix.manual(format!(
            "Remove the line that sets {var} so new shells do not set it again: {}",
            list.join(", ")
        ))
    }
}

/// Nothing is set, the default socket is dead, and this user's own daemon (rootless,
/// Podman, Desktop, Colima...) answers: the CLI only needs to be told.
fn elsewhere_finding(endpoint: &Endpoint, label: &str, alt: &Endpoint) -> Finding {
    let name = match label {
        l if l.contains("rootless Docker") => "rootless",
        l if l.contains("Podman") => "podman",
        l if l.contains("Colima") => "colima",
        l if l.contains("OrbStack") => "orbstack",
        l if l.contains("Rancher") => "rancher-desktop",
        _ => "local",
    };
    ELSEWHERE
        .finding(format!(
            "nothing answers at {} (the default), but your {label} answers at {}: the CLI is not told to use it",
            endpoint.url, alt.url
        ))
        .evidence("default", &endpoint.url)
        .evidence("answers", &alt.url)
        .detail("With neither DOCKER_HOST nor a context set, the CLI only tries the system socket. A rootless daemon, Podman's socket or a VM app's socket is used only when DOCKER_HOST or a context names it.")
        .fix(
            Fix::new(format!("Use the {label} in this shell"))
                .run(argv!["export", format!("DOCKER_HOST={}", alt.url)])
                .manual(format!(
                    "To keep it, add `export DOCKER_HOST={}` to ~/.profile (or ~/.bashrc).",
                    alt.url
                ))
                .docs("https://docs.docker.com/engine/security/rootless/"),
        )
        .fix(
            Fix::new(format!("Make it the CLI's context ({name})"))
                .run(argv![
                    "docker",
                    "context",
                    "create",
                    name,
                    "--docker",
                    format!("host={}", alt.url)
                ])
                .run(argv!["docker", "context", "use", name])
                .note(format!(
                    "DOCKER_HOST stays unset; {} is then what `docker` talks to.",
                    alt.url
                )),
        )
}

fn stale_finding(
    ctx: &Context,
    endpoint: &Endpoint,
    source: &Source,
    context: Option<&str>,
    label: &str,
    alt: &Endpoint,
) -> Finding {
    let f = STALE
        .finding(format!(
            "{} (from {source}) does not answer, but the {label} at {} does",
            endpoint.url, alt.url
        ))
        .evidence("configured", &endpoint.url)
        .evidence("source", source)
        .evidence("answers", &alt.url);
    let is_default_alt = alt
        .socket_path()
        .is_some_and(|p| p.to_str() == Some(DEFAULT_UNIX_SOCKET));
    match source {
        Source::DockerHost => {
            let mut fix = unset_fix(
                ctx,
                "Stop pointing DOCKER_HOST at the dead socket",
                "DOCKER_HOST",
            );
            if !is_default_alt {
                fix = shell_env::set(fix, &ctx.platform().os, "DOCKER_HOST", &alt.url);
            }
            f.detail("DOCKER_HOST overrides every context. It is often exported from a shell profile or /etc/environment for another setup (rootless, Desktop, a remote host).")
                .fix(fix)
        }
        Source::DockerContext => {
            let ctx_name = context.unwrap_or("default");
            f.evidence("context", ctx_name)
                .detail(format!("DOCKER_CONTEXT={ctx_name} overrides `docker context use`; its daemon is not there."))
                .fix(unset_fix(ctx, "Stop selecting the context through DOCKER_CONTEXT", "DOCKER_CONTEXT"))
        }
        _ => {
            let ctx_name = context.unwrap_or("default");
            let f = f.evidence("context", ctx_name);
            let target = if is_default_alt {
                "default".to_string()
            } else {
                format!("the context for {}", alt.url)
            };
            let fix = Fix::new(format!("Switch the CLI to {target}"));
            let fix = if is_default_alt {
                fix.run("docker context use default")
            } else {
                fix.run(argv![
                    "docker",
                    "context",
                    "create",
                    "local",
                    "--docker",
                    format!("host={}", alt.url)
                ])
                .run("docker context use local")
            };
            f.detail(if ctx_name == "desktop-linux" {
                "Installing Docker Desktop switches the CLI's context to desktop-linux, and it stays there when Desktop is stopped or removed.".to_string()
            } else {
                format!("The CLI's current context is {ctx_name}, and its daemon is not there.")
            })
            .fix(fix.docs("https://docs.docker.com/engine/manage-resources/contexts/"))
            .fix_if(endpoint.is_docker_desktop(), || {
                // The other way out, second: the first fix is the one that clears the problem.
                Fix::new("Start Docker Desktop, if you meant to use it")
                    .run("systemctl --user start docker-desktop")
                    .docs("https://docs.docker.com/desktop/setup/install/linux/")
            })
        }
    }
}

fn problem_finding(ctx: &Context, p: &Problem) -> Finding {
    match p {
        Problem::ConfigUnreadable { path, error } => CONFIG_UNREADABLE
            .finding(format!("{} cannot be read: {error}", path.display()))
            .evidence("file", path.display())
            .detail("The CLI then runs without your contexts, credentials and proxy settings. A config directory created by `sudo docker ...` belongs to root.")
            .fix(
                Fix::new("Give the file back to your user")
                    .run(argv!["ls", "-l", path.display()])
                    .run_root(argv![
                        "chown",
                        "-R",
                        format!("{}:{}", ctx.identity().uid, ctx.identity().gid),
                        path.parent().unwrap_or(path).display()
                    ]),
            ),
        Problem::ConfigInvalid { path, error } => CONFIG_INVALID
            .finding(format!("{} is not valid JSON ({error})", path.display()))
            .evidence("file", path.display())
            .evidence("line", error.line)
            .evidence("column", error.column)
            .detail("The CLI warns and ignores the whole file: current context, credentials and proxies are lost.")
            .fix(
                Fix::new(format!("Repair {} at line {}", path.display(), error.line))
                    .run(argv!["python3", "-m", "json.tool", path.display()])
                    .manual("Fix the reported position (often a trailing comma), or move the file aside and run `docker login` again."),
            ),
        Problem::ConfigWrongType { path, error } => CONFIG_INVALID
            .finding(format!("{}: {error}", path.display()))
            .evidence("file", path.display())
            .detail("The file is valid JSON, but the CLI decodes it into fixed types: one wrong type and it warns \"Error loading config file\" and ignores the whole file (current context, credentials and proxies are lost).")
            .fix(
                Fix::new(format!("Correct that key in {}", path.display()))
                    .manual("Give the key the type named above (or remove it), then run `docker info` and check that no \"Error loading config file\" warning is printed."),
            ),
        Problem::ContextNotFound { name, meta_path } => CONTEXT_NOT_FOUND
            .finding(format!("context {name} is selected but does not exist"))
            .evidence("context", name)
            .evidence("expected", meta_path.display())
            .fix(if ctx.host().env_nonempty("DOCKER_CONTEXT").is_some() {
                // The variable overrides `docker context use`: unset it.
                unset_fix(ctx, "Stop selecting a missing context through DOCKER_CONTEXT", "DOCKER_CONTEXT")
            } else {
                Fix::new("Select an existing context")
                    .run("docker context ls")
                    .run("docker context use default")
            }),
        Problem::ContextMetaInvalid { name, path, error } => CONTEXT_INVALID
            .finding(format!("context {name}: {} is unusable: {error}", path.display()))
            .evidence("context", name)
            .evidence("file", path.display())
            .fix(
                Fix::new("Recreate the context, or use the default one")
                    .run("docker context use default")
                    .run(argv!["docker", "context", "rm", "-f", name]),
            ),
        Problem::InvalidHost { value, origin, reason } => INVALID_HOST
            .finding(format!("{origin} is {value:?}: {reason}"))
            .evidence("value", value)
            .evidence("origin", origin)
            .fix(if origin == "DOCKER_HOST" {
                unset_fix(ctx, "Unset DOCKER_HOST, or give it a full address", "DOCKER_HOST")
                    .manual("A valid value looks like unix:///var/run/docker.sock, tcp://HOST:2376 or ssh://USER@HOST.")
            } else {
                Fix::new("Use the default context").run("docker context use default")
            }),
        Problem::HostOverridesContext { context } => HOST_OVERRIDES_CONTEXT
            .finding(format!("DOCKER_HOST is set, so context {context} is ignored"))
            .evidence("context", context)
            .fix(unset_fix(ctx, "Use one mechanism: unset DOCKER_HOST to use the context", "DOCKER_HOST")),
    }
}
