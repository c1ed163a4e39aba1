//! `--redact`: a report safe to attach to a public ticket. Secrets are always hidden (see
//! `probes::secret`); with `--redact`, user names, home paths, host names and IP addresses
//! are replaced too, consistently: the same value gets the same mask everywhere, so the
//! report still reads ("<host-1> refuses connections ... add <host-1> to NO_PROXY").

use crate::report::Report;
use probes::Step;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// What kinds of values a report had masked.
#[derive(Debug, Clone, Serialize)]
pub struct Redaction {
    /// `user`, `home`, `host`, `ip`: the kinds that were found and masked.
    pub kinds: Vec<&'static str>,
    /// How many distinct values were masked.
    pub values: usize,
}

/// Sensitive values known from the machine, by kind.
#[derive(Debug, Default)]
pub struct Known {
    pub users: Vec<String>,
    pub homes: Vec<String>,
    pub hosts: Vec<String>,
}

impl Known {
    /// This machine's user, home and host names, as the run found them.
    pub fn of(ctx: &probes::Context) -> Known {
        let identity = ctx.identity();
        Known {
            users: vec![identity.user.clone()],
            homes: identity
                .home
                .iter()
                .map(|h| h.display().to_string())
                .collect(),
            hosts: ctx.sensitive_hosts(),
        }
    }
}

/// Names everyone knows: never masked, they identify nobody.
const PUBLIC_HOSTS: &[&str] = &[
    "localhost",
    "registry-1.docker.io",
    "auth.docker.io",
    "production.cloudflare.docker.com",
    "docker.io",
    "index.docker.io",
    "hub.docker.com",
];

pub struct Redactor {
    /// `(value, mask)`, longest value first so a home path goes before the user name in it.
    rules: Vec<(String, String)>,
    kinds: BTreeSet<&'static str>,
    ips: Vec<(String, String)>,
    /// Known values that were found in the report.
    used: BTreeSet<String>,
}

impl Redactor {
    pub fn new(known: &Known) -> Redactor {
        let mut rules: Vec<(String, String, &'static str)> = Vec::new();
        let mut add = |values: &[String], kind: &'static str| {
            let mut n = 0;
            for v in values {
                let v = v.trim();
                if v.len() < 2 || rules.iter().any(|(x, _, _)| x == v) {
                    continue;
                }
                if kind == "host" && (PUBLIC_HOSTS.contains(&v) || v.parse::<IpAddr>().is_ok()) {
                    continue;
                }
                n += 1;
                rules.push((v.to_string(), format!("<{kind}-{n}>"), kind));
            }
        };
        add(&known.homes, "home");
        add(&known.users, "user");
        add(&known.hosts, "host");
        rules.sort_by_key(|(v, _, _)| std::cmp::Reverse(v.len()));
        Redactor {
            kinds: BTreeSet::new(),
            rules: rules
                .into_iter()
                .map(|(v, m, k)| (v, format!("{m}\u{0}{k}")))
                .collect(),
            ips: Vec::new(),
            used: BTreeSet::new(),
        }
    }

    /// The text with every known value and every IP address masked.
    pub fn text(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for (value, tagged) in &self.rules {
            let (mask, kind) = tagged.split_once('\u{0}').unwrap_or((tagged, ""));
            // Host names are the same name in any case (DESKTOP-7Q2LM4K, desktop-7q2lm4k).
            let fold = kind == "host";
            let Some(replaced) = replace_word(&out, value, mask, fold) else {
                continue;
            };
            out = replaced;
            self.used.insert(value.clone());
            self.kinds.insert(match kind {
                "home" => "home",
                "user" => "user",
                _ => "host",
            });
        }
        self.mask_ips(&out)
    }

    fn mask_ips(&mut self, s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        let part = |c: char| c.is_ascii_hexdigit() || c == '.' || c == ':';
        while i < chars.len() {
            if !part(chars[i]) {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let start = i;
            while i < chars.len() && part(chars[i]) {
                i += 1;
            }
            let token: String = chars[start..i].iter().collect();
            // `5.15.153.1-microsoft` is a kernel, `v1.2.3.4` a version: not addresses.
            let glued =
                |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || "-+_/".contains(*c));
            let prev = start.checked_sub(1).and_then(|p| chars.get(p));
            if glued(prev) || glued(chars.get(i)) {
                out.push_str(&token);
                continue;
            }
            match self.ip_mask(&token) {
                Some(m) => out.push_str(&m),
                None => out.push_str(&token),
            }
        }
        out
    }

    /// The mask of an address in `token` (an `addr` or `addr:port`), if it is one worth
    /// hiding: loopback and unspecified addresses identify nobody.
    fn ip_mask(&mut self, token: &str) -> Option<String> {
        let trimmed = token.trim_end_matches(['.', ':']);
        let (addr, rest) = match trimmed.parse::<IpAddr>() {
            Ok(ip) => (ip, &token[trimmed.len()..]),
            Err(_) => {
                // `10.0.0.1:5000`
                let (a, port) = trimmed.rsplit_once(':')?;
                let ip = a.parse::<IpAddr>().ok().filter(|ip| ip.is_ipv4())?;
                port.parse::<u16>().ok()?;
                (ip, &token[a.len()..])
            }
        };
        if addr.is_loopback() || addr.is_unspecified() {
            return None;
        }
        if !trimmed.contains('.') && trimmed.matches(':').count() < 2 {
            return None;
        }
        let text = addr.to_string();
        let mask = match self.ips.iter().find(|(v, _)| *v == text) {
            Some((_, m)) => m.clone(),
            None => {
                let m = format!("<ip-{}>", self.ips.len() + 1);
                self.ips.push((text, m.clone()));
                m
            }
        };
        self.kinds.insert("ip");
        Some(format!("{mask}{rest}"))
    }

