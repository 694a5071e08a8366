"""The domain is pure: its modules import only the standard library and each other."""
from __future__ import annotations

import ast
from pathlib import Path

import chalicelib

# Every module of the function's package, by layer. A module that is in no list fails the test
# below, so a new one is classified (and, if it is domain, checked) when it is added.
DOMAIN = {"letters", "deadlines", "privacy", "text", "statistics", "errors", "notifications",
          "exposure", "consultations", "departments"}
OUTER = {"__init__", "services", "topic_services", "supervision", "ports", "codec", "table",
         "store_sqlite", "store_dynamodb", "senders", "calendars", "auth", "bootstrap",
         "topic_files", "api", "api_topics", "function_app", "request_body", "openapi", "events",
         "abuse", "clients"}
FORBIDDEN = {"boto3", "botocore", "chalice", "sqlite3", "jinja2", "pelican", "yaml", "moto",
             "chinese_calendar", "markdown", "argon2", "jwt", "publisher", "lunardate"}


def relative_imports_of(path: Path) -> set[str]:
    """The package's own modules a module imports (`from .x import`, `from . import x`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(a.name for a in node.names)
    return names


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_of_the_package_has_a_layer():
    root = Path(chalicelib.__file__).parent
    modules = {p.stem for p in root.glob("*.py")}
    assert modules - DOMAIN - OUTER == set(), "classify the new module(s) in DOMAIN or OUTER"
    assert DOMAIN <= modules and OUTER <= modules, "a listed module is gone"


def test_domain_modules_import_no_vendor_or_io_library():
    root = Path(chalicelib.__file__).parent
    checked = 0
    for path in sorted(root.glob("*.py")):
        if path.stem not in DOMAIN:
            continue
        bad = imports_of(path) & FORBIDDEN
        assert not bad, f"{path.name} imports {bad}"
        outer = relative_imports_of(path) - DOMAIN
        assert not outer, f"{path.name} imports the outer layer's {outer}"
        checked += 1
    assert checked == len(DOMAIN)


def test_the_function_package_never_imports_pelican_or_moto():
    root = Path(chalicelib.__file__).parent
    for path in root.glob("*.py"):
        assert not imports_of(path) & {"pelican", "moto"}, path.name
