//! `smoke` (opt-in, `--smoke`): proves the whole path like `docker run hello-world` - the
//! image (pulled if missing), create, start, wait for exit 0, remove - timed phase by phase.
//! A failing phase points at the probe that explains it (a failed pull at the registry and
//! proxy checks). The container is removed whatever happens.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::host::smoke::{CLEANUP_RESERVE, Phase, SmokeTrace};
use crate::model::{Finding, FindingKind, Fix, Severity};
use async_trait::async_trait;
use std::time::Instant;

const OK: FindingKind = FindingKind::new(
    "smoke.ok",
    Severity::Ok,
    "a container ran to exit 0 and was removed",
);
const NO_DAEMON: FindingKind = FindingKind::new(
    "smoke.no-daemon",
    Severity::Error,
    "no daemon to run the container on",
);
const PULL_FAILED: FindingKind = FindingKind::new(
    "smoke.pull-failed",
    Severity::Error,
    "the image is not here and could not be pulled",
);
const CREATE_FAILED: FindingKind = FindingKind::new(
    "smoke.create-failed",
    Severity::Error,
    "the daemon refused to create the container",
);
const START_FAILED: FindingKind = FindingKind::new(
    "smoke.start-failed",
    Severity::Error,
    "the container was created but did not start",
);
const EXIT_NONZERO: FindingKind = FindingKind::new(
    "smoke.exit-nonzero",
    Severity::Error,
    "the container ran but exited with a non-zero code",
);
const TIMED_OUT: FindingKind = FindingKind::new(
    "smoke.timed-out",
    Severity::Error,
    "a phase did not finish before the deadline",
);
const FAILED: FindingKind = FindingKind::new("smoke.failed", Severity::Error, "a phase failed");
const NOT_REMOVED: FindingKind = FindingKind::new(
    "smoke.not-removed",
    Severity::Warn,
    "the test container could not be removed",
);

const KINDS: &[FindingKind] = &[
    OK,
    NO_DAEMON,
    PULL_FAILED,
    CREATE_FAILED,
    START_FAILED,
    EXIT_NONZERO,
    TIMED_OUT,
    FAILED,
    NOT_REMOVED,
];

pub struct Smoke;

#[async_trait]
impl Probe for Smoke {
    fn id(&self) -> &'static str {
        "smoke"
    }

    fn title(&self) -> &'static str {
        "End-to-end run: pull, create, start, wait, remove"
    }

    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    fn not_applicable_because(&self, ctx: &Context) -> Option<String> {
        ctx.options()
            .smoke
            .is_none()
            .then(|| "opt-in: --smoke".to_string())
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        let Some(image) = ctx.options().smoke.clone() else {
            return Vec::new();
        };
        let Some(d) = ctx.daemon().await.filter(|d| d.answered()) else {
            return vec![
                NO_DAEMON
                    .finding(format!("cannot run {image}: the daemon does not answer"))
                    .caused_by("daemon|socket|endpoint"),
            ];
        };
        let budget = ctx
            .options()
            .deadline
            .saturating_duration_since(Instant::now())
            .saturating_sub(std::time::Duration::from_millis(200));
        if budget < CLEANUP_RESERVE * 2 {
            return vec![
                TIMED_OUT.finding("no time left for the smoke run: give a larger --timeout"),
            ];
        }
        let (endpoint, api) = (d.endpoint.clone(), d.api_version);
        match ctx
            .host()
            .smoke(&endpoint, (api.0, api.1), &image, budget)
            .await
        {
            Some(trace) => judge(&trace),
            None => Vec::new(),
        }
    }
}

fn timings(mut f: Finding, t: &SmokeTrace) -> Finding {
    for p in &t.phases {
        f = f.evidence(
            format!("{}_ms", p.name),
            if p.ok {
                p.ms.to_string()
            } else {
                format!("{} (failed)", p.ms)
            },
        );
    }
    f
}

fn judge(t: &SmokeTrace) -> Vec<Finding> {
    let image = &t.image;
    let mut out = Vec::new();
    if let Some(p) = t.failed().filter(|p| p.name != "remove") {
        out.push(timings(phase_failure(t, p), t));
    } else if let Some(code) = t.exit_code.filter(|c| *c != 0) {
        let mut f = EXIT_NONZERO
            .finding(format!("{image} ran but exited with code {code}"))
            .detail(exit_meaning(code))
            .evidence("exit_code", code);
        if let Some(o) = t.output.as_deref().filter(|o| !o.trim().is_empty()) {
            f = f.evidence("output", o.trim());
        }
        out.push(timings(
            f.fix(
                Fix::new("Run it yourself to see the whole output")
                    .run(argv!["docker", "run", "--rm", image]),
            ),
            t,
        ));
    } else if t.exit_code == Some(0) {
        let total: u64 = t.phases.iter().map(|p| p.ms).sum();
        out.push(timings(
            OK.finding(format!(
                "{image}{} ran to exit 0 in {total} ms",
                if t.pulled { " (pulled)" } else { "" }
            )),
            t,
        ));
    }
    if t.removed == Some(false) {
        let p = t.phase("remove");
        out.push(
            NOT_REMOVED
                .finding("the smoke-test container could not be removed")
                .evidence("error", p.and_then(|p| p.error.clone()).unwrap_or_default())
                .fix(
                    Fix::new("Remove it by hand").run(
                        "docker rm -f $(docker ps -aq --filter label=org.docker-doctor.smoke=1)",
                    ),
                ),
        );
    }
    out
}

fn phase_failure(t: &SmokeTrace, p: &Phase) -> Finding {
    let image = &t.image;
    let error = p.error.clone().unwrap_or_default();
    if p.timed_out {
        return TIMED_OUT
            .finding(format!(
                "{image}: the {} phase did not finish before the deadline",
                p.name
            ))
            .evidence("phase", &p.name)
            .fix(Fix::new("Give it more time").run("docker-doctor --smoke --timeout 180"))
            .caused_by(if p.name == "pull" {
                "registry|proxy|ca"
            } else {
                "daemon"
            });
    }
    let f = match p.name.as_str() {
        "pull" | "image" => PULL_FAILED
            .finding(format!("{image} is not here and could not be pulled: {error}"))
            .detail("The daemon pulls, with its own DNS, proxy and CA trust: the registry, proxy and ca checks say which step fails.")
            .caused_by("registry|proxy|ca")
            .fix(Fix::new("Pull it by hand to see the daemon's own error").run(argv!["docker", "pull", image])),
        "create" => CREATE_FAILED.finding(format!("the daemon refused to create a container from {image}: {error}")),
        "start" => START_FAILED
            .finding(format!("the {image} container did not start: {error}"))
            .detail("Start failures come from the runtime: cgroups, storage driver, seccomp/AppArmor, or the network setup (a port or the bridge)."),
        "connect" => NO_DAEMON.finding(format!("cannot reach the daemon to run {image}: {error}")).caused_by("daemon"),
        _ => FAILED.finding(format!("{image}: the {} phase failed: {error}", p.name)),
    };
    f.evidence("phase", &p.name).evidence("error", &error)
}

/// What a container exit code usually means.
fn exit_meaning(code: i64) -> &'static str {
    match code {
        125 => "125: the docker run command itself failed.",
        126 => {
            "126: the command in the image cannot be executed (permissions, or not an executable)."
        }
        127 => "127: the command in the image was not found.",
        137 => "137: killed by SIGKILL, often the out-of-memory killer.",
        139 => "139: segmentation fault (often an image built for another CPU architecture).",
        _ => "The program in the image reported failure; its output is in the evidence.",
    }
}
