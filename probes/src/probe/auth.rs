//! `auth`: the logins the docker CLI would send and Docker Hub's pull limit. A credential
//! helper that config.json names but that is not installed breaks every pull ("error
//! getting credentials"); a stored login the registry refuses breaks even public pulls
//! ("unauthorized: incorrect username or password"); a used-up pull limit breaks pulls
//! from Docker Hub for hours ("toomanyrequests"). Asked the way the daemon asks, through
//! its proxy and with its trust, so the answer is the one a pull would get.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::credentials::{self, Credential, Lookup, Store};
use crate::facts::json_file::{JsonFile, docker_config_dir, read_json};
use crate::facts::registry_auth::{self, Challenge, PullLimit};
use crate::facts::trust;
use crate::host::{HttpAnswer, HttpAuth, HttpError, HttpRequest};
use crate::model::{Finding, FindingKind, Fix, Severity};
use crate::secret::Secret;
use async_trait::async_trait;
use serde_json::Value;
use std::time::{Duration, Instant};

const LOGIN_OK: FindingKind = FindingKind::new(
    "auth.ok",
    Severity::Ok,
    "the registry accepts the stored login",
);
const REJECTED: FindingKind = FindingKind::new(
    "auth.rejected",
    Severity::Error,
    "the registry refuses the stored login (pulls fail, even of public images)",
);
const HELPER_MISSING: FindingKind = FindingKind::new(
    "auth.helper-missing",
    Severity::Error,
    "config.json names a credential helper that is not installed (every pull fails)",
);
const HELPER_FAILED: FindingKind = FindingKind::new(
    "auth.helper-failed",
    Severity::Warn,
    "the credential helper did not give the login",
);
const HUB_LIMIT: FindingKind = FindingKind::new(
    "auth.hub-limit",
    Severity::Info,
    "Docker Hub's pull limit: pulls left in the window",
);
const HUB_LIMIT_LOW: FindingKind = FindingKind::new(
    "auth.hub-limit-low",
    Severity::Warn,
    "few Docker Hub pulls left in the window",
);
const HUB_LIMIT_REACHED: FindingKind = FindingKind::new(
    "auth.hub-limit-reached",
    Severity::Error,
    "Docker Hub's pull limit is used up: pulls fail with toomanyrequests",
);
const NOT_CHECKED: FindingKind = FindingKind::new(
    "auth.not-checked",
    Severity::Info,
    "a login or the pull limit could not be checked",
);

/// The most logins checked in one run: far above what a person logs in to, far below a
/// config.json a tool filled with thousands (each may ask a helper and a registry).
const LOGINS_CAP: usize = 32;

const KINDS: &[FindingKind] = &[
    LOGIN_OK,
    REJECTED,
    HELPER_MISSING,
    HELPER_FAILED,
    HUB_LIMIT,
    HUB_LIMIT_LOW,
    HUB_LIMIT_REACHED,
    NOT_CHECKED,
];

/// Docker Hub's documented way to read the limit without using a pull: a HEAD on this
/// repository's manifest.
const LIMIT_REPOSITORY: &str = "ratelimitpreview/test";
const HUB_REGISTRY: &str = "registry-1.docker.io";
const HUB_REALM: &str = "https://auth.docker.io/token";
const HUB_SERVICE: &str = "registry.docker.io";
const DOCS_LOGIN: &str = "https://docs.docker.com/reference/cli/docker/login/";
const DOCS_LIMIT: &str = "https://docs.docker.com/docker-hub/usage/pulls/";

pub struct Auth;

