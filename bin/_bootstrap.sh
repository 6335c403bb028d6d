# Sourced by bin/demo and bin/test: create and fill .venv if missing or stale.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
STAMP="$VENV/.mslearn-install-stamp"
want="$(cat "$ROOT/pyproject.toml" "$ROOT/bin/_bootstrap.sh" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ]; then
    echo "[mslearn] creating virtual environment in $VENV" >&2
    "$PY" -m venv "$VENV"
fi
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
    echo "[mslearn] installing mslearn and its dependencies into $VENV" >&2
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2
    # torch is not a dependency yet; when it becomes one, install the pinned CPU wheel
    # (torch==2.13.0) here first so that no dependency pulls a CUDA build.
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]" >&2
    echo "$want" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
