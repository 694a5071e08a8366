"""The in-memory store as the publisher tests use it, and letters to seed it with."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.letters import Letter, LetterType, Publication, Status
from fakes import cst
from memory_store import MemoryStore


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


class FakeStore(MemoryStore):
    """The in-memory store (under the same contract suite as SQLite and DynamoDB), seeded
    directly with `add` and counting the publisher's archive and supervision reads in `calls`,
    so a test can prove a page plan reads only what it needs."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def add(self, letter: Letter) -> Letter:
        """Put a letter in the store as it is (no unit of work, no change record): the test
        may go on changing it, and the store sees the change."""
        self.letters[letter.id] = letter
        return letter


# the reads a page plan is judged by (tests/publisher/test_pages.py)
RECORDED = ("get_letter", "latest_published", "published_months", "published_in_month",
            "published_position", "iter_published", "count_published", "overdue_letters",
            "late_letters", "list_topics", "latest_in_facet", "facet_months", "facet_month_names",
            "published_in_facet_month", "facet_position")


def _recorded(name: str):
    def method(self: FakeStore, *args, **kwargs):
        self.calls.append(name)
        return getattr(MemoryStore, name)(self, *args, **kwargs)
    method.__name__ = name
    return method


for _name in RECORDED:
    setattr(FakeStore, _name, _recorded(_name))


def month_of_letters(store: FakeStore, month_start: datetime, n: int, prefix: str = "m",
                     department: str = "housing") -> list[Letter]:
    return [store.add(published_letter(f"{prefix}{i:04d}", month_start + timedelta(hours=i),
                                       department)) for i in range(n)]


__all__ = ["FakeStore", "published_letter", "month_of_letters", "cst"]
