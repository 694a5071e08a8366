"""The interview programme's page (`/interviews/`, both languages) and what the interview
topics' pages show of it: the question classifications and the evaluators' averages.

Page key: `("interviews",)`. It shows the year's plan (content/interviews/plan-YYYY.yaml: the
departments in weekly, monthly, quarterly and half-yearly groups), per department the sessions
planned (in the year, and up to the last session held) against those held, the questions asked
and answered over its interview topics and the answer rate, the evaluators' averages per
department, and one row per held session with its averages.

What it reads: every change naming an interview topic (a question asked, moderated, answered
or classified, an evaluation, a registration or phase) re-renders `/interviews/`; a change
that published or withdrew a letter made from an interview question re-renders that topic's
page, which links the letter only while it is published (one read per letter of the change,
never a scan). The plan and criteria come by commit, which runs a full build.

Pages never read the clock: "to date" is the day of the last held session (the latest
interview recorded closed), so incremental and full builds agree byte for byte.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.domain import interviews as I
from chalicelib.domain.consultations import SLUG, Kind, Topic
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.services.ports import Change

from ..content import Content
from ..keys import PageKey
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer

ORIGIN = "from_interview"        # the letter's history event naming its topic and question


def _interview_ids(change: Change, snap: Snapshot) -> list[str]:
    out = []
    for topic_id in change.topics:
        topic = snap.get_topic(topic_id) if SLUG.match(topic_id or "") else None
        if topic is not None and topic.kind == Kind.interview:
            out.append(topic_id)
    return out


def origin_topic(letter: Any) -> str | None:
    """The interview topic a letter was made from (its `from_interview` event), or None."""
    for event in letter.history:
        if event.action == ORIGIN:
            topic_id = event.data.get("topic")
            return topic_id if isinstance(topic_id, str) and SLUG.match(topic_id) else None
    return None


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    keys: set[PageKey] = set()
    if _interview_ids(change, snap):
        keys.add(("interviews",))
    for letter_id in [*change.published, *change.withdrawn]:
        letter = snap.get_letter(letter_id)
        topic_id = origin_topic(letter) if letter is not None else None
        if topic_id is not None:
            keys.add(("topic", topic_id))
    return keys


# --- what the topic pages show ---------------------------------------------------------------

def question_label(r: Renderer, comment: dict) -> dict | None:
    """A question's classification as its topic's page shows it: the kind, the verdict of a
    suggestion, and for a demand the letter's public page while it is published."""
    c = comment.get("classification")
    if not c:
        return None
    letter_url = None
    if c.get("letter"):
        stored = r.snap.store.get_comment(comment["id"])
        letter_id = stored.letter_id if stored is not None else None
        letter = r.snap.get_letter(letter_id) if letter_id else None
        if letter is not None and letter.publication is not None:
            letter_url = f"/letters/{letter.id}/"
    kind = I.LABELS[c["kind"]]
    if c["kind"] == "suggestion" and c.get("verdict"):
        outcome = I.LABELS[c["verdict"]]
    elif c["kind"] == "demand" and c.get("letter"):
        outcome = I.LABELS["letter"]
    else:
        outcome = None
    return {"kind": c["kind"], "kind_label": kind, "outcome_label": outcome,
            "letter_url": letter_url}


def _criteria_rows(content: Content, summary: dict) -> list[dict]:
    return [{"id": c.id, "label": (c.label, c.label_en),
             "description": (c.description, c.description_en or c.description),
             "average": summary["criteria"].get(c.id)} for c in content.interviews.criteria]


def _evaluations(topic: Topic) -> list[I.Evaluation]:
    return [I.Evaluation.from_dict(topic.evaluations[k]) for k in sorted(topic.evaluations)]


def topic_scores(r: Renderer, topic: Topic) -> dict | None:
    """The evaluators' averages on an interview's page (never who, nor their comments)."""
    if topic.kind != Kind.interview or not r.content.interviews.criteria:
        return None
    summary = I.averages(_evaluations(topic), r.content.interviews.criteria)
    return {**summary, "rows": _criteria_rows(r.content, summary),
            "kind_rows": [{"code": k, "label": I.LABELS[k], "count": n}
                          for k, n in summary["kinds"].items() if n]}


# --- /interviews/ ------------------------------------------------------------------------------

def _classified(r: Renderer, topic: Topic) -> dict[str, int]:
    """How the session's published questions were classified: suggestions (and adopted),
    demands made letters (nothing asked live is lost)."""
    view = r.snap.topic_view(topic.id) or {}
    questions = [*view.get("transcript", []), *view.get("waiting", [])]
    marks = [q.get("classification") or {} for q in questions]
    return {"suggestions": sum(1 for m in marks if m.get("kind") == "suggestion"),
            "adopted": sum(1 for m in marks if m.get("verdict") == "adopted"),
            "letters": sum(1 for m in marks if m.get("letter"))}


