"""The layers hold: the domain imports only the standard library and itself; the function's
package never imports Pelican or moto; every module sits in a layer package."""
from __future__ import annotations

import ast
from pathlib import Path

import chalicelib

ROOT = Path(chalicelib.__file__).parent
LAYERS = {"domain", "services", "adapters", "api"}
# beside the layers: the composition root (and the package's own opening)
ROOT_MODULES = {"__init__", "bootstrap", "config"}
FORBIDDEN = {"boto3", "botocore", "chalice", "sqlite3", "jinja2", "pelican", "yaml", "moto",
             "chinese_calendar", "markdown", "argon2", "jwt", "publisher", "lunardate",
             "pypinyin"}


def imports_of(path: Path) -> set[str]:
    """Top-level names of the absolute imports of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def relative_targets(path: Path) -> set[str]:
    """The package's own modules a module imports, as paths under chalicelib/ (`domain/text`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = path.relative_to(ROOT).parent.parts
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[:len(here) - (node.level - 1)])
            mod = node.module.split(".") if node.module else []
            if node.module:
                out.add("/".join(base + mod))
            else:
                out.update("/".join(base + [a.name]) for a in node.names)
    return out


def test_every_module_sits_in_a_layer_package():
    loose = {p.stem for p in ROOT.glob("*.py")} - ROOT_MODULES
    assert loose == set(), "put the new module(s) in domain/, services/, adapters/ or api/"
    assert {p.name for p in ROOT.iterdir() if p.is_dir() and p.name != "__pycache__"} == LAYERS


def test_domain_modules_import_no_vendor_or_io_library():
    checked = 0
    for path in sorted((ROOT / "domain").glob("*.py")):
        bad = imports_of(path) & FORBIDDEN
        assert not bad, f"domain/{path.name} imports {bad}"
        outer = {t for t in relative_targets(path) if not t.startswith("domain")}
        assert not outer, f"domain/{path.name} imports the outer layers' {outer}"
        checked += 1
    assert checked >= 10


def test_the_function_package_never_imports_pelican_or_moto():
    for path in ROOT.rglob("*.py"):
        assert not imports_of(path) & {"pelican", "moto"}, path.name
