"""Routes and the documents that describe them, both ways: every route the Chalice app registers
is in the OpenAPI document with the same methods and in `../shared/API.md` or the README's
"Extensions to API.md"; every path the document, API.md or the README lists is routed.

API.md is read up to its "Additions (next work)" heading only: the routes listed there are for
issues still to come and may not exist yet. Its half of the check is skipped when the file is
absent (a fresh clone has no ../shared; CI has it).

A route's path parameters match any segment of a documented path (API.md writes `{id}` where
the code says `{letter_id}`, and the document spells out the generic `{action}` routes one action
at a time); a generic segment matches only the values the code accepts there.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.api import letters as api_letters
from chalicelib.api.openapi import document

ROOT = Path(__file__).resolve().parents[2]
API_MD = ROOT.parent / "shared" / "API.md"
README = ROOT / "README.md"
# values the generic route segments take (api/letters.py)
GENERIC = {"action": set(api_letters.ACTIONS), "decision": {"approve", "deny"}}
ENDPOINT = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/api/[^\s`?]*)")


def _segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def _matches(route: str, documented: str) -> bool:
    r, d = _segments(route), _segments(documented)
    if len(r) != len(d):
        return False
    for rs, ds in zip(r, d, strict=False):
        if rs.startswith("{"):
            values = GENERIC.get(rs.strip("{}"))
            if values is not None and not ds.startswith("{") and ds not in values:
                return False
            if values is not None and ds.startswith("{"):
                return False           # a generic segment is documented value by value
        elif ds.startswith("{") or rs != ds:
            return False
    return True


def _routes(chalice_app) -> set[tuple[str, str]]:
    return {(method, path) for path, methods in chalice_app.routes.items() for method in methods}


def _endpoints(text: str) -> set[tuple[str, str]]:
    """`METHOD /api/...` in a Markdown text, with API.md's shorthands: "… `POST .../x`" (the
    row's first path plus /x) and "`POST /a/{id}/approve` and `/reject`" (a sibling path)."""
    found: set[tuple[str, str]] = set()
    for line in text.splitlines():
        first = ENDPOINT.search(line)
        if not first:
            continue
        for method, path in ENDPOINT.findall(line):
            found.add((method, path.rstrip(".,;:")))
        for method, tail in re.findall(r"`(GET|POST) \.\.\.(/[^\s`]*)`", line):
            base = first.group(2)        # ".../extension/approve" beside ".../{id}/extension"
            if base.rsplit("/", 1)[-1] == tail.split("/")[1]:
                base = base.rsplit("/", 1)[0]
            found.add((method, base + tail))
        for sibling in re.findall(r"` and `(/[a-z_]+)`", line):
            found.add((first.group(1), first.group(2).rsplit("/", 1)[0] + sibling))
    return found


def _api_md() -> set[tuple[str, str]]:
    text = API_MD.read_text(encoding="utf-8")
    return _endpoints(text.split("\n## Additions", 1)[0])


def _readme_extensions() -> set[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Extensions to API.md", 1)[1].split("\n## ", 1)[0]
    return _endpoints(section)


def _openapi() -> set[tuple[str, str]]:
    doc = document(departments=["housing"])
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}


def _unmatched(routes, listed) -> list[tuple[str, str]]:
    return sorted((m, p) for m, p in routes
                  if not any(m == lm and _matches(p, lp) for lm, lp in listed))


def _unrouted(listed, routes) -> list[tuple[str, str]]:
    return sorted((m, p) for m, p in listed
                  if not any(m == rm and _matches(rp, p) for rm, rp in routes))


def test_every_route_is_in_the_openapi_document_with_its_methods(chalice_app):
    assert not _unmatched(_routes(chalice_app), _openapi())


def test_every_path_of_the_openapi_document_is_routed(chalice_app):
    assert not _unrouted(_openapi(), _routes(chalice_app))


def test_the_openapi_document_spells_out_each_generic_action(chalice_app):
    documented = _openapi()
    for action in GENERIC["action"]:
        assert ("POST", f"/api/staff/letters/{{letter_id}}/{action}") in documented, action
    for decision in GENERIC["decision"]:
        assert ("POST", f"/api/staff/letters/{{letter_id}}/extension/{decision}") in documented


needs_api_md = pytest.mark.skipif(not API_MD.exists(), reason="no ../shared/API.md (a fresh "
                                  "clone); CI has it")


@needs_api_md
def test_every_route_is_in_api_md_or_the_readme_extensions(chalice_app):
    listed = _api_md() | _readme_extensions()
    assert not _unmatched(_routes(chalice_app), listed)


@needs_api_md
def test_every_path_api_md_lists_before_its_additions_is_routed(chalice_app):
    assert not _unrouted(_api_md(), _routes(chalice_app))


def test_every_path_the_readme_extensions_list_is_routed(chalice_app):
    assert not _unrouted(_readme_extensions(), _routes(chalice_app))


def test_the_matching_knows_generic_segments():
    generic = "/api/staff/letters/{letter_id}/{action}"
    assert _matches(generic, "/api/staff/letters/{id}/dispatch")
    assert not _matches(generic, "/api/staff/letters/{id}/teleport")
    assert not _matches("/api/letters/{ref}", "/api/letters/{id}/votes")
    assert _endpoints("| `POST /api/x/{id}/approve` and `/reject` | office |") == {
        ("POST", "/api/x/{id}/approve"), ("POST", "/api/x/{id}/reject")}
    assert ("POST", "/api/a/{id}/extension/approve") in _endpoints(
        "| `POST /api/a/{id}/extension` | clerk | | approves with `POST .../extension/approve` |")
