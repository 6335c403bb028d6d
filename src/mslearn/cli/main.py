"""`mslearn` entry point: the app and the registration of every command module.

Each module of this package parses its commands' options, builds an options dataclass
and calls one library function; it adds its commands with ``register(app)``.
"""

from __future__ import annotations

import sys

import typer

try:  # typer vendors its own click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - older typer on the real click
    from click import exceptions as _cx

from mslearn import __version__
from mslearn.cli import active, bench, calibrate, data, learn, resample, runs, rve, study
from mslearn.cli.common import EXIT_FAILURE, EXIT_INPUT, print_json

app = typer.Typer(
    name="mslearn",
    help="Learning-based multiscale modelling of granular materials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # keeps [table] names in help texts
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


def main(argv: list[str] | None = None) -> None:
    """Run the ``mslearn`` command (``argv``: the arguments, default ``sys.argv[1:]``).

    Usage errors (unknown options, values out of range) are one line on stderr and exit
    2, with the JSON error object last on stdout when ``--json`` was given, as for every
    other input error."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        code = app(args=argv, prog_name="mslearn", standalone_mode=False)
    except _cx.NoArgsIsHelpError as exc:  # a group without a command: its help
        typer.echo(exc.format_message())
        sys.exit(0)
    except _cx.ClickException as exc:  # usage errors, bad values, unreadable files
        fail_usage(exc.format_message(), "--json" in argv)
    except typer.Abort:
        typer.echo("error: interrupted", err=True)
        sys.exit(EXIT_FAILURE)
    sys.exit(code if isinstance(code, int) else 0)


def fail_usage(message: str, as_json: bool) -> None:
    """``error: message`` (one line) on stderr, the JSON error if asked, exit 2."""
    message = " ".join(message.split())
    typer.echo(f"error: {message} (see mslearn --help)", err=True)
    if as_json:
        print_json({"status": "error", "message": message, "exit_code": EXIT_INPUT})
    sys.exit(EXIT_INPUT)
