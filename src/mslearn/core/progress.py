"""Rich progress bars on stderr (stdout stays clean for --json)."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

STDERR = Console(stderr=True)


@contextmanager
def step_progress(description: str, total: int, enabled: bool = True):
    """Yield update(k, info) for a step loop with ETA; a no-op when disabled."""
    if not enabled:
        yield lambda k, info="": None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=STDERR,
        transient=False,
    ) as prog:
        task = prog.add_task(description, total=total, info="")

        def update(k: int, info: str = "") -> None:
            prog.update(task, completed=k, info=info)

        yield update
