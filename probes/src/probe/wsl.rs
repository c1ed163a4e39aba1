//! `wsl`: can Docker work in this WSL distro, or on this Windows machine's WSL, and what is
//! in the way. Inside WSL: WSL 1 (no Linux kernel, no Docker), systemd, Docker Desktop's
//! integration for this distro, Desktop and a native engine fighting over the socket, a
//! project on the Windows drive, `.wslconfig` limits. On Windows: `wsl -l -v` (UTF-16LE,
//! translated), WSL or the Virtual Machine Platform missing, distros still on WSL 1, and
//! Desktop's own `docker-desktop` distro.

use super::Probe;
use crate::argv;
use crate::context::Context;
use crate::facts::compose;
use crate::facts::wsl::{self, Distro, WslVersion, ini_value, parse_list, version_from_kernel};
use crate::model::{Finding, FindingKind, Fix, Severity};
use async_trait::async_trait;
use std::path::{Path, PathBuf};
use std::time::Duration;

const OK: FindingKind = FindingKind::new("wsl.ok", Severity::Ok, "WSL 2, able to run Docker");
const WSL1: FindingKind = FindingKind::new(
    "wsl.version-1",
    Severity::Error,
    "WSL 1 has no Linux kernel: Docker cannot run there",
);
const NO_SYSTEMD: FindingKind = FindingKind::new(
    "wsl.no-systemd",
    Severity::Warn,
    "systemd is not PID 1 in this distro: `systemctl start docker` fails",
);
const INTEGRATION_OFF: FindingKind = FindingKind::new(
    "wsl.desktop-integration-off",
    Severity::Error,
    "Docker Desktop's WSL integration is not enabled for this distro",
);
const DESKTOP_AND_NATIVE: FindingKind = FindingKind::new(
    "wsl.desktop-and-native",
    Severity::Warn,
    "Docker Desktop's integration and a native Docker Engine share this distro's socket",
);
const WINDOWS_DRIVE: FindingKind = FindingKind::new(
    "wsl.windows-drive",
    Severity::Warn,
    "the project is on the Windows drive (/mnt/<drive>): bind mounts are slow there",
);
const WSLCONFIG: FindingKind = FindingKind::new(
    "wsl.wslconfig",
    Severity::Info,
    "limits set in .wslconfig for the WSL 2 VM",
);
const NOT_INSTALLED: FindingKind = FindingKind::new(
    "wsl.not-installed",
    Severity::Error,
    "WSL is not installed on this Windows machine",
);
const VM_PLATFORM: FindingKind = FindingKind::new(
    "wsl.vm-platform-missing",
    Severity::Error,
    "the Virtual Machine Platform feature or CPU virtualization is off",
);
const DISTRO_WSL1: FindingKind = FindingKind::new(
    "wsl.distro-version-1",
    Severity::Warn,
    "a distro still runs as WSL 1 (Desktop's integration needs WSL 2)",
);
const DESKTOP_DISTRO_STOPPED: FindingKind = FindingKind::new(
    "wsl.desktop-distro-stopped",
    Severity::Warn,
    "Docker Desktop's own docker-desktop distro is not running",
);
const UNKNOWN: FindingKind = FindingKind::new(
    "wsl.unknown",
    Severity::Info,
    "wsl.exe answered in a form docker-doctor does not know",
);

const KINDS: &[FindingKind] = &[
    OK,
    WSL1,
    NO_SYSTEMD,
    INTEGRATION_OFF,
    DESKTOP_AND_NATIVE,
    WINDOWS_DRIVE,
    WSLCONFIG,
    NOT_INSTALLED,
    VM_PLATFORM,
    DISTRO_WSL1,
    DESKTOP_DISTRO_STOPPED,
    UNKNOWN,
];

const DOCS: &str = "https://docs.docker.com/desktop/features/wsl/";

pub struct Wsl;

#[async_trait]
impl Probe for Wsl {
    fn id(&self) -> &'static str {
        "wsl"
    }

    fn title(&self) -> &'static str {
        "WSL: version, systemd, Docker Desktop integration"
    }

    fn emits(&self) -> &'static [FindingKind] {
        KINDS
    }

    fn not_applicable_because(&self, ctx: &Context) -> Option<String> {
        let p = ctx.platform();
        (!p.wsl && p.os != "windows").then(|| "not WSL, not Windows".to_string())
    }

    async fn run(&self, ctx: &Context) -> Vec<Finding> {
        if ctx.platform().os == "windows" {
            windows(ctx).await
        } else {
            inside(ctx).await
        }
    }
}