#[async_trait]
impl Probe for Auth {
    fn id(&self) -> &'static str {
        "auth"
    }
    fn title(&self) -> &'static str {
        "Registry logins and Docker Hub's pull limit"
    }
    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let config_dir = docker_config_dir(ctx.host());
        let config_path = config_dir.as_ref().map(|d| d.join("config.json"));
        // An unreadable or malformed config.json is the endpoint probe's finding.
        let config = match config_path.as_ref().map(|p| read_json(ctx.host(), p)) {
            Some(JsonFile::Loaded(v)) if v.is_object() => v,
            _ => Value::Object(Default::default()),
        };
        let shown_path = config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "~/.docker/config.json".into());
        let mut out = Vec::new();

        // Helpers first: a missing one is a fact without any network.
        let mut missing: Vec<String> = Vec::new();
        let all = credentials::configured(&config);
        if all.len() > LOGINS_CAP {
            out.push(
                NOT_CHECKED
                    .finding(format!(
                        "{shown_path} holds {} logins: the first {LOGINS_CAP} are checked, and {} more are not",
                        all.len(),
                        all.len() - LOGINS_CAP
                    ))
                    .evidence("logins", all.len()),
            );
        }
        let keys: Vec<String> = all.into_iter().take(LOGINS_CAP).collect();
        for key in helper_users(&config, &keys) {
            if let Store::Helper { name, from } = credentials::store_for(&config, &key) {
                let program = credentials::helper_program(&name);
                if missing.contains(&program) || ctx.host().which(&program).is_some() {
                    continue;
                }
                missing.push(program.clone());
                let mut f = helper_missing(&program, &name, from, &shown_path);
                if name.ends_with(".exe") {
                    // In WSL, Desktop's Windows helper comes with its integration.
                    f = f.caused_by("wsl.desktop-integration-off");
                }
                out.push(f);
            }
        }

        // A captured machine has no recorded registry answers.
        let online = !ctx.options().offline && ctx.host().can_trace();
        let mut hub_login: Option<Credential> = None;
        // Each login is asked and checked at the same time: ten registries must not take
        // ten times as long.
        let checks = keys.iter().map(|key| one_login(ctx, &config, key, online));
        for (found, hub_cred) in futures_util::future::join_all(checks).await {
            out.extend(found);
            if hub_cred.is_some() {
                hub_login = hub_cred;
            }
        }

        if online {
            out.extend(hub(ctx, hub_login.as_ref()).await);
        }
        out
    }
}

/// One configured login: asked where the CLI keeps it, then checked (Docker Hub's is
/// returned, for the pull-limit check to use).
async fn one_login(
    ctx: &Context,
    config: &Value,
    key: &str,
    online: bool,
) -> (Vec<Finding>, Option<Credential>) {
    let host = credentials::hostname(key);
    let subject = if credentials::is_hub(key) {
        "docker.io".to_string()
    } else {
        host.clone()
    };
    let cred = match credentials::lookup(ctx.host(), config, key, timeout(ctx)).await {
        Lookup::Found(c) => c,
        Lookup::None | Lookup::HelperMissing { .. } => return (Vec::new(), None),
        Lookup::HelperFailed { program, message } => {
            let mut fix = Fix::new("Ask the helper as the CLI does, then log in again")
                .run_line("echo {} | {} get", &[key, &program]);
            fix = match login_target(key) {
                t if t.is_empty() => fix.run("docker login"),
                t => fix.run(argv!["docker", "login", t]),
            };
            let f = HELPER_FAILED
                .finding(format!(
                    "{program} did not give the login for {subject}: {message}"
                ))
                .evidence("helper", &program)
                .subject(&subject)
                .fix(fix.docs(DOCS_LOGIN));
            return (vec![f], None);
        }
    };
    if cred.identity_token {
        let f = NOT_CHECKED
            .finding(format!(
                "the login for {subject} is an identity token (Docker Desktop's sign-in): not checked"
            ))
            .subject(&subject);
        return (vec![f], None);
    }
    if !online {
        return (Vec::new(), None);
    }
    if credentials::is_hub(key) {
        return (Vec::new(), Some(cred));
    }
    (check_login(ctx, &host, &subject, key, &cred).await, None)
}

/// The registries whose login goes through a helper: all of them under credsStore (the
/// CLI asks it even when nothing is stored yet), else those of credHelpers.
fn helper_users(config: &Value, keys: &[String]) -> Vec<String> {
    let mut keys = keys.to_vec();
    if config
        .get("credsStore")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
    {
        keys.insert(0, credentials::HUB_KEY.to_string());
    }
    keys
}

/// The time one HTTP exchange may take: what is left of the run, at most 5 s.
fn timeout(ctx: &Context) -> Duration {
    ctx.api_timeout()
}

