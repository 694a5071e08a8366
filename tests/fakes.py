"""Fakes shared by the tests: a clock you move by hand, a calendar you describe in full and a
sender that records what it sends (and fails when told to)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from chalicelib.adapters.clock import ManualClock
from chalicelib.adapters.pinyin import romanize
from chalicelib.domain import privacy
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.errors import SendError
from chalicelib.domain.notifications import Notification, NotifyConfig
from chalicelib.services.context import Actor, Department


def cst(*args: int) -> datetime:
    """A China-time datetime: cst(2026, 11, 23, 9, 30)."""
    return datetime(*args, tzinfo=CHINA_TZ)


# the clock the tests move by hand: the one beside the real clock
FakeClock = ManualClock

# the tests compose the domain as bootstrap does: names are masked in pinyin too
privacy.use_romanizer(romanize)


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
                          ("城乡建设",), "housing@city.example"),
    "transport": Department("transport", "市交通运输局", "Transport", ("交通运输",),
                            "transport@city.example"),
    "education": Department("education", "市教育局", "Education", ("教育文体",)),   # no e-mail
}
NOTIFY = NotifyConfig(site_url="https://wenzheng.test", office_email="office@city.example",
                      digest_hour=8, mail_from="noreply@city.example",
                      department_emails={d.id: d.email for d in DEPARTMENTS.values() if d.email})


class FakeSender:
    """Records every notification it is given; fails the first `failures` sends."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[Notification] = []
        self.bodies: dict[str, str] = {}       # each body as it was sent (before it is forgotten)
        self.tries = 0

    def send(self, notification: Notification) -> str:
        self.tries += 1
        if self.failures > 0:
            self.failures -= 1
            raise SendError("mail server unavailable (fake)")
        self.sent.append(notification)
        self.bodies[notification.id] = notification.body
        return f"fake-{len(self.sent)}"

    @property
    def ids(self) -> list[str]:
        return [n.id for n in self.sent]
def receipts_sent(ctx, letter_id: str) -> None:
    """Mark a new letter's receipts (its code and secret, to the writer) as sent, for tests
    about the notifications that come after it."""
    from chalicelib.domain.notifications import Kind
    for n in ctx.store.list_notifications(letter_id):
        if n.kind == Kind.receipt:
            n.delivered(ctx.clock(), "receipt-sent-by-the-test")
            ctx.store.update_notification(n)


OFFICE = Actor("office-1", "office")
HOUSING_CLERK = Actor("clerk-h", "clerk", "housing")
TRANSPORT_CLERK = Actor("clerk-t", "clerk", "transport")


def letter_payload(**over) -> dict:
    base = {"type": "complaint", "subject": "小区门口道路破损",
            "body": "道路破损严重，请尽快修复。",
            "department": None, "name": "王小明", "phone": "13812345678",
            "email": "wang@example.com", "public": True, "idempotency_key": None}
    base.update(over)
    return base


# --- consultations ----------------------------------------------------------------------------

def topic(kind: str = "hearing", topic_id: str | None = None, *, opens: str = "2026-11-01",
          closes: str = "2026-12-31", departments: tuple[str, ...] = ("transport",), **extra):
    """A topic as content/ would define it (parsed and checked by consultations.parse_topic);
    open on the fixtures' Monday 2026-11-23 unless `opens`/`closes` say otherwise."""
    from chalicelib.domain.consultations import parse_topic
    raw = {"id": topic_id or f"{kind}-1", "title": f"测试议题 {kind}", "opens": opens,
           "closes": closes, "departments": list(departments)}
    if kind == "solicitation":
        raw["draft"] = ["第一条 目的。", "第二条 适用范围。", "第三条 主管部门。"]
    if kind == "survey":
        raw["questions"] = [
            {"id": "mode", "kind": "single", "text": "最常用的出行方式？", "required": True,
             "choices": [{"id": "bus", "label": "公交"}, {"id": "metro", "label": "地铁"},
                         {"id": "bike", "label": "自行车"}]},
            {"id": "problems", "kind": "multiple", "text": "需要改进的方面？", "max": 2,
             "choices": [{"id": "freq", "label": "班次"}, {"id": "time", "label": "准点"},
                         {"id": "crowd", "label": "拥挤"}]},
            {"id": "idea", "kind": "text", "text": "其他建议？"},
        ]
    if kind == "interview":
        departments = departments if len(departments) > 1 else ("transport", "housing")
        raw["departments"] = list(departments)
        raw.update(starts="2026-11-25T09:30", ends="2026-11-25T11:30",
                   closes=closes if closes != "2026-12-31" else "2026-11-25T11:30",
                   guests=[{"department": d, "name": f"嘉宾{i}", "title": "负责人"}
                           for i, d in enumerate(departments)])
    raw.update(extra)
    return parse_topic(kind, raw, background="## 背景\n\n说明。", departments=DEPARTMENTS)
