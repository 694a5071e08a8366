"""The weekly record: the week's hot topics (`hot.py`) and the leaders' weekly report (周报).

Every Monday the scheduled job (`services/supervision._weekly`) writes one record for the ISO
week that has just ended (China time): `{week, computed_at, topics, figures}`. `topics` are the
hot topics as plain dicts (counts, terms and the ids of *published* letters only); `figures` are
what the office's report says: letters received by channel, type and category, the lights of
active letters when the week ended and the late departments, the re-dos ordered and unsatisfied
ratings given in the week, and five notable letters (the most voted published ones).

Pure: the letters, the lights and `now` are parameters.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from . import hot, privacy
from .deadlines import CHINA_TZ
from .letters import Letter
from .oversight import is_conduct_complaint

FORMULA = "H = n × (1 + g) + ln(1 + v)"
NOTABLE = 5


def last_ended_week(now: datetime) -> str:
    """The ISO week that ended last before `now` (weeks start on Monday 00:00 China time)."""
    return hot.iso_week(now.astimezone(CHINA_TZ).date() - timedelta(days=7))


def week_window(week: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) of an ISO week, China time."""
    start = hot.week_start(week)
    begin = datetime(start.year, start.month, start.day, tzinfo=CHINA_TZ)
    return begin, begin + timedelta(days=7)


def valid_week(week: str) -> bool:
    """Whether `week` is an ISO week written `2026-W07`."""
    if len(week) != 8 or week[4:6] != "-W" or not (week[:4] + week[6:]).isdigit():
        return False
    try:
        date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
    except ValueError:
        return False
    return True


def _without_writer(text: str, letter: Letter) -> str:
    """`text` without its writer's name in any form (`privacy.redact` finds phone numbers, ID
    numbers and addresses by their shape, a name only when told it): not even the surname of
    a masked name is left, since a term shared by a topic's letters could carry it."""
    names = [n for n in (letter.name,) if n]
    for name in names:
        text = text.replace(name, " ")
    return privacy.redact(text, names=names).replace("*", " ")


def hot_letter(letter: Letter) -> hot.HotLetter:
    """What a topic is made of (a private letter counts, but is never linked)."""
    published = letter.publication is not None and letter.public
    return hot.HotLetter(id=letter.id, subject=_without_writer(letter.subject, letter),
                         body=_without_writer(letter.body, letter),
                         submitted_at=letter.submitted_at.astimezone(CHINA_TZ),
                         department=letter.department, votes=letter.votes_up,
                         published=published)


def topic_dict(topic: hot.Topic) -> dict[str, Any]:
    return {"name": topic.name, "terms": list(topic.terms), "letters": topic.letters,
            "previous_weekly": topic.previous_weekly, "growth": topic.growth,
            "votes": topic.votes, "hot": topic.hot,
            "departments": [[d, n] for d, n in topic.departments],
            "published": list(topic.published)}


def _within(at: datetime, since: datetime, before: datetime) -> bool:
    return since <= at < before


def figures(week: str, letters: Sequence[Letter], lights: Mapping[str, int],
            late_departments: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The report's figures for `week` from `letters` (those submitted in the week and, for the
    re-dos and ratings given in the week, any earlier ones), the lights of the active letters
    when the week ended and the departments with red letters (`late_departments`, rows of
    `{department, red}`)."""
    since, before = week_window(week)
    inside = [x for x in letters if _within(x.submitted_at, since, before)]
    channel = Counter(x.source or "web" for x in inside)
    kind = Counter(str(x.type) for x in inside)
    category: Counter[str] = Counter()
    for x in inside:
        category[(x.publication.category if x.publication else None) or ""] += 1
    redos, unsatisfied = [], []
    for x in letters:
        for e in x.history:
            if not _within(e.at, since, before):
                continue
            if e.action == "redo":
                redos.append(x.id)
            elif e.action == "rate" and e.data.get("score") == "unsatisfied":
                unsatisfied.append(x.id)
    published = [x for x in inside if x.publication is not None and x.public]
    published.sort(key=lambda x: (-x.votes_up, x.submitted_at, x.id))
    notable = [{"id": x.id, "subject": x.publication.subject if x.publication else "",
                "department": x.department, "votes": x.votes_up, "url": f"/letters/{x.id}/"}
               for x in published[:NOTABLE]]
    return {
        "received": {"total": len(inside), "by_channel": dict(sorted(channel.items())),
                     "by_type": dict(sorted(kind.items())),
                     "by_category": dict(sorted(category.items()))},
        "lights": {k: int(lights.get(k, 0)) for k in ("green", "yellow", "red")},
        "late_departments": [dict(d) for d in late_departments],
        "redos": len(redos), "unsatisfied": len(unsatisfied),
        "notable": notable,
    }


def record(week: str, now: datetime, letters: Sequence[Letter], lights: Mapping[str, int],
           late_departments: Iterable[Mapping[str, Any]], top: int = 10) -> dict[str, Any]:
    """The weekly record of `week` (`letters`: those of the week and of the `hot.HISTORY`
    weeks before it)."""
    # a conduct complaint (效能投诉) counts in the figures but never makes a public hot topic:
    # its words may name the civil servant complained about
    topics = hot.week_topics(week, [hot_letter(x) for x in letters
                                    if not is_conduct_complaint(x)], top)
    return {"week": week, "computed_at": now.isoformat(), "formula": FORMULA,
            "topics": [topic_dict(t) for t in topics],
            "figures": figures(week, letters, lights, late_departments)}
