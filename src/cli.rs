//! Command-line interface.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  docker-doctor                          check this machine
  docker-doctor --format json > report.json   a report to attach to a support ticket
  docker-doctor --format markdown        a report to paste into a GitHub issue
  docker-doctor --redact --format json   hide user, home, host names and IPs too
  docker-doctor --only daemon,socket     just these probes
  docker-doctor --expect corp.toml --format prometheus \
      --output /var/lib/prometheus/node-exporter/docker_doctor.prom
                                         metrics for node_exporter's textfile collector
  docker-doctor --format junit --output docker-doctor.xml
                                         a JUnit report for GitLab, Jenkins or GitHub CI
  docker-doctor summarize reports/       many machines' JSON reports in, one table out
  docker-doctor --registry registry.corp.example:5000
                                         also check a private registry
  docker-doctor --offline                no network: skip registry and TLS checks
  docker-doctor --port 8080,5432         who holds these ports, and which are free
  docker-doctor --compose compose.yaml   the ports this Compose file publishes
  docker-doctor --smoke                  also run hello-world, phase by phase
  docker-doctor --ignore socket.world-writable   mute a finding that is expected here
  docker-doctor list                     every probe and the findings it can report
  docker-doctor explain 'Got permission denied while trying to connect ...'
                                         what a pasted error means, and whether it applies here
  docker-doctor fix --script > fix.sh    the fixes as a script to review (fix.ps1 on Windows)
  docker-doctor fix --apply              apply them one by one, asking first
  docker-doctor completions bash > /etc/bash_completion.d/docker-doctor
  docker doctor                          the same, as a Docker CLI plugin (see README)

Exit codes:
  0  nothing wrong (ok and info findings only)
  1  warnings, no errors
  2  at least one error
  64 bad command line (unknown option, unknown probe or finding id); a config file that
     cannot be used is reported under the run's warnings instead
  73 an output file could not be written (bundle -o, fix --apply's files): a link, FIFO,
     device or folder at the path is refused, never followed
  explain: 0 when a known failure matched, 1 when none did
  summarize: 0 when at least one report was read, 1 when none could be
  --output FILE keeps the check's exit code (0, 1, 2); 73 when FILE cannot be written

Secrets (proxy passwords, registry credentials, tokens) are masked in every output, in any
form they are written in; every file, program output and daemon answer is read with a size
cap and a deadline, and a run reads at most 64 MiB of files in all. Run as root, it never
follows a link out of a user's folder or to a credential store, reads a user's files with
that user's rights, and writes files (0600) only through a temporary file renamed over a
regular file (see README, Security).

Fixes are written for this host: its service manager (systemd, init script, a dockerd
started by hand, Docker Desktop...), root steps with sudo, doas, su -c or nothing as root,
daemon.json keys for its Engine version; the JSON's \"host\" says which. Every value in a
fix is quoted; fix --script leaves what needs a person as # TODO.

Colour is used on a terminal only, never when NO_COLOR is set, unless --color always.";

/// The command name when installed as a Docker CLI plugin (`docker doctor`).
pub const PLUGIN_NAME: &str = "doctor";

/// The answer to `docker-cli-plugin-metadata` (Docker CLI plugin protocol, schema 0.1.0).
pub fn plugin_metadata() -> String {
    serde_json::json!({
        "SchemaVersion": "0.1.0",
        "Vendor": "docker-doctor",
        "Version": env!("CARGO_PKG_VERSION"),
        "ShortDescription": "Tell why Docker does not work here, and how to fix it",
        "URL": env!("CARGO_PKG_REPOSITORY"),
    })
    .to_string()
}

/// Tells you why Docker does not work on this machine, and exactly what to type to fix it.
#[derive(Debug, Parser)]
// The check's options belong to each subcommand too: given before `fix` or `bundle` they
// would be silently dropped (`docker-doctor --offline fix` going online), so clap refuses.
#[command(
    name = "docker-doctor",
    version,
    about,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub check: CheckCommand,
}

