"""The interview programme (Qingdao 2017: 50+ departments in four groups meeting weekly,
monthly, quarterly or half-yearly, ~3,700 sessions a year) and its third-party evaluators
(NPC deputies, CPPCC members and experts scoring sessions on published criteria).

- `parse_plan` checks a yearly plan (content/interviews/plan-YYYY.yaml) and names the field
  that is wrong; `planned_sessions` turns it into the year's sessions, each moved from a
  holiday to the next working day of the work calendar;
- a planned session is *held* when an interview topic of its department starts within the
  session's period (the ISO week, month, quarter or half-year of its group): a session moved
  by a few days is still the same session (`held_by`);
- `classify` is the rule for what a question asked live was (a consultation answered, a
  suggestion judged, or a demand that becomes a letter);
- `validate_scores`, `evaluation_window` and `averages` are the evaluators' rules.

Pure: the standard library and the domain only; the calendar and `now` are parameters.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from .deadlines import CHINA_TZ
from .errors import Conflict, Invalid


class Group(StrEnum):
    weekly = "weekly"
    monthly = "monthly"
    quarterly = "quarterly"
    half_yearly = "half_yearly"


class QuestionKind(StrEnum):
    consultation = "consultation"      # 咨询: answered live
    suggestion = "suggestion"          # 建议: judged adopted, typical case or not adopted
    demand = "demand"                  # 诉求: becomes a letter


class Verdict(StrEnum):
    adopted = "adopted"
    typical = "typical"
    not_adopted = "not_adopted"


class EvaluatorKind(StrEnum):
    deputy = "deputy"                  # 人大代表
    member = "member"                  # 政协委员
    expert = "expert"                  # 专家


LABELS: dict[str, tuple[str, str]] = {
    "weekly": ("每周一期", "Weekly"),
    "monthly": ("每月一期", "Monthly"),
    "quarterly": ("每季度一期", "Quarterly"),
    "half_yearly": ("每半年一期", "Half-yearly"),
    "consultation": ("咨询（现场答复）", "Consultation (answered live)"),
    "suggestion": ("建议", "Suggestion"),
    "demand": ("诉求", "Demand"),
    "adopted": ("采纳", "Adopted"),
    "typical": ("典型案例", "Typical case"),
    "not_adopted": ("未采纳", "Not adopted"),
    "letter": ("已转为来信办理", "Became a letter"),
    "deputy": ("人大代表", "NPC deputy"),
    "member": ("政协委员", "CPPCC member"),
    "expert": ("专家", "Expert"),
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
CRITERION_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
SCORE_MIN, SCORE_MAX = 1, 5
EVALUATION_COMMENT_MAX = 2000
WINDOW_DAYS_DEFAULT = 7
WINDOW_DAYS_MAX = 90


def label(code: str, lang: str = "zh") -> str:
    zh, en = LABELS.get(code, (code, code))
    return zh if lang == "zh" else en


class PlanError(ValueError):
    """A plan or criteria file that is wrong: `field` names where (the loader adds the file)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- the plan ------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupRule:
    """One group: its departments and when they meet. A weekly group meets on `weekday` every
    ISO week; the others on the `week`-th `weekday` of the first month of their period."""

    group: Group
    departments: tuple[str, ...]
    weekday: int              # 0 = Monday
    at: time
    week: int = 1             # 1..4 (not for weekly)


@dataclass(frozen=True)
class Plan:
    year: int
    groups: tuple[GroupRule, ...]
    source: str | None = None

    def group_of(self, department: str) -> Group | None:
        return next((g.group for g in self.groups if department in g.departments), None)

    def departments(self) -> list[str]:
        return [d for g in self.groups for d in g.departments]


@dataclass(frozen=True)
class Session:
    """A planned session: the department, its group, the date (a working day) and its period."""

    department: str
    group: Group
    day: date
    starts: datetime
    period: str
    moved_from: date | None = None     # the rule's date, when that was not a working day


def _weekday(value: Any, where: str) -> int:
    if isinstance(value, str) and value.lower() in WEEKDAYS:
        return WEEKDAYS.index(value.lower())
    raise PlanError(where, f"weekday must be one of {', '.join(WEEKDAYS)}")


