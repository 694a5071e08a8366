"""Consultation pages (网上听证 · 市民议政 · 意见征集 · 网上调查 · 在线访谈): which pages, what
they show and what they read.

Page keys:

- `("consultations",)`: `/consultations/`, every topic by year and kind, open and upcoming first;
- `("topic", id)`: `/consultations/{id}/`, one topic: background, results, outcome, and the
  participation form while it is open;
- `("topic_data", id)`: `/data/topics/{id}.json` (the `public_view` of content/consultations.md
  without the background) and `.csv` (the tallies, one row per figure).

Topics also appear in `/feeds/all.atom.xml`, in the home page's "open consultations" block, on
the pages of the departments taking part and in the sitemap; those families call the functions
below and declare the same reads (`public_topics`, `topic_departments`).

Pages never read the clock: the status shown is the phase last recorded in the store
(registration and the scheduled job record opening and closing as changes, which re-render the
topic's pages), so incremental and full builds agree byte for byte. The forms' script hides a
form when the reader's clock is outside `opens`..`closes`, and the API answers 410 anyway.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from chalicelib.domain.consultations import LABELS, SLUG, Kind, Topic
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.services.ports import Change

from ..content import Content, markdown_html
from ..keys import PageKey
from ..snapshot import Snapshot, snapshot
from . import interviews
from .drive import drive_context, drive_data
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer

PHASES = ("upcoming", "open", "closed")
KIND_ORDER = tuple(str(k) for k in Kind)
FEED_TOPICS = 20          # topics in /feeds/all.atom.xml, newest first
DEPARTMENT_TOPICS = 20    # topics listed on a department's page
HOME_TOPICS = 5           # open consultations on the home page
STANCES = ("support", "oppose", "neutral")
CSV_COLUMNS = ("table", "question", "item", "label", "count", "of", "share")


# --- what it reads -----------------------------------------------------------------------------

def is_topic_id(topic_id: object) -> bool:
    return isinstance(topic_id, str) and bool(SLUG.match(topic_id))


def topic_ids(store: Any) -> list[str]:
    return [t.id for t in snapshot(store).list_topics() if is_topic_id(t.id)]


def site_keys(store: Any) -> list[PageKey]:
    """The listing and, per topic, its page and its data files."""
    keys: list[PageKey] = [("consultations",)]
    for topic_id in topic_ids(store):
        keys += [("topic", topic_id), ("topic_data", topic_id)]
    return keys


def changed_topics(change: Change) -> list[str]:
    """The topics a change names (those that can have a page)."""
    return [t for t in change.topics if is_topic_id(t)]


def public_topics(change: Change) -> list[str]:
    """The topics a public change names: their definitions, phases, approved counts or outcomes
    moved, which the listing, the home page, the feeds, the sitemap and the departments taking
    part show."""
    return changed_topics(change) if change.public else []


def topic_departments(change: Change, snap: Snapshot) -> list[str]:
    """The departments taking part in the topics a public change names: each lists the topic on
    its page and in its feed."""
    out: list[str] = []
    for topic_id in public_topics(change):
        topic = snap.get_topic(topic_id)
        out += list(topic.departments) if topic else []
    return out


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    """Every change naming a topic re-renders its page and data (an interview's `asked` counts
    questions still awaiting moderation, and submitting one is not a public change); a public
    one the listing too."""
    keys: set[PageKey] = set()
    for topic_id in changed_topics(change):
        keys |= {("topic", topic_id), ("topic_data", topic_id)}
    if public_topics(change):
        keys.add(("consultations",))
    return keys


def phase(topic: Topic) -> str:
    """The status a page shows: the one last recorded (never the clock); an outcome is only
    published after closing, so a topic with one is closed whatever the record lags behind."""
    if topic.outcome is not None:
        return "closed"
    return topic.phase if topic.phase in PHASES else "upcoming"


# --- formatting (China time; a date alone for `closes` means the end of the day before) ----------


def _local(at: datetime) -> datetime:
    return at.astimezone(CHINA_TZ)


def _at(at: datetime | str | None, end: bool = False) -> dict | None:
    """A moment as the templates show it: `iso` for <time datetime>, `text` (date and time),
    `day` (the date). With `end`, midnight is 24:00 of the day before (closes: 2027-01-31)."""
    if at is None:
        return None
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    local = _local(at).replace(microsecond=0)
    if end and local.time() == time():
        before = local - timedelta(days=1)
        return {"iso": local.isoformat(), "text": before.strftime("%Y-%m-%d 24:00"),
                "day": before.strftime("%Y-%m-%d")}
    return {"iso": local.isoformat(), "text": local.strftime("%Y-%m-%d %H:%M"),
            "day": local.strftime("%Y-%m-%d")}


def _label(code: str) -> tuple[str, str]:
    return LABELS.get(code, (code, code))


def _bar(share: float | None) -> str:
    """The width of a bar (0–100) for a share."""
    return f"{max(0.0, min(1.0, share or 0.0)) * 100:.1f}"


def _n(count: int, noun: str) -> str:
    """"1 response", "2 responses"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- rendering (a mixin of render.Renderer) ------------------------------------------------------


