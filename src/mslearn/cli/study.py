"""`mslearn study NAME`: the paper studies (one module each in mslearn.experiments).

``mslearn study --list`` names them; ``al-resample`` and ``calibrate-femdem`` stay as
aliases of ``study resampling`` and ``study femdem-calibration``.
"""

from __future__ import annotations

import typer

from mslearn.cli.calibrate import calibrate_femdem
from mslearn.cli.resample import al_resample
from mslearn.cli.study3d import triaxial_3d_calibration, triaxial_3d_femml
from mslearn.cli.study_seed003 import seed003

#: study name -> (command, paper reference, old top-level alias)
STUDIES = {
    "resampling": (
        al_resample,
        "seed 000 Sec. 4.1.1-4.1.2, Table 3: pool-based active-learning resampling, "
        "FEM-ML Cases A-F on coarse and fine meshes",
        "al-resample",
    ),
    "femdem-calibration": (
        calibrate_femdem,
        "seed 003 Sec. 3, Table 6: CSUH / MCC calibrated on FEM-DEM Gauss-point "
        "histories, FEM vs FEM-DEM",
        "calibrate-femdem",
    ),
    "triaxial-3d-calibration": (
        triaxial_3d_calibration,
        "seed 003 Sec. 4.4, Tables 10-11: CSUH calibrated on 3D FEM-DEM CTC Gauss-point "
        "curves, FEM-CSUH vs FEM-DEM on PTC",
        None,
    ),
    "triaxial-3d-femml": (
        triaxial_3d_femml,
        "seed 000 Algorithm 2 in 3D: MLP committee trained on 3D FEM-DEM CTC data, FEM-ML "
        "vs FEM-DEM on CTC and PTC, uncertainty sections",
        None,
    ),
    "seed003": (
        seed003,
        "seed 003 Secs. 3-5, Tables 5-16: strip-footing FEM-DEM -> CSUH / MCC / IME "
        "calibration -> FEM vs FEM-DEM on biaxial, retaining wall, cavity, 3D PTC",
        None,
    ),
}

app = typer.Typer(
    help="Paper studies: reproduce a paper's table or figure (--list names them).",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode="markdown",  # keeps [table] names in help texts
)


@app.callback()
def study(
    ctx: typer.Context,
    list_: bool = typer.Option(False, "--list", help="Name the studies and what they reproduce."),
) -> None:
    """Paper studies: reproduce a paper's table or figure."""
    if list_:
        for name, (_cmd, what, _alias) in STUDIES.items():
            typer.echo(f"{name:<24} {what}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


for _name, (_command, _what, _alias) in STUDIES.items():
    app.command(_name, help=f"{_what}.\n\n" + (_command.__doc__ or ""))(_command)


def register(root: typer.Typer) -> None:
    """Add ``study`` and the old top-level aliases of its studies to ``root``."""
    root.add_typer(app, name="study")
    for name, (command, _what, alias) in STUDIES.items():
        if alias is None:
            continue
        root.command(alias, help=f"Alias of `mslearn study {name}`.")(command)