/// `docker login`'s argument for a config key: nothing for Docker Hub.
fn login_target(key: &str) -> String {
    if credentials::is_hub(key) {
        String::new()
    } else {
        credentials::hostname(key)
    }
}

fn helper_missing(program: &str, name: &str, from: &str, config: &str) -> Finding {
    HELPER_MISSING
        .finding(format!(
            "{config} says \"{from}\" uses {program}, which is not on PATH: every pull and login fails with \"error getting credentials\""
        ))
        .detail("The CLI asks the helper for a login before each pull, even of a public image. Docker Desktop's helpers (desktop, osxkeychain, wincred) stay named after Desktop is uninstalled, and WSL distributions without Desktop's integration do not have them.")
        .evidence("helper", program)
        .evidence("setting", from)
        .evidence("config", config)
        .fix(
            Fix::new(format!("Install {program}, or stop using it"))
                .run(argv!["which", program])
                .manual(format!(
                    "Remove \"{from}\" (\"{name}\") from {config}, or set it to a helper you have (pass, secretservice, osxkeychain, wincred); then log in again."
                ))
                .docs("https://docs.docker.com/reference/cli/docker/login/#credential-stores"),
        )
}

/// The roots the daemon trusts for `host`: the system store, plus certs.d except for
/// Docker Hub.
fn roots(ctx: &Context, host: &str, hub: bool) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    let mut store = ctx.system_trust().clone();
    if !hub {
        store.extend(&trust::certs_d(ctx.host(), host));
    }
    store.certs
}

/// The proxy the daemon would use for `host`.
async fn proxy(ctx: &Context, host: &str) -> Option<Secret> {
    let (name, port) = match host.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, p.parse().unwrap_or(443)),
        _ => (host, 443),
    };
    ctx.daemon_proxy()
        .await
        .set
        .proxy_for(true, name, port)
        .map(|p| p.for_use())
}

async fn get(
    ctx: &Context,
    url: String,
    host: &str,
    hub: bool,
    auth: Option<HttpAuth>,
    head: bool,
) -> Result<HttpAnswer, HttpError> {
    let request = HttpRequest {
        head,
        url,
        auth,
        proxy: proxy(ctx, host).await,
        roots: roots(ctx, host, hub),
        timeout: timeout(ctx),
    };
    ctx.host().http(&request).await
}

/// What a token service or registry said about a login.
enum Verdict {
    Accepted,
    Refused(u16, String),
    Unknown(String),
}

/// A registry's answer to a login: `docker login`'s own check (`GET /v2/`, then Basic or
/// the Bearer token service with the credentials).
async fn check_login(
    ctx: &Context,
    host: &str,
    subject: &str,
    key: &str,
    cred: &Credential,
) -> Vec<Finding> {
    let insecure = ctx
        .registries()
        .await
        .iter()
        .any(|r| r.insecure && (r.name == host || r.host == host));
    if insecure {
        return vec![
            NOT_CHECKED
                .finding(format!(
                    "{subject} is an insecure registry: its login is not checked"
                ))
                .subject(subject),
        ];
    }
    let basic = || HttpAuth::Basic {
        user: cred.user.clone(),
        password: cred.secret.clone(),
    };
    let base = format!("https://{host}/v2/");
    let verdict = match get(ctx, base.clone(), host, false, None, false).await {
        Err(HttpError::Unsupported) => return Vec::new(),
        Err(e) => Verdict::Unknown(http_error(&e)),
        Ok(a) if a.status == 200 => Verdict::Unknown("it asks for no login at all".into()),
        Ok(a) if a.status == 401 => {
            match a
                .header("www-authenticate")
                .and_then(registry_auth::parse_challenge)
            {
                Some(Challenge::Basic) => {
                    verdict(get(ctx, base, host, false, Some(basic()), false).await)
                }
                Some(Challenge::Bearer { realm, service }) => {
                    let url = registry_auth::token_url(
                        &realm,
                        service.as_deref(),
                        None,
                        Some(&cred.user),
                    );
                    let realm_host = host_of(&realm);
                    verdict(get(ctx, url, &realm_host, false, Some(basic()), false).await)
                }
                None => Verdict::Unknown("its 401 names no login scheme this checks".into()),
            }
        }
        Ok(a) => Verdict::Unknown(format!("GET /v2/ answered {}", a.status)),
    };
    vec![login_finding(subject, key, cred, verdict)]
}

