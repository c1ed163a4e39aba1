//! `cli`: is the docker CLI on PATH, which version, and are compose and buildx there.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::cli_plugins;
use crate::facts::platform::Platform;
use crate::host::RunError;
use crate::model::{Finding, FindingKind, Fix, ServiceAction, Severity};
use async_trait::async_trait;
use std::path::Path;
use std::time::Duration;

const FOUND: FindingKind = FindingKind::new("cli.found", Severity::Ok, "docker CLI found on PATH");
const MISSING: FindingKind = FindingKind::new(
    "cli.missing",
    Severity::Error,
    "docker CLI is not installed",
);
const NOT_ON_PATH: FindingKind = FindingKind::new(
    "cli.not-on-path",
    Severity::Error,
    "docker is installed but its directory is not on PATH",
);
const VERSION_FAILED: FindingKind = FindingKind::new(
    "cli.version-failed",
    Severity::Warn,
    "`docker --version` failed or did not answer",
);
const PLUGIN_MISSING: FindingKind = FindingKind::new(
    "cli.plugin-missing",
    Severity::Info,
    "the compose or buildx CLI plugin is not installed",
);

const KINDS: &[FindingKind] = &[FOUND, MISSING, NOT_ON_PATH, VERSION_FAILED, PLUGIN_MISSING];

/// Installs that put `docker` outside the usual PATH, per OS.
const OFF_PATH_LOCATIONS: &[&str] = &[
    "/snap/bin/docker",
    "/usr/local/bin/docker",
    "/usr/bin/docker",
];
const OFF_PATH_LOCATIONS_MACOS: &[&str] = &[
    "/usr/local/bin/docker",
    "/opt/homebrew/bin/docker",
    "/Applications/Docker.app/Contents/Resources/bin/docker",
];
const OFF_PATH_LOCATIONS_WINDOWS: &[&str] = &[
    r"C:\Program Files\Docker\Docker\resources\bin\docker.exe",
    r"C:\ProgramData\DockerDesktop\version-bin\docker.exe",
    r"C:\Program Files\Rancher Desktop\resources\resources\win32\bin\docker.exe",
];
/// The same under the user's home: rootless Docker's install script (~/bin), Docker
/// Desktop's per-user CLI (~/.docker/bin), OrbStack, Rancher Desktop.
const OFF_PATH_IN_HOME: &[&str] = &["bin/docker", ".rd/bin/docker"];
const OFF_PATH_IN_HOME_MACOS: &[&str] = &[
    ".docker/bin/docker",
    ".orbstack/bin/docker",
    ".rd/bin/docker",
];

pub struct Cli;

