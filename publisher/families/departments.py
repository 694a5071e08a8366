"""The departments: `/departments/` (every department with its figures of all time) and
`/departments/{id}/` (its figures this month, this year and of all time, a twelve-month trend,
its latest 20 published replies and the consultations it takes part in).

What it reads: a public change to its letters (the latest list), the figures of a change's
periods, and a public change to a topic it takes part in. A department page shows the current
month (the latest with figures for any department, from the store, never the build's clock)
even when the department had no letter in it, so the change — or the batch — that makes a
month's first figures re-renders every department page (`keys.starts_a_month`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.statistics import figures, scored
from chalicelib.services.ports import Change

from ..content import Content
from ..formatting import shift_month
from ..keys import (
    FEED_SIZE,
    PageKey,
    current_month,
    department_ids,
    departments_with_pages,
    periods_of,
    starts_a_month,
)
from ..snapshot import Snapshot
from . import consultations
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    mine = departments_with_pages(change, snap, content)
    keys: set[PageKey] = set()
    if change.public:
        keys |= {("department", dept) for dept in mine}
    if periods_of(change):
        keys.add(("departments",))
        keys |= {("department", dept) for dept in mine}
        if starts_a_month([change], snap):
            keys |= {("department", dept) for dept in department_ids(snap, content)}
    keys |= {("department", dept) for dept in consultations.topic_departments(change, snap)}
    return keys


def reads_batch(changes: list[Change], snap: Snapshot, content: Content) -> set[PageKey]:
    """A batch whose changes each find another's figures in a new month still starts it."""
    if starts_a_month(changes, snap):
        return {("department", dept) for dept in department_ids(snap, content)}
    return set()


# --- the pages ----------------------------------------------------------------------------------

def _figures(r: Renderer, period: str, dept_id: str) -> dict:
    f = scored(figures(r.snap.stats(period).get(dept_id, {})), r.weights)
    f["period"] = period
    return f


def department(r: Renderer, dept_id: str) -> Output:
    info = r.dept(dept_id)
    known = r.content.department(dept_id)
    month = current_month(r.snap)
    periods = ([month, month[:4]] if month else []) + ["all"]
    trend = []
    if month:
        for i in range(11, -1, -1):
            m = shift_month(month, -i)
            f = scored(figures(r.snap.stats(m).get(dept_id, {})), r.weights)
            f["month"] = m
            trend.append(f)
    top = max([1] + [t["received"] for t in trend] + [t["replied"] for t in trend])
    return r.html(
        f"departments/{dept_id}/index.html", "department.html", "departments",
        department=info, categories=list(known.categories) if known else [],
        columns=[_figures(r, p, dept_id) for p in periods], trend=trend, trend_max=top,
        letters=r.views(r.snap.latest_published(FEED_SIZE, dept_id)),
        consultations=consultations.department_topics(r, dept_id))


def departments(r: Renderer) -> Output:
    rows = []
    for dept_id in department_ids(r.snap, r.content):
        d = r.content.department(dept_id)
        rows.append({**r.dept_or_none(dept_id), "categories": list(d.categories) if d else [],
                     "figures": _figures(r, "all", dept_id)})
    return r.html("departments/index.html", "departments.html", "departments",
                  departments=rows)


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    return [("departments",)] + [("department", d) for d in department_ids(snap, content)]


FAMILY = Family(
    name="departments",
    renderers={"departments": departments, "department": department},
    pages=site_pages,
    reads=reads,
    reads_batch=reads_batch,
)
