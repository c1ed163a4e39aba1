//! The network lab: a network namespace of its own (loopback only) with real servers in it,
//! so registry, proxy and TLS cases run against real DNS, TLS and proxies without leaving
//! the machine.
//!
//! - dnsmasq on 127.0.0.53 answers Docker Hub's names (and `*.lab.test`) with the registry's
//!   address, or NXDOMAIN, or SERVFAIL (forwarding to a server that only fails); a silent
//!   socket on 127.0.0.54 drops queries.
//! - Debian's docker-registry on 127.0.0.10:443, behind TLS from a CA made here with rcgen.
//! - tinyproxy on 127.0.0.20:3128, a plain CONNECT proxy (optionally with Basic auth).
//! - mitmproxy on 127.0.0.30:8080, the TLS-intercepting corporate proxy with its own CA.
//! - a distribution mirror (`deb.debian.org`) on 127.0.0.40:80 that refuses every
//!   connection but tinyproxy's (an iptables rule in the namespace), as a corporate
//!   firewall does.
//!
//! `ip netns exec` mounts every entry of `/etc/netns/<ns>/` over `/etc`: that is how the
//! lab gives the doctor its resolv.conf, its system CA store (`ssl/`), `docker/certs.d`
//! and systemd drop-ins without touching the machine's own /etc.

use super::{Run, capture, doctor_through};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REGISTRY_IP: &str = "127.0.0.10";
pub const NAMESERVER: &str = "127.0.0.53";
pub const SILENT_NAMESERVER: &str = "127.0.0.54";
pub const TINYPROXY: &str = "127.0.0.20:3128";
pub const MITMPROXY: &str = "127.0.0.30:8080";
/// A distribution's mirror (`deb.debian.org` in the lab's DNS) that only the proxy may
/// reach, as behind a corporate firewall.
pub const MIRROR_IP: &str = "127.0.0.40";
pub const MIRROR_NAME: &str = "deb.debian.org";
/// An address in the lab where nothing listens.
pub const NOTHING: &str = "127.0.0.21:3128";
pub const CA_NAME: &str = "Lab Test CA";

