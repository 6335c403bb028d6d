"""`mslearn data info|split|merge`: inspect, split and merge point datasets."""

from __future__ import annotations

from pathlib import Path

import typer

from mslearn.cli.common import DebugOption, JsonOption, handle_errors, print_json

app = typer.Typer(
    help="Point datasets (Zarr): info, split, merge.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.command()
@handle_errors
def info(
    path: Path = typer.Argument(..., help="Dataset (.zarr)."),
    json_: bool = JsonOption,
    debug: bool = DebugOption,
) -> None:
    """Samples, runs, trajectories, ranges, size and splits of a dataset."""
    from mslearn.data.splits import dataset_info

    d = dataset_info(path)
    if json_:
        print_json(d)
        return
    for k, v in d.items():
        typer.echo(f"{k:>20}: {v}")


@app.command()
@handle_errors
def split(
    path: Path = typer.Argument(..., help="Dataset (.zarr); indices are stored inside it."),
    by: str = typer.Option("point", help="'point' (run, Gauss point) or 'run'."),
    seed: int = typer.Option(0, help="Random seed."),
    fractions: tuple[float, float, float] = typer.Option((0.7, 0.15, 0.15), help="train val test"),
    json_: bool = JsonOption,
    debug: bool = DebugOption,
) -> None:
    """Deterministic train/val/test split (70/15/15 by default) grouped by point or run."""
    from mslearn.data.splits import write_split

    sizes = write_split(path, by, seed, fractions)
    if json_:
        print_json({"by": by, "seed": seed, **sizes})
    else:
        typer.echo(
            f"split by {by} (seed {seed}): " + ", ".join(f"{k} {v}" for k, v in sizes.items())
        )


@app.command()
@handle_errors
def merge(
    inputs: list[Path] = typer.Argument(..., help="Datasets to merge."),
    out: Path = typer.Option(..., "--out", help="Merged dataset (.zarr); refused if it exists."),
    json_: bool = JsonOption,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
    debug: bool = DebugOption,
) -> None:
    """Concatenate datasets; run ids are renumbered, sources kept as provenance."""
    from mslearn.core.errors import MslearnInputError
    from mslearn.data.splits import merge_datasets

    target = out.resolve()
    for p in inputs:
        if p.resolve() == target or target in p.resolve().parents:
            raise MslearnInputError(f"--out {str(out)!r} is the input {str(p)!r}; choose another")
    if out.exists() and not overwrite:
        raise MslearnInputError(
            f"--out {str(out)!r} exists; use --overwrite to replace it, or choose another name"
        )

    n = merge_datasets(inputs, out)
    if json_:
        print_json({"out": str(out), "samples": n})
    else:
        typer.echo(f"{n} samples -> {out}")


def register(root: typer.Typer) -> None:
    """Add the ``data`` group to ``root``."""
    root.add_typer(app, name="data")
