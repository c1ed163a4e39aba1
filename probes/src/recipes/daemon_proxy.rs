//! How to give the daemon a proxy on this host: through whatever starts it (a systemd
//! drop-in, the user unit of rootless mode, an init script's options file, daemon.json on
//! Engine 23+, Docker Desktop's settings, the command line of a hand-started dockerd). A
//! recipe shared by the probes that prescribe a proxy (proxy, baseline); the password is
//! always a placeholder the user fills in.

use crate::context::Context;
use crate::facts::profile::{HostProfile, ServiceManager};
use crate::facts::proxy::{ProxySet, ProxyUrl, no_proxy_entries};
use crate::model::{Fix, ServiceAction};
use std::path::Path;

pub const SHOW_PROXY: &str = "docker info --format '{{.HTTPProxy}} {{.HTTPSProxy}} {{.NoProxy}}'";
pub const DROPIN_PATH: &str = "/etc/systemd/system/docker.service.d/http-proxy.conf";
pub const DOCS: &str = "https://docs.docker.com/engine/daemon/proxy/";
pub const DESKTOP_DOCS: &str =
    "https://docs.docker.com/desktop/settings-and-maintenance/settings/#proxies";

/// The drop-in text for these settings; the password stays a placeholder the user fills in,
/// and every `%` is doubled as systemd requires.
pub fn dropin_text(set: &ProxySet) -> String {
    let mut s = String::from("[Service]\n");
    let mut line = |name: &str, value: String| {
        s.push_str(&format!(
            "Environment=\"{name}={}\"\n",
            value.replace('%', "%%")
        ));
    };
    if let Some(u) = &set.http {
        line("HTTP_PROXY", u.with_placeholder());
    }
    if let Some(u) = set.preferred() {
        line("HTTPS_PROXY", u.with_placeholder());
    }
    line("NO_PROXY", with_loopback(set.no_proxy.as_deref()));
    s
}

pub fn with_loopback(no_proxy: Option<&str>) -> String {
    let mut entries = no_proxy_entries(no_proxy.unwrap_or(""));
    for l in ["127.0.0.1", "localhost"] {
        if !entries.iter().any(|e| e == l) {
            entries.insert(0, l.to_string());
        }
    }
    entries.join(",")
}

pub fn daemon_json_snippet(set: &ProxySet) -> String {
    let mut fields = Vec::new();
    if let Some(u) = &set.http {
        fields.push(format!("    \"http-proxy\": \"{}\"", u.with_placeholder()));
    }
    if let Some(u) = set.preferred() {
        fields.push(format!("    \"https-proxy\": \"{}\"", u.with_placeholder()));
    }
    fields.push(format!(
        "    \"no-proxy\": \"{}\"",
        with_loopback(set.no_proxy.as_deref())
    ));
    format!("{{\n  \"proxies\": {{\n{}\n  }}\n}}", fields.join(",\n"))
}

pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `~/.docker/config.json` proxies for containers; a loopback proxy is renamed `gateway`.
pub fn client_config_snippet(set: &ProxySet, gateway: Option<&str>) -> String {
    let shown = |u: &ProxyUrl| {
        let text = u.with_placeholder();
        match gateway {
            Some(g) if is_loopback_host(&u.host) => {
                let old = u.address();
                let new = format!("{g}:{}", u.port);
                text.replace(&old, &new)
            }
            _ => text,
        }
    };
    let mut fields = Vec::new();
    if let Some(u) = &set.http {
        fields.push(format!("      \"httpProxy\": \"{}\"", shown(u)));
    }
    if let Some(u) = set.preferred() {
        fields.push(format!("      \"httpsProxy\": \"{}\"", shown(u)));
    }
    fields.push(format!(
        "      \"noProxy\": \"{}\"",
        with_loopback(set.no_proxy.as_deref())
    ));
    format!(
        "{{\n  \"proxies\": {{\n    \"default\": {{\n{}\n    }}\n  }}\n}}",
        fields.join(",\n")
    )
}

/// The lines an init script's options file (/etc/default/docker) needs: exported, since
/// the script sources the file and dockerd inherits its environment.
pub fn options_file_text(existing: &str, set: &ProxySet) -> String {
    let names = [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ];
    // Earlier proxy lines go: the new ones replace them.
    let mut out: String = existing
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            let t = t.strip_prefix("export ").unwrap_or(t);
            !names.iter().any(|n| t.starts_with(&format!("{n}=")))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str("# The daemon's proxy (docker-doctor)\n");
    let mut line = |name: &str, value: String| {
        out.push_str(&format!("export {name}={}\n", crate::shell::quote(&value)));
    };
    if let Some(u) = &set.http {
        line("HTTP_PROXY", u.with_placeholder());
    }
    if let Some(u) = set.preferred() {
        line("HTTPS_PROXY", u.with_placeholder());
    }
    line("NO_PROXY", with_loopback(set.no_proxy.as_deref()));
    out
}

