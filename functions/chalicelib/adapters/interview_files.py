"""The interview programme as the web team commits it: `content/interviews/plan-YYYY.yaml`
(the year's groups of departments and when they meet) and `content/interviews/criteria.yaml`
(the evaluators' criteria and the evaluation window). Part of the content loader
(`content.load_content` holds them in `Content.interviews`); a bad file is a `ContentError`
naming the file and the field (unknown department, a department in two groups, a bad group).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from ..domain.interviews import (
    WINDOW_DAYS_DEFAULT,
    Criterion,
    Plan,
    PlanError,
    Programme,
    parse_criteria,
    parse_plan,
)
from .content_files import ContentError, read_mapping

PLAN_FILE = re.compile(r"^plan-(\d{4})\.yaml$")
CRITERIA_FILE = "criteria.yaml"


def programme_paths(content_dir: Path) -> list[Path]:
    """The plan files, then the criteria file (those that exist)."""
    here = content_dir / "interviews"
    if not here.is_dir():
        return []
    plans = sorted(p for p in here.glob("plan-*.yaml"))
    criteria = here / CRITERIA_FILE
    return plans + ([criteria] if criteria.is_file() else [])


def load_plan(path: Path, departments: Collection[str], content_dir: Path) -> Plan:
    m = PLAN_FILE.match(path.name)
    if m is None:
        raise ContentError(path, None, "a plan file is named plan-YYYY.yaml")
    try:
        plan = parse_plan(read_mapping(path), departments,
                          source=path.relative_to(content_dir).as_posix())
    except PlanError as err:
        raise ContentError(path, err.field, err.message) from None
    if plan.year != int(m.group(1)):
        raise ContentError(path, "year", f"the file is for {m.group(1)}, the plan says "
                                         f"{plan.year}")
    return plan


def load_programme(content_dir: str | Path, departments: Collection[str]) -> Programme:
    """Every plan and the criteria under content/interviews/ (none: an empty programme)."""
    root = Path(content_dir)
    plans: dict[int, Plan] = {}
    criteria: tuple[Criterion, ...] = ()
    days = WINDOW_DAYS_DEFAULT
    for path in programme_paths(root):
        if path.name == CRITERIA_FILE:
            try:
                criteria, days = parse_criteria(read_mapping(path))
            except PlanError as err:
                raise ContentError(path, err.field, err.message) from None
            continue
        plan = load_plan(path, departments, root)
        plans[plan.year] = plan
    return Programme(plans=plans, criteria=criteria, window_days=days)
