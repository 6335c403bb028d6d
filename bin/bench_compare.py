"""Run one `mslearn` benchmark command on an old commit and on this tree, alternating.

Usage: python bin/bench_compare.py OLD_REV ROUNDS -- bench fem --json --repeats 20

The old commit is checked out (once) into a git worktree under /tmp; each round runs the
command with the old tree's sources first on PYTHONPATH, then with this tree's, and prints
one JSON line per run: {"tree": "old" | "new", "round": k, "result": <last JSON line>}.
The order alternates (old-new, new-old, ...), which cancels slow drifts of machine load;
compare medians over rounds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worktree(rev: str) -> Path:
    """A checkout of ``rev`` under /tmp (created on first use)."""
    sha = subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", rev], text=True).strip()
    path = Path("/tmp") / f"mslearn_{sha[:10]}"
    if not path.exists():
        subprocess.check_call(
            ["git", "-C", str(ROOT), "worktree", "add", "-f", "--detach", str(path), sha]
        )
    return path


def run(tree: Path, args: list[str]) -> dict:
    """The last stdout line of ``python -m mslearn ARGS`` with ``tree``'s sources, as JSON."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", *args], capture_output=True, text=True, env=env
    )
    if r.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(args)} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    rev, rounds, sep, *args = sys.argv[1:]
    if sep != "--":
        raise SystemExit(__doc__)
    trees = {"old": worktree(rev), "new": ROOT}
    for k in range(int(rounds)):
        order = ("old", "new") if k % 2 == 0 else ("new", "old")  # ABBA: cancels drift
        for name in order:
            print(
                json.dumps({"tree": name, "round": k, "result": run(trees[name], args)}), flush=True
            )


if __name__ == "__main__":
    main()
