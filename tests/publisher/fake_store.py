"""An in-memory stand-in for the store's read API, for page-planning unit tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.adapters.codec import late_keys, pub_key, pub_month, time_key
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.letters import ACTIVE, Letter, LetterType, Publication, Status
from fakes import cst


def published_letter(letter_id: str, at: datetime, department: str = "housing",
                     subject: str = "主题") -> Letter:
    return Letter(
        id=letter_id, tracking_code="WZ" + letter_id.upper(), secret_hash="x",
        type=LetterType.consultation, subject=subject, body="正文", public=True,
        submitted_at=at - timedelta(days=3), name="王小明", phone="13812345678",
        email="w@example.com", department=department, status=Status.published,
        publication=Publication(subject=subject, body=["正文"], reply=["答复"],
                                reply_department=department, reply_at=at, name="王**",
                                category=None, approved_at=at, first_published_at=at))


class FakeStore:
    """Only what the publisher reads; letters ordered like the real archive."""

    def __init__(self) -> None:
        self.letters: dict[str, Letter] = {}
        self.stats_rows: dict[str, dict[str, dict[str, int]]] = {}
        self.calls: list[str] = []
        self.topics: dict = {}

    def add(self, letter: Letter) -> Letter:
        self.letters[letter.id] = letter
        return letter

    def _published(self) -> list[Letter]:
        return sorted((l for l in self.letters.values() if l.publication), key=pub_key)

    def get_letter(self, letter_id: str) -> Letter | None:
        self.calls.append("get_letter")
        return self.letters.get(letter_id)

    def latest_published(self, n: int, department: str | None = None) -> list[Letter]:
        self.calls.append("latest_published")
        rows = [l for l in self._published() if department in (None, l.department)]
        return list(reversed(rows))[:n]

    def published_months(self) -> list[tuple[str, int]]:
        self.calls.append("published_months")
        counts: dict[str, int] = {}
        for l in self._published():
            counts[pub_month(l)] = counts.get(pub_month(l), 0) + 1
        return sorted(counts.items())

    def published_in_month(self, month: str, offset: int, limit: int) -> list[Letter]:
        self.calls.append("published_in_month")
        return [l for l in self._published() if pub_month(l) == month][offset:offset + limit]

    def published_position(self, letter: Letter) -> int:
        self.calls.append("published_position")
        return sum(1 for l in self._published()
                   if pub_month(l) == pub_month(letter) and pub_key(l) < pub_key(letter))

    def iter_published(self):
        self.calls.append("iter_published")
        return iter(self._published())

    def count_published(self, department: str | None = None) -> int:
        self.calls.append("count_published")
        return len([l for l in self._published() if department in (None, l.department)])

    def overdue_letters(self, now: datetime) -> list[Letter]:
        self.calls.append("overdue_letters")
        today = now.astimezone(CHINA_TZ).date()
        running = [l for l in self.letters.values()
                   if l.status in ACTIVE and l.current_due is not None
                   and l.current_due.date < today]
        return sorted(running, key=lambda l: (l.current_due.date, l.id))

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        self.calls.append("late_letters")
        since_key = time_key(since)
        latest = {}
        for l in self.letters.values():
            keys = [k for k in late_keys(l) if k >= since_key]
            if keys:
                latest[l.id] = max(keys)
        order = sorted(latest, key=lambda i: (latest[i], i), reverse=True)
        return [self.letters[i] for i in order[:limit]]

    def stats(self, period: str) -> dict[str, dict[str, int]]:
        return self.stats_rows.get(period, {})

    def stats_periods(self) -> list[str]:
        return sorted(self.stats_rows)

    # consultations: none unless a test adds them
    def list_topics(self) -> list:
        self.calls.append("list_topics")
        return sorted(self.topics.values(), key=lambda t: t.id)

    def get_topic(self, topic_id: str):
        return self.topics.get(topic_id)

    def topic_comments(self, topic_id: str, status: str | None = None) -> list:
        return []

    def topic_tallies(self, topic_id: str) -> dict[str, int]:
        return {}


def month_of_letters(store: FakeStore, month_start: datetime, n: int, prefix: str = "m",
                     department: str = "housing") -> list[Letter]:
    return [store.add(published_letter(f"{prefix}{i:04d}", month_start + timedelta(hours=i),
                                       department)) for i in range(n)]


__all__ = ["FakeStore", "published_letter", "month_of_letters", "cst"]
