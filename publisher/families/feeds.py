"""The Atom feeds: `/feeds/all.atom.xml` (the latest 20 published replies and the consultations)
and `/feeds/departments/{id}.atom.xml` (a department's own, and the topics it takes part in).

What it reads: any public change (the latest published letters, of everyone and of the
departments the change names) and a public change to a topic (its entry, in the city's feed and
in the feeds of the departments taking part).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from markupsafe import escape

from chalicelib.domain.letters import Letter
from chalicelib.services.ports import Change

from ..content import Content
from ..formatting import EMPTY_FEED_UPDATED, clip, fmt_iso
from ..keys import FEED_SIZE, PageKey, department_ids, departments_with_pages
from ..snapshot import Snapshot
from . import consultations
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    keys: set[PageKey] = set()
    if change.public:
        keys.add(("feed",))
        keys |= {("dept_feed", d) for d in departments_with_pages(change, snap, content)}
    if consultations.public_topics(change):
        keys.add(("feed",))
        keys |= {("dept_feed", d) for d in consultations.topic_departments(change, snap)}
    return keys


# --- the pages ----------------------------------------------------------------------------------

def feed_entry(r: Renderer, view: dict) -> dict:
    parts = ["<h2>来信</h2>"] + [f"<p>{escape(p)}</p>" for p in view["body"]]
    parts += [f"<h2>{escape(view['reply_department']['name'])}答复</h2>"]
    parts += [f"<p>{escape(p)}</p>" for p in view["reply"]]
    return {**view, "content_html": str("".join(str(x) for x in parts)),
            "summary": clip(" ".join(view["reply"]), 200)}


def write_feed(r: Renderer, path: str, title: str, html_url: str, letters: list[Letter],
               extra: Iterable[dict] = ()) -> Output:
    """A feed of published replies and consultations together, most recently updated first
    (ties by address, so that every build orders them alike)."""
    entries = [feed_entry(r, v) for v in r.views(letters)] + list(extra)
    entries.sort(key=lambda e: e["abs_url"])
    entries.sort(key=lambda e: e["approved_at"], reverse=True)
    updated = max((e["approved_at"] for e in entries), default=None)
    return r.xml(path, "feed.xml", title=title, feed_url=r.abs_url("/" + path),
                 html_url=r.abs_url(html_url), entries=entries,
                 updated=fmt_iso(updated) if updated else EMPTY_FEED_UPDATED)


def feed(r: Renderer) -> Output:
    return write_feed(r, "feeds/all.atom.xml", f"{r.content.site.name}：答复选登与征集",
                      "/letters/", r.snap.latest_published(FEED_SIZE),
                      extra=consultations.topic_feed_entries(r))    # each consultation too


def dept_feed(r: Renderer, dept_id: str) -> Output:
    info = r.dept(dept_id)
    return write_feed(r, f"feeds/departments/{dept_id}.atom.xml",
                      f"{r.content.site.name}：{info['name']}答复与征集",  # type: ignore[index]
                      f"/departments/{dept_id}/",
                      r.snap.latest_published(FEED_SIZE, dept_id),
                      extra=consultations.topic_feed_entries(r, dept_id))


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    return [("feed",)] + [("dept_feed", d) for d in department_ids(snap, content)]


FAMILY = Family(name="feeds", renderers={"feed": feed, "dept_feed": dept_feed},
                pages=site_pages, reads=reads)
