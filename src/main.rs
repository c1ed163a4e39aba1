//! docker-doctor: why Docker does not work on this machine, and exactly what to type to fix it.

#![deny(clippy::print_stdout, clippy::print_stderr)]

// First: its macros (outln!, errln!) are the only way out of the process.
#[macro_use]
mod mask;
mod bundle;
mod cli;
mod config;
mod engine;
mod explain;
mod fix;
mod progress;
mod redact;
mod render;
mod report;
mod summarize;

use clap::Parser;
use cli::{Args, CheckArgs, CheckCommand, ColorWhen, Command, Format};
use probes::host::{FixtureHost, Host, RealHost};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long past `--timeout` the watchdog waits for the engine's own report.
const WATCHDOG_GRACE: Duration = Duration::from_millis(200);

/// Exit code for a command line we cannot act on (BSD sysexits' EX_USAGE, like clap's own 2
/// would collide with "errors found").
const EXIT_USAGE: i32 = 64;

fn main() {
    // Before anything can be printed: learn this machine's secrets, and keep them out of a
    // panic's message too.
    mask::init();
    std::panic::set_hook(Box::new(|info| {
        mask::err(&format!("docker-doctor: internal error: {info}\n"));
    }));
    // As a Docker CLI plugin, `docker doctor ARGS` runs us as `docker-doctor doctor ARGS`.
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == cli::PLUGIN_NAME) {
        argv.remove(1);
    }
    let args = match Args::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            // clap quotes the offending value, which may hold a secret.
            let text = e.render().to_string();
            if e.use_stderr() {
                mask::err(&text);
                std::process::exit(EXIT_USAGE);
            }
            mask::out(&text);
            std::process::exit(0);
        }
    };
    if let Some(cmd) = &args.command
        && let Some(name) = match cmd {
            Command::List { format } if format.check_only() => Some("list"),
            Command::Explain(e) if e.format.check_only() => Some("explain"),
            Command::Summarize(s) if s.format.check_only() => Some("summarize"),
            _ => None,
        }
    {
        errln!(
            "error: {name} prints human, json or markdown; prometheus and junit are formats of a check's report"
        );
        std::process::exit(EXIT_USAGE);
    }
    let code = match args.command {
        Some(Command::List { format }) => list(format),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Args as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "docker-doctor", &mut std::io::stdout());
            0
        }
        Some(Command::Explain(e)) => explain_error(&e),
        Some(Command::Summarize(s)) => summarize::run(&s),
        Some(Command::Fix(f)) => fix_machine(&f),
        Some(Command::Bundle(b)) => bundle_machine(&b),
        Some(Command::WriteFile {
            path,
            contents_base64,
        }) => fix::write_file_command(&path, &contents_base64),
        Some(Command::DockerCliPluginMetadata) => {
            outln!("{}", cli::plugin_metadata());
            0
        }
        Some(Command::Check(check)) => check_machine(&check),
        None => check_machine(&args.check),
    };
    // Exit at once: a probe abandoned at the deadline must not keep the process alive.
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn check_machine(cmd: &CheckCommand) -> i32 {
    let args = &cmd.check;
    let report = match diagnose(args) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let color = args.format == Format::Human && cmd.output.is_none() && use_color(args.color);
    let text = match args.format {
        Format::Json => render::json::render(&report),
        Format::Markdown => render::markdown::render(&report),
        Format::Prometheus => render::prometheus::render(&report),
        Format::Junit => render::junit::render(&report),
        Format::Human => render::human::Human {
            color,
            verbose: args.verbose,
        }
        .render(&report),
    };
    if let Some(path) = &cmd.output {
        // The same masking as on stdout, then the one safe writer: a temporary file
        // renamed over FILE, so a collector never reads half a report.
        let masked = match args.format {
            Format::Json => mask::json_text(&text),
            Format::Junit => mask::xml_text(&text),
            _ => mask::text(&text),
        };
        let keep = match args.format {
            // node_exporter runs as its own user and must read the .prom file.
            Format::Prometheus => probes::safe_write::Keep::WorldReadable,
            _ => probes::safe_write::Keep::Private,
        };
        if let Err(e) = probes::safe_write::write(path, masked.as_bytes(), keep) {
            errln!("error: {e}");
            return probes::safe_write::EXIT_CANNOT_WRITE;
        }
        return report.exit_code();
    }
    match args.format {
        Format::Json => mask::out_json(&text),
        Format::Junit => mask::out_xml(&text),
        _ if color => mask::out_colored(&text),
        _ => mask::out(&text),
    }
    report.exit_code()
}