/// Checks from inside a WSL distro.
async fn inside(ctx: &Context) -> Vec<Finding> {
    let host = ctx.host();
    let platform = ctx.platform();
    let kernel = platform.kernel.clone().unwrap_or_default();
    let distro = host
        .env_nonempty("WSL_DISTRO_NAME")
        .unwrap_or_else(|| "<distro>".into());
    let mut out = Vec::new();
    if version_from_kernel(&kernel) == Some(WslVersion::Wsl1) {
        return vec![
            WSL1.finding(format!(
                "{distro} runs as WSL 1 (kernel {kernel}): Docker needs WSL 2"
            ))
            .evidence("kernel", &kernel)
            .fix(
                Fix::new("Convert the distro to WSL 2 (from PowerShell)")
                    .powershell(argv!["wsl", "--set-version", distro, "2"], false)
                    .powershell("wsl --set-default-version 2", false)
                    .docs(DOCS),
            ),
        ];
    }

    let docker = host.which("docker");
    let dockerd = host.which("dockerd");
    let desktop_mounted = host.exists(Path::new("/mnt/wsl/docker-desktop"));
    let socket_target = host.read_link(Path::new("/var/run/docker.sock"));

    // Desktop's placeholder (a script on the Windows drive) answers instead of the CLI.
    if let Some(path) = docker.as_ref().filter(|p| p.starts_with("/mnt/")) {
        let said = match host.run(path, &["--version"], Duration::from_secs(3)).await {
            Ok(o) => format!("{}{}", o.stdout, o.stderr),
            Err(_) => String::new(),
        };
        if said.contains("could not be found in this WSL") || !said.contains("Docker version") {
            out.push(
                INTEGRATION_OFF
                    .finding(format!(
                        "`docker` here is Docker Desktop's placeholder ({}): the integration is off for {distro}",
                        path.display()
                    ))
                    .detail("Docker Desktop puts its CLI into WSL 2 distros only when their toggle is on under Resources > WSL Integration. If the option is missing, Desktop may be in Windows-containers mode.")
                    .evidence("docker", path.display())
                    .evidence("output", said.lines().next().unwrap_or("").trim())
                    .fix(
                        Fix::new(format!("Enable the integration for {distro}"))
                            .manual(format!("Docker Desktop > Settings > Resources > WSL Integration: turn on {distro}, Apply & Restart"))
                            .powershell("wsl --shutdown", false)
                            .why("then reopen the distro")
                            .run("ls /mnt/wsl/docker-desktop/cli-tools/usr/bin; command -v docker")
                            .docs(DOCS),
                    ),
            );
        }
    }

    let native = dockerd.as_ref().is_some_and(|p| !p.starts_with("/mnt/"));
    let socket_is_desktop = socket_target
        .as_ref()
        .is_some_and(|t| t.starts_with("/mnt/wsl/"));
    if native && (desktop_mounted || socket_is_desktop) {
        let mut f = DESKTOP_AND_NATIVE
            .finding(format!(
                "Docker Desktop's integration and a native Docker Engine ({}) are both set up in {distro}: whichever starts last owns /var/run/docker.sock",
                dockerd.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            ))
            .detail("Images, containers and settings then seem to come and go, depending on which daemon answered. Keep one.")
            .fix(
                Fix::new("Keep Docker Desktop: remove the native engine")
                    .run_root("apt-get remove docker-ce docker-ce-cli containerd.io docker.io"),
            )
            .fix(
                Fix::new("Or keep the native engine: turn the integration off")
                    .manual(format!("Docker Desktop > Settings > Resources > WSL Integration: turn off {distro}")),
            );
        if let Some(t) = &socket_target {
            f = f.evidence("/var/run/docker.sock ->", t.display());
        }
        out.push(f);
    }

    // Without Desktop, a native engine needs an init: systemd, or the SysV script.
    if native && !desktop_mounted && !platform.systemd {
        let asked = wsl::systemd_enabled(host);
        let f = if asked {
            NO_SYSTEMD
                .finding("/etc/wsl.conf asks for systemd, but PID 1 is not systemd: WSL is too old for it, or the distro was not restarted")
                .fix(
                    Fix::new("Update WSL and restart the distro (from PowerShell)")
                        .powershell("wsl --update", false)
                        .powershell("wsl --shutdown", false)
                        .run("ps --no-headers -o comm 1")
                        .why("in the distro: must print systemd"),
                )
        } else {
            NO_SYSTEMD
                .finding("systemd is not enabled in this WSL distro: `systemctl start docker` fails with \"System has not been booted with systemd\"")
                .fix(Fix::new("Start the engine without systemd").run_root("service docker start"))
                .fix(
                    Fix::new("Or enable systemd for the distro")
                        .manual("Add to /etc/wsl.conf:\n[boot]\nsystemd=true")
                        .powershell("wsl --shutdown", false)
                        .why("then reopen the distro")
                        .run_root("systemctl enable --now docker"),
                )
        };
        out.push(f.evidence("/etc/wsl.conf systemd", asked));
    }

    if let Some(cwd) = host.cwd().filter(|c| on_windows_drive(c)) {
        let home = ctx
            .identity()
            .home
            .clone()
            .unwrap_or_else(|| PathBuf::from("~"));
        let name = cwd
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into());
        out.push(
            WINDOWS_DRIVE
                .finding(format!(
                    "this folder ({}) is on the Windows drive: bind mounts from it cross the 9P bridge, many times slower than the Linux filesystem, and file watching is unreliable",
                    cwd.display()
                ))
                .evidence("cwd", cwd.display())
                .fix(
                    Fix::new("Keep the project in the distro's own filesystem")
                        .run(argv!["mkdir", "-p", home.join("src").display()])
                        .run(argv!["cp", "-r", cwd.display(), home.join("src").join(&name).display()])
                        .note("From Windows the files stay reachable at \\\\wsl$\\<distro>\\home\\<user>\\src."),
                ),
        );
    }

    // Bind mounts of the Compose project that come from the Windows drive.
    let cwd = host.cwd();
    if !cwd.as_deref().is_some_and(on_windows_drive)
        && let Some(path) = compose::locate(host, ctx.options().compose.as_deref(), cwd.as_deref())
        && let Ok(text) = host.read_text(&path)
    {
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        let slow: Vec<String> = compose::bind_sources(&text, &dir)
            .into_iter()
            .filter(|(_, src)| on_windows_drive(src))
            .map(|(svc, src)| format!("{svc}: {}", src.display()))
            .collect();
        if !slow.is_empty() {
            let mut f = WINDOWS_DRIVE
                .finding(format!(
                    "{} bind-mounts folders from the Windows drive: slow I/O across the 9P bridge, unreliable file watching",
                    path.display()
                ))
                .fix(Fix::new("Move those folders into the distro, or use named volumes").manual(
                    "Copy the data under your Linux home (e.g. ~/src) and point the bind mounts there; for databases and node_modules, prefer named volumes.",
                ));
            for s in slow {
                f = f.evidence("bind mount", s);
            }
            out.push(f);
        }
    }

    if let Some(f) = wslconfig(ctx) {
        out.push(f);
    }

    if !out.iter().any(|f| f.severity >= Severity::Warn) {
        out.insert(
            0,
            OK.finding(format!(
                "WSL 2 ({distro}, kernel {kernel}){}",
                if desktop_mounted {
                    ", with Docker Desktop's integration"
                } else {
                    ""
                }
            ))
            .evidence("kernel", &kernel),
        );
    }
    out
}

