# Shared helpers of the set-up and test scripts (sourced, not run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2; return 1; fi
}

APT_UPDATED=0
# Install Debian/Ubuntu packages that are not installed yet.
apt_ensure() {
  local missing=()
  # Installed means "install ok installed": a removed package whose configuration files remain still
  # answers `dpkg -s` but has no files.
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "missing system packages: ${missing[*]} (install them with your package manager)" >&2; return 1
  fi
  say "installing system packages: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The Rust toolchain cannot come from apt (Debian's is too old): it must be there already.
rust_ensure() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null; then
    echo "Flywheel needs Rust 1.85 or newer: install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  fi
}

# What building Flywheel needs on a fresh Debian/Ubuntu machine: a C compiler for the -sys crates,
# and the GTK/WebKitGTK development files the desktop app (Tauri v2) links against.
build_deps() {
  apt_ensure build-essential pkg-config ca-certificates curl file \
    libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libsoup-3.0-dev libssl-dev
  rust_ensure
}

# What the end-to-end tests of the app window need: a virtual display, WebKitGTK's WebDriver, and
# tauri-driver (from crates.io, into ~/.cargo/bin).
e2e_deps() {
  apt_ensure xvfb xauth webkit2gtk-driver
  if ! command -v tauri-driver >/dev/null; then
    say "installing tauri-driver (cargo install --locked)"
    cargo install --quiet --locked tauri-driver
  fi
}

# What the Prometheus source's tests and benchmark need: a real Prometheus server and promtool (Debian's
# package `prometheus` has both). Tests start their own server on a free loopback port and stop it after.
prometheus_deps() {
  apt_ensure prometheus
  command -v promtool >/dev/null && command -v prometheus >/dev/null || {
    echo "the package prometheus did not install prometheus and promtool" >&2; exit 1; }
}

# What the shared journal's tests need: a real PostgreSQL server (Debian's `postgresql`: initdb, pg_ctl,
# psql under /usr/lib/postgresql/*/bin). Tests start their own cluster in a temporary folder on a free
# 127.0.0.1 port (as the `postgres` user when run as root) and stop it after; the package's own cluster is
# not used.
postgres_deps() {
  apt_ensure postgresql
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || {
    echo "the package postgresql did not install /usr/lib/postgresql/*/bin/pg_ctl" >&2; exit 1; }
}

# What the CloudWatch source's and importer's tests and benchmark need: moto, a local AWS-compatible server
# (PyPI `moto[server]`, pinned), in a virtual environment of the project's own (.venv-moto; Debian's
# python3-venv makes it). Tests start `moto_server` on a free 127.0.0.1 port with dummy credentials.
MOTO_VERSION="5.2.5"
moto_deps() {
  apt_ensure python3 python3-venv
  local venv="$ROOT/.venv-moto"
  if [ -x "$venv/bin/moto_server" ] && "$venv/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    return 0
  fi
  say "installing moto[server]==$MOTO_VERSION into .venv-moto (pip)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  [ -x "$venv/bin/moto_server" ] || { echo "pip did not install moto_server into $venv" >&2; exit 1; }
}

# Real public Grafana dashboards we did not write (the Ceph project's, packaged by Debian), for the
# Grafana import tests; read where the package puts them.
grafana_fixture_deps() {
  apt_ensure ceph-grafana-dashboards
  [ -f /etc/grafana/dashboards/ceph-dashboard/ceph-cluster.json ] || {
    echo "the package ceph-grafana-dashboards did not install /etc/grafana/dashboards/ceph-dashboard" >&2; exit 1; }
}

# What making the packages needs: Tauri's bundler (the tauri-cli from crates.io, into ~/.cargo/bin) —
# it writes .deb and .rpm itself, no dpkg-dev or rpmbuild needed.
package_deps() {
  if ! cargo tauri --version >/dev/null 2>&1; then
    say "installing tauri-cli 2 (cargo install --locked; about 15 minutes the first time)"
    cargo install --quiet --locked tauri-cli --version "^2"
  fi
}

# What the package test needs besides: Debian's rpm, to read the .rpm's files and dependencies.
package_test_deps() {
  apt_ensure rpm
}