    pub fn apply(mut self, r: &mut Report) -> Redaction {
        for p in &mut r.probes {
            if let Some(s) = p.skipped_because.as_mut() {
                *s = self.text(s);
            }
        }
        if let Some(d) = r.platform.distro.as_mut() {
            *d = self.text(d);
        }
        for f in &mut r.findings {
            f.summary = self.text(&f.summary);
            f.detail = f.detail.as_deref().map(|d| self.text(d));
            f.subject = f.subject.as_deref().map(|d| self.text(d));
            for e in &mut f.evidence {
                e.value = self.text(&e.value);
            }
            for fix in &mut f.fixes {
                fix.title = self.text(&fix.title);
                fix.note = fix.note.as_deref().map(|n| self.text(n));
                for step in &mut fix.steps {
                    match step {
                        Step::Command {
                            command,
                            argv,
                            note,
                            ..
                        } => {
                            *command = self.text(command);
                            for w in argv.iter_mut() {
                                *w = self.text(w);
                            }
                            *note = note.as_deref().map(|n| self.text(n));
                        }
                        Step::WriteFile {
                            path,
                            contents,
                            command,
                            ..
                        } => {
                            *path = self.text(path);
                            *contents = self.text(contents);
                            *command = self.text(command);
                        }
                        Step::Manual { text } => *text = self.text(text),
                        Step::Service { .. } => {}
                    }
                }
            }
        }
        Redaction {
            kinds: self.kinds.iter().copied().collect(),
            values: self.used.len() + self.ips.len(),
        }
    }
}

/// `s` with `value` replaced where it stands as a whole word (not inside a longer name);
/// `None` when it stands nowhere so.
fn replace_word(s: &str, value: &str, mask: &str, fold: bool) -> Option<String> {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    // ASCII case folding keeps every byte where it was: offsets found in the folded copy
    // are offsets in the text.
    let (hay, needle): (std::borrow::Cow<str>, std::borrow::Cow<str>) = if fold {
        (
            s.to_ascii_lowercase().into(),
            value.to_ascii_lowercase().into(),
        )
    } else {
        (s.into(), value.into())
    };
    if !hay.contains(needle.as_ref()) {
        return None;
    }
    let starts_path = value.starts_with('/') || value.contains('\\');
    let mut out = String::with_capacity(s.len());
    let mut masked = false;
    let mut from = 0;
    while let Some(found) = hay[from..].find(needle.as_ref()) {
        let i = from + found;
        let end = i + needle.len();
        let before = s[..i].chars().next_back();
        let after = s[end..].chars().next();
        let whole = starts_path
            || (!before.is_some_and(is_name)
                && !after.is_some_and(|c| is_name(c) || (c == '.' && !value.contains('.'))));
        out.push_str(&s[from..i]);
        out.push_str(if whole { mask } else { &s[i..end] });
        masked |= whole;
        from = end;
    }
    out.push_str(&s[from..]);
    masked.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A host name is the same name in any case: Windows prints its computer name in
    /// capitals, NO_PROXY lists often have it in lower case.
    #[test]
    fn host_names_are_masked_in_any_case() {
        let mut r = Redactor::new(&Known {
            users: vec![],
            homes: vec![],
            hosts: vec!["DESKTOP-7Q2LM4K".into()],
        });
        assert_eq!(
            r.text("NO_PROXY=localhost,desktop-7q2lm4k; name DESKTOP-7Q2LM4K, Desktop-7q2lm4kX"),
            "NO_PROXY=localhost,<host-1>; name <host-1>, Desktop-7q2lm4kX"
        );
    }

    #[test]
    fn masks_consistently_and_keeps_public_names() {
        let mut r = Redactor::new(&Known {
            users: vec!["alice".into()],
            homes: vec!["/home/alice".into()],
            hosts: vec![
                "proxy.corp.example".into(),
                "registry-1.docker.io".into(),
                "build-7".into(),
            ],
        });
        let s = r.text("alice: /home/alice/.docker via proxy.corp.example:3128 (10.2.3.4:443, 10.2.3.4, ::1, 127.0.0.1) on build-7, not build-77; registry-1.docker.io");
        assert_eq!(
            s,
            "<user-1>: <home-1>/.docker via <host-1>:3128 (<ip-1>:443, <ip-1>, ::1, 127.0.0.1) on <host-2>, not build-77; registry-1.docker.io"
        );
        assert_eq!(
            r.kinds.iter().copied().collect::<Vec<_>>(),
            ["home", "host", "ip", "user"]
        );
    }

    #[test]
    fn leaves_versions_and_times_alone() {
        let mut r = Redactor::new(&Known::default());
        let s = "Docker 20.10.24 API 1.41, 16:07:00 UTC, sha256 AB:CD:EF, 5.15.153.1-microsoft";
        assert_eq!(r.text(s), s);
    }
}