/// `bundle`: the check, then one .tar.gz with what a support engineer asks for next.
fn bundle_machine(args: &cli::BundleArgs) -> i32 {
    let (tx, rx) = std::sync::mpsc::channel();
    let report = match diagnose_collecting(&args.check, Some(tx)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let facts = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default();
    let (files, excluded) = bundle::files(&report, facts, args.check.redact);
    let path = args.output.clone().unwrap_or_else(bundle::default_path);
    outln!(
        "docker-doctor bundle: {} files into {}",
        files.len() + 1,
        path.display()
    );
    for (name, why, text) in &files {
        outln!(
            "  {name:<44} {:>8}  {why}",
            probes::bounded::human_size(text.len() as u64)
        );
    }
    outln!(
        "  {:<44} {:>8}  what each file is and why it is here",
        "manifest.json",
        ""
    );
    for (what, why) in &excluded {
        outln!("  left out: {what}: {why}");
    }
    match bundle::write(&path, &files, &excluded, args.check.redact) {
        Ok(size) => {
            outln!(
                "wrote {} ({}); the report's verdict: {}",
                path.display(),
                probes::bounded::human_size(size),
                report.verdict()
            );
            report.exit_code()
        }
        Err(e) => {
            errln!("error: {e}");
            probes::safe_write::EXIT_CANNOT_WRITE
        }
    }
}

/// `fix --script` and `fix --apply`.
fn fix_machine(args: &cli::FixArgs) -> i32 {
    if args.apply && args.check.fixture.is_some() {
        errln!(
            "error: fix --apply changes this machine: it cannot apply a captured machine's fixes"
        );
        return EXIT_USAGE;
    }
    let report = match diagnose(&args.check) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if !args.apply {
        let shell = args
            .shell
            .unwrap_or_else(|| fix::ScriptShell::for_os(&report.platform.os));
        out!("{}", fix::script(&report, shell));
        return 0;
    }
    let check = args.check.clone();
    let recheck = move |id: &str| -> Option<bool> {
        let probe = id.split('.').next()?.to_string();
        let mut one = check.clone();
        one.only = vec![probe];
        let r = diagnose(&one).ok()?;
        Some(r.findings.iter().any(|f| f.id == id))
    };
    fix::apply(&report, args.yes, &recheck)
}

/// Runs the check the arguments describe; `Err` holds the exit code of a usage error.
fn diagnose(args: &CheckArgs) -> Result<report::Report, i32> {
    diagnose_collecting(args, None)
}

/// The check, also sending what a support bundle needs to `collect`.
fn diagnose_collecting(
    args: &CheckArgs,
    collect: Option<std::sync::mpsc::Sender<bundle::Facts>>,
) -> Result<report::Report, i32> {
    let all = probes::all();
    let unknown = engine::unknown_probes(&all, args.only.iter().chain(&args.skip));
    if !unknown.is_empty() {
        let known: Vec<_> = all.iter().map(|p| p.id()).collect();
        errln!(
            "error: unknown probe(s): {}; known: {}",
            unknown.join(", "),
            known.join(", ")
        );
        return Err(EXIT_USAGE);
    }
    let (from_file, warning) = config::ignore_list(args.config.as_deref());
    let mut warnings: Vec<String> = warning.into_iter().collect();
    let known = config::known_ids(&all);
    if let Some(bad) = args.ignore.iter().find(|i| !known.contains(i)) {
        errln!(
            "error: cannot mute {bad:?}: no probe or finding has this id (see `docker-doctor list`)"
        );
        return Err(EXIT_USAGE);
    }
    // An unknown id in the file is the file's problem, not the command line's.
    let (from_file, unknown): (Vec<String>, Vec<String>) =
        from_file.into_iter().partition(|i| known.contains(i));
    if !unknown.is_empty() {
        warnings.push(format!(
            "config file: no probe or finding has the id(s) {}: not muted (see `docker-doctor list`)",
            unknown.join(", ")
        ));
    }
    let ignore: Vec<String> = from_file
        .into_iter()
        .chain(args.ignore.iter().cloned())
        .collect();
    if let Some(bad) = args
        .registry
        .iter()
        .find(|r| probes::facts::registries::parse_name(r).is_none())
    {
        errln!("error: --registry {bad:?} is not HOST[:PORT]");
        return Err(EXIT_USAGE);
    }
    // A baseline that does not parse is the command line's problem: nothing would be
    // checked against it.
    let expect = match &args.expect {
        None => None,
        Some(path) => {
            let shown = path.display().to_string();
            let text = probes::bounded::read_file(path, probes::bounded::FILE_CAP)
                .map_err(|e| e.to_string())
                .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".into()));
            match text.and_then(|t| {
                probes::facts::baseline::Baseline::parse(&shown, &t)
                    .map_err(|e| format!("bad baseline: {e}"))
            }) {
                Ok(b) => Some(Arc::new(b)),
                Err(e) => {
                    errln!("error: --expect {shown}: {e}");
                    return Err(EXIT_USAGE);
                }
            }
        }
    };
    let host: Arc<dyn Host> = match &args.fixture {
        Some(dir) => match FixtureHost::load(dir) {
            Ok(h) => Arc::new(h),
            Err(e) => {
                errln!("error: cannot load fixture: {e}");
                return Err(EXIT_USAGE);
            }
        },
        None => Arc::new(RealHost::new()),
    };
    let selection = engine::Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
        offline: args.offline,
        timeout: Duration::from_secs_f64(args.timeout.unwrap_or(if args.smoke {
            60.0
        } else {
            10.0
        })),
        registries: args.registry.clone(),
        save_chain: args.save_chain.clone(),
        record_traces: args.record_traces.clone(),
        ports: args.port.clone(),
        compose: args.compose.clone(),
        smoke: args.smoke.then(|| args.smoke_image.clone()),
        expect,
        ignore,
        warnings,
        redact: args.redact,
        collect,
        progress: None,
    };
    // On a terminal, a line on stderr names the probes still running (cleared at the end).
    let mut selection = selection;
    let progress_line = (args.format == Format::Human
        && args.color != ColorWhen::Never
        && std::io::stderr().is_terminal())
    .then(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        selection.progress = Some(tx.clone());
        (tx, std::thread::spawn(move || progress::show(rx)))
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return Err(70);
        }
    };
    // The engine keeps the deadline with tokio's timers; this watchdog keeps it even when
    // every worker thread is stuck in a blocking call and no timer can fire.
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel();
    let engine_selection = selection.clone();
    runtime.spawn(async move {
        let _ = tx.send(engine::run(host, &engine_selection).await);
    });
    let report = match rx.recv_timeout(selection.timeout + WATCHDOG_GRACE) {
        Ok(r) => r,
        Err(_) => engine::abandoned(&selection, started.elapsed()),
    };
    // Do not wait for abandoned probes or blocking reads at shutdown.
    runtime.shutdown_background();
    if let Some((tx, line)) = progress_line {
        let _ = tx.send(engine::Progress::Finished);
        let _ = line.join();
    }
    Ok(report)
}

