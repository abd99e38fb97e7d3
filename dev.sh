#!/usr/bin/env bash
# The two commands a newcomer needs, each installing what it needs itself:
#   ./dev.sh demo    the router end to end on the embedded stack (broker + Redis + workers + traffic)
#   ./dev.sh test    lint, type-check and the whole test suite against the real broker and Redis
# Also: ./dev.sh check (lint + types only), ./dev.sh explore (property tests, random seeds,
# longer), ./dev.sh shell (a shell in the venv), ./dev.sh lock (re-pin requirements.lock
# after changing the dependencies in pyproject.toml), ./dev.sh bench-env (Quix Streams in
# .venv-quix, for `omniroute bench`'s Quix anchor).
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PY=${PYTHON:-python3}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
    # Debian packages the project runs for real: redis-server always, prometheus for its tests.
    local missing=()
    for pair in "$@"; do
        local bin=${pair%%:*} pkg=${pair##*:}
        command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        say "missing ${missing[*]} and no apt-get: install them by hand"; exit 1
    fi
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing ${missing[*]} (apt-get)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    if ! "$PY" -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null; then
        say "omniroute needs Python >= 3.11 (found: $("$PY" --version 2>&1))"; exit 1
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        "$PY" -m venv "$VENV" 2>/dev/null || { apt_install "false:python3-venv"; "$PY" -m venv "$VENV"; }
    fi
    local stamp="$VENV/.omniroute-installed"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
        say "installing omniroute and its dependencies into $VENV"
        "$VENV/bin/python" -m pip install -qq --upgrade pip >/dev/null 2>&1
        # -qq: errors only (this machine's pip config names index folders that may not exist,
        # and setuptools narrates the editable build); a failure still prints in full.
        # The pinned, hash-checked versions of requirements.lock first; then omniroute
        # itself, which finds them installed (and adds only what a newer pyproject.toml
        # asks for that the lock does not have yet: tests/unit/test_lock.py names it).
        "$VENV/bin/python" -m pip install -qq --require-hashes -r requirements.lock
        "$VENV/bin/python" -m pip install -qq -e '.[dev]'
        touch "$stamp"
    fi
}

typecheck_tree() {
    # mypy cannot follow setuptools' editable-install import hook, so give it the
    # installed layout (omniroute.router -> router/ ...) as a tree of links.
    mkdir -p .typecheck/omniroute
    for pkg in router agents schemas; do ln -sfn "../../$pkg" ".typecheck/omniroute/$pkg"; done
}

audit() {
    # Known vulnerabilities in the pinned dependencies, from PyPI's advisory data. Quiet
    # unless something is found. Where PyPI's per-version advisories cannot be reached
    # (this network: every /pypi/NAME/VERSION/json is a 404, OSV unreachable), pip-audit
    # can audit nothing and .ci/audit_latest.py checks the pins it can (docs/security.md).
    say "pip-audit"
    local report
    if report=$("$VENV/bin/pip-audit" --requirement requirements.lock --no-deps --disable-pip \
            --vulnerability-service pypi --progress-spinner off --strict 2>&1); then
        return 0
    fi
    if grep -q "could not be audited" <<<"$report" && ! grep -qi "known vulnerabilit" <<<"$report"; then
        "$VENV/bin/python" .ci/audit_latest.py requirements.lock >/dev/null
        return
    fi
    printf '%s\n' "$report" >&2
    return 1
}

lock() {
    # Re-pin every dependency (with extras dev) and its hashes; commit the result.
    "$VENV/bin/pip-compile" --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras \
        --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml
    # The dev extra names omniroute[embedded] itself: pip-compile pins it as this folder's
    # path, which no other clone has and no hash covers. The editable install adds it.
    awk 'skip && /^[^ ]/ {skip=0} /^omniroute @ / {skip=1} /^# (WARNING: pip install will require|Consider using a hashable)/ {next} !skip' \
        requirements.lock > requirements.lock.tmp
    mv requirements.lock.tmp requirements.lock
}

check() {
    say "ruff"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .
    say "mypy --strict"
    typecheck_tree
    "$VENV/bin/mypy" -p omniroute
    "$VENV/bin/mypy" tests
    say "import contracts"
    PYTHONPATH=.typecheck "$VENV/bin/lint-imports" --no-cache | tail -n 8
}

case "${1:-}" in
    demo)
        apt_install redis-server:redis-server
        ensure_venv
        shift
        exec "$VENV/bin/omniroute" demo "$@"
        ;;
    test)
        apt_install redis-server:redis-server prometheus:prometheus
        ensure_venv
        check
        audit
        shift
        say "pytest"
        exec "$VENV/bin/python" -m pytest "$@"
        ;;
    explore)
        # The property tests with fresh random seeds and ten times the examples.
        ensure_venv
        shift
        export HYPOTHESIS_PROFILE=explore OMNIROUTE_EXAMPLES_SCALE=${OMNIROUTE_EXAMPLES_SCALE:-10}
        exec "$VENV/bin/python" -m pytest -m "not kafka and not redis and not prometheus and not packaging" \
            --timeout=0 tests/unit "$@"
        ;;
    check)
        ensure_venv
        check
        ;;
    bench-env)
        # Quix Streams, for `omniroute bench`'s Quix anchor: it pins pydantic below the
        # version omniroute runs, so it gets a venv of its own (.venv-quix).
        [ -x .venv-quix/bin/python ] || "$PY" -m venv .venv-quix
        .venv-quix/bin/pip install -q "quixstreams>=3.20,<4" "redis>=5" hiredis
        say ".venv-quix ready: omniroute bench finds it"
        ;;
    lock)
        ensure_venv
        lock
        ;;
    shell)
        ensure_venv
        exec bash --rcfile <(echo "source $VENV/bin/activate")
        ;;
    *)
        echo "usage: ./dev.sh demo [OPTIONS] | test [PYTEST-ARGS] | explore [PYTEST-ARGS] | check | lock | shell | bench-env" >&2
        exit 2
        ;;
esac