# --- rendering ---------------------------------------------------------------------------------

# -- shared views --


def topic_summary(r: Renderer, topic: Topic) -> dict:
    """A topic as listings show it (definition, recorded phase, one participation figure)."""
    status = phase(topic)
    tallies = r.snap.topic_tallies(topic.id)
    if topic.kind == Kind.survey:
        count = int(tallies.get("responses", 0))
        figure = (f"答卷 {count} 份", _n(count, "response"))
    elif topic.kind == Kind.interview:
        count = sum(int(n) for k, n in tallies.items() if k.startswith("answered:"))
        figure = (f"已答复 {count} 个问题", _n(count, "question") + " answered")
    elif topic.kind == Kind.drive:
        # only public changes re-render the listing: the count of published suggestions
        count = sum(1 for k, n in tallies.items() if k.startswith("published:") and n > 0)
        figure = (f"公开建议 {count} 条", _n(count, "published suggestion"))
    else:
        count = sum(int(tallies.get(f"stance:{s}", 0)) for s in (*STANCES, "none"))
        figure = (f"公开意见 {count} 条", _n(count, "published comment"))
    return {
        "id": topic.id, "kind": str(topic.kind), "kind_label": _label(str(topic.kind)),
        "title": topic.title, "title_en": topic.title_en, "summary": topic.summary,
        "summary_en": topic.summary_en, "url": topic.url,
        "data_url": f"/data/topics/{topic.id}.json", "status": status,
        "status_label": _label(status),
        "department": r.dept(topic.department),
        "departments": [r.dept(d) for d in topic.departments],
        "opens": _at(topic.opens), "closes": _at(topic.closes, end=True),
        "starts": _at(topic.starts), "ends": _at(topic.ends),
        "year": _local(topic.opens).strftime("%Y"), "has_outcome": topic.outcome is not None,
        "figure": figure,
    }


def _topics(r: Renderer) -> list[Topic]:
    return [t for t in r.snap.list_topics() if is_topic_id(t.id)]


def open_consultations(r: Renderer) -> list[dict]:
    """For the home page: topics recorded open, closing soonest first."""
    topics = sorted((t for t in _topics(r) if phase(t) == "open"),
                    key=lambda t: (t.closes, t.id))
    return [topic_summary(r, t) for t in topics[:HOME_TOPICS]]


def department_topics(r: Renderer, dept_id: str) -> list[dict]:
    """For a department's page: the topics it leads or takes part in — open ones first
    (closing soonest), then upcoming (opening soonest), then closed (newest first)."""
    mine = [topic_summary(r, t) for t in _topics(r) if dept_id in t.departments]
    open_now = sorted((r for r in mine if r["status"] == "open"),
                      key=lambda r: (r["closes"]["iso"], r["id"]))
    upcoming = sorted((r for r in mine if r["status"] == "upcoming"),
                      key=lambda r: (r["opens"]["iso"], r["id"]))
    closed = sorted((r for r in mine if r["status"] == "closed"),
                    key=lambda r: (r["opens"]["iso"], r["id"]), reverse=True)
    return (open_now + upcoming + closed)[:DEPARTMENT_TOPICS]


def topic_sitemap_paths(r: Renderer) -> list[str]:
    return ["/consultations/"] + [t.url for t in _topics(r)]