fn verdict(answer: Result<HttpAnswer, HttpError>) -> Verdict {
    match answer {
        Ok(a) if (200..300).contains(&a.status) => Verdict::Accepted,
        Ok(a) if a.status == 401 || a.status == 403 => {
            Verdict::Refused(a.status, first_error(&a.body))
        }
        Ok(a) => Verdict::Unknown(format!("the login was answered {}", a.status)),
        Err(e) => Verdict::Unknown(http_error(&e)),
    }
}

fn login_finding(subject: &str, key: &str, cred: &Credential, verdict: Verdict) -> Finding {
    match verdict {
        Verdict::Accepted => LOGIN_OK
            .finding(format!("{subject} accepts the login of {}", cred.user))
            .evidence("user", &cred.user)
            .subject(subject),
        Verdict::Refused(status, message) => {
            let target = login_target(key);
            let mut fix = Fix::new(
                "Log in again (a changed password, an expired token, or an e-mail address used instead of the user name)",
            );
            fix = if target.is_empty() {
                fix.run("docker logout").run("docker login")
            } else {
                fix.run(argv!["docker", "logout", &target])
                    .run(argv!["docker", "login", &target])
            };
            REJECTED
                .finding(format!(
                    "{subject} refuses the stored login of {} ({status}{}): pulls from it fail with \"unauthorized\", even of public images",
                    cred.user,
                    if message.is_empty() { String::new() } else { format!(": {message}") }
                ))
                .evidence("user", &cred.user)
                .evidence("status", status)
                .subject(subject)
                .fix(fix.docs(DOCS_LOGIN))
        }
        Verdict::Unknown(why) => NOT_CHECKED
            .finding(format!(
                "the login for {subject} could not be checked: {why}"
            ))
            .subject(subject)
            // The registry probe says why the registry cannot be reached.
            .caused_by("registry"),
    }
}

/// Docker Hub: the login, when there is one, and the pull limit it gets.
async fn hub(ctx: &Context, login: Option<&Credential>) -> Vec<Finding> {
    let mut out = Vec::new();
    let scope = format!("repository:{LIMIT_REPOSITORY}:pull");
    let auth = login.map(|c| HttpAuth::Basic {
        user: c.user.clone(),
        password: c.secret.clone(),
    });
    let url = registry_auth::token_url(
        HUB_REALM,
        Some(HUB_SERVICE),
        Some(&scope),
        login.map(|c| c.user.as_str()),
    );
    let token_answer = get(ctx, url, "auth.docker.io", true, auth, false).await;
    let token = match token_answer {
        // A captured machine without recorded answers: nothing to say.
        Err(HttpError::Unsupported) => return out,
        Ok(a) if a.status == 200 => {
            if let Some(c) = login {
                out.push(login_finding(
                    "docker.io",
                    credentials::HUB_KEY,
                    c,
                    Verdict::Accepted,
                ));
            }
            registry_auth::token_of(&a.body)
        }
        Ok(a) if login.is_some() && (a.status == 401 || a.status == 403) => {
            let c = login.expect("checked");
            out.push(login_finding(
                "docker.io",
                credentials::HUB_KEY,
                c,
                Verdict::Refused(a.status, first_error(&a.body)),
            ));
            return out;
        }
        Ok(a) => {
            out.push(not_checked_hub(format!(
                "its token service answered {}",
                a.status
            )));
            return out;
        }
        Err(e) => {
            out.push(not_checked_hub(http_error(&e)));
            return out;
        }
    };
    let Some(token) = token else {
        out.push(not_checked_hub("its token service sent no token".into()));
        return out;
    };
    let started = Instant::now();
    let manifest = format!("https://{HUB_REGISTRY}/v2/{LIMIT_REPOSITORY}/manifests/latest");
    let answer = match get(
        ctx,
        manifest,
        HUB_REGISTRY,
        true,
        Some(HttpAuth::Bearer(Secret::new(token))),
        true,
    )
    .await
    {
        Ok(a) => a,
        Err(e) => {
            out.push(not_checked_hub(http_error(&e)));
            return out;
        }
    };
    let who = match login {
        Some(c) => format!("the account {}", c.user),
        None => "anonymous pulls from this address".to_string(),
    };
    let limit = registry_auth::pull_limit(&answer);
    let f = match (&limit, answer.status) {
        (_, 429) | (Some(PullLimit { remaining: 0, .. }), _) => {
            limit_reached(&who, limit.as_ref(), login.is_some())
        }
        (Some(l), _) if l.remaining.saturating_mul(10) < l.limit => HUB_LIMIT_LOW
            .finding(format!(
                "{} of {} Docker Hub pulls left{} for {who}",
                l.remaining,
                l.limit,
                window(l)
            ))
            .fix(limit_fix(login.is_some())),
        (Some(l), _) => HUB_LIMIT.finding(format!(
            "{} of {} Docker Hub pulls left{} for {who}",
            l.remaining,
            l.limit,
            window(l)
        )),
        (None, s) if (200..300).contains(&s) => HUB_LIMIT.finding(format!(
            "Docker Hub states no pull limit for {who} (a plan without one, or a mirror in between)"
        )),
        (None, s) => not_checked_hub(format!("the manifest HEAD answered {s}")),
    };
    let mut f = f
        .subject("docker.io")
        .evidence("ms", started.elapsed().as_millis());
    if let Some(l) = &limit {
        f = f
            .evidence("limit", l.limit)
            .evidence("remaining", l.remaining);
        if let Some(s) = &l.source {
            f = f.evidence("counted against", s);
        }
    }
    out.push(f);
    out
}