fn use_color(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn list(format: Format) -> i32 {
    let all = probes::all();
    match format {
        Format::Json => {
            let v: Vec<_> = all
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id(),
                        "title": p.title(),
                        "network": p.network(),
                        "findings": p.emits(),
                    })
                })
                .collect();
            outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Human | Format::Markdown | Format::Prometheus | Format::Junit => {
            for p in &all {
                outln!(
                    "{}  {}{}",
                    p.id(),
                    p.title(),
                    if p.network() { " (network)" } else { "" }
                );
                for k in p.emits() {
                    outln!("    {:<5}  {:<36} {}", k.severity.as_str(), k.id, k.title);
                }
                let generic = format!("{}.{}|{}", p.id(), engine::TIMED_OUT, engine::FAILED);
                outln!(
                    "    {:<5}  {generic:<36} the probe ran out of time, or failed\n",
                    ""
                );
            }
        }
    }
    0
}

/// The most of a pasted error or log `explain` reads.
const EXPLAIN_CAP: usize = 2 << 20;
/// How long `explain` matches: past it, it reports what it found in the part it matched
/// and names that part. The matcher is linear (tens of MB/s in a release build), so only a
/// very slow machine or build reaches it on EXPLAIN_CAP of text.
const EXPLAIN_DEADLINE: Duration = Duration::from_secs(8);

