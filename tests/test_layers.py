"""The layer order of DESIGN.md, declared in pyproject.toml, holds for every module.

Every ``import`` and ``from ... import`` (at any depth, inside functions too) and every
string constant that names an ``mslearn.<package>`` is checked: a package may name only
lower ranks and itself.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "mslearn"
NAMED = re.compile(r"\bmslearn\.([a-z_]+)")


def layer_ranks() -> dict[str, int]:
    """{top-level package: rank} from ``[tool.mslearn.layers] order``."""
    order = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mslearn"]["layers"]
    return {pkg: rank for rank, line in enumerate(order["order"]) for pkg in line.split()}


def package_of(path: Path) -> str | None:
    """Top-level subpackage of a source file (None for mslearn/__init__.py, __main__.py)."""
    parts = path.relative_to(SRC).parts
    return parts[0] if len(parts) > 1 else None


def named_packages(tree: ast.AST) -> list[tuple[int, str, str]]:
    """(line, package, how) for every import of, or string naming, an mslearn package."""
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if node.module == "mslearn":
                names = [f"mslearn.{a.name}" for a in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [(node.lineno, m, "string") for m in NAMED.findall(node.value)]
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "mslearn" and len(parts) > 1:
                found.append((node.lineno, parts[1], "import"))
    return found


def violations(ranks: dict[str, int]) -> list[str]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        own = package_of(path)
        if own is None:
            continue
        if own not in ranks:
            out.append(f"{path.relative_to(SRC)}: package {own!r} has no layer in pyproject")
            continue
        tree = ast.parse(path.read_text())
        for line, pkg, how in named_packages(tree):
            if pkg == own or pkg not in ranks:
                continue
            if ranks[pkg] >= ranks[own]:
                out.append(
                    f"{path.relative_to(SRC)}:{line}: {own} (rank {ranks[own]}) names "
                    f"{pkg} (rank {ranks[pkg]}) by {how}"
                )
    return out


def test_every_module_respects_the_layer_order():
    found = violations(layer_ranks())
    assert not found, "layer violations:\n" + "\n".join(found)


def test_the_check_sees_imports_inside_functions_and_strings(tmp_path):
    code = "def f():\n    from mslearn.cli import main\n\nPLUGIN = 'mslearn.workflows.bvp'\n"
    got = {(pkg, how) for _, pkg, how in named_packages(ast.parse(code))}
    assert got == {("cli", "import"), ("workflows", "string")}


PACKAGES = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("pkg", PACKAGES)
def test_every_package_has_a_layer(pkg):
    assert pkg in layer_ranks()