def topic_feed_entries(r: Renderer, dept_id: str | None = None) -> list[dict]:
    """Entries of /feeds/all.atom.xml — or, given a department, of its own feed — in the
    shape of `feeds.feed_entry`, newest first: a topic is published when it was
    registered (or opened, if earlier) and updated when its outcome was."""
    entries = []
    for topic in _topics(r):
        if dept_id is not None and dept_id not in topic.departments:
            continue
        published = min(topic.opens, topic.registered_at or topic.opens)
        updated = max(published, topic.outcome.at) if topic.outcome else published
        entries.append((published, topic.id, topic, updated))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    out = []
    for published, _, topic, updated in entries[:FEED_TOPICS]:
        s = topic_summary(r, topic)
        kind = s["kind_label"][0]
        lead = s["department"]["name"]
        parts = [f"<p>{escape(topic.summary)}</p>" if topic.summary else "",
                 f"<p>{escape(kind)} · {escape('、'.join(d['name'] for d in s['departments']))}"
                 f" · {escape(s['opens']['text'])} 至 {escape(s['closes']['text'])}</p>"]
        view = r.snap.topic_view(topic.id) if topic.outcome else None
        if view and view["outcome"]:
            parts.append("<h2>反馈</h2>")
            parts += [f"<p>{escape(p)}</p>" for p in view["outcome"]["summary_paragraphs"]]
        url = topic.url
        out.append({
            "subject": f"【{kind}】{topic.title}", "abs_url": r.abs_url(url),
            "published_at": published, "approved_at": updated,
            "reply_department": {"name": lead}, "type": str(topic.kind),
            "type_label": kind, "summary": topic.summary or topic.title,
            "content_html": "".join(parts),
        })
    return out

# -- /consultations/ --


def consultations_page(r: Renderer) -> Output:
    rows = [topic_summary(r, t) for t in _topics(r)]
    by_opens = sorted(sorted(rows, key=lambda r: r["id"]), key=lambda r: r["opens"]["iso"],
                      reverse=True)
    open_now = sorted((r for r in rows if r["status"] == "open"),
                      key=lambda r: (r["closes"]["iso"], r["id"]))
    upcoming = sorted((r for r in rows if r["status"] == "upcoming"),
                      key=lambda r: (r["opens"]["iso"], r["id"]))
    years: list[dict] = []
    for row in by_opens:
        if not years or years[-1]["year"] != row["year"]:
            years.append({"year": row["year"], "kinds": {}})
        years[-1]["kinds"].setdefault(row["kind"], []).append(row)
    for year in years:
        year["kinds"] = [{"kind": k, "label": _label(k), "topics": year["kinds"][k]}
                         for k in KIND_ORDER if k in year["kinds"]]
    return r.html("consultations/index.html", "consultations.html", "consultations",
                      open_now=open_now, upcoming=upcoming, years=years,
                      count=len(rows))

# -- /consultations/{id}/ --


def _comment(r: Renderer, c: dict) -> dict:
    a = c.get("answer")
    return {**c, "at": _at(c["created_at"]), "dept": r.dept(c.get("department")),
            "anonymous": c["name"] == "匿名",
            "stance_label": _label(c["stance"]) if c.get("stance") else None,
            "iq": interviews.question_label(r, c),
            "answer": None if not a else {**a, "at": _at(a["at"]),
                                          "dept": r.dept(a["department"])}}


def _comments(r: Renderer, items: Iterable[dict]) -> list[dict]:
    return [_comment(r, c) for c in items]


def topic_context(r: Renderer, topic: Topic) -> dict:
    """Everything the topic page shows, prepared for the template."""
    view = r.snap.topic_view(topic.id)
    assert view is not None
    s = topic_summary(r, topic)
    figures = view["figures"]
    total = figures["comments"]
    stance = [{"code": code, "label": _label(code), "count": figures["stance"][code],
               "share": _rate(figures["stance"][code], total),
               "bar": _bar(_rate(figures["stance"][code], total))}
              for code in (*STANCES, "none")
              if code != "none" or figures["stance"]["none"]]
    paragraphs = [{**p, "comments": _comments(r, p["comments"])}
                  for p in view["paragraphs"]]
    questions = []
    for q in view["questions"]:
        top = max([c["count"] for c in q["choices"]] + [0])
        questions.append({
            **q, "kind_label": _label(q["kind"]),
            "choices": [{**c, "bar": _bar(c["share"]), "top": top > 0 and c["count"] == top}
                        for c in q["choices"]],
            "answers": _comments(r, q["answers"])})
    interview = None
    if view["interview"] is not None:
        interview = {**view["interview"], "departments": [
            {**row, "dept": r.dept(row["department"]), "bar": _bar(row["answer_rate"])}
            for row in view["interview"]["departments"]]}
    outcome = None
    if view["outcome"] is not None:
        o = view["outcome"]
        outcome = {**o, "at": _at(o["at"]), "items": [
            {**i, "comment": _comment(r, i["comment"]) if i["comment"] else None,
             "label": (i["decision_label"], i["decision_label_en"])} for i in o["items"]],
            "count_rows": [{"code": k, "label": _label(k), "count": n}
                           for k, n in o["counts"].items()]}
    guest_departments = [r.dept_or_none(d) for d in topic.departments]
    return {
        "topic": s, "view": view, "background": markdown_html(topic.background, demote=1),
        "stance": stance, "total": total, "responses": figures["responses"],
        "comments": _comments(r, view["comments"]),
        "paragraphs": paragraphs,
        "general_comments": _comments(r, view["general_comments"]),
        "questions": questions, "interview": interview,
        "transcript": _comments(r, view["transcript"]),
        "waiting": _comments(r, view["waiting"]), "outcome": outcome,
        "guests": [{**g, "dept": r.dept(g["department"])} for g in view["guests"]],
        "guest_departments": guest_departments,
        "dept_names": {d["id"]: (d["name"], d["name_en"]) for d in guest_departments},
        "form": s["status"] != "closed",
        "stances": [{"code": code, "label": _label(code)} for code in STANCES],
        "clabels": LABELS,
        "scores": interviews.topic_scores(r, topic),
    }


