//! An end-to-end run like `docker run hello-world`, phase by phase: the image (pulled if it
//! is missing), create, start, wait, logs, remove. Each phase is timed and its error kept,
//! so a probe can say which phase failed and why. The container is removed whatever
//! happens, with time kept back for it.

use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, LogsOptionsBuilder,
    RemoveContainerOptionsBuilder,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Time kept back from the run's budget to remove the container.
pub const CLEANUP_RESERVE: Duration = Duration::from_millis(1500);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// `image`, `pull`, `create`, `start`, `wait`, `logs`, `remove`.
    pub name: String,
    pub ms: u64,
    pub ok: bool,
    pub error: Option<String>,
    #[serde(default)]
    pub timed_out: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmokeTrace {
    pub image: String,
    pub phases: Vec<Phase>,
    /// The image was not there and was pulled (or the pull was tried).
    pub pulled: bool,
    pub exit_code: Option<i64>,
    /// The last lines the container wrote.
    pub output: Option<String>,
    /// The container was created and then removed.
    pub removed: Option<bool>,
}

impl SmokeTrace {
    pub fn failed(&self) -> Option<&Phase> {
        self.phases.iter().find(|p| !p.ok)
    }

    pub fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }
}

fn ms(t: Instant) -> u64 {
    t.elapsed().as_millis() as u64
}

/// A phase bounded by the deadline; returns its value when it succeeded.
async fn phase<T>(
    trace: &mut SmokeTrace,
    name: &str,
    deadline: tokio::time::Instant,
    work: impl std::future::Future<Output = Result<T, String>>,
) -> Option<T> {
    let started = Instant::now();
    let (value, error, timed_out) = match tokio::time::timeout_at(deadline, work).await {
        Ok(Ok(v)) => (Some(v), None, false),
        Ok(Err(e)) => (None, Some(e), false),
        Err(_) => (
            None,
            Some("no answer before the deadline".to_string()),
            true,
        ),
    };
    trace.phases.push(Phase {
        name: name.to_string(),
        ms: ms(started),
        ok: value.is_some(),
        error,
        timed_out,
    });
    value
}

fn text(e: bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, .. } => message,
        other => other.to_string(),
    }
}

/// Runs the image once on this daemon within `budget` (cleanup included).
pub async fn run(docker: &Docker, image: &str, budget: Duration) -> SmokeTrace {
    let mut trace = SmokeTrace {
        image: image.to_string(),
        ..SmokeTrace::default()
    };
    let deadline = tokio::time::Instant::now() + budget.saturating_sub(CLEANUP_RESERVE);

    let present = phase(&mut trace, "image", deadline, async {
        match docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(text(e)),
        }
    })
    .await;
    let Some(present) = present else {
        return trace;
    };
    if !present {
        trace.pulled = true;
        let (repo, tag) = split_reference(image);
        let pulled = phase(&mut trace, "pull", deadline, async {
            let options = CreateImageOptionsBuilder::new()
                .from_image(&repo)
                .tag(&tag)
                .build();
            let mut stream = docker.create_image(Some(options), None, None);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(info) => {
                        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
                            return Err(detail);
                        }
                    }
                    Err(e) => return Err(text(e)),
                }
            }
            Ok(())
        })
        .await;
        if pulled.is_none() {
            return trace;
        }
    }

    let name = format!("docker-doctor-smoke-{}", std::process::id());
    let id = phase(&mut trace, "create", deadline, async {
        let options = CreateContainerOptionsBuilder::new().name(&name).build();
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            labels: Some(HashMap::from([(
                "org.docker-doctor.smoke".to_string(),
                "1".to_string(),
            )])),
            ..ContainerCreateBody::default()
        };
        docker
            .create_container(Some(options), body)
            .await
            .map(|r| r.id)
            .map_err(text)
    })
    .await;
    let Some(id) = id else {
        return trace;
    };

    let started = phase(&mut trace, "start", deadline, async {
        docker.start_container(&id, None).await.map_err(text)
    })
    .await;
    if started.is_some() {
        let code = phase(&mut trace, "wait", deadline, async {
            let mut stream = docker.wait_container(&id, None);
            match stream.next().await {
                Some(Ok(r)) => Ok(r.status_code),
                // bollard reports a non-zero exit as an error carrying the code.
                Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                    Ok(code)
                }
                Some(Err(e)) => Err(text(e)),
                None => Err("the wait stream ended without a status".into()),
            }
        })
        .await;
        trace.exit_code = code;
        trace.output = phase(&mut trace, "logs", deadline, async {
            let options = LogsOptionsBuilder::new()
                .stdout(true)
                .stderr(true)
                .tail("20")
                .build();
            let mut stream = docker.logs(&id, Some(options));
            let mut out = String::new();
            while let Some(item) = stream.next().await {
                match item {
                    Ok(chunk) => out.push_str(&String::from_utf8_lossy(&chunk.into_bytes())),
                    Err(e) => return Err(text(e)),
                }
                if out.len() > 4096 {
                    break;
                }
            }
            Ok(out)
        })
        .await;
    }

    // Whatever happened, the container goes, with the time kept back for it.
    let cleanup = tokio::time::Instant::now().max(deadline) + CLEANUP_RESERVE;
    let removed = phase(&mut trace, "remove", cleanup, async {
        let options = RemoveContainerOptionsBuilder::new().force(true).build();
        docker
            .remove_container(&id, Some(options))
            .await
            .map_err(text)
    })
    .await;
    trace.removed = Some(removed.is_some());
    trace
}

/// `repo` and `tag` of an image reference (`hello-world` is `hello-world:latest`; a
/// registry port is not a tag).
pub fn split_reference(image: &str) -> (String, String) {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
        _ => (without_digest.to_string(), "latest".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_references() {
        assert_eq!(
            split_reference("hello-world"),
            ("hello-world".into(), "latest".into())
        );
        assert_eq!(
            split_reference("busybox:1.36"),
            ("busybox".into(), "1.36".into())
        );
        assert_eq!(
            split_reference("registry.lab:5000/team/app"),
            ("registry.lab:5000/team/app".into(), "latest".into())
        );
    }
}