def _time(value: Any, where: str) -> time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:30 as the sexagesimal 570
        value = f"{value // 60:02d}:{value % 60:02d}"
    if not isinstance(value, str) or not TIME.match(value):
        raise PlanError(where, 'time must be "HH:MM" (quote it)')
    return time(int(value[:2]), int(value[3:]))


def parse_plan(data: Any, departments: Collection[str], source: str | None = None) -> Plan:
    """A yearly plan checked: `year`, a default `weekday`/`time`, and `groups` mapping each of
    weekly|monthly|quarterly|half_yearly to `departments` (and optional `weekday`, `time`,
    `week`). A department may be in one group only and must be in departments.yaml."""
    if not isinstance(data, Mapping):
        raise PlanError(None, "a plan is a mapping")
    unknown = set(data) - {"year", "weekday", "time", "groups"}
    if unknown:
        raise PlanError(sorted(unknown)[0], "unknown key")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise PlanError("year", "year must be a year such as 2026")
    weekday = _weekday(data.get("weekday", "wednesday"), "weekday")
    at = _time(data.get("time", "09:30"), "time")
    groups = data.get("groups")
    if not isinstance(groups, Mapping) or not groups:
        raise PlanError("groups", "groups must map weekly|monthly|quarterly|half_yearly to "
                                  "departments")
    seen: dict[str, str] = {}
    rules: list[GroupRule] = []
    for name, spec in groups.items():
        where = f"groups.{name}"
        if name not in Group.__members__:
            raise PlanError(where, "a group is weekly, monthly, quarterly or half_yearly")
        if isinstance(spec, list):
            spec = {"departments": spec}
        if not isinstance(spec, Mapping):
            raise PlanError(where, "a group is a list of departments or a mapping")
        extra = set(spec) - {"departments", "weekday", "time", "week"}
        if extra:
            raise PlanError(f"{where}.{sorted(extra)[0]}", "unknown key")
        depts = spec.get("departments")
        if not isinstance(depts, list) or not all(isinstance(d, str) for d in depts):
            raise PlanError(f"{where}.departments", "departments must be a list of ids")
        for i, dept in enumerate(depts):
            if dept not in departments:
                raise PlanError(f"{where}.departments[{i}]",
                                f"unknown department {dept!r} (not in departments.yaml)")
            if dept in seen:
                raise PlanError(f"{where}.departments[{i}]",
                                f"department {dept!r} is in two groups ({seen[dept]} and {name})")
            seen[dept] = name
        week = spec.get("week", 1)
        if not isinstance(week, int) or isinstance(week, bool) or not 1 <= week <= 4:
            raise PlanError(f"{where}.week", "week must be 1 to 4")
        if name == "weekly" and "week" in spec:
            raise PlanError(f"{where}.week", "a weekly group meets every week")
        rules.append(GroupRule(
            group=Group(name), departments=tuple(depts),
            weekday=_weekday(spec["weekday"], f"{where}.weekday") if "weekday" in spec
            else weekday,
            at=_time(spec["time"], f"{where}.time") if "time" in spec else at, week=week))
    order = list(Group)
    rules.sort(key=lambda r: order.index(r.group))
    return Plan(year=year, groups=tuple(rules), source=source)


# --- the sessions --------------------------------------------------------------------------

def period_of(group: Group | str, day: date) -> str:
    """The period a session of `group` on `day` belongs to: 2026-W05, 2026-03, 2026-Q1,
    2026-H1."""
    g = Group(group)
    if g == Group.weekly:
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if g == Group.monthly:
        return f"{day.year}-{day.month:02d}"
    if g == Group.quarterly:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _rule_dates(rule: GroupRule, year: int) -> list[date]:
    if rule.group == Group.weekly:
        day = date(year, 1, 1)
        day += timedelta(days=(rule.weekday - day.weekday()) % 7)
        out = []
        while day.year == year:
            out.append(day)
            day += timedelta(days=7)
        return out
    months = {Group.monthly: range(1, 13), Group.quarterly: (1, 4, 7, 10),
              Group.half_yearly: (1, 7)}[rule.group]
    return [_nth_weekday(year, m, rule.weekday, rule.week) for m in months]