#[async_trait]
impl Probe for Cli {
    fn id(&self) -> &'static str {
        "cli"
    }
    fn title(&self) -> &'static str {
        "Docker CLI"
    }
    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let host = ctx.host();
        let Some(path) = host.which("docker") else {
            let os = host.os().os;
            let (places, in_home) = match os.as_str() {
                "windows" => (OFF_PATH_LOCATIONS_WINDOWS, &[][..]),
                "macos" => (OFF_PATH_LOCATIONS_MACOS, OFF_PATH_IN_HOME_MACOS),
                _ => (OFF_PATH_LOCATIONS, OFF_PATH_IN_HOME),
            };
            let home = ctx.identity().home.clone();
            let candidates: Vec<std::path::PathBuf> = places
                .iter()
                .map(std::path::PathBuf::from)
                .chain(home.iter().flat_map(|h| {
                    let os = os.clone();
                    in_home.iter().map(move |p| crate::host::join_on(&os, h, p))
                }))
                .collect();
            if let Some(found) = candidates
                .iter()
                .map(|p| p.as_path())
                .find(|p| host.exists(p))
            {
                let dir = found
                    .parent()
                    .unwrap_or(Path::new("/"))
                    .display()
                    .to_string();
                return vec![
                    NOT_ON_PATH
                        .finding(format!("docker is at {} but {dir} is not on PATH", found.display()))
                        .evidence("found", found.display())
                        .evidence("PATH", host.env("PATH").unwrap_or_default())
                        .detail(match os.as_str() {
                            "windows" => "Docker Desktop adds its resources\\bin folder to the user's PATH when it is installed; a terminal opened before that, or a PATH edited since, does not have it.",
                            "macos" => "Docker Desktop links its CLI into /usr/local/bin (or ~/.docker/bin, chosen in Settings > Advanced); a shell whose PATH lacks that folder does not find it.",
                            _ => "Shells, cron, sudo's secure_path and service units can reset PATH; the snap package lives in /snap/bin.",
                        })
                        .fix(if os == "windows" {
                            // PowerShell, with the folder as one quoted word.
                            let folder = format!(";{dir}");
                            Fix::new(format!("Add {dir} to PATH"))
                                .powershell_line("$env:Path += {}", &[&folder])
                                .powershell_line("[Environment]::SetEnvironmentVariable('Path', [Environment]::GetEnvironmentVariable('Path', 'User') + {}, 'User')", &[&folder])
                                .why("the second line keeps it for new windows: this user's PATH")
                        } else {
                            // The login file this user's shell reads: zsh is macOS' default.
                            let shell = host.env("SHELL").unwrap_or_default();
                            let login_file = if shell.ends_with("/zsh") || (shell.is_empty() && os == "macos") {
                                "~/.zprofile"
                            } else if shell.ends_with("/bash") && os == "macos" {
                                "~/.bash_profile"
                            } else {
                                "~/.profile"
                            };
                            Fix::new(format!("Add {dir} to PATH"))
                                .run_line("export PATH=\"$PATH\":{}", &[&dir])
                                .manual(format!("Make it permanent: add the same line to {login_file}, or call {} by its full path in scripts.", found.display()))
                        }),
                ];
            }
            return vec![install_hint(
                MISSING
                    .finding("the docker command is not on PATH")
                    .evidence("PATH", host.env("PATH").unwrap_or_default()),
                ctx.platform(),
            )];
        };

        let mut findings = Vec::new();
        let timeout = ctx.api_timeout().min(Duration::from_secs(3));
        // The hot path reads the version the binary was linked with; only a program that
        // does not record it (a wrapper script, Desktop's WSL placeholder) is run.
        let linked = host.linked_value(&path, "github.com/docker/cli/cli/version.Version");
        let version = match linked {
            Some(v) => Some(v),
            None => match host.run(&path, &["--version"], timeout).await {
                Ok(out) if out.status == Some(0) => parse_version(&out.stdout),
                Ok(out) => {
                    findings.push(
                        VERSION_FAILED
                            .finding(format!(
                                "`{} --version` exited with {}",
                                path.display(),
                                out.status
                                    .map(|c| format!("code {c}"))
                                    .unwrap_or_else(|| "a signal".into())
                            ))
                            .evidence("output", format!("{}{}", out.stdout, out.stderr).trim())
                            // In WSL, Docker Desktop's placeholder script answers this way.
                            .caused_by("wsl.desktop-integration-off"),
                    );
                    None
                }
                Err(e) => {
                    let why = match e {
                        RunError::TimedOut(t) => {
                            format!("gave no answer within {} ms", t.as_millis())
                        }
                        RunError::NotFound => "could not be executed".into(),
                        RunError::Failed(m) => m,
                    };
                    findings.push(
                        VERSION_FAILED
                            .finding(format!("`{} --version` {why}", path.display()))
                            .evidence("path", path.display()),
                    );
                    None
                }
            },
        };
        let mut found = FOUND
            .finding(match &version {
                Some(v) => format!("Docker CLI {v} at {}", path.display()),
                None => format!("Docker CLI at {}", path.display()),
            })
            .evidence("path", path.display());
        if let Some(v) = &version {
            found = found.evidence("version", v);
        }

        let plugin_dirs = cli_plugins::dirs(ctx.host(), &ctx.platform().os);
        for (plugin, purpose) in [
            ("compose", "docker compose"),
            ("buildx", "docker buildx / BuildKit builds"),
        ] {
            match cli_plugins::find(ctx.host(), &ctx.platform().os, &plugin_dirs, plugin) {
                Some(p) => found = found.evidence(format!("plugin {plugin}"), p.display()),
                None => findings.push(plugin_hint(
                    PLUGIN_MISSING
                        .finding(format!(
                            "the {plugin} plugin is not installed ({purpose} will not work)"
                        ))
                        .evidence("plugin", plugin)
                        .evidence(
                            "searched",
                            plugin_dirs
                                .iter()
                                .map(|d| d.display().to_string())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    plugin,
                    ctx.platform(),
                    has_docker_apt_repo(ctx.host()),
                )),
            }
        }
        findings.insert(0, found);
        findings
    }
}

