"""`mslearn` entry point: the app and the registration of every command module.

Each module of this package parses its commands' options, builds an options dataclass
and calls one library function; it adds its commands with ``register(app)``.
"""

from __future__ import annotations

import typer

from mslearn import __version__
from mslearn.cli import active, bench, calibrate, data, learn, resample, runs, rve, study

app = typer.Typer(
    name="mslearn",
    help="Learning-based multiscale modelling of granular materials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mslearn {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Learning-based multiscale modelling of granular materials."""


for _module in (runs, learn, active, calibrate, resample, study, bench, data, rve):
    _module.register(app)


def main() -> None:
    """Run the ``mslearn`` command."""
    app()