def next_workday(day: date, is_workday: Callable[[date], bool]) -> date:
    """`day` when it is a working day, else the next one (a holiday moves a session on)."""
    for _ in range(40):           # the longest holiday (Spring Festival) is 8–9 days
        if is_workday(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"no working day within 40 days after {day}")


def planned_sessions(plan: Plan, is_workday: Callable[[date], bool]) -> list[Session]:
    """Every session of the plan's year, by date, group order and department; a date that is
    not a working day moves to the next working day (within the same year)."""
    out: list[Session] = []
    for rule in plan.groups:
        for planned in _rule_dates(rule, plan.year):
            day = next_workday(planned, is_workday)
            if day.year != plan.year:
                continue
            starts = datetime.combine(day, rule.at, CHINA_TZ)
            for dept in rule.departments:
                out.append(Session(department=dept, group=rule.group, day=day, starts=starts,
                                   period=period_of(rule.group, planned),
                                   moved_from=planned if planned != day else None))
    order = list(Group)
    out.sort(key=lambda s: (s.day, order.index(s.group), s.department))
    return out


def held_by(plan: Plan, topics: Iterable[Any]) -> dict[tuple[str, str], list[str]]:
    """(department, period) -> the ids of the interview topics holding that session: a topic
    holds the session of each of its departments in the plan whose group's period contains
    its start (China time) in the plan's year. `topics` are interview topics (`starts`)."""
    out: dict[tuple[str, str], list[str]] = {}
    for topic in topics:
        starts = getattr(topic, "starts", None)
        if starts is None:
            continue
        day = starts.astimezone(CHINA_TZ).date()
        if day.year != plan.year:
            continue
        for dept in topic.departments:
            group = plan.group_of(dept)
            if group is None:
                continue
            out.setdefault((dept, period_of(group, day)), []).append(topic.id)
    return {k: sorted(v) for k, v in sorted(out.items())}


# --- classifying a question --------------------------------------------------------------

@dataclass(frozen=True)
class Classification:
    kind: QuestionKind
    verdict: Verdict | None
    by: str
    at: datetime
    letter_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "verdict": str(self.verdict) if self.verdict else None,
                "by": self.by, "at": self.at.isoformat(), "letter_id": self.letter_id}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Classification:
        return cls(kind=QuestionKind(d["kind"]),
                   verdict=Verdict(d["verdict"]) if d.get("verdict") else None, by=d["by"],
                   at=datetime.fromisoformat(d["at"]), letter_id=d.get("letter_id"))


def check_classification(kind: QuestionKind, verdict: Verdict | None, letter: bool,
                         before: Classification | None) -> None:
    """The rules: a verdict for a suggestion only (and required there); `letter` for a demand
    only; once a question became a letter its classification stays (409)."""
    if kind == QuestionKind.suggestion and verdict is None:
        raise Invalid("verdict_required", field="verdict")
    if kind != QuestionKind.suggestion and verdict is not None:
        raise Invalid("verdict_suggestion_only", field="verdict")
    if letter and kind != QuestionKind.demand:
        raise Invalid("letter_demand_only", field="letter")
    if before is not None and before.letter_id is not None:
        if kind != QuestionKind.demand or not letter:
            raise Conflict("question_became_letter", field="kind")


# --- evaluations -------------------------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    label_en: str
    description: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class Evaluation:
    """One evaluator's scores of one session; a revision replaces the scores (`revision`)."""

    evaluator: str
    kind: EvaluatorKind
    scores: dict[str, int]
    comment: str | None
    at: datetime
    revision: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"evaluator": self.evaluator, "kind": str(self.kind),
                "scores": dict(sorted(self.scores.items())), "comment": self.comment,
                "at": self.at.isoformat(), "revision": self.revision}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Evaluation:
        return cls(evaluator=d["evaluator"], kind=EvaluatorKind(d["kind"]),
                   scores={k: int(v) for k, v in d["scores"].items()},
                   comment=d.get("comment"), at=datetime.fromisoformat(d["at"]),
                   revision=int(d.get("revision", 1)))


