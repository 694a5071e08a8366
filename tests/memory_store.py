"""An in-memory store for tests: the third implementation of the store port.

It provides the primitives of `adapters/store.py` (so every method written once there is the
same code the real stores run) and answers every other query by scanning, the plainest reading
of the port's docstrings. The contract suite (`tests/contract`) runs against it beside SQLite
and moto DynamoDB, so a test that uses it tests what production does.

Letters are kept as objects and handed out as copies (a unit of work's changes reach the store
only by `commit`); a test may change a stored letter in `letters` directly.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters import leader_index
from chalicelib.adapters.codec import (
    CATEGORY,
    TYPE,
    CommitPlan,
    contact_keys,
    facet_month_key,
    late_keys,
    letter_to_doc,
    pub_facet,
    pub_key,
    pub_month,
    schedule_of,
    search_matches,
    time_key,
)
from chalicelib.adapters.store import (
    ARCHIVE,
    ARCHIVE_CATEGORY,
    ARCHIVE_CATEGORY_MONTH,
    ARCHIVE_DEPARTMENT,
    ARCHIVE_MONTH,
    ARCHIVE_TYPE,
    ARCHIVE_TYPE_MONTH,
    STATUS,
    BaseStore,
    too_many,
)
from chalicelib.domain.consultations import Comment, Response
from chalicelib.domain.errors import ConcurrentUpdate
from chalicelib.domain.letters import Letter
from chalicelib.domain.notifications import Delivery, Notification
from chalicelib.domain.oversight import listing_key
from chalicelib.domain.statistics import COUNTERS
from chalicelib.services.ports import Change, InboxPage, StoredAnswer


def _due_at(n: Notification) -> str | None:
    if n.status != Delivery.pending or n.next_attempt_at is None:
        return None
    return time_key(n.next_attempt_at)


class MemoryStore(BaseStore):
    """The store port over dictionaries; one process, no persistence."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(clock)
        self.letters: dict[str, Letter] = {}
        # period -> department -> counter -> n (zeros left out)
        self.stats_rows: dict[str, dict[str, dict[str, int]]] = {}
        self.answers: dict[tuple[str, str], StoredAnswer] = {}
        self.votes: set[tuple[str, str]] = set()
        self.docs: dict[str, dict[str, dict[str, Any]]] = {}      # kind -> key -> document
        self.responses: dict[str, Response] = {}
        self.tallies: dict[str, dict[str, int]] = {}
        self.quotas: dict[str, tuple[int, datetime]] = {}
        self.refusal_rows: dict[tuple[str, str], int] = {}
        self.outbox: list[tuple[Change, bool]] = []
        self.notifications: dict[str, tuple[dict[str, Any], int]] = {}
        self.access: list[dict[str, Any]] = []

    def close(self) -> None:
        """Nothing to close; here so every store looks alike."""

    # --- the access records (adapters/access_records.py) ---------------------------------

    def record_access(self, letter_id: str, who: str, at: datetime, what: str) -> None:
        self.access.append({"letter_id": letter_id, "at": at.astimezone(UTC).isoformat(),
                            "who": who, "what": what})

    def access_records(self, letter_id: str) -> list[dict[str, Any]]:
        return sorted((r for r in self.access if r["letter_id"] == letter_id),
                      key=lambda r: datetime.fromisoformat(r["at"]))

    # --- primitives ----------------------------------------------------------------------

    def _copy(self, letter: Letter | None) -> Letter | None:
        return copy.deepcopy(letter) if letter is not None else None

    def _load_letter(self, letter_id: str) -> Letter | None:
        return self._copy(self.letters.get(letter_id))

    def _load_letter_by_code(self, tracking_code: str) -> Letter | None:
        return self._copy(next((x for x in self.letters.values()
                                if x.tracking_code == tracking_code), None))

    def listed_letters(self) -> list[Letter]:
        rows = sorted((k, x.id) for x in self.letters.values()
                      if (k := listing_key(x)) is not None)
        return [copy.deepcopy(self.letters[i]) for _, i in rows]

    def _scheduled(self, sched: str, below: str | None = None) -> list[Letter]:
        rows = sorted((s[1], x.id) for x in self.letters.values()
                      if (s := schedule_of(x)) is not None and s[0] == sched
                      and (below is None or s[1] < below))
        return [copy.deepcopy(self.letters[i]) for _, i in rows]

    @staticmethod
    def _partition(index: str, x: Letter) -> str | None:
        """The key of the index partition a published letter is in."""
        month = pub_month(x) or ""
        return {ARCHIVE: None, ARCHIVE_MONTH: month, ARCHIVE_DEPARTMENT: x.department,
                ARCHIVE_TYPE: pub_facet(x, TYPE),
                ARCHIVE_TYPE_MONTH: facet_month_key(pub_facet(x, TYPE) or "", month),
                ARCHIVE_CATEGORY: pub_facet(x, CATEGORY),
                ARCHIVE_CATEGORY_MONTH: (facet_month_key(c, month)
                                         if (c := pub_facet(x, CATEGORY)) else None)}[index]

    def _entries(self, index: str, key: str | None) -> list[tuple[str, Letter]]:
        out = []
        for x in self.letters.values():
            if index == STATUS:
                if x.status == key:
                    out.append((time_key(x.submitted_at), x))
                continue
            k = pub_key(x)
            if k is None or self._partition(index, x) != key:
                continue
            out.append((k, x))
        return sorted(out, key=lambda e: (e[0], e[1].id))

    def _range(self, index: str, key: str | None, *, after: str | None = None,
               reverse: bool = False, offset: int = 0, limit: int | None = None) -> list[Letter]:
        rows = [x for k, x in self._entries(index, key) if after is None or k > after]
        if reverse:
            rows.reverse()
        rows = rows[offset:] if limit is None else rows[offset:offset + limit]
        return [copy.deepcopy(x) for x in rows]

    def _count(self, index: str, key: str | None, *, below: str | None = None) -> int:
        return sum(1 for k, _ in self._entries(index, key) if below is None or k < below)

    def _doc(self, kind: str, key: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.docs.get(kind, {}).get(key))

    def _docs(self, kind: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(d) for _, d in sorted(self.docs.get(kind, {}).items())]

    def _put_doc(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.docs.setdefault(kind, {})[key] = copy.deepcopy(doc)

    def _has_vote(self, letter_id: str, voter: str) -> bool:
        return (letter_id, voter) in self.votes

    def _stored_answer(self, scope: str, key: str) -> StoredAnswer | None:
        return copy.deepcopy(self.answers.get((scope, key)))

    def _quota_used(self, key: str) -> int:
        return self.quotas.get(key, (0, None))[0]

    def _add_refusal(self, day: str, kind: str) -> None:
        self.refusal_rows[(day, kind)] = self.refusal_rows.get((day, kind), 0) + 1

    def _refusal_counts(self, since: str) -> list[tuple[str, str, int]]:
        return [(d, k, n) for (d, k), n in sorted(self.refusal_rows.items()) if d >= since]

    def _check(self, plan: CommitPlan, now: datetime) -> None:
        """Every condition of the commit, before anything is written (one transaction)."""
        codes = {x.tracking_code: i for i, x in self.letters.items()}
        for w in plan.letters:
            stored = self.letters.get(w.letter.id)
            if w.expected_version is None:
                if stored is not None or w.letter.tracking_code in codes:
                    raise ConcurrentUpdate(field="id")
                codes[w.letter.tracking_code] = w.letter.id
            elif stored is None or stored.version != w.expected_version:
                raise ConcurrentUpdate(field="version")
        unique = ([("answer", s, k) for s, k, _ in plan.answers]
                  + [("vote", lid, v) for lid, v in plan.votes]
                  + [("notify", n.id, "") for n in plan.notifications])
        if len(set(unique)) != len(unique) \
                or any((s, k) in self.answers for s, k, _ in plan.answers) \
                or any(v in self.votes for v in plan.votes) \
                or any(n.id in self.notifications for n in plan.notifications):
            raise ConcurrentUpdate(field="id")
        for q in plan.quotas:
            used, expires = self.quotas.get(q.key, (0, now))
            if q.limit <= 0 or (expires >= now and used >= q.limit):
                raise too_many()
        for kind, writes in (("topic", [(t.topic.id, t.expected_version) for t in plan.topics]),
                             ("comment", [(c.comment.id, c.expected_version)
                                          for c in plan.comments])):
            for key, expected in writes:
                stored = self.docs.get(kind, {}).get(key)
                if expected is None and stored is not None:
                    raise ConcurrentUpdate(field="id")
                if expected is not None and (stored is None or stored["version"] != expected):
                    raise ConcurrentUpdate(field="version")
        if any(r.id in self.responses for r in plan.responses):
            raise ConcurrentUpdate(field="id")
        if any(w["week"] in self.docs.get("week", {}) for w in plan.weeks):
            raise ConcurrentUpdate(field="id")

    def _write(self, plan: CommitPlan, now: datetime) -> None:
        self._check(plan, now)
        for w in plan.letters:
            stored = copy.deepcopy(w.letter)
            stored.new_events.clear()
            self.letters[stored.id] = stored
        for (period, dept), delta in plan.stats.items():
            row = self.stats_rows.setdefault(period, {}).setdefault(dept, {})
            for c, n in delta.items():
                row[c] = row.get(c, 0) + n
            self.stats_rows[period][dept] = {c: row[c] for c in COUNTERS if row.get(c)}
        for scope, key, answer in plan.answers:
            self.answers[(scope, key)] = copy.deepcopy(answer)
        self.votes.update(plan.votes)
        for n in plan.notifications:
            self.notifications[n.id] = (n.to_dict(), 1)
        self.quotas = {k: v for k, v in self.quotas.items() if v[1] >= now}
        for q in plan.quotas:
            self.quotas[q.key] = (self._quota_used(q.key) + 1, q.expires_at)
        for t in plan.topics:
            self._put_doc("topic", t.topic.id, t.doc)
        for c in plan.comments:
            self._put_doc("comment", c.comment.id, c.doc)
        for r in plan.responses:
            self.responses[r.id] = copy.deepcopy(r)
        for record in plan.weeks:
            self._put_doc("week", record["week"], record)
        for topic_id, delta in plan.tallies.items():
            row = self.tallies.setdefault(topic_id, {})
            for c, n in delta.items():
                row[c] = row.get(c, 0) + n
        if plan.change is not None:
            self.outbox.append((copy.deepcopy(plan.change), False))

    # --- the other queries, by scanning --------------------------------------------------

    def _newest(self, letters: list[Letter], limit: int) -> list[str]:
        rows = sorted(((time_key(x.submitted_at), x.id) for x in letters), reverse=True)
        return [lid for _, lid in rows[:limit]]

    def _contact_ids(self, key: str, limit: int) -> list[str]:
        return self._newest([x for x in self.letters.values() if key in contact_keys(x)], limit)

    def _leader_rows(self, key: str) -> list[tuple[str, str]]:
        return sorted(((sort, x.id) for x in self.letters.values()
                       for k, sort in leader_index.entries(x) if k == key), reverse=True)

    def _leader_ids(self, key: str, offset: int, limit: int) -> list[str]:
        return [lid for _, lid in self._leader_rows(key)[offset:offset + limit]]

    def _leader_count(self, key: str) -> int:
        return len(self._leader_rows(key))

    def _recent_ids(self, since: datetime, limit: int) -> list[str]:
        return self._newest([x for x in self.letters.values() if x.submitted_at >= since],
                            limit)

    def _letter_docs(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {i: letter_to_doc(self.letters[i]) for i in ids if i in self.letters}

    def _matching(self, status: str | None, department: str | None) -> list[Letter]:
        return [x for x in self.letters.values()
                if (not status or x.status == status)
                and (not department or x.department == department)]

    def list_letters(self, *, status: str | None = None, department: str | None = None,
                     limit: int = 200) -> list[Letter]:
        rows = sorted(self._matching(status, department), key=lambda x: x.id)
        rows.sort(key=lambda x: time_key(x.submitted_at), reverse=True)
        return [copy.deepcopy(x) for x in (rows[:limit] if limit >= 0 else rows)]

    def inbox_page(self, *, status: str | None = None, department: str | None = None,
                   q: str | None = None, offset: int = 0, limit: int = 50) -> InboxPage:
        rows = [x for x in self._matching(status, department) if not q or search_matches(x, q)]
        rows.sort(key=lambda x: (time_key(x.submitted_at), x.id), reverse=True)
        page = rows[offset:offset + limit] if limit > 0 else []
        return InboxPage([copy.deepcopy(x) for x in page], len(rows))

    def iter_letters(self) -> Iterator[Letter]:
        return iter([copy.deepcopy(self.letters[i]) for i in sorted(self.letters)])

    def late_letters(self, since: datetime, limit: int) -> list[Letter]:
        since_key = time_key(since)
        latest = {}
        for x in self.letters.values():
            keys = [k for k in late_keys(x) if k >= since_key]
            if keys:
                latest[x.id] = max(keys)
        order = sorted(latest, key=lambda i: (latest[i], i), reverse=True)
        return [copy.deepcopy(self.letters[i]) for i in order[:max(limit, 0)]]

    def submitted_between(self, since: datetime, before: datetime) -> list[Letter]:
        rows = [x for x in self.letters.values() if since <= x.submitted_at < before]
        rows.sort(key=lambda x: (time_key(x.submitted_at), x.id))
        return [copy.deepcopy(x) for x in rows]

    def open_rows(self, since: datetime, before: datetime) -> list[dict]:
        from chalicelib.domain.open_data import stored_row
        return [stored_row(x) for x in self.submitted_between(since, before)]

    def iter_open_rows(self, since: datetime, before: datetime) -> Iterator[dict]:
        return iter(self.open_rows(since, before))

    def count_submitted(self, since: datetime, before: datetime) -> int:
        return sum(1 for x in self.letters.values() if since <= x.submitted_at < before)

    def submission_span(self) -> tuple[datetime, datetime] | None:
        times = [x.submitted_at for x in self.letters.values()]
        return (min(times), max(times)) if times else None

    def published_months(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for _, x in self._entries(ARCHIVE, None):
            month = pub_month(x) or ""
            counts[month] = counts.get(month, 0) + 1
        return sorted(counts.items())

    def stats(self, period: str) -> dict[str, dict[str, int]]:
        return {d: dict(c) for d, c in self.stats_rows.get(period, {}).items() if c}

    def stats_periods(self) -> list[str]:
        return sorted(self.stats_rows)

    def topic_comments(self, topic_id: str, status: str | None = None) -> list[Comment]:
        comments = [Comment.from_dict(copy.deepcopy(d))
                    for d in self.docs.get("comment", {}).values()]
        return sorted((c for c in comments if c.topic_id == topic_id
                       and (status is None or c.status == status)),
                      key=lambda c: (time_key(c.created_at), c.id))

    def topic_responses(self, topic_id: str) -> list[Response]:
        return sorted((copy.deepcopy(r) for r in self.responses.values()
                       if r.topic_id == topic_id), key=lambda r: (time_key(r.created_at), r.id))

    def topic_tallies(self, topic_id: str) -> dict[str, int]:
        return {c: n for c, n in sorted(self.tallies.get(topic_id, {}).items()) if n}

    def pending_changes(self, limit: int = 100) -> list[Change]:
        pending = [copy.deepcopy(c) for c, done in self.outbox if not done]
        return pending[:limit] if limit > 0 else []

    def mark_changes_done(self, ids: list[str]) -> None:
        done = set(ids)
        self.outbox = [(c, flag or c.id in done) for c, flag in self.outbox]

    def get_notification(self, notification_id: str) -> Notification | None:
        found = self.notifications.get(notification_id)
        return Notification.from_dict(copy.deepcopy(found[0]), found[1]) if found else None

    def list_notifications(self, letter_id: str | None = None) -> list[Notification]:
        found = [self.get_notification(i) for i in sorted(self.notifications)]
        return [n for n in found if n and (letter_id is None or n.letter_id == letter_id)]

    def due_notifications(self, now: datetime, limit: int = 100) -> list[Notification]:
        if limit <= 0:
            return []
        due = sorted((k, n.id) for n in self.list_notifications()
                     if (k := _due_at(n)) is not None and k <= time_key(now))
        return [n for n in (self.get_notification(i) for _, i in due[:limit]) if n]

    def update_notification(self, notification: Notification) -> None:
        found = self.notifications.get(notification.id)
        if found is None or found[1] != notification.version:
            raise ConcurrentUpdate(field="version")
        self.notifications[notification.id] = (notification.to_dict(), notification.version + 1)
        notification.version += 1
