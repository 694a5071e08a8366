"""Fakes shared by the tests: a clock you move by hand and a calendar you describe in full."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from chalicelib.deadlines import CHINA_TZ
from chalicelib.services import Actor, Department


def cst(*args: int) -> datetime:
    """A China-time datetime: cst(2026, 11, 23, 9, 30)."""
    return datetime(*args, tzinfo=CHINA_TZ)


class FakeClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


@dataclass
class FakeCalendar:
    """Weekends off, plus listed holidays and adjusted working weekend days."""

    holidays: set[date] = field(default_factory=set)
    workdays: set[date] = field(default_factory=set)
    provisional_from: date | None = None

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def is_provisional(self, d: date) -> bool:
        return self.provisional_from is not None and d >= self.provisional_from


DEPARTMENTS = {
    "housing": Department("housing", "市住房和城乡建设局", "Housing and Urban-Rural Development",
                          ("城乡建设",)),
    "transport": Department("transport", "市交通运输局", "Transport", ("交通运输",)),
    "education": Department("education", "市教育局", "Education", ("教育文体",)),
}
OFFICE = Actor("office-1", "office")
HOUSING_CLERK = Actor("clerk-h", "clerk", "housing")
TRANSPORT_CLERK = Actor("clerk-t", "clerk", "transport")


def letter_payload(**over) -> dict:
    base = {"type": "complaint", "subject": "小区门口道路破损", "body": "道路破损严重，请尽快修复。",
            "department": None, "name": "王小明", "phone": "13812345678",
            "email": "wang@example.com", "public": True, "idempotency_key": None}
    base.update(over)
    return base
