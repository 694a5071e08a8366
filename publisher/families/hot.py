"""Hot topics (热点): `/hot/` (the latest week's topics and the list of earlier weeks),
`/hot/{YYYY}-W{ww}/` per ISO week and `/data/hot-{YYYY}-W{ww}.json`, both languages for the
pages, made from the weekly records the scheduled job writes (`chalicelib.domain.weekly`).

What leaves: a topic's name and terms (runs shared by several letters, personal data removed
before), its counts, growth, votes and departments, and links to its letters that are *published
now* (a private letter is never linked; a withdrawn one leaves the page at its withdrawal). The
report figures of the record stay in the staff console.

What it reads: a change of kind "week" (a new record) makes every hot page stale, and the data
index and the sitemap (they list the weeks); a withdrawal may remove a link from any week.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain import weekly
from chalicelib.services.ports import Change

from ..content import Content
from ..keys import PageKey, is_letter_id
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


FORMULA_TERMS = {
    "n": "the topic's letters this week",
    "g": "growth: (n - p) / max(p, 1), clipped to 0..3, p the weekly mean of earlier letters "
         "as close to the topic in the 4 weeks before",
    "v": "the public votes (likes) of its letters"}


def data_path(week: str) -> str:
    return f"data/hot-{week}.json"


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    if change.kind != "week" and not change.withdrawn:
        return set()
    keys: set[PageKey] = {("hot_index",)}
    for week in snap.list_weeks():
        keys |= {("hot_week", week), ("hot_data", week)}
    if change.kind == "week":
        keys |= {("data_index",), ("sitemap_pages",)}
    return keys


def _published(r: Renderer, ids: list[str]) -> list[str]:
    """The urls of the topic's letters that are on the site now."""
    out = []
    for letter_id in ids:
        if not isinstance(letter_id, str) or not is_letter_id(letter_id):
            continue
        letter = r.snap.get_letter(letter_id)
        if letter is not None and letter.publication is not None and letter.public:
            out.append(f"/letters/{letter_id}/")
    return out


def week_view(r: Renderer, week: str) -> dict[str, Any] | None:
    """The public part of a week's record: the topics only."""
    record = r.snap.get_week(week)
    if record is None:
        return None
    names = {d["id"]: d for d in (r.dept(i) for i in _dept_ids(record)) if d}
    topics = []
    for t in record.get("topics", []):
        topics.append({
            "name": t["name"], "terms": list(t["terms"]), "letters": int(t["letters"]),
            "previous_weekly": t["previous_weekly"], "growth": t["growth"],
            "votes": int(t["votes"]), "hot": t["hot"],
            "departments": [{"id": d, "name": names[d]["name"] if d in names else d,
                             "name_en": names[d]["name_en"] if d in names else d,
                             "url": names[d]["url"] if d in names else None,
                             "letters": int(n)} for d, n in t["departments"]],
            "letters_published": _published(r, t.get("published", []))})
    return {"week": week, "formula": weekly.FORMULA, "topics": topics}


def _dept_ids(record: dict) -> list[str]:
    return sorted({d for t in record.get("topics", []) for d, _ in t["departments"]})


def hot_data(r: Renderer, week: str) -> Output:
    view = week_view(r, week)
    if view is None:
        return []
    # `letters` is the count, as in the departments; the published letters' pages are
    # `letter_urls`
    doc = {"week": week, "formula": view["formula"], "formula_terms": FORMULA_TERMS,
           "topics": [{**{k: v for k, v in t.items() if k != "letters_published"},
                       "departments": [{k: d[k] for k in ("id", "name", "letters")}
                                       for d in t["departments"]],
                       "letter_urls": t["letters_published"]} for t in view["topics"]]}
    return [(data_path(week), (json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
             .encode("utf-8"))]


def hot_week(r: Renderer, week: str) -> Output:
    view = week_view(r, week)
    if view is None:
        return []
    return r.html(f"hot/{week}/index.html", "hot.html", "hot", view=view,
                  weeks=r.snap.list_weeks(), latest=False)


def hot_index(r: Renderer) -> Output:
    weeks = r.snap.list_weeks()
    view = week_view(r, weeks[0]) if weeks else None
    return r.html("hot/index.html", "hot.html", "hot", view=view, weeks=weeks, latest=True)


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    keys: list[PageKey] = [("hot_index",)]
    for week in snap.list_weeks():
        keys += [("hot_week", week), ("hot_data", week)]
    return keys


def owns(key: PageKey) -> list[str] | None:
    if key[0] == "hot_data":
        return [data_path(key[1])]
    if key[0] == "hot_week":
        return [f"hot/{key[1]}/index.html", f"en/hot/{key[1]}/index.html"]
    return None


FAMILY = Family(
    name="hot",
    renderers={"hot_index": hot_index, "hot_week": hot_week, "hot_data": hot_data},
    pages=site_pages,
    reads=reads,
    owns=owns,
)
