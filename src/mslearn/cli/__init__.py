"""The `mslearn` command line (typer): a thin layer over the Python API."""