/// "Docker version 28.2.2, build e6534b4" → "28.2.2".
pub fn parse_version(stdout: &str) -> Option<String> {
    let rest = stdout.trim().strip_prefix("Docker version ")?;
    let v = rest.split([',', ' ']).next()?;
    (!v.is_empty()).then(|| v.to_string())
}

fn install_hint(f: Finding, p: &Platform) -> Finding {
    let docs = |d: &str| format!("https://docs.docker.com/engine/install/{d}/");
    let f = f.detail("Install Docker from one source only: mixing the distribution's package, Docker's packages and the snap leads to two daemons fighting over one socket.");
    match (p.os.as_str(), p.family()) {
        ("macos", _) => f.fix(
            Fix::new("Install Docker Desktop for Mac")
                .manual("Download and install Docker Desktop, then start it once so it creates ~/.docker/run/docker.sock.")
                .docs("https://docs.docker.com/desktop/setup/install/mac-install/"),
        ),
        ("windows", _) => f.fix(
            Fix::new("Install Docker Desktop for Windows (WSL 2 backend)")
                .manual("Install Docker Desktop, choose the WSL 2 backend, and start it once.")
                .docs("https://docs.docker.com/desktop/setup/install/windows-install/"),
        ),
        (_, Some(fam @ ("debian" | "ubuntu"))) => f.fix(
            Fix::new("Install Docker Engine from the distribution's packages")
                .run_root("apt-get update")
                .run_root("apt-get install -y docker.io")
                .service(ServiceAction::Start)
                .note("For the newest Engine with compose and buildx, use Docker's own apt repository instead (see the docs).")
                .docs(docs(fam)),
        ),
        (_, Some("fedora")) => f.fix(
            start_installed_unit(
                Fix::new("Install Docker Engine from Docker's Fedora repository")
                    .run_root("dnf -y install dnf-plugins-core")
                    .run_root("dnf config-manager addrepo --from-repofile https://download.docker.com/linux/fedora/docker-ce.repo")
                    .run_root("dnf install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin"),
                p,
                "docker",
            )
            .docs(docs("fedora")),
        ),
        (_, Some(fam @ ("rhel" | "centos"))) => f.fix(
            start_installed_unit(
                Fix::new("Install Docker Engine from Docker's RHEL repository")
                    .run_root("dnf -y install dnf-plugins-core")
                    .run_root("dnf config-manager --add-repo https://download.docker.com/linux/rhel/docker-ce.repo")
                    .run_root("dnf install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin"),
                p,
                "docker",
            )
            .docs(docs(if fam == "centos" { "centos" } else { "rhel" })),
        ),
        (_, Some("arch")) => f.fix(
            start_installed_unit(
                Fix::new("Install Docker from the Arch repositories")
                    .run_root("pacman -S --needed docker docker-compose docker-buildx"),
                p,
                "docker.socket",
            )
            .docs("https://wiki.archlinux.org/title/Docker"),
        ),
        (_, Some("alpine")) => f.fix(
            Fix::new("Install Docker from the Alpine community repository")
                .run_root("apk add docker docker-cli-compose docker-cli-buildx")
                .run_root("rc-update add docker default")
                .run_root("rc-service docker start")
                .docs("https://wiki.alpinelinux.org/wiki/Docker"),
        ),
        (_, Some(_)) => f.fix(
            start_installed_unit(
                Fix::new("Install Docker Engine from openSUSE's repositories")
                    .run_root("zypper install -y docker docker-compose docker-buildx"),
                p,
                "docker",
            )
            .docs(docs("sles")),
        ),
        (_, None) => f.fix(
            Fix::new("Install Docker Engine")
                .manual("Follow the installation page for your distribution.")
                .docs("https://docs.docker.com/engine/install/"),
        ),
    }
}