@dataclass(frozen=True)
class Programme:
    """What content/interviews/ defines beside the topics: the plans by year, the criteria
    and how many days after a session closes evaluators may still score it."""

    plans: Mapping[int, Plan] = field(default_factory=dict)
    criteria: tuple[Criterion, ...] = ()
    window_days: int = WINDOW_DAYS_DEFAULT

    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]


def parse_criteria(data: Any) -> tuple[tuple[Criterion, ...], int]:
    """content/interviews/criteria.yaml: `window_days` and `criteria` [{id, label, label_en,
    description, description_en}]."""
    if not isinstance(data, Mapping):
        raise PlanError(None, "the criteria file is a mapping")
    unknown = set(data) - {"window_days", "criteria"}
    if unknown:
        raise PlanError(sorted(unknown)[0], "unknown key")
    days = data.get("window_days", WINDOW_DAYS_DEFAULT)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= WINDOW_DAYS_MAX:
        raise PlanError("window_days", f"window_days must be 0 to {WINDOW_DAYS_MAX}")
    items = data.get("criteria")
    if not isinstance(items, list) or not items:
        raise PlanError("criteria", "criteria must be a non-empty list")
    out: list[Criterion] = []
    for i, item in enumerate(items):
        where = f"criteria[{i}]"
        if not isinstance(item, Mapping):
            raise PlanError(where, "a criterion is a mapping")
        extra = set(item) - {"id", "label", "label_en", "description", "description_en"}
        if extra:
            raise PlanError(f"{where}.{sorted(extra)[0]}", "unknown key")
        cid = item.get("id")
        if not isinstance(cid, str) or not CRITERION_ID.match(cid):
            raise PlanError(f"{where}.id", "an id is lower-case letters, digits and _")
        if cid in {c.id for c in out}:
            raise PlanError(f"{where}.id", f"duplicate criterion {cid!r}")
        texts = {}
        for key in ("label", "label_en", "description", "description_en"):
            value = item.get(key, "")
            if not isinstance(value, str) or (key.startswith("label") and not value.strip()):
                raise PlanError(f"{where}.{key}", f"{key} must be text")
            texts[key] = value.strip()
        out.append(Criterion(id=cid, **texts))
    return tuple(out), days


def validate_scores(criteria: Iterable[Criterion], scores: Any) -> dict[str, int]:
    """Every criterion scored, with an integer 1..5 (a bool is not a score); no other key."""
    ids = [c.id for c in criteria]
    if not isinstance(scores, Mapping):
        raise Invalid("scores_not_object", field="scores")
    for key in scores:
        if key not in ids:
            raise Invalid("unknown_criterion", field=f"scores.{key}", criterion=key)
    out: dict[str, int] = {}
    for cid in ids:
        value = scores.get(cid)
        if value is None:
            raise Invalid("criterion_required", field=f"scores.{cid}", criterion=cid)
        if isinstance(value, bool) or not isinstance(value, int) \
                or not SCORE_MIN <= value <= SCORE_MAX:
            raise Invalid("score_range", field=f"scores.{cid}", low=SCORE_MIN, high=SCORE_MAX)
        out[cid] = value
    return out


def evaluation_window(opens: datetime, closes: datetime, days: int) -> tuple[datetime, datetime]:
    """From the session's opening until `days` days after it closes."""
    return opens, closes + timedelta(days=days)


def averages(evaluations: Iterable[Evaluation], criteria: Iterable[Criterion]
             ) -> dict[str, Any]:
    """Per criterion and overall (the mean of every score given), how many evaluated and of
    which kind; never who."""
    evals = list(evaluations)
    crit = list(criteria)
    kinds = {str(k): 0 for k in EvaluatorKind}
    for e in evals:
        kinds[str(e.kind)] += 1
    per: dict[str, float | None] = {}
    total, n = 0, 0
    for c in crit:
        given = [e.scores[c.id] for e in evals if c.id in e.scores]
        per[c.id] = round(sum(given) / len(given), 2) if given else None
        total += sum(given)
        n += len(given)
    return {"count": len(evals), "kinds": kinds, "criteria": per,
            "overall": round(total / n, 2) if n else None}

