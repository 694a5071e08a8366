"""The interview programme's pure rules: the yearly plan checked on load, the year's sessions
(groups, holidays moved to the next working day), which topics hold which sessions, the
classification rules and the evaluators' averages."""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from chalicelib.adapters.content import ContentError, load_content
from chalicelib.adapters.interview_files import load_programme
from chalicelib.domain import interviews as I
from chalicelib.domain.errors import Conflict, Invalid
from fakes import FakeCalendar, cst

ROOT = Path(__file__).resolve().parents[2]
DEPTS = {"transport", "housing", "education", "health", "water"}
PLAN = {"year": 2026, "weekday": "wednesday", "time": "09:30", "groups": {
    "weekly": ["transport"],
    "monthly": {"departments": ["housing"], "weekday": "thursday", "week": 2},
    "quarterly": {"departments": ["education", "health"], "weekday": "tuesday"},
    "half_yearly": {"departments": ["water"], "time": "14:00"}}}


def plan(**changes) -> I.Plan:
    return I.parse_plan({**PLAN, **changes}, DEPTS)


@pytest.mark.parametrize("changes,field", [
    ({"groups": {"weekly": ["nope"]}}, "groups.weekly.departments[0]"),
    ({"groups": {"weekly": ["transport"], "monthly": ["transport"]}},
     "groups.monthly.departments[0]"),
    ({"groups": {"daily": ["transport"]}}, "groups.daily"),
    ({"groups": {}}, "groups"),
    ({"year": "2026"}, "year"),
    ({"weekday": "someday"}, "weekday"),
    ({"time": "9.30"}, "time"),
    ({"groups": {"monthly": {"departments": ["housing"], "week": 5}}}, "groups.monthly.week"),
    ({"groups": {"weekly": {"departments": ["housing"], "week": 2}}}, "groups.weekly.week"),
    ({"groups": {"weekly": {"departments": ["housing"], "when": 2}}}, "groups.weekly.when"),
    ({"extra": 1}, "extra"),
])
def test_a_bad_plan_names_the_field(changes, field):
    with pytest.raises(I.PlanError) as err:
        plan(**changes)
    assert err.value.field == field


def test_a_department_in_two_groups_says_which(tmp_path):
    with pytest.raises(I.PlanError, match="two groups"):
        plan(groups={"weekly": ["transport"], "monthly": ["transport"]})


def test_sessions_of_each_group_in_a_year():
    sessions = I.planned_sessions(plan(), FakeCalendar().is_workday)
    per = Counter(s.department for s in sessions)
    assert per == {"transport": 52, "housing": 12, "education": 4, "health": 4, "water": 2}
    housing = [s.day for s in sessions if s.department == "housing"]
    assert housing[0] == date(2026, 1, 8)           # the 2nd Thursday of January
    water = [s for s in sessions if s.department == "water"]
    assert [s.day for s in water] == [date(2026, 1, 7), date(2026, 7, 1)]
    assert water[0].starts == cst(2026, 1, 7, 14, 0)
    assert {s.period for s in sessions if s.department == "education"} == {
        "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    assert all(s.day.weekday() < 5 for s in sessions)
    assert sessions == sorted(sessions, key=lambda s: (s.day, list(I.Group).index(s.group),
                                                       s.department))


def test_a_holiday_moves_a_session_to_the_next_working_day():
    cal = FakeCalendar(holidays={date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5),
                                 date(2026, 10, 6), date(2026, 10, 7)})
    sessions = I.planned_sessions(plan(), cal.is_workday)
    week = [s for s in sessions if s.department == "transport" and s.period == "2026-W40"]
    assert week[0].day == date(2026, 9, 30) and week[0].moved_from is None
    national_day = [s for s in sessions if s.department == "transport"
                    and s.moved_from == date(2026, 10, 7)]
    assert national_day and national_day[0].day == date(2026, 10, 8)
    assert national_day[0].period == "2026-W41"      # still the week it was planned for
    education = [s for s in sessions if s.department == "education" and s.period == "2026-Q4"]
    assert education[0].moved_from == date(2026, 10, 6) and education[0].day == date(2026, 10, 8)


