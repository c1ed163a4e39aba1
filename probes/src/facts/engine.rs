//! Which engine is behind an endpoint: Docker Engine, Docker Desktop, Podman, Colima,
//! OrbStack or Rancher Desktop. Named from the daemon's own `/version` answer
//! (`Platform.Name`, `Components`) when it answers, else from where the socket is. The
//! engine decides what is true: Podman's version is not a Docker Engine version (so no
//! daemon.json key table), and its socket is started with `podman`, not `service docker`.

use super::endpoint::{Endpoint, EndpointKind};
use bollard::models::SystemVersion;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    DockerEngine,
    DockerDesktop,
    Podman,
    Colima,
    OrbStack,
    RancherDesktop,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::DockerEngine => "Docker Engine",
            Engine::DockerDesktop => "Docker Desktop",
            Engine::Podman => "Podman",
            Engine::Colima => "Colima (Docker Engine)",
            Engine::OrbStack => "OrbStack",
            Engine::RancherDesktop => "Rancher Desktop (moby)",
        }
    }

    /// Whether it is dockerd itself, configured with daemon.json and versioned as Docker
    /// Engine releases are (Desktop, Colima and Rancher Desktop run dockerd in a VM).
    pub fn is_moby(self) -> bool {
        !matches!(self, Engine::Podman)
    }

    /// The engine a socket's place names, when it names one.
    pub fn by_socket(endpoint: &Endpoint) -> Option<Engine> {
        let EndpointKind::Unix(p) = &endpoint.kind else {
            return None;
        };
        let p = p.to_string_lossy();
        if p.contains("podman") {
            Some(Engine::Podman)
        } else if p.contains("/.colima/") {
            Some(Engine::Colima)
        } else if p.contains("/.orbstack/") {
            Some(Engine::OrbStack)
        } else if p.contains("/.rd/") {
            Some(Engine::RancherDesktop)
        } else if endpoint.is_docker_desktop() {
            Some(Engine::DockerDesktop)
        } else {
            None
        }
    }

    /// The engine that answered `/version` at `endpoint`.
    pub fn of(version: &SystemVersion, endpoint: &Endpoint) -> Engine {
        let platform = version
            .platform
            .as_ref()
            .map(|p| p.name.to_ascii_lowercase())
            .unwrap_or_default();
        let components: Vec<String> = version
            .components
            .iter()
            .flatten()
            .map(|c| c.name.to_ascii_lowercase())
            .collect();
        if components.iter().any(|c| c.contains("podman")) || platform.contains("podman") {
            return Engine::Podman;
        }
        if platform.contains("docker desktop") {
            return Engine::DockerDesktop;
        }
        if platform.contains("orbstack") {
            return Engine::OrbStack;
        }
        if platform.contains("rancher") {
            return Engine::RancherDesktop;
        }
        match Engine::by_socket(endpoint) {
            // A socket in Podman's place answered as moby: believe the answer.
            Some(Engine::Podman) | None => Engine::DockerEngine,
            Some(e) => e,
        }
    }

    /// The engine's own version: Podman's is in its component, not the compat API's.
    pub fn version(self, version: &SystemVersion) -> Option<String> {
        if self == Engine::Podman
            && let Some(c) = version
                .components
                .iter()
                .flatten()
                .find(|c| c.name.to_ascii_lowercase().contains("podman"))
        {
            return Some(c.version.clone());
        }
        version.version.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{SystemVersionComponents, SystemVersionPlatform};

    fn answer(platform: &str, components: &[(&str, &str)], version: &str) -> SystemVersion {
        SystemVersion {
            platform: Some(SystemVersionPlatform {
                name: platform.into(),
            }),
            components: Some(
                components
                    .iter()
                    .map(|(n, v)| SystemVersionComponents {
                        name: n.to_string(),
                        version: v.to_string(),
                        details: None,
                    })
                    .collect(),
            ),
            version: Some(version.into()),
            ..Default::default()
        }
    }

    /// `/version` as each engine answers it: Podman 4.3.1 as Debian 12's answers on this
    /// machine (tests/engines.rs runs it for real), Docker Desktop 4.25.2 as a user pasted
    /// its `docker version` (docker/cli#4672: "Server: Docker Desktop 4.25.2 (129061)",
    /// Engine "master"), docker-ce's "Docker Engine - Community", Debian's docker.io (an
    /// empty platform name, tests/real_daemon.rs). Colima, OrbStack and Rancher Desktop run
    /// docker-ce in their VM: their socket's place names them.
    #[test]
    fn engines_are_named_from_their_answer_and_their_socket() {
        let local = Endpoint::unix("/var/run/docker.sock");
        let podman = answer(
            "linux/amd64/debian-12",
            &[("Podman Engine", "4.3.1")],
            "4.3.1",
        );
        assert_eq!(Engine::of(&podman, &local), Engine::Podman);
        assert_eq!(Engine::Podman.version(&podman).as_deref(), Some("4.3.1"));
        let desktop = answer(
            "Docker Desktop 4.25.2 (129061)",
            &[("Engine", "master"), ("containerd", "1.6.22")],
            "master",
        );
        assert_eq!(Engine::of(&desktop, &local), Engine::DockerDesktop);
        let ce = answer(
            "Docker Engine - Community",
            &[("Engine", "27.5.1")],
            "27.5.1",
        );
        assert_eq!(Engine::of(&ce, &local), Engine::DockerEngine);
        let colima = Endpoint::unix("/Users/a/.colima/default/docker.sock");
        assert_eq!(Engine::of(&ce, &colima), Engine::Colima);
        let orb = Endpoint::unix("/Users/a/.orbstack/run/docker.sock");
        assert_eq!(Engine::of(&ce, &orb), Engine::OrbStack);
        let rd = Endpoint::unix("/Users/a/.rd/docker.sock");
        assert_eq!(Engine::of(&ce, &rd), Engine::RancherDesktop);
        let debian = answer("", &[("Engine", "20.10.24+dfsg1")], "20.10.24+dfsg1");
        assert_eq!(Engine::of(&debian, &local), Engine::DockerEngine);
        assert_eq!(
            Engine::by_socket(&Endpoint::unix("/run/user/1000/podman/podman.sock")),
            Some(Engine::Podman)
        );
    }
}