def _local_day(topic: Topic) -> date | None:
    return topic.starts.astimezone(CHINA_TZ).date() if topic.starts else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def plan_start(plan: I.Plan) -> date:
    return date(plan.year, 1, 1)


def _year(content: Content, interviews: list[Topic]) -> int | None:
    """The plan shown: the latest year that has a plan."""
    return max(content.interviews.plans) if content.interviews.plans else None


def interviews_page(r: Renderer) -> Output:
    content = r.content
    criteria = content.interviews.criteria
    interviews = sorted((t for t in r.snap.list_topics()
                         if t.kind == Kind.interview and SLUG.match(t.id)),
                        key=lambda t: (t.starts or t.opens, t.id))
    year = _year(content, interviews)
    plan = content.interviews.plans.get(year) if year is not None else None
    groups: list[dict] = []
    departments: list[dict] = []
    sessions_rows: list[dict] = []
    as_of: date | None = None
    totals: dict[str, Any] = {"planned": 0, "planned_to_date": 0, "held": 0, "asked": 0,
                              "answered": 0}
    if plan is not None:
        sessions = I.planned_sessions(plan, r.calendar.is_workday)
        in_year = [t for t in interviews if (d := _local_day(t)) and d.year == plan.year]
        # a session is held once its interview is recorded closed (never the clock)
        over = [t for t in in_year if t.phase == "closed" or t.outcome is not None]
        as_of = max(_local_day(t) or plan_start(plan) for t in over) if over else None
        held = I.held_by(plan, over)
        for rule in plan.groups:
            groups.append({"code": str(rule.group), "label": I.LABELS[str(rule.group)],
                           "weekday": rule.weekday, "time": rule.at.strftime("%H:%M"),
                           "week": rule.week,
                           "departments": [r.dept(d) for d in rule.departments]})
            for dept in rule.departments:
                mine = [s for s in sessions if s.department == dept]
                to_date = [s for s in mine if as_of is not None and s.day <= as_of]
                periods = {p for (d, p) in held if d == dept}
                topics = [t for t in in_year if dept in t.departments]
                asked = sum(int(r.snap.topic_tallies(t.id).get(f"asked:{dept}", 0))
                            for t in topics)
                answered = sum(int(r.snap.topic_tallies(t.id).get(f"answered:{dept}", 0))
                               for t in topics)
                evals = [e for t in topics for e in _evaluations(t)]
                scores = I.averages(evals, criteria)
                row = {"dept": r.dept(dept), "group": str(rule.group),
                       "group_label": I.LABELS[str(rule.group)], "planned": len(mine),
                       "planned_to_date": len(to_date), "held": len(periods),
                       "next": next((s for s in mine if as_of is None or s.day > as_of), None),
                       "asked": asked, "answered": answered,
                       "answer_rate": _rate(answered, asked), "scores": scores}
                departments.append(row)
                totals["planned"] += len(mine)
                totals["planned_to_date"] += len(to_date)
                totals["held"] += len(periods)
                totals["asked"] += asked
                totals["answered"] += answered
        for t in in_year:
            day = _local_day(t)
            tallies = r.snap.topic_tallies(t.id)
            asked = sum(int(n) for k, n in tallies.items() if k.startswith("asked:"))
            answered = sum(int(n) for k, n in tallies.items() if k.startswith("answered:"))
            kinds = _classified(r, t)
            sessions_rows.append({
                "id": t.id, "title": t.title, "title_en": t.title_en, "url": t.url,
                "day": day.isoformat() if day else "",
                "departments": [r.dept(d) for d in t.departments],
                "asked": asked, "answered": answered, "answer_rate": _rate(answered, asked),
                "scores": I.averages(_evaluations(t), criteria), **kinds})
    totals["answer_rate"] = _rate(totals["answered"], totals["asked"])
    return r.html("interviews/index.html", "interviews.html", "consultations",
                  year=year, plan=plan, groups=groups, departments=departments,
                  sessions=sessions_rows, as_of=as_of.isoformat() if as_of else None,
                  totals=totals,
                  criteria=[{"id": c.id, "label": (c.label, c.label_en),
                             "description": (c.description, c.description_en or c.description)}
                            for c in criteria],
                  window_days=content.interviews.window_days,
                  weekdays=WEEKDAY_LABELS)


WEEKDAY_LABELS = (("周一", "Monday"), ("周二", "Tuesday"), ("周三", "Wednesday"),
                  ("周四", "Thursday"), ("周五", "Friday"), ("周六", "Saturday"),
                  ("周日", "Sunday"))


FAMILY = Family(
    name="interviews",
    renderers={"interviews": interviews_page},
    pages=lambda snap, content: [("interviews",)],
    reads=reads,
)
