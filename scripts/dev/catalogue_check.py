"""Raise sites that still carry their message text inline instead of a catalogue key.

    .venv/bin/python scripts/dev/catalogue_check.py          # list them, with their key
    .venv/bin/python scripts/dev/catalogue_check.py --strict # exit 1 if there is any

Each line is `file:line  key` where `key` is the entry of `functions/chalicelib/domain/
messages.py` with the same Chinese and English text (placeholders compared as "{}"), so the
site can be rewritten mechanically as `Error("key", field=..., <placeholders>=...)`; or
`MISSING` when the catalogue has no such entry yet. Every site has been converted (the error
classes take only a key now); `--strict` keeps it so. `error_body(code, zh, en)` calls count too.
A site whose `code=` is not a literal re-raises another error's code with a prefix (an outcome
item's error, "第 3 条：…"; now `errors.prefixed`) and is listed as `WRAPS`. The test
suite imports `inline_sites` (tests/unit/test_messages.py).
"""
from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "chalicelib"
ERRORS = {"DomainError", "Invalid", "Unauthorized", "Forbidden", "NotFound", "Conflict",
          "InvalidTransition", "ConcurrentUpdate", "Gone", "TooLarge", "TooManyRequests"}
_FIELD = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Site:
    path: Path
    line: int
    zh: str           # the texts with every placeholder written "{}"
    en: str
    key: str | None   # the catalogue entry with the same texts (WRAPS: see below)


def _template(node: ast.expr) -> str | None:
    """A string literal or f-string as text with "{}" for each interpolated value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return None if left is None else left + (right if right is not None else "{}")
    return None


def normal(text: str) -> str:
    return _FIELD.sub("{}", text)


def catalogue() -> dict[tuple[str, str], str]:
    sys.path.insert(0, str(ROOT / "functions"))
    from chalicelib.domain.messages import MESSAGES
    return {(normal(m.zh), normal(m.en)): key for key, m in MESSAGES.items()}


def inline_sites(root: Path = PACKAGE) -> list[Site]:
    """Every call of a domain error with two text arguments, under `root`."""
    known = catalogue()
    sites = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ERRORS:
                texts = node.args[:2]
            elif name == "error_body" and len(node.args) >= 3:
                texts = node.args[1:3]
            else:
                continue
            zh, en = _template(texts[0]), _template(texts[1])
            if zh is None or en is None:
                continue
            zh, en = normal(zh), normal(en)
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            wraps = code is not None and not isinstance(code, ast.Constant)
            sites.append(Site(path, node.lineno, zh, en,
                              "WRAPS" if wraps else known.get((zh, en))))
    return sorted(sites, key=lambda s: (str(s.path), s.line))


def main(argv: list[str]) -> int:
    sites = inline_sites()
    for site in sites:
        print(f"{site.path.relative_to(ROOT)}:{site.line}\t{site.key or 'MISSING'}")
    missing = [s for s in sites if s.key is None]
    print(f"{len(sites)} inline raise sites, {len(missing)} without a catalogue entry",
          file=sys.stderr)
    return 1 if "--strict" in argv and sites else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
