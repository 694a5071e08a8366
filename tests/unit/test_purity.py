"""The domain is pure: its modules import only the standard library and each other."""
from __future__ import annotations

import ast
from pathlib import Path

import chalicelib

DOMAIN = ["letters", "deadlines", "privacy", "text", "statistics", "errors", "notifications",
          "exposure", "consultations"]
FORBIDDEN = {"boto3", "botocore", "chalice", "sqlite3", "jinja2", "pelican", "yaml", "moto",
             "chinese_calendar", "markdown", "argon2", "jwt"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_domain_modules_import_no_vendor_or_io_library():
    root = Path(chalicelib.__file__).parent
    for name in DOMAIN:
        bad = imports_of(root / f"{name}.py") & FORBIDDEN
        assert not bad, f"{name}.py imports {bad}"


def test_the_function_package_never_imports_pelican_or_moto():
    root = Path(chalicelib.__file__).parent
    for path in root.glob("*.py"):
        assert not imports_of(path) & {"pelican", "moto"}, path.name