fn on_windows_drive(p: &Path) -> bool {
    let mut parts = p.components().skip(1);
    let first = parts
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let second = parts
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    first.as_deref() == Some("mnt")
        && second.is_some_and(|d| d.len() == 1 && d.chars().all(|c| c.is_ascii_alphabetic()))
}

/// `.wslconfig` in the Windows profile, found from inside WSL through /mnt/c/Users.
fn wslconfig(ctx: &Context) -> Option<Finding> {
    let host = ctx.host();
    let users = Path::new("/mnt/c/Users");
    let me = ctx.identity().user.to_ascii_lowercase();
    let mut names = host.list_dir(users).ok()?;
    // The profile with this user's name first.
    names.sort_by_key(|n| n.to_ascii_lowercase() != me);
    let (path, text) = names.iter().find_map(|n| {
        let p = users.join(n).join(".wslconfig");
        host.read_text(&p).ok().map(|t| (p, t))
    })?;
    let mut f = WSLCONFIG.finding(format!("{} sets limits for the WSL 2 VM", path.display()));
    let mut any = false;
    for key in ["memory", "processors", "swap"] {
        if let Some(v) = ini_value(&text, "wsl2", key) {
            f = f.evidence(key, v);
            any = true;
        }
    }
    any.then_some(f)
}

