"""Rich progress bars on stderr (stdout stays clean for --json)."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager

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
def step_progress(description: str, total: int | None, enabled: bool = True):
    """Yield update(k, info, total=None) for a step loop with ETA; a no-op when disabled.

    ``total`` may be None when unknown at the start; pass it to update() once known.
    """
    if not enabled:
        yield lambda k, info="", total=None: None
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

        def update(k: int, info: str = "", total: int | None = None) -> None:
            if total is not None:
                prog.update(task, total=total)
            prog.update(task, completed=k, info=info)

        yield update


@contextmanager
def lazy_step_progress(description: str, enabled: bool = True):
    """:func:`step_progress` that appears at the first update (not before the work has
    validated its input, so an input error stays the only line on stderr)."""
    with ExitStack() as stack:
        bar = []

        def update(k: int, info: str = "", total: int | None = None) -> None:
            if not bar:
                bar.append(stack.enter_context(step_progress(description, total, enabled)))
            bar[0](k, info, total=total)

        yield update
