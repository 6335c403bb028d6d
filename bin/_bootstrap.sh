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
    # torch first, pinned, so that no dependency pulls a CUDA build. On this machine pip takes
    # the local CPU wheel for torch==2.13.0. GPU users: set MSLEARN_TORCH_SPEC to the CUDA build
    # of the same version, e.g. "torch==2.13.0 --index-url <PyTorch CUDA wheel index>".
    # shellcheck disable=SC2086
    "$VENV/bin/python" -m pip install -q ${MSLEARN_TORCH_SPEC:-torch==2.13.0} >&2
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]" >&2
    echo "$want" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
