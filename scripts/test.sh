#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine: installs what the tests need, checks
# formatting and lints, and runs every test, including the #[ignore]d ones that need root
# (a real dockerd on a private socket, unprivileged test users made with useradd, and the
# network lab: network namespaces with dnsmasq, docker-registry, tinyproxy and mitmproxy).
#
# Needs root: it installs Debian packages and mitmproxy (pip), starts dockerd, creates
# network namespaces and the test users dd-outsider and dd-member. Usage: sudo scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
    echo "scripts/test.sh needs root: it installs packages, starts dockerd and creates test users." >&2
    echo "Run: sudo scripts/test.sh   (or cargo test, for the tests that need neither)" >&2
    exit 1
fi

# docker.io: dockerd and the docker CLI; busybox-static: tiny images for containers;
# util-linux: setpriv, nsenter; passwd: useradd/usermod; procps: kill; ca-certificates for
# cargo; sudo: fixes applied by an unprivileged user through sudo; curl and openssl: the
# TLS client and update-ca-certificates of an image a build step runs in. The network lab:
# iproute2 (ip netns), dnsmasq-base (DNS), docker-registry (the registry behind TLS),
# tinyproxy (a CONNECT proxy), python3 (mitmproxy, tiny DNS servers, Docker Hub's token
# and pull-limit answers), apache2-utils (htpasswd: the registry's bcrypt login file).
# Other engines: podman (its Docker-compatible API), rootlesskit, uidmap and slirp4netns
# (a rootless dockerd run by a test user); openssh-server and openssh-client (ssh://
# endpoints, and the Ansible playbook's second host, against an sshd the tests start
# directly). Fleets: prometheus (promtool checks --format prometheus), libxml2-utils
# (xmllint checks --format junit against junit-10.xsd), ansible-core (the playbook).
packages=(docker.io busybox-static util-linux passwd procps ca-certificates sudo curl openssl
    iproute2 iptables dnsmasq-base docker-registry tinyproxy python3 python3-pip apache2-utils
    podman rootlesskit uidmap slirp4netns openssh-server openssh-client
    prometheus libxml2-utils ansible-core)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dockerd >/dev/null || { echo "dockerd not found after installing docker.io" >&2; exit 1; }

# mitmproxy, the TLS-intercepting proxy of the lab, from PyPI (pinned: 11.0 runs on 3.11).
MITMPROXY_VERSION=11.0.2
if ! command -v mitmdump >/dev/null || ! mitmdump --version 2>/dev/null | grep -q "$MITMPROXY_VERSION"; then
    echo "==> pip install mitmproxy==$MITMPROXY_VERSION"
    python3 -m pip install -q --root-user-action=ignore "mitmproxy==$MITMPROXY_VERSION" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "mitmproxy==$MITMPROXY_VERSION"
fi
# pip puts mitmdump in the interpreter's scripts directory (pyenv shims only appear after a
# rehash): make sure the tests find it there.
PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
export PATH
hash -r
command -v mitmdump >/dev/null || { echo "mitmdump not on PATH after pip install" >&2; exit 1; }

if ! cargo clippy --version >/dev/null 2>&1 || ! cargo fmt --version >/dev/null 2>&1; then
    rustup component add clippy rustfmt
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test (including root-only tests)"
cargo test --workspace --locked -- --include-ignored "$@"