/// The check, and where its report goes.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckCommand {
    #[command(flatten)]
    pub check: CheckArgs,

    /// Write the report to FILE instead of standard output, atomically (a temporary file
    /// beside it, renamed over it: node_exporter never reads half a file). 0600, or 0644
    /// with --format prometheus so node_exporter's user can read it. A link, FIFO, device
    /// or folder at FILE is refused (exit 73).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check this machine (the default).
    Check(Box<CheckCommand>),
    /// List every probe and the finding ids it can report.
    List {
        /// Output format: human, json or markdown.
        #[arg(long, value_parser = document_format(), default_value = "human")]
        format: Format,
    },
    /// Explain a pasted Docker error: what it means, the fix, and whether this machine's
    /// probes confirm it. TEXT, or --file, or standard input. Log lines (JSON, logfmt,
    /// colours, percent-encoding) are unwrapped and `Caused by:` lines joined to the error
    /// they explain; the error's cause (permission, refused,
    /// x509, DNS, HTTP status, curl's exit codes...) and target (socket, pipe, daemon,
    /// registry, proxy, port, plugin, ssh, a package download in a build) are read first,
    /// then the known signatures. A cause with neither a target nor Docker's words around
    /// it is answered at most at 0.5, naming the other reading (a program's x509 on its own
    /// call: the trust store it checks, the image's in a container). A name or tag that does
    /// not exist is said apart ("Not a failure of Docker on this machine"; JSON
    /// `not_environment`). Words two causes share are ranked by how real threads resolved
    /// them (Compose v1's "is it running?": the docker group first, the daemon beside it)
    /// and the probes reorder them on this machine; a nameserver that fails in a build is
    /// the containers' DNS, a name it does not know the build's proxy. Exit 0 when an
    /// environment failure matched, 1 when none did.
    /// Values from the text never reach a fix's command if a shell would read them as
    /// syntax. A match the probes confirm shows their fix for this machine (its proxy,
    /// user, registry; JSON `confirmation.fixes`) in place of the generic one.
    Explain(ExplainArgs),
    /// The fixes for what the check finds: a reviewable shell script (--script, the
    /// default), or applied one by one after asking (--apply).
    Fix(Box<FixArgs>),
    /// One file for a support ticket: the reports, the daemon's and client's configuration
    /// (secrets masked, credential values removed), `docker version` and `docker info`, the
    /// end of the daemon's log, and the network facts, with a manifest. Prints what it
    /// includes, then writes a .tar.gz (--output FILE). Never includes private keys,
    /// credential-store contents or `auths` values; --redact applies to every file.
    Bundle(Box<BundleArgs>),
    /// Many machines' JSON reports (`--format json`) in, one table out: each finding with
    /// how many machines have it, the baseline rules most violated, the machines that
    /// cannot run containers, the engines and versions seen. Files, or folders of *.json
    /// files; a file that is not a report is named and skipped.
    Summarize(SummarizeArgs),
    /// Print a completion script for this shell (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The Docker CLI plugin handshake (run by `docker`, not by people).
    #[command(name = "docker-cli-plugin-metadata", hide = true)]
    DockerCliPluginMetadata,
    /// Writes one file of a fix through the safe writer (run by `fix --apply` under sudo,
    /// doas or su, so a root write never follows a link; not for people).
    #[command(name = "write-file", hide = true)]
    WriteFile {
        path: PathBuf,
        /// The contents, base64 (no shell or stdin between the prompt and the write).
        contents_base64: String,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// Output format: a readable report, a JSON document for a support ticket, Markdown to
    /// paste into an issue, Prometheus metrics for node_exporter's textfile collector, or a
    /// JUnit XML test report for CI.
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    pub format: Format,

    /// Run only these probes (comma-separated ids, see `docker-doctor list`).
    #[arg(long, value_delimiter = ',', value_name = "PROBE,...")]
    pub only: Vec<String>,

    /// Skip these probes.
    #[arg(long, value_delimiter = ',', value_name = "PROBE,...")]
    pub skip: Vec<String>,

    /// Upper bound for the whole run, in seconds; a probe still running then is reported
    /// as timed out. [default: 10, or 60 with --smoke]
    #[arg(long, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<f64>,

    /// Contact no other machine (skips the registry and ca probes, the auth probe's login
    /// and pull-limit checks, and the proxy probe's connection to the proxy).
    #[arg(long)]
    pub offline: bool,

    /// Also check this registry (DNS, TCP, proxy, TLS chain, `GET /v2/`), besides Docker
    /// Hub and the mirrors and insecure registries of the daemon's configuration.
    /// Repeatable or comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "HOST[:PORT]")]
    pub registry: Vec<String>,

    /// Write the certificate chain each registry presented to DIR (one PEM file per
    /// registry), to inspect an unknown issuer before trusting it.
    #[arg(long, value_name = "DIR")]
    pub save_chain: Option<PathBuf>,

    /// A host port you want to publish: PORT, or HOST_PORT:CONTAINER_PORT. Says whether it
    /// is free, or which container or process holds it, and the nearest free port.
    /// Repeatable or comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "PORT[:CONTAINER_PORT]")]
    pub port: Vec<String>,

    /// Check the host ports this Compose file publishes (default: compose.yaml,
    /// compose.yml, docker-compose.yaml or docker-compose.yml in this folder, if present).
    #[arg(long, value_name = "FILE")]
    pub compose: Option<PathBuf>,

    /// Check this machine against an organisation's baseline (a TOML file: the proxy, NO_PROXY
    /// entries, CA fingerprints, mirrors, registries that must not be insecure, minimum
    /// versions, plugins, free ports; see baseline.example.toml). Each deviation is a
    /// `baseline.*` finding naming the baseline line and the fix with its values. A file
    /// that does not parse is an error naming its line (exit 64).
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,

    /// Also run a container end to end, like `docker run hello-world`: pull if missing,
    /// create, start, wait for exit 0, remove; each phase timed. Implies a 60 s --timeout
    /// unless one is given.
    #[arg(long)]
    pub smoke: bool,

    /// The image for --smoke.
    #[arg(
        long,
        value_name = "IMAGE",
        default_value = "hello-world",
        requires = "smoke"
    )]
    pub smoke_image: String,

    /// Also mask user names, home paths, host names and IP addresses, consistently (the
    /// same value gets the same mask), for a report to share publicly. Secrets (proxy
    /// passwords, credentials) are always masked.
    #[arg(long)]
    pub redact: bool,

    /// Mute these findings (ids such as `socket.world-writable`, or a whole probe): they stay
    /// in the report, marked muted, and do not count for the exit code. Adds to the
    /// config file's `ignore` list.
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub ignore: Vec<String>,

    /// The config file [default: $XDG_CONFIG_HOME/docker-doctor/config.toml, or
    /// ~/.config/docker-doctor/config.toml]. Holds `ignore = ["finding.id", ...]`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Show evidence for passing checks and per-probe timings.
    #[arg(long, short)]
    pub verbose: bool,

    /// Write the registry connections of this run to FILE, as a fixture's traces.json.
    #[arg(long, value_name = "FILE", hide = true)]
    pub record_traces: Option<PathBuf>,

    /// Diagnose a captured machine (a fixtures/<scenario> folder) instead of this one.
    #[arg(long, value_name = "DIR", hide = true)]
    pub fixture: Option<PathBuf>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct FixArgs {
    /// Print the fixes as a shell script to review (the default).
    #[arg(long, conflicts_with = "apply")]
    pub script: bool,

    /// Show each fix that needs no one's input, ask, apply it, and run its probe again.
    /// A step still running after 10 minutes is stopped and reported as failed.
    #[arg(long)]
    pub apply: bool,

    /// With --apply: do not ask (needed without a terminal).
    #[arg(long, requires = "apply")]
    pub yes: bool,

    /// The script's language [default: powershell for a Windows machine, else sh]. A
    /// PowerShell script (.ps1) runs elevated steps only in an Administrator window.
    #[arg(long, value_enum, value_name = "SHELL", conflicts_with = "apply")]
    pub shell: Option<crate::fix::ScriptShell>,

    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct BundleArgs {
    /// Where to write the bundle [default: docker-doctor-bundle-<time>.tar.gz here].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExplainArgs {
    /// The error text (quote it); read from standard input when absent. Text that starts
    /// with "-" is text too (or put it after `--`).
    #[arg(allow_hyphen_values = true)]
    pub text: Vec<String>,

    /// Read the error text from this file.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Only match the text; do not run the probes that would confirm it here. Where two
    /// causes write the same words (a registry timeout: the network, or a proxy the
    /// daemon lacks), the probes decide which ranks first; without them, the text's own
    /// ranking stands and the other cause is listed.
    #[arg(long)]
    pub no_probe: bool,

    /// Output format: human, json or markdown.
    #[arg(long, value_parser = document_format(), default_value = "human")]
    pub format: Format,

    /// Upper bound for the confirming probes, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = parse_timeout)]
    pub timeout: f64,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SummarizeArgs {
    /// JSON reports (`docker-doctor --format json`), or folders holding them (their *.json
    /// files, not recursive). The machine's name is the file's name without `.json`.
    #[arg(required = true, value_name = "REPORT.json|DIR")]
    pub paths: Vec<PathBuf>,

    /// Output format: human, json or markdown.
    #[arg(long, value_parser = document_format(), default_value = "human")]
    pub format: Format,
}

/// Output formats. One type for every subcommand (`--format` is global); prometheus and
/// junit are a check's only: list, explain and summarize refuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// A report to paste into a GitHub issue or a ticket.
    Markdown,
    /// node_exporter textfile-collector metrics: one gauge per finding, counts per
    /// severity, baseline deviations per rule, duration, timestamp, exit code, engine.
    Prometheus,
    /// JUnit XML: one testcase per probe, a failure per error finding with its fix.
    Junit,
}

/// `--format` of list, explain and summarize: a document's formats only, so their help
/// does not offer a check's (prometheus, junit), which they refuse.
fn document_format() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["human", "json", "markdown"])
        .map(|s: String| <Format as ValueEnum>::from_str(&s, true).expect("a listed format"))
}

impl Format {
    /// Whether this format is for a check's report only.
    pub fn check_only(self) -> bool {
        matches!(self, Format::Prometheus | Format::Junit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.1..=3600.0).contains(&v) {
        return Err("the timeout must be between 0.1 and 3600 seconds".into());
    }
    Ok(v)
}