/// Names dnsmasq answers with the registry's address.
pub const LAB_NAMES: &[&str] = &[
    "registry-1.docker.io",
    "auth.docker.io",
    "production.cloudflare.docker.com",
    "registry.lab.test",
    "other.lab.test",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dns {
    /// Every lab name resolves to the registry.
    Answer,
    /// Docker Hub's names do not exist.
    NxDomain,
    /// The nameserver fails for Docker Hub's names.
    ServFail,
    /// Queries go to a nameserver that never answers.
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf {
    /// Valid for every lab name.
    Valid,
    /// Expired in 2021.
    Expired,
    /// Valid, but only for `other.lab.test`.
    WrongHost,
}

pub struct Lab {
    pub ns: String,
    pub dir: tempfile::TempDir,
    children: Vec<(String, Child)>,
    ca_key: KeyPair,
    ca_params: CertificateParams,
    /// The lab CA, PEM.
    pub ca_pem: String,
}

impl Lab {
    /// A fresh namespace with loopback up and a resolv.conf pointing at the lab's dnsmasq.
    pub fn new(tag: &str) -> Lab {
        let ns = format!("dd-{tag}-{}", std::process::id());
        let _ = Command::new("ip")
            .args(["netns", "del", &ns])
            .stderr(Stdio::null())
            .status();
        sh(&["ip", "netns", "add", &ns]);
        sh(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
        let dir = tempfile::Builder::new()
            .prefix("dd-lab-")
            .tempdir()
            .unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, CA_NAME);
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_key = KeyPair::generate().unwrap();
        let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
        let lab = Lab {
            ns,
            dir,
            children: Vec::new(),
            ca_key,
            ca_params,
            ca_pem,
        };
        lab.etc(
            "resolv.conf",
            &format!("nameserver {NAMESERVER}\noptions timeout:1 attempts:2\n"),
        );
        lab
    }

    /// `/etc/netns/<ns>/`: seen as `/etc` by everything run in the namespace.
    pub fn etc_dir(&self) -> PathBuf {
        PathBuf::from("/etc/netns").join(&self.ns)
    }

    /// Writes a file that processes in the lab see as `/etc/<rel>`.
    pub fn etc(&self, rel: &str, contents: &str) {
        let path = self.etc_dir().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// The lab's system CA store holds the lab CA (as if IT had installed it).
    pub fn trust_lab_ca_system_wide(&self) {
        self.etc("ssl/certs/ca-certificates.crt", &self.ca_pem);
    }

    /// A process in the namespace, killed when the lab is dropped.
    pub fn spawn(&mut self, name: &str, argv: &[&str]) {
        let log = std::fs::File::create(self.dir.path().join(format!("{name}.log"))).unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        self.children.push((name.to_string(), child));
    }

    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Waits until something accepts TCP connections at `addr` inside the namespace.
    pub fn wait_for(&self, name: &str, addr: &str) {
        let addr: SocketAddr = addr.parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.in_ns(move || {
                TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            }) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{name} did not listen on {addr}:\n{}", self.log(name));
    }

    /// Runs `f` on a thread that has joined the namespace.
    fn in_ns<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/run/netns/{}", self.ns);
        std::thread::spawn(move || {
            let file = std::fs::File::open(path).unwrap();
            nix::sched::setns(file, nix::sched::CloneFlags::CLONE_NEWNET).unwrap();
            f()
        })
        .join()
        .unwrap()
    }

    pub fn dns(&mut self, mode: Dns) {
        let mut args: Vec<String> = [
            "dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
            "--no-resolv",
            "--no-hosts",
            "--bind-interfaces",
            "--user=root",
            "--log-queries",
            "--log-facility=-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.push(format!("--listen-address={NAMESERVER}"));
        args.push(format!(
            "--pid-file={}",
            self.dir.path().join("dnsmasq.pid").display()
        ));
        for name in LAB_NAMES {
            let hub = name.ends_with("docker.io") || name.ends_with("docker.com");
            match mode {
                Dns::NxDomain if hub => args.push(format!("--address=/{name}/")),
                Dns::ServFail if hub => args.push(format!("--server=/{name}/127.0.0.98")),
                _ => args.push(format!("--address=/{name}/{REGISTRY_IP}")),
            }
        }
        args.push(format!("--address=/{MIRROR_NAME}/{MIRROR_IP}"));
        if mode == Dns::ServFail {
            self.spawn(
                "servfail",
                &["python3", "-c", SERVFAIL_SERVER, "127.0.0.98"],
            );
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        self.spawn("dnsmasq", &argv);
        self.wait_for("dnsmasq", &format!("{NAMESERVER}:53"));
        if mode == Dns::Drop {
            self.spawn(
                "silent-dns",
                &["python3", "-c", SILENT_SERVER, SILENT_NAMESERVER],
            );
            self.etc(
                "resolv.conf",
                &format!("nameserver {SILENT_NAMESERVER}\noptions timeout:1 attempts:2\n"),
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// A certificate from the lab CA.
    fn leaf(&self, kind: Leaf) -> (String, String) {
        let names: Vec<String> = match kind {
            Leaf::WrongHost => vec!["other.lab.test".into()],
            _ => LAB_NAMES.iter().map(|s| s.to_string()).collect(),
        };
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(
            DnType::CommonName,
            match kind {
                Leaf::WrongHost => "other.lab.test",
                _ => "registry-1.docker.io",
            },
        );
        if kind == Leaf::Expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let issuer = Issuer::new(self.ca_params.clone(), &self.ca_key);
        let cert = params.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    /// docker-registry on 127.0.0.10:443 with a certificate of this kind.
    pub fn registry(&mut self, kind: Leaf) {
        self.registry_with_login(kind, None);
    }

    /// Docker Hub's token service and pull-limit answers on 127.0.0.10:443 (instead of
    /// docker-registry): `state` is the JSON fake_hub.py reads (`users`, and `[limit,
    /// remaining]` for `anonymous` and `user`).
    pub fn fake_hub(&mut self, state: &str) {
        let (cert, key) = self.leaf(Leaf::Valid);
        let d = self.dir.path();
        std::fs::write(d.join("hub.crt"), cert).unwrap();
        std::fs::write(d.join("hub.key"), key).unwrap();
        let crt = d.join("hub.crt").to_string_lossy().into_owned();
        let key = d.join("hub.key").to_string_lossy().into_owned();
        self.spawn(
            "hub",
            &[
                "python3",
                "-c",
                include_str!("fake_hub.py"),
                REGISTRY_IP,
                &crt,
                &key,
                state,
            ],
        );
        self.wait_for("hub", &format!("{REGISTRY_IP}:443"));
    }

    /// docker-registry as [`Lab::registry`], wanting this Basic login (htpasswd, bcrypt).
    pub fn registry_with_login(&mut self, kind: Leaf, login: Option<(&str, &str)>) {
        let (cert, key) = self.leaf(kind);
        let d = self.dir.path();
        std::fs::write(d.join("registry.crt"), cert).unwrap();
        std::fs::write(d.join("registry.key"), key).unwrap();
        let config = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {data}\nhttp:\n  addr: {REGISTRY_IP}:443\n  tls:\n    certificate: {crt}\n    key: {key}\n",
            data = d.join("registry-data").display(),
            crt = d.join("registry.crt").display(),
            key = d.join("registry.key").display(),
        );
        let config = match login {
            None => config,
            Some((user, password)) => {
                let htpasswd = d.join("htpasswd");
                let out = Command::new("htpasswd")
                    .args(["-Bbn", user, password])
                    .output()
                    .unwrap();
                assert!(out.status.success(), "htpasswd (apache2-utils) failed");
                std::fs::write(&htpasswd, out.stdout).unwrap();
                format!(
                    "{config}auth:\n  htpasswd:\n    realm: lab-realm\n    path: {}\n",
                    htpasswd.display()
                )
            }
        };
        let conf = d.join("registry.yml");
        std::fs::write(&conf, config).unwrap();
        let conf = conf.to_string_lossy().into_owned();
        self.spawn("registry", &["docker-registry", "serve", &conf]);
        self.wait_for("registry", &format!("{REGISTRY_IP}:443"));
    }

    /// tinyproxy on 127.0.0.20:3128; with `auth`, it wants Basic credentials.
    pub fn tinyproxy(&mut self, auth: Option<(&str, &str)>) {
        let (host, port) = TINYPROXY.split_once(':').unwrap();
        let mut conf = format!(
            "Port {port}\nListen {host}\nBind {host}\nTimeout 10\nAllow 127.0.0.0/8\nConnectPort 443\nLogLevel Connect\nMaxClients 20\n"
        );
        if let Some((user, pass)) = auth {
            conf.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        let path = self.dir.path().join("tinyproxy.conf");
        std::fs::write(&path, conf).unwrap();
        let path = path.to_string_lossy().into_owned();
        self.spawn("tinyproxy", &["tinyproxy", "-d", "-c", &path]);
        self.wait_for("tinyproxy", TINYPROXY);
    }

    /// The mirror on 127.0.0.40:80, serving `path` (an apt index), reachable only from
    /// tinyproxy's address (tinyproxy binds its outgoing connections to it): anything else
    /// is reset, as a firewall that allows only the proxy out.
    pub fn mirror_behind_firewall(&mut self, path: &str) {
        let root = self.dir.path().join("mirror");
        let file = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "Origin: Debian\n").unwrap();
        let root = root.to_string_lossy().into_owned();
        self.spawn(
            "mirror",
            &[
                "python3",
                "-m",
                "http.server",
                "80",
                "--bind",
                MIRROR_IP,
                "--directory",
                &root,
            ],
        );
        self.wait_for("mirror", &format!("{MIRROR_IP}:80"));
        let (proxy, _) = TINYPROXY.split_once(':').unwrap();
        sh(&[
            "ip",
            "netns",
            "exec",
            &self.ns,
            "iptables",
            "-A",
            "INPUT",
            "-p",
            "tcp",
            "-d",
            MIRROR_IP,
            "--dport",
            "80",
            "!",
            "-s",
            proxy,
            "-j",
            "REJECT",
            "--reject-with",
            "tcp-reset",
        ]);
    }

    /// mitmproxy (mitmdump) on 127.0.0.30:8080; returns its CA certificate (PEM).
    pub fn mitmproxy(&mut self) -> String {
        let confdir = self.dir.path().join("mitmproxy");
        std::fs::create_dir_all(&confdir).unwrap();
        let (host, port) = MITMPROXY.split_once(':').unwrap();
        let confdir_opt = format!("confdir={}", confdir.display());
        self.spawn(
            "mitmproxy",
            &[
                "mitmdump",
                "--listen-host",
                host,
                "--listen-port",
                port,
                "--set",
                &confdir_opt,
                // The lab registry's CA is not mitmproxy's business: it re-signs anyway.
                "--ssl-insecure",
            ],
        );
        self.wait_for("mitmproxy", MITMPROXY);
        std::fs::read_to_string(confdir.join("mitmproxy-ca-cert.pem")).unwrap()
    }

    /// A shell line run in the namespace as root, from `cwd`: a fix typed by the user.
    pub fn sh_in(&self, cwd: &Path, line: &str) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.ns, "sh", "-c", line])
            .current_dir(cwd)
            .output()
            .unwrap()
    }

    /// The doctor, run in the namespace with a clean environment.
    pub fn doctor(&self, home: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut netns = Command::new("ip");
        netns.args(["netns", "exec", &self.ns]);
        capture(doctor_through(netns, home, env, args))
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
        let _ = std::fs::remove_dir_all(self.etc_dir());
    }
}

fn sh(argv: &[&str]) {
    let status = Command::new(argv[0]).args(&argv[1..]).status().unwrap();
    assert!(status.success(), "{argv:?}");
}

/// Answers every DNS query with SERVFAIL (what a broken upstream does).
const SERVFAIL_SERVER: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 12:
        continue
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    r = bytearray(q[:end + 5])
    r[2] = 0x80 | (q[2] & 0x79)
    r[3] = 0x82
    r[6:12] = bytes(6)
    s.sendto(bytes(r), peer)
"#;

/// Binds the DNS port and never reads: queries are dropped, as by a firewall.
const SILENT_SERVER: &str = r#"
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind((sys.argv[1], 53))
time.sleep(3600)
"#;