/// How to give the daemon these settings on this host: through whatever starts it.
pub fn set_daemon_proxy_fix(
    ctx: &Context,
    set: &ProxySet,
    desktop: bool,
    profile: &HostProfile,
    title: &str,
) -> Fix {
    if desktop || profile.service_manager == ServiceManager::DockerDesktop {
        let url = set
            .preferred()
            .map(ProxyUrl::with_placeholder)
            .unwrap_or_default();
        return Fix::new(format!("{title} in Docker Desktop's settings"))
            .manual(format!(
                "Docker Desktop > Settings > Resources > Proxies > Manual proxy configuration: Web Server (HTTP) and Secure Web Server (HTTPS) = {url}; bypass: {}",
                with_loopback(set.no_proxy.as_deref())
            ))
            .manual("Apply & Restart")
            .run(SHOW_PROXY)
            .docs(DESKTOP_DOCS)
            .note("Docker Desktop ignores daemon.json proxies and the shell's variables: only its own settings reach the engine.");
    }
    let has_password = [&set.http, &set.https]
        .into_iter()
        .flatten()
        .any(|u| u.password.is_some());
    let json_ok = profile.engine_at_least(23, 0);
    let json_fix = || {
        Fix::new(format!("{title} in /etc/docker/daemon.json"))
            .manual(format!(
                "Add to /etc/docker/daemon.json (merge with what is there):\n{}",
                daemon_json_snippet(set)
            ))
            .service(ServiceAction::Restart)
            .run(SHOW_PROXY)
    };
    let mut notes = Vec::new();
    let mut fix = match &profile.service_manager {
        ServiceManager::Systemd => {
            if has_password {
                notes.push("Write a `%` in the password as `%%` in a systemd drop-in.".to_string());
            }
            Fix::new(format!("{title} with a systemd drop-in"))
                .write_file(DROPIN_PATH, dropin_text(set))
                .service(ServiceAction::ReloadAndRestart)
                .run(SHOW_PROXY)
        }
        ServiceManager::SystemdUser => {
            let home = ctx
                .identity()
                .home
                .as_ref()
                .map(|h| h.display().to_string())
                .unwrap_or_else(|| "~".into());
            Fix::new(format!("{title} with a drop-in for the rootless daemon"))
                .write_user_file(
                    format!("{home}/.config/systemd/user/docker.service.d/http-proxy.conf"),
                    dropin_text(set),
                )
                .service(ServiceAction::ReloadAndRestart)
                .run(SHOW_PROXY)
        }
        ServiceManager::InitScript { options_file, .. } => {
            let existing = ctx
                .host()
                .read_text(Path::new(options_file))
                .unwrap_or_default();
            Fix::new(format!("{title} in {options_file}, which the init script reads"))
                .write_file(options_file.clone(), options_file_text(&existing, set))
                .service(ServiceAction::Restart)
                .run(SHOW_PROXY)
        }
        _ if json_ok => json_fix(),
        ServiceManager::Manual { pid, command_line } => {
            let mut env = vec!["env".to_string()];
            if let Some(u) = &set.http {
                env.push(format!("HTTP_PROXY={}", u.with_placeholder()));
            }
            if let Some(u) = set.preferred() {
                env.push(format!("HTTPS_PROXY={}", u.with_placeholder()));
            }
            env.push(format!("NO_PROXY={}", with_loopback(set.no_proxy.as_deref())));
            env.extend(command_line.iter().cloned());
            let line = crate::shell::as_root(&crate::shell::join(&env, "sh"), profile.prefix());
            Fix::new(format!("{title}: restart the dockerd you started with the proxy in its environment"))
                .manual(format!(
                    "dockerd (pid {pid}) was started by hand and takes its proxy from its environment. Stop it (`{}`), then start it again with:\n{line}",
                    crate::shell::as_root(&format!("kill {pid}"), profile.prefix())
                ))
                .run(SHOW_PROXY)
        }
        _ => Fix::new(format!("{title} where this machine starts dockerd"))
            .manual("Set HTTP_PROXY, HTTPS_PROXY and NO_PROXY in the environment of the service that starts dockerd, then restart it.")
            .manual(dropin_text(set)),
    };
    fix = fix.docs(DOCS);
    if has_password {
        notes.insert(0, "Replace <password> with the proxy password.".to_string());
    }
    if json_ok
        && matches!(
            profile.service_manager,
            ServiceManager::Systemd | ServiceManager::InitScript { .. }
        )
    {
        notes.push(format!(
            "Engine 23 and later also read \"proxies\" from /etc/docker/daemon.json:\n{}",
            daemon_json_snippet(set)
        ));
    }
    if !notes.is_empty() {
        fix = fix.note(notes.join("\n"));
    }
    fix
}