fn explain_error(args: &cli::ExplainArgs) -> i32 {
    // A pasted error is at most a few screens; a log holds its newest lines last. Kept:
    // the last EXPLAIN_CAP bytes of a file, the first of a stream.
    let text = if let Some(f) = &args.file {
        match probes::bounded::read_tail(f, EXPLAIN_CAP as u64) {
            Ok((b, cut)) => {
                if cut {
                    let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
                    errln!(
                        "note: {} is larger than {} ({}): only its last {} was read, everything before it was not",
                        f.display(),
                        probes::bounded::human_size(EXPLAIN_CAP as u64),
                        probes::bounded::human_size(size),
                        probes::bounded::human_size(EXPLAIN_CAP as u64)
                    );
                }
                probes::facts::wsl::decode_output(&b)
            }
            Err(e) => {
                errln!("error: cannot read {}: {e}", f.display());
                return EXIT_USAGE;
            }
        }
    } else if !args.text.is_empty() {
        args.text.join(" ")
    } else if std::io::stdin().is_terminal() {
        errln!("error: paste the error: docker-doctor explain 'TEXT', --file FILE, or pipe it in");
        return EXIT_USAGE;
    } else {
        let deadline = Duration::from_secs_f64(args.timeout);
        match probes::bounded::read_stream(std::io::stdin(), EXPLAIN_CAP, deadline) {
            Ok((b, cut)) => {
                if cut && b.len() >= EXPLAIN_CAP {
                    errln!(
                        "note: the input is larger than {}: only its first {} was read, the rest was not",
                        probes::bounded::human_size(EXPLAIN_CAP as u64),
                        probes::bounded::human_size(EXPLAIN_CAP as u64)
                    );
                } else if cut {
                    errln!(
                        "note: the input was still arriving after {} s: only its first {} bytes were read, the rest was not",
                        args.timeout,
                        b.len()
                    );
                }
                probes::facts::wsl::decode_output(&b)
            }
            Err(e) => {
                // Nothing to explain is "nothing matched", not a bad command line.
                errln!("note: no input: {e}");
                String::new()
            }
        }
    };
    let deadline = Instant::now() + EXPLAIN_DEADLINE;
    let (registry, mut matches, coverage) = explain::build_and_find_within(&text, Some(deadline));
    if !coverage.complete() {
        errln!(
            "note: matching stopped at its {} s limit: only the first {} of the {} bytes of text read were matched ({}%), the rest was not",
            EXPLAIN_DEADLINE.as_secs(),
            coverage.read,
            coverage.total,
            coverage.read * 100 / coverage.total.max(1)
        );
    }
    // The probes check the environment: a name that does not exist gives them nothing.
    if !args.no_probe && explain::answers(&matches) {
        explain::confirm(
            &mut matches,
            &registry,
            Duration::from_secs_f64(args.timeout),
        );
    }
    let out = match args.format {
        Format::Json => explain::render_json(&text, &matches),
        Format::Markdown => explain::render_markdown(&matches),
        Format::Human | Format::Prometheus | Format::Junit => explain::render_human(&matches),
    };
    if args.format == Format::Json {
        mask::out_json(&out);
    } else {
        out!("{out}");
    }
    // 0: explained; 1: no environment failure known matched (a name that does not exist is
    // said, but it is not the environment's).
    if explain::answers(&matches) { 0 } else { 1 }
}
