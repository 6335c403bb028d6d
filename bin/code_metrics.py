"""Code-shape figures for BENCHMARKS.md: module and function sizes, docstrings, layers.

Usage: python bin/code_metrics.py [SRC_DIR] [--json]
Counts every function and method (nested ones too); "public" means a module-level or class
level name without a leading underscore, in a module without a leading underscore.
"""

from __future__ import annotations

import ast
import json
import pathlib
import sys


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _public_defs(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_"):
            yield node
            if isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef) and not sub.name.startswith("_"):
                        yield sub


def metrics(src: pathlib.Path) -> dict:
    modules, funcs, public, documented = [], [], 0, 0
    for path in sorted(src.rglob("*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        rel = str(path.relative_to(src))
        modules.append((len(text.splitlines()), rel))
        for f in _functions(tree):
            funcs.append((f.end_lineno - f.lineno + 1, f"{rel}:{f.name}"))
        if not path.name.startswith("_") or path.name == "__init__.py":
            for d in _public_defs(tree):
                public += 1
                documented += ast.get_docstring(d) is not None
    modules.sort(reverse=True)
    funcs.sort(reverse=True)
    return {
        "modules": len(modules),
        "lines": sum(n for n, _ in modules),
        "largest_modules": modules[:5],
        "largest_functions": funcs[:5],
        "functions_over_80_lines": sum(n > 80 for n, _ in funcs),
        "public_definitions": public,
        "public_with_docstring": documented,
        "docstring_fraction": round(documented / max(public, 1), 3),
    }


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    m = metrics(pathlib.Path(args[0] if args else "src/mslearn"))
    if "--json" in sys.argv:
        print(json.dumps(m))
    else:
        for k, v in m.items():
            print(f"{k}: {v}")
