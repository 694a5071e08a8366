"""The page of a suggestion drive (市民月·献计策): `/consultations/{id}/` of a topic of kind
`drive`, rendered by the consultations family (`consultations.topic_page` picks `drive.html`),
with the drive's tally and its published suggestions; and the same in `/data/topics/{id}.json`.

What it reads, beside what every topic page reads (`consultations.reads`): the drive's tallies
(`domain/drive.py`: received, answered, adopted and `published:{letter}` counters) and the
public version of each published letter of the drive (`Letter.publication`, never the private
fields). Every commit that changes a drive letter names its drive in the change record
(`Change.topics`, adapters/codec.TrackedLetters), so the page and data file are re-rendered
whenever a count or a listed letter's public text can have moved: incremental equals full.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.consultations import Topic

if TYPE_CHECKING:
    from ..render import Renderer


def published_suggestions(r: Renderer, letter_ids: list[str]) -> list[dict[str, Any]]:
    """The drive's published letters as the page and data file list them, newest first: the
    public subject, the answering department, the dates and the office's verdict."""
    rows = []
    for lid in letter_ids:
        letter = r.snap.get_letter(lid)
        p = letter.publication if letter is not None else None
        if letter is None or p is None:
            continue
        rows.append({"id": letter.id, "url": f"/letters/{letter.id}/", "subject": p.subject,
                     "department": p.reply_department,
                     "published_at": p.first_published_at.isoformat(),
                     "adopted": letter.adopted})
    rows.sort(key=lambda row: (row["published_at"], row["id"]), reverse=True)
    return rows


def drive_data(r: Renderer, view: dict[str, Any]) -> dict[str, Any] | None:
    """`drive` of /data/topics/{id}.json: the tally, and the published suggestions."""
    figures = view.get("drive")
    if figures is None:
        return None
    return {**figures, "published": published_suggestions(r, figures["published"])}


def drive_context(r: Renderer, topic: Topic, view: dict[str, Any]) -> dict[str, Any]:
    """What drive.html shows beyond the topic page's common context."""
    data = drive_data(r, view) or {}
    return {"drive": {**data, "published": [
        {**row, "dept": r.dept(row["department"]), "at": row["published_at"][:10]}
        for row in data.get("published", [])]},
        "drive_departments": [r.dept(d) for d in topic.departments]}