/// These packages bring a systemd unit and nothing else to start the daemon with: where
/// systemd does not run (a container, WSL without systemd) that unit is no use.
fn start_installed_unit(fix: Fix, p: &Platform, unit: &'static str) -> Fix {
    if p.systemd {
        fix.run_root(argv!["systemctl", "enable", "--now", unit])
    } else if p.wsl {
        fix.manual("systemd is not running in this WSL distro, and these packages start dockerd only through it: add `[boot]` `systemd=true` to /etc/wsl.conf, run `wsl --shutdown` in Windows, reopen the distro, then run `sudo systemctl enable --now docker`.")
    } else {
        fix.manual("systemd is not running here, and these packages start dockerd only through it: start `dockerd` under this machine's own supervisor (or by hand, in the background, with its output sent to a log file).")
    }
}

/// The apt package that installs the plugin on this release: Docker's own repository
/// (`docker-compose-plugin`) when it is configured, else the distribution's, which differs
/// per release (Debian 12 has only Compose v1 and no buildx; Ubuntu 22.04 and later have
/// docker-compose-v2 and docker-buildx; Debian 13 has docker-compose v2 and docker-buildx).
fn debian_plugin_package(
    family: &str,
    plugin: &str,
    p: &Platform,
    docker_repo: bool,
) -> Option<String> {
    if docker_repo {
        return Some(format!("docker-{plugin}-plugin"));
    }
    let major = p.release_major()?;
    match (family, plugin) {
        ("ubuntu", "compose") if major >= 22 => Some("docker-compose-v2".into()),
        ("ubuntu", "buildx") if major >= 22 => Some("docker-buildx".into()),
        ("debian", "compose") if major >= 13 => Some("docker-compose".into()),
        ("debian", "buildx") if major >= 13 => Some("docker-buildx".into()),
        _ => None,
    }
}

/// Docker's own apt repository is configured on this machine.
pub(crate) fn has_docker_apt_repo(host: &dyn crate::host::Host) -> bool {
    let dir = std::path::Path::new("/etc/apt/sources.list.d");
    host.list_dir(dir)
        .unwrap_or_default()
        .iter()
        .map(|n| dir.join(n))
        .chain(std::iter::once(std::path::PathBuf::from(
            "/etc/apt/sources.list",
        )))
        .any(|f| {
            host.read_text(&f)
                .is_ok_and(|t| t.contains("download.docker.com"))
        })
}

fn plugin_hint(f: Finding, plugin: &str, p: &Platform, docker_repo: bool) -> Finding {
    let docs = if plugin == "compose" {
        "https://docs.docker.com/compose/install/linux/"
    } else {
        "https://docs.docker.com/build/concepts/overview/#install-buildx"
    };
    let fix = Fix::new(format!("Install the {plugin} plugin")).docs(docs);
    let fix = match p.family() {
        Some(fam @ ("debian" | "ubuntu")) => match debian_plugin_package(fam, plugin, p, docker_repo) {
            Some(pkg) => fix.run_root(argv!["apt-get", "install", "-y", pkg]),
            None => fix.manual(format!(
                "{} has no package for the {plugin} plugin: add Docker's apt repository and install docker-{plugin}-plugin, or put the docker-{plugin} release binary into ~/.docker/cli-plugins/ and make it executable.",
                p.distro.as_deref().unwrap_or("This release")
            )),
        },
        Some("fedora" | "rhel" | "centos") => {
            fix.run_root(argv!["dnf", "install", "-y", format!("docker-{plugin}-plugin")])
        }
        Some("arch") => fix.run_root(argv!["pacman", "-S", "--needed", format!("docker-{plugin}")]),
        Some("alpine") => fix.run_root(argv!["apk", "add", format!("docker-cli-{plugin}")]),
        _ if p.os == "linux" => fix.manual(format!(
            "Put the docker-{plugin} binary for your architecture into ~/.docker/cli-plugins/ and make it executable."
        )),
        _ => fix.manual("Docker Desktop ships this plugin: reinstall or update Docker Desktop."),
    };
    f.fix(fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_line() {
        assert_eq!(
            parse_version("Docker version 28.2.2, build e6534b4\n").as_deref(),
            Some("28.2.2")
        );
        assert_eq!(
            parse_version("Docker version 20.10.24+dfsg1, build 297e128").as_deref(),
            Some("20.10.24+dfsg1")
        );
        assert_eq!(parse_version("podman version 4.3.1"), None);
    }
}
