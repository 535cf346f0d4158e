# venv.sh - sourced by scripts/lab.sh and scripts/classroom.sh: the Python environment their real
# clients run in. Defines VENV, PY and ensure_venv (which uses the caller's `say` and `die`).
VENV=$ROOT/target/lab-venv
PY=$VENV/bin/python
CLIENT_VERSION=2.16.1   # confluent-kafka (bundles librdkafka 2.16)

ensure_venv() {
    if "$PY" -c 'import confluent_kafka' 2>/dev/null; then return; fi
    say "creating $VENV with confluent-kafka $CLIENT_VERSION (pip, first run) ..."
    if ! python3 -m venv "$VENV" 2>/dev/null; then
        command -v apt-get >/dev/null || die "python3 -m venv fails and apt-get is missing: install python3-venv"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        rm -rf "$VENV"
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "confluent-kafka==$CLIENT_VERSION"
}
