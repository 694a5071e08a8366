"""Checks over a whole built site, shared by the publisher tests."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
SVG_LEAVES = {"rect", "path", "circle", "line", "polyline", "polygon"}


class Balanced(HTMLParser):
    """Fails on an end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag for void element </{tag}> at {self.getpos()}")
            return
        if not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1] if self.stack else None
            self.errors.append(f"</{tag}> at {self.getpos()} closes {open_tag}")
            return
        self.stack.pop()


def html_errors(text: str) -> list[str]:
    parser = Balanced()
    parser.feed(text)
    parser.close()
    return parser.errors + [f"<{t}> opened at {pos} never closed" for t, pos in parser.stack]


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def diff_trees(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    problems = [f"only in first: {p}" for p in sorted(set(a) - set(b))]
    problems += [f"only in second: {p}" for p in sorted(set(b) - set(a))]
    for p in sorted(set(a) & set(b)):
        if a[p] != b[p]:
            problems.append(f"differs: {p}\n{_first_difference(a[p], b[p])}")
    return problems


def _first_difference(x: bytes, y: bytes) -> str:
    xs, ys = x.decode("utf-8", "replace").splitlines(), y.decode("utf-8", "replace").splitlines()
    for i, (l1, l2) in enumerate(zip(xs, ys, strict=False)):
        if l1 != l2:
            return f"  line {i + 1}:\n  - {l1[:300]}\n  + {l2[:300]}"
    return f"  lengths {len(xs)} vs {len(ys)} lines"


# --- personal data on the built site --------------------------------------------------------

class _Text(HTMLParser):
    """What a reader (or a crawler) can read in a page: text and attribute values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.parts += [v for k, v in attrs if v and k in ("title", "alt", "content", "aria-label",
                                                           "placeholder", "value", "data-name")]

    def handle_data(self, data):
        self.parts.append(data)


def readable_text(path: str, data: bytes) -> str:
    """The text of one published file as a reader sees it, one piece per line."""
    raw = data.decode("utf-8", "replace")
    if path.endswith((".html", ".xml")):
        parser = _Text()
        parser.feed(raw)
        parser.close()
        return "\n".join(parser.parts)
    if path.endswith(".json"):
        import json

        def strings(v):
            if isinstance(v, str):
                yield v
            elif isinstance(v, dict):
                for x in v.values():
                    yield from strings(x)
            elif isinstance(v, list):
                for x in v:
                    yield from strings(x)
        return "\n".join(strings(json.loads(raw)))
    return raw


TEXT_FILES = (".html", ".xml", ".json", ".csv", ".txt")


def personal_data_on_site(files: dict[str, bytes], *, names=(), written=()) -> list[tuple]:
    """Every (path, kind, text) of personal data in the published files: what
    `privacy.find_personal_data` finds in each file's readable text (every class it knows, the
    `names` in all their forms), and each string of `written` (data as the letters wrote them)
    found anywhere in a file, markup included."""
    from chalicelib.domain.privacy import find_personal_data

    problems = []
    for path, data in sorted(files.items()):
        if not path.endswith(TEXT_FILES):
            continue
        text = readable_text(path, data)
        problems += [(path, kind, found) for kind, found in find_personal_data(text, names=names)]
        raw = data.decode("utf-8", "replace")
        problems += [(path, "as written", w) for w in written if w in raw or w in text]
    return problems