def topic_page(r: Renderer, topic_id: str) -> Output:
    topic = r.snap.get_topic(topic_id) if is_topic_id(topic_id) else None
    if topic is None:
        return []
    ctx = topic_context(r, topic)
    if topic.kind == Kind.drive:       # a suggestion drive: its own template (drive.py)
        ctx.update(drive_context(r, topic, ctx["view"]))
        return r.html(f"consultations/{topic_id}/index.html", "drive.html", "consultations",
                      **ctx)
    return r.html(f"consultations/{topic_id}/index.html", "topic.html",
                      "consultations", **ctx)

# -- /data/topics/{id}.json and .csv --


def topic_data(r: Renderer, topic_id: str) -> Output:
    topic = r.snap.get_topic(topic_id) if is_topic_id(topic_id) else None
    view = r.snap.topic_view(topic_id) if topic is not None else None
    if topic is None or view is None:
        return []
    doc = {k: v for k, v in view.items() if k != "background"}
    doc["status"] = phase(topic)     # as last recorded, like the page
    doc["drive"] = drive_data(r, view)
    # <, > and & as JSON escapes: the same data, inert even if served or embedded as HTML
    body = (json.dumps(doc, ensure_ascii=False, indent=1).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026") + "\n")
    return [(f"data/topics/{topic_id}.csv", tally_csv(view).encode("utf-8")),
            (f"data/topics/{topic_id}.json", body.encode("utf-8"))]


def tally_csv(view: dict) -> str:
    """The tallies of a public view as CSV rows (`CSV_COLUMNS`): stances, paragraphs, survey
    choices, interview answers per department, outcome decisions."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    figures = view["figures"]
    total = figures["comments"]
    if view["kind"] in ("hearing", "deliberation", "solicitation"):
        for code in (*STANCES, "none"):
            n = figures["stance"][code]
            w.writerow(["stance", "", code, _label(code)[0], n, total, _share(_rate(n, total))])
    for p in view["paragraphs"]:
        w.writerow(["paragraph", "", p["n"], f"第 {p['n']} 条", p["comment_count"], "", ""])
    if view["paragraphs"]:
        w.writerow(["paragraph", "", "general", "整体意见", len(view["general_comments"]), "",
                    ""])
    for q in view["questions"]:
        w.writerow(["respondents", q["id"], "", q["text"], q["respondents"],
                    figures["responses"], _share(_rate(q["respondents"],
                                                       figures["responses"]))])
        for c in q["choices"]:
            w.writerow(["choice", q["id"], c["id"], c["label"], c["count"], q["respondents"],
                        _share(c["share"])])
        if q["kind"] == "text":
            w.writerow(["text_answers", q["id"], "", q["text"], q["answer_count"], "", ""])
    if view["interview"]:
        for row in view["interview"]["departments"]:
            w.writerow(["answered", "", row["department"], "", row["answered"], row["asked"],
                        _share(row["answer_rate"])])
        i = view["interview"]
        w.writerow(["answered", "", "all", "", i["answered"], i["asked"],
                    _share(i["answer_rate"])])
    if view.get("drive"):
        d = view["drive"]
        for code, label in (("received", "收到建议"), ("answered", "已答复"),
                            ("adopted", "已采纳")):
            w.writerow(["drive", "", code, label, d[code], "", ""])
    if view["outcome"]:
        for code, n in view["outcome"]["counts"].items():
            w.writerow(["decision", "", code, _label(code)[0], n, "", ""])
    return buf.getvalue()


def _share(value: float | None) -> str:
    return "" if value is None else repr(value)


FAMILY = Family(
    name="consultations",
    renderers={"consultations": consultations_page, "topic": topic_page,
               "topic_data": topic_data},
    pages=lambda snap, content: site_keys(snap),
    reads=reads,
)