fn window(l: &PullLimit) -> String {
    match l.window_secs {
        Some(s) if s % 3600 == 0 => format!(" per {} h", s / 3600),
        Some(s) => format!(" per {s} s"),
        None => String::new(),
    }
}

fn limit_fix(logged_in: bool) -> Fix {
    let fix = Fix::new(if logged_in {
        "Wait for the window to pass, use a pull-through mirror, or a plan with more pulls"
    } else {
        "Log in (authenticated pulls have their own, higher limit), or use a pull-through mirror"
    });
    let fix = if logged_in {
        fix
    } else {
        fix.run("docker login")
    };
    fix.manual("A mirror: \"registry-mirrors\": [\"https://<mirror>\"] in /etc/docker/daemon.json, then restart the daemon.")
        .docs(DOCS_LIMIT)
}

fn limit_reached(who: &str, limit: Option<&PullLimit>, logged_in: bool) -> Finding {
    HUB_LIMIT_REACHED
        .finding(format!(
            "Docker Hub's pull limit is used up for {who}{}: pulls fail with \"toomanyrequests\" until the window passes",
            limit.map(|l| format!(" (0 of {}{})", l.limit, window(l))).unwrap_or_default()
        ))
        .detail("Anonymous pulls are counted per public IP address: behind a shared NAT, a proxy or on CI, other machines use the same quota.")
        .fix(limit_fix(logged_in))
}

fn not_checked_hub(why: String) -> Finding {
    NOT_CHECKED
        .finding(format!("Docker Hub's pull limit could not be read: {why}"))
        .subject("docker.io")
        .caused_by("registry")
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}

/// The first error message of a registry's JSON answer (`{"errors":[{"message":…}]}`,
/// or a token service's `{"details":…}`).
fn first_error(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return String::new();
    };
    v.pointer("/errors/0/message")
        .or_else(|| v.get("details"))
        .or_else(|| v.get("message"))
        .and_then(Value::as_str)
        .map(|s| s.chars().take(200).collect())
        .unwrap_or_default()
}

fn http_error(e: &HttpError) -> String {
    match e {
        HttpError::Unsupported => "this captured machine has no recorded answer".into(),
        HttpError::TimedOut => "no answer in time".into(),
        HttpError::Failed(m) => m.clone(),
    }
}