/// Checks from Windows: what wsl.exe says.
async fn windows(ctx: &Context) -> Vec<Finding> {
    let host = ctx.host();
    // Every Windows since 10 2004 ships wsl.exe, installed or not: without it there is
    // nothing to ask (and Docker Desktop would use Hyper-V).
    let Some(wsl_exe) = host.which("wsl").or_else(|| host.which("wsl.exe")) else {
        return Vec::new();
    };
    let listed = host
        .run(&wsl_exe, &["-l", "-v"], Duration::from_secs(5))
        .await;
    let (status, text) = match listed {
        Ok(o) => (o.status, format!("{}{}", o.stdout, o.stderr)),
        Err(e) => {
            return vec![UNKNOWN.finding(format!("`wsl -l -v` did not answer: {e:?}"))];
        }
    };
    // Messages are translated; the links in them are not.
    let lower = text.to_ascii_lowercase();
    if lower.contains("aka.ms/wsl2-install") || lower.contains("aka.ms/enablevirtualization") {
        return vec![
            VM_PLATFORM
                .finding("WSL 2 cannot start: the Virtual Machine Platform feature is off, or virtualization is disabled in the firmware")
                .evidence("wsl -l -v", text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim())
                .fix(
                    Fix::new("Enable the features (elevated PowerShell), then reboot")
                        .powershell("dism.exe /online /enable-feature /featurename:VirtualMachinePlatform /all /norestart", true)
                        .powershell("dism.exe /online /enable-feature /featurename:Microsoft-Windows-Subsystem-Linux /all /norestart", true)
                        .powershell("bcdedit /set hypervisorlaunchtype auto", true),
                )
                .fix(
                    Fix::new("Check that the CPU's virtualization is on")
                        .powershell("systeminfo | findstr /C:\"Virtualization Enabled In Firmware\"", false)
                        .manual("If it says No: enable Intel VT-x / AMD SVM in the BIOS/UEFI setup."),
                ),
        ];
    }
    if lower.contains("wsl.exe --install") || lower.contains("aka.ms/wslinstall") {
        return vec![not_installed(
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim(),
        )];
    }
    let distros = parse_list(&text);
    if status != Some(0) && distros.is_empty() {
        return vec![
            UNKNOWN
                .finding("`wsl -l -v` failed")
                .evidence("output", text.trim()),
        ];
    }
    let mut out = Vec::new();
    for d in distros.iter().filter(|d| d.version == 1) {
        out.push(
            DISTRO_WSL1
                .finding(format!(
                    "{} runs as WSL 1: Docker Desktop cannot integrate with it",
                    d.name
                ))
                .evidence("distro", &d.name)
                .fix(
                    Fix::new(format!("Convert {} to WSL 2", d.name))
                        .powershell(argv!["wsl", "--set-version", &d.name, "2"], false)
                        .powershell("wsl --set-default-version 2", false),
                ),
        );
    }
    let daemon_down = !ctx.daemon().await.is_some_and(|d| d.answered());
    if let Some(dd) = distros.iter().find(|d| d.name == "docker-desktop")
        && daemon_down
        && is_stopped(dd)
    {
        out.push(
            DESKTOP_DISTRO_STOPPED
                .finding(format!("Docker Desktop's engine distro docker-desktop is {}", dd.state))
                .detail("Docker Desktop runs its engine in this WSL distro; while it is stopped, nothing answers on the engine's pipe (\"WSL distro terminated abruptly\" after sleep is the classic).")
                .evidence("state", &dd.state)
                .fix(
                    Fix::new("Restart Docker Desktop's backend")
                        .manual("Docker Desktop tray icon > Restart")
                        .powershell("wsl --shutdown", false)
                        .powershell("wsl --update", false),
                ),
        );
    }
    if !out.iter().any(|f| f.severity >= Severity::Warn) {
        let mut f = OK.finding(format!(
            "WSL answers: {} distro(s), {} on WSL 2",
            distros.len(),
            distros.iter().filter(|d| d.version == 2).count()
        ));
        for d in &distros {
            f = f.evidence(
                if d.default {
                    "distro (default)"
                } else {
                    "distro"
                },
                format!("{} {} WSL {}", d.name, d.state, d.version),
            );
        }
        out.insert(0, f);
    }
    out
}

/// States are translated: only the words known to mean stopped count (English, German,
/// French, Spanish, Portuguese); an unknown word is not taken for stopped.
fn is_stopped(d: &Distro) -> bool {
    [
        "stopped",
        "beendet",
        "arrêté",
        "detenido",
        "parado",
        "interrompido",
    ]
    .iter()
    .any(|w| d.state.to_lowercase() == *w)
}

fn not_installed(said: &str) -> Finding {
    NOT_INSTALLED
        .finding("WSL is not installed: Docker Desktop's WSL 2 backend needs it")
        .evidence("wsl.exe", said)
        .fix(
            Fix::new("Install WSL (elevated PowerShell), then reboot")
                .powershell("wsl --install --no-distribution", true)
                .docs("https://learn.microsoft.com/windows/wsl/install"),
        )
}