def test_a_session_is_held_by_an_interview_starting_in_its_period():
    p = plan()
    topics = [SimpleNamespace(id="t1", departments=("transport", "housing"),
                              starts=cst(2026, 3, 13, 9, 30)),
              SimpleNamespace(id="t2", departments=("education",),
                              starts=cst(2026, 5, 20, 9, 30)),
              SimpleNamespace(id="old", departments=("transport",),
                              starts=cst(2025, 3, 13, 9, 30)),
              SimpleNamespace(id="x", departments=("nowhere",), starts=cst(2026, 3, 1))]
    held = I.held_by(p, topics)
    assert held == {("education", "2026-Q2"): ["t2"], ("housing", "2026-03"): ["t1"],
                    ("transport", "2026-W11"): ["t1"]}


def test_the_repository_plan_and_criteria_load():
    content = load_content(ROOT / "content")
    programme = content.interviews
    assert 2026 in programme.plans
    groups = {g.group for g in programme.plans[2026].groups}
    assert groups == set(I.Group)
    assert programme.criteria and programme.window_days >= 0


@pytest.mark.parametrize("text,field", [
    ("year: 2026\ngroups:\n  weekly: [nowhere]\n", "groups.weekly.departments[0]"),
    ("year: 2026\ngroups:\n  weekly: [housing]\n  monthly: [housing]\n",
     "groups.monthly.departments[0]"),
    ("year: 2026\ngroups:\n  fortnightly: [housing]\n", "groups.fortnightly"),
    ("year: 2025\ngroups:\n  weekly: [housing]\n", "year"),
])
def test_a_bad_plan_file_is_a_content_error(tmp_path, text, field):
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "plan-2026.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_programme(tmp_path, {"housing"})
    assert err.value.field == field and "plan-2026.yaml" in err.value.file


@pytest.mark.parametrize("text,field", [
    ("criteria: []\n", "criteria"),
    ("criteria:\n  - {id: Bad, label: x, label_en: x}\n", "criteria[0].id"),
    ("criteria:\n  - {id: a, label: x, label_en: x}\n  - {id: a, label: y, label_en: y}\n",
     "criteria[1].id"),
    ("window_days: -1\ncriteria:\n  - {id: a, label: x, label_en: x}\n", "window_days"),
    ("criteria:\n  - {id: a, label: x}\n", "criteria[0].label_en"),
])
def test_bad_criteria_are_a_content_error(tmp_path, text, field):
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "criteria.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_programme(tmp_path, set())
    assert err.value.field == field


# --- classification and evaluation rules -----------------------------------------------------

K, V = I.QuestionKind, I.Verdict


@pytest.mark.parametrize("kind,verdict,letter,error", [
    (K.suggestion, None, False, Invalid),
    (K.consultation, V.adopted, False, Invalid),
    (K.demand, None, False, None),
    (K.demand, None, True, None),
    (K.consultation, None, True, Invalid),
    (K.suggestion, V.typical, False, None),
])
def test_classification_rules(kind, verdict, letter, error):
    if error is None:
        I.check_classification(kind, verdict, letter, None)
    else:
        with pytest.raises(error):
            I.check_classification(kind, verdict, letter, None)


def test_a_question_that_became_a_letter_keeps_its_kind():
    made = I.Classification(K.demand, None, "office-1", cst(2026, 11, 23), letter_id="l1")
    I.check_classification(K.demand, None, True, made)
    with pytest.raises(Conflict):
        I.check_classification(K.suggestion, V.adopted, False, made)


def test_averages_count_kinds_not_names():
    crit = (I.Criterion("a", "甲", "A"), I.Criterion("b", "乙", "B"))
    evals = [I.Evaluation("deputy-1", I.EvaluatorKind.deputy, {"a": 5, "b": 4}, None,
                          cst(2026, 11, 23)),
             I.Evaluation("expert-1", I.EvaluatorKind.expert, {"a": 2, "b": 4}, "好",
                          cst(2026, 11, 23))]
    assert I.averages(evals, crit) == {"count": 2, "criteria": {"a": 3.5, "b": 4.0},
                                       "kinds": {"deputy": 1, "member": 0, "expert": 1},
                                       "overall": 3.75}
    assert I.averages([], crit)["overall"] is None
