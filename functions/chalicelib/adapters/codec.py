"""Letters as plain dicts (for JSON columns and DynamoDB items), and the commit plan.

Both store adapters share this: the shape of a stored letter, its supervision schedule key
(`schedule_of`), and `TrackedLetters.plan`, which turns what a unit of work changed into
everything one transaction must write (letters with their expected versions, new history events,
statistics deltas, notifications, one outbox change record). Consultations ride the same plan:
topics and comments with their expected versions, new survey responses, the tally deltas per
topic (`consultations.comment_counts` before and after), the abuse-limit quotas taken, and the
topics in the change record.
"""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ..domain import consultations, drive, open_data, retention, similar, statistics
from ..domain.consultations import Comment, Response, Topic
from ..domain.deadlines import Due, Light
from ..domain.letters import (
    ACTIVE,
    Event,
    Letter,
    LetterType,
    Publication,
    PublicEdits,
    Rating,
    Reply,
    Score,
    Status,
)
from ..domain.notifications import Notification
from ..domain.oversight import About, Listing
from ..domain.rates import Resolution
from ..services.ports import Change, StoredAnswer


def _dt(v: datetime | None) -> str | None:
    return v.isoformat() if v else None


def _pdt(v: str | None) -> datetime | None:
    return datetime.fromisoformat(v) if v else None


def _due(v: Due | None) -> dict | None:
    return {"date": v.date.isoformat(), "provisional": v.provisional} if v else None


def _pdue(v: dict | None) -> Due | None:
    return Due(date.fromisoformat(v["date"]), bool(v["provisional"])) if v else None


def _edits(e: PublicEdits | None) -> dict | None:
    if e is None:
        return None
    return {"subject": e.subject, "body": e.body, "reply": e.reply, "reply_n": e.reply_n}


def _pedits(d: dict | None) -> PublicEdits | None:
    if not d:
        return None
    n = d.get("reply_n")
    return PublicEdits(subject=d.get("subject"), body=d.get("body"), reply=d.get("reply"),
                       reply_n=None if n is None else int(n))


def letter_to_doc(letter: Letter) -> dict[str, Any]:
    """Everything but the history, which is stored as one record per event."""
    p = letter.publication
    return {
        "id": letter.id, "tracking_code": letter.tracking_code,
        "secret_hash": letter.secret_hash, "type": str(letter.type),
        "subject": letter.subject, "body": letter.body, "public": letter.public,
        "submitted_at": _dt(letter.submitted_at), "name": letter.name, "phone": letter.phone,
        "email": letter.email, "requested_department": letter.requested_department,
        "department": letter.department, "status": str(letter.status),
        "version": letter.version, "source": letter.source,
        "dispatched_at": _dt(letter.dispatched_at), "clock_start": _dt(letter.clock_start),
        "sign_due": _due(letter.sign_due), "reply_due": _due(letter.reply_due),
        "signed_at": _dt(letter.signed_at), "light": str(letter.light),
        "pending_extension": letter.pending_extension, "redo_count": letter.redo_count,
        "replies": [{"n": r.n, "body": r.body, "by": r.by, "department": r.department,
                     "at": _dt(r.at), "on_time": r.on_time} for r in letter.replies],
        "ratings": [{"reply_n": r.reply_n, "score": str(r.score), "comment": r.comment,
                     "at": _dt(r.at),
                     **({"resolved": str(r.resolved)} if r.resolved else {})}
                    for r in letter.ratings],
        "publication": None if p is None else {
            "subject": p.subject, "body": p.body, "reply": p.reply,
            "reply_department": p.reply_department, "reply_at": _dt(p.reply_at),
            "name": p.name, "category": p.category, "approved_at": _dt(p.approved_at),
            "first_published_at": _dt(p.first_published_at)},
        "public_edits": _edits(letter.public_edits),
        "leader": letter.leader,              # the leader's board it was written to
        "votes_up": letter.votes_up, "votes_down": letter.votes_down,
        "duplicate_of": letter.duplicate_of,
        "campaign": letter.campaign, "adopted": letter.adopted,
        "listing": letter.listing.to_dict() if letter.listing else None,
        "about": letter.about.to_dict() if letter.about else None,
    }


def letter_from_doc(d: dict[str, Any], events: list[dict[str, Any]]) -> Letter:
    p = d.get("publication")
    return Letter(
        id=d["id"], tracking_code=d["tracking_code"], secret_hash=d["secret_hash"],
        type=LetterType(d["type"]), subject=d["subject"], body=d["body"],
        public=bool(d["public"]), submitted_at=_pdt(d["submitted_at"]),  # type: ignore[arg-type]
        name=d.get("name"), phone=d.get("phone"), email=d.get("email"),
        requested_department=d.get("requested_department"), department=d.get("department"),
        status=Status(d["status"]), version=int(d["version"]), source=d.get("source", "web"),
        dispatched_at=_pdt(d.get("dispatched_at")), clock_start=_pdt(d.get("clock_start")),
        sign_due=_pdue(d.get("sign_due")), reply_due=_pdue(d.get("reply_due")),
        signed_at=_pdt(d.get("signed_at")), light=Light(d.get("light", "none")),
        pending_extension=d.get("pending_extension"), redo_count=int(d.get("redo_count", 0)),
        replies=[Reply(n=int(r["n"]), body=r["body"], by=r["by"], department=r["department"],
                       at=_pdt(r["at"]), on_time=bool(r["on_time"]))  # type: ignore[arg-type]
                 for r in d.get("replies", [])],
        ratings=[Rating(reply_n=int(r["reply_n"]), score=Score(r["score"]),
                        comment=r.get("comment"), at=_pdt(r["at"]),  # type: ignore[arg-type]
                        resolved=Resolution(r["resolved"]) if r.get("resolved") else None)
                 for r in d.get("ratings", [])],
        publication=None if not p else Publication(
            subject=p["subject"], body=list(p["body"]), reply=list(p["reply"]),
            reply_department=p["reply_department"], reply_at=_pdt(p["reply_at"]),  # type: ignore[arg-type]
            name=p["name"], category=p.get("category"),
            approved_at=_pdt(p["approved_at"]),  # type: ignore[arg-type]
            first_published_at=_pdt(p["first_published_at"])),  # type: ignore[arg-type]
        public_edits=_pedits(d.get("public_edits")),
        leader=d.get("leader") or None,
        votes_up=int(d.get("votes_up", 0)), votes_down=int(d.get("votes_down", 0)),
        duplicate_of=d.get("duplicate_of") or None,
        campaign=d.get("campaign") or None, adopted=d.get("adopted"),
        listing=Listing.from_dict(d.get("listing")), about=About.from_dict(d.get("about")),
        history=sorted((Event.from_dict(e) for e in events), key=lambda e: e.seq),
    )


def contact_keys(letter: Letter) -> tuple[str, ...]:
    """The contact index keys of a letter (`similar.contact_keys`: hashed phone and e-mail),
    which the stores keep so the staff view finds the same writer's letters of any age."""
    return tuple(similar.contact_keys(letter.phone, letter.email))


def candidate_from_doc(d: dict[str, Any]) -> similar.Candidate:
    """A stored letter document (`letter_to_doc`, no history) as a `similar.Candidate`."""
    return similar.Candidate(
        id=d["id"], subject=d["subject"], body=d["body"],
        submitted_at=datetime.fromisoformat(d["submitted_at"]),
        open=similar.is_open(d["status"]), phone=d.get("phone"), email=d.get("email"),
        duplicate=bool(d.get("duplicate_of")), status=d["status"],
        department=d.get("department"))


def time_key(at: datetime) -> str:
    """Fixed-width UTC text that sorts like the instants it names, whatever their offsets."""
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")


def from_time_key(key: str) -> datetime:
    """The instant a `time_key` names (in UTC)."""
    return datetime.strptime(key, "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)


def late_key(event: dict) -> str | None:
    """The sort key of a late sign-in or reply event (its `time_key`), None for any other event:
    what the stores index so the exposure board lists late work without scanning history."""
    data = event.get("data") or {}
    if event.get("action") in ("sign", "reply") and data.get("on_time") is False \
            and data.get("due"):
        return time_key(datetime.fromisoformat(event["at"]))
    return None


def late_keys(letter: Letter) -> list[str]:
    """`late_key` of each late sign-in and reply in a letter's history, oldest first."""
    return [k for e in letter.history if (k := late_key(e.to_dict())) is not None]


def pub_key(letter: Letter) -> str | None:
    """Sort key of the public archive: first publication time (UTC, fixed width), then id."""
    p = letter.publication
    if p is None:
        return None
    return time_key(p.first_published_at) + "#" + letter.id


def pub_month(letter: Letter) -> str | None:
    p = letter.publication
    return statistics.month_of(p.first_published_at) if p else None


# The facets of the public archive (分类选登): a published letter is on the board of its type
# (`letter.type`) and, when the office gave one on approval, of its category
# (`publication.category`); a letter without a category is on no category board.
TYPE, CATEGORY = "type", "category"
FACETS: tuple[str, ...] = (TYPE, CATEGORY)


def pub_facet(letter: Letter, facet: str) -> str | None:
    """The board of one facet a letter is on (its type or its category), None when it is not
    published or has no value for the facet."""
    p = letter.publication
    if p is None:
        return None
    if facet == TYPE:
        return str(letter.type)
    if facet == CATEGORY:
        return p.category or None
    raise ValueError(f"unknown facet {facet!r}")


def facet_month_key(value: str, month: str) -> str:
    """The partition of a (facet value, month) index: `{value}#{YYYY-MM}` (the month is last
    and fixed-width, so a value containing `#` still splits: `split_facet_month_key`)."""
    return f"{value}#{month}"


def split_facet_month_key(key: str) -> tuple[str, str]:
    value, _, month = key.rpartition("#")
    return value, month


def fkey(letter: Letter) -> str | None:
    """Sort key of a facet's whole archive: `{month}#{pub_key}` (months sort like time, so this
    is archive order, and one month is the keys beginning with `{month}#`)."""
    key, month = pub_key(letter), pub_month(letter)
    return None if key is None or month is None else f"{month}#{key}"


# Supervision schedules: each letter is in at most one (the states they need do not overlap).
DUE, WAIT, REDO = "DUE", "WAIT", "REDO"
KEEP = "KEEP"     # finished, still holding its writer's personal data (domain/retention.py)


def schedule_of(letter: Letter) -> tuple[str, str] | None:
    """Which supervision list a letter belongs to, and its sort key there:

    - `DUE`: a clock is running; key `{due date}#{id}` (overdue once the date has ended);
    - `WAIT`: released to a reachable writer, not rated, not yet asked to rate; key
      `{release time}#{id}`;
    - `REDO`: the released reply was rated 不满意 and the office has not kept it (the office's
      re-do queue); key `{rating time}#{id}`;
    - `KEEP`: finished and still holding its writer's personal data (the retention purge's
      list, domain/retention.py); key `{time it finished}#{id}`.

    The adapters index this (SQLite columns, a sparse DynamoDB index) so that the scheduled job
    and the office never scan every letter."""
    due = letter.current_due
    if letter.status in ACTIVE and due is not None:
        return DUE, f"{due.date.isoformat()}#{letter.id}"
    if letter.in_redo_queue:
        rating = letter.current_rating
        assert rating is not None
        return REDO, f"{time_key(rating.at)}#{letter.id}"
    if letter.awaiting_rating_followup:
        released = letter.released_at
        assert released is not None
        return WAIT, f"{time_key(released)}#{letter.id}"
    if (finished := retention.finished_at(letter)) and retention.holds_personal_data(letter):
        return KEEP, f"{time_key(finished)}#{letter.id}"
    return None


def at_or_before(at: datetime) -> str:
    """An upper bound for schedule keys at or before `at` (keys are `{time_key}#{id}`)."""
    return time_key(at) + "~"


def new_change_id(at: datetime) -> str:
    """Sortable and unique: UTC time to the microsecond plus randomness."""
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f") + secrets.token_hex(4)


@dataclass
class LetterWrite:
    letter: Letter
    doc: dict[str, Any]
    expected_version: int | None          # None: a new letter (must not exist)
    new_events: list[dict[str, Any]]
    # (facet, value, fkey) of the boards it was on before this commit (`facet_entries`), so an
    # adapter that keeps facet entries apart (DynamoDB) writes them only when they change
    facets_before: tuple[tuple[str, str, str], ...] = ()
    # its contact index keys before this commit (`contact_keys`), likewise
    contacts_before: tuple[str, ...] = ()


def open_row_json(letter: Letter) -> str:
    """The letter's open-data row as the stores keep it beside the letter (`stored_row`)."""
    return json.dumps(open_data.stored_row(letter), ensure_ascii=False)


def facet_entries(letter: Letter) -> tuple[tuple[str, str, str], ...]:
    """(facet, value, fkey) for each facet board a letter is on."""
    key = fkey(letter)
    if key is None:
        return ()
    return tuple((f, v, key) for f in FACETS if (v := pub_facet(letter, f)) is not None)


@dataclass
class TopicWrite:
    topic: Topic
    doc: dict[str, Any]
    expected_version: int | None          # None: a new topic (must not exist)


@dataclass
class CommentWrite:
    comment: Comment
    doc: dict[str, Any]
    expected_version: int | None          # None: a new comment (must not exist)


@dataclass(frozen=True)
class QuotaUse:
    """One use of an abuse-limit quota: the commit fails with `TooManyRequests` when `key`
    has already been used `limit` times (the key names its time window)."""

    key: str
    limit: int
    expires_at: datetime


@dataclass
class CommitPlan:
    letters: list[LetterWrite] = field(default_factory=list)
    stats: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    answers: list[tuple[str, str, StoredAnswer]] = field(default_factory=list)
    votes: list[tuple[str, str]] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    topics: list[TopicWrite] = field(default_factory=list)
    comments: list[CommentWrite] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)   # topic -> deltas
    quotas: list[QuotaUse] = field(default_factory=list)
    # new weekly records (hot topics and the leaders' report, `domain.weekly`): each must not
    # exist yet, so of two ticks racing for a week one writes it and the other nothing
    weeks: list[dict[str, Any]] = field(default_factory=list)
    change: Change | None = None


class TrackedLetters:
    """What a unit of work loaded and changed, so that commit can plan its writes."""

    def __init__(self) -> None:
        self.before: dict[str, tuple[int | None, dict, str | None, str | None, bool]] = {}
        self.facets_before: dict[str, tuple[tuple[str, str, str], ...]] = {}
        self.contacts_before: dict[str, tuple[str, ...]] = {}
        self.letters: dict[str, Letter] = {}
        self.dirty: set[str] = set()
        self.answers: list[tuple[str, str, StoredAnswer]] = []
        self.votes: list[tuple[str, str]] = []
        self.notifications: dict[str, Notification] = {}
        # consultations
        self.topic_versions: dict[str, int | None] = {}
        self.topics: dict[str, Topic] = {}
        self.topics_dirty: set[str] = set()
        self.comment_before: dict[str, tuple[int | None, dict[str, int], bool]] = {}
        self.comments: dict[str, Comment] = {}
        self.comments_dirty: set[str] = set()
        self.responses: list[Response] = []
        self.quotas: list[QuotaUse] = []
        # corrections to the running statistics (a recomputation from history found drift)
        self.stats_corrections: dict[tuple[str, str], dict[str, int]] = {}
        self.weeks: dict[str, dict[str, Any]] = {}     # week -> new weekly record
        # suggestion drives and comment votes (domain/drive.py): a drive letter's counters
        # before this commit, and the votes (topic, comment, direction) to count
        self.drive_before: dict[str, dict[str, int]] = {}
        self.comment_votes: list[tuple[str, str, str]] = []

    # --- consultations -------------------------------------------------------------------

    def topic_loaded(self, topic: Topic) -> Topic:
        self.topics[topic.id] = topic
        self.topic_versions[topic.id] = topic.version
        return topic

    def topic_put(self, topic: Topic) -> None:
        """A new topic, or one loaded in this unit of work, to be written."""
        if topic.id not in self.topic_versions:
            if topic.version:
                raise KeyError(f"topic {topic.id} was not loaded in this unit of work")
            self.topic_versions[topic.id] = None
        self.topics[topic.id] = topic
        self.topics_dirty.add(topic.id)

    def comment_loaded(self, comment: Comment) -> Comment:
        self.comments[comment.id] = comment
        self.comment_before[comment.id] = (comment.version,
                                           consultations.comment_counts(comment), comment.public)
        return comment

    def comment_added(self, comment: Comment) -> None:
        self.comments[comment.id] = comment
        self.comment_before[comment.id] = (None, {}, False)
        self.comments_dirty.add(comment.id)

    def comment_saved(self, comment: Comment) -> None:
        if comment.id not in self.comment_before:
            raise KeyError(f"comment {comment.id} was not loaded in this unit of work")
        self.comments_dirty.add(comment.id)

    def _plan_consultations(self, plan: CommitPlan, change: Change) -> None:
        topics: set[str] = set()
        for tid in sorted(self.topics_dirty):
            topic = self.topics[tid]
            expected = self.topic_versions[tid]
            topic.version = (expected or 0) + 1
            plan.topics.append(TopicWrite(topic, topic.to_dict(), expected))
            topics.add(tid)
            change.public = True
            for dept in topic.departments:
                if dept not in change.departments:
                    change.departments.append(dept)

        def add(topic_id: str, delta: dict[str, int]) -> None:
            row = plan.tallies.setdefault(topic_id, {})
            for counter, n in delta.items():
                row[counter] = row.get(counter, 0) + n

        for cid in sorted(self.comments_dirty):
            comment = self.comments[cid]
            version, before, was_public = self.comment_before[cid]
            add(comment.topic_id, consultations.difference(
                before, consultations.comment_counts(comment)))
            comment.version = (version or 0) + 1
            plan.comments.append(CommentWrite(comment, comment.to_dict(), version))
            topics.add(comment.topic_id)
            change.public = change.public or was_public or comment.public
        for response in self.responses:
            add(response.topic_id, consultations.response_counts(response))
            plan.responses.append(response)
            topics.add(response.topic_id)
            change.public = True
        plan.tallies = {t: {c: n for c, n in sorted(row.items()) if n}
                        for t, row in sorted(plan.tallies.items())}
        plan.tallies = {t: row for t, row in plan.tallies.items() if row}
        plan.quotas = list(self.quotas)
        change.topics = sorted(topics)
        if topics and not self.dirty:
            change.kind = "topic"

    def _plan_drives(self, plan: CommitPlan, change: Change) -> None:
        """A drive letter's counters go to its drive's tallies, and a vote's to its comment's
        topic, in the same commit; the change names the topic so its page is rebuilt (a drive
        letter names its drive whenever it changes: the page lists its public text)."""
        topics = set(change.topics)
        deltas: dict[str, dict[str, int]] = {}
        for lid in sorted(self.dirty):
            letter = self.letters[lid]
            if not letter.campaign:
                continue
            d = consultations.difference(self.drive_before.get(lid, {}),
                                         drive.letter_counts(letter))
            row = deltas.setdefault(letter.campaign, {})
            for c, n in d.items():
                row[c] = row.get(c, 0) + n
            topics.add(letter.campaign)
        for topic_id, comment_id, direction in self.comment_votes:
            row = deltas.setdefault(topic_id, {})
            c = drive.vote_counter(comment_id, direction)
            row[c] = row.get(c, 0) + 1
            topics.add(topic_id)
            change.public = True
        for topic_id, row in deltas.items():
            merged = plan.tallies.setdefault(topic_id, {})
            for c, n in row.items():
                merged[c] = merged.get(c, 0) + n
        plan.tallies = {t: {c: n for c, n in sorted(row.items()) if n}
                        for t, row in sorted(plan.tallies.items())}
        plan.tallies = {t: row for t, row in plan.tallies.items() if row}
        change.topics = sorted(topics)
        if self.comment_votes and not self.dirty:
            change.kind = "topic"

    def notify(self, notification: Notification) -> None:
        # the same notification twice in one unit of work is one notification
        self.notifications.setdefault(notification.id, notification)

    def loaded(self, letter: Letter) -> Letter:
        self.letters[letter.id] = letter
        self.before[letter.id] = (letter.version, statistics.contributions(letter.history),
                                  letter.department, pub_month(letter),
                                  letter.publication is not None)
        self.facets_before[letter.id] = facet_entries(letter)
        self.contacts_before[letter.id] = contact_keys(letter)
        self.drive_before[letter.id] = drive.letter_counts(letter)
        return letter

    def added(self, letter: Letter) -> None:
        self.letters[letter.id] = letter
        self.before[letter.id] = (None, {}, None, None, False)
        self.facets_before[letter.id] = ()
        self.contacts_before[letter.id] = ()
        self.drive_before[letter.id] = {}
        self.dirty.add(letter.id)

    def saved(self, letter: Letter) -> None:
        if letter.id not in self.before:
            raise KeyError(f"letter {letter.id} was not loaded in this unit of work")
        self.dirty.add(letter.id)

    def plan(self, now: datetime) -> CommitPlan:
        plan = CommitPlan(answers=list(self.answers), votes=list(self.votes),
                          notifications=[self.notifications[k] for k in sorted(self.notifications)])
        change = Change(id=new_change_id(now), at=now, types=[], categories=[])
        touched: set[tuple[str, str]] = set()
        boards: dict[str, set[str]] = {TYPE: set(), CATEGORY: set()}
        for lid in sorted(self.dirty):
            letter = self.letters[lid]
            version, contrib_before, dept_before, month_before, was_public = self.before[lid]
            delta = statistics.difference(contrib_before, statistics.contributions(letter.history))
            for key, d in statistics.by_period(delta).items():
                row = plan.stats.setdefault(key, {})
                for c, n in d.items():
                    row[c] = row.get(c, 0) + n
                touched.add(key)
            is_public = letter.publication is not None
            change.letters.append(lid)
            for dept in (dept_before, letter.department):
                if dept and dept not in change.departments:
                    change.departments.append(dept)
            for month in (month_before, pub_month(letter)):
                if month and month not in change.months:
                    change.months.append(month)
            facets_before = self.facets_before.get(lid, ())
            facets_now = facet_entries(letter)
            for facet, value, _ in facets_before + facets_now:
                boards[facet].add(value)      # the type and category boards it was or is on
            change.public = change.public or is_public or was_public
            if is_public and not was_public:
                change.published.append(lid)
            if was_public and not is_public:
                change.withdrawn.append(lid)
            new_version = (version or 0) + 1
            letter.version = new_version
            plan.letters.append(LetterWrite(
                letter=letter, doc=letter_to_doc(letter), expected_version=version,
                new_events=[e.to_dict() for e in letter.new_events],
                facets_before=facets_before,
                contacts_before=self.contacts_before.get(lid, ())))
        change.types = sorted(boards[TYPE])
        change.categories = sorted(boards[CATEGORY])
        for key, d in self.stats_corrections.items():
            row = plan.stats.setdefault(key, {})
            for c, n in d.items():
                row[c] = row.get(c, 0) + n
            touched.add(key)
        if self.stats_corrections:
            change.kind = "statistics"
        change.periods = sorted({p for p, _ in touched})
        change.counters = sorted({c for row in plan.stats.values() for c, n in row.items() if n})
        for _, dept in touched:
            if dept not in change.departments:
                change.departments.append(dept)
        self._plan_consultations(plan, change)
        self._plan_drives(plan, change)
        change.departments.sort()
        change.months.sort()
        plan.weeks = [self.weeks[k] for k in sorted(self.weeks)]
        if plan.weeks and not plan.letters and not change.topics:
            change.kind = "week"           # the hot-topic pages (publisher/families/hot.py)
            change.public = True
        if plan.letters or plan.votes or change.topics or self.stats_corrections or plan.weeks:
            plan.change = change
        return plan

    def committed(self) -> None:
        for letter in self.letters.values():
            letter.new_events.clear()
        for lid in self.dirty:
            self.facets_before[lid] = facet_entries(self.letters[lid])
            self.contacts_before[lid] = contact_keys(self.letters[lid])
            self.drive_before[lid] = drive.letter_counts(self.letters[lid])
        self.dirty.clear()
        self.comment_votes.clear()
        self.answers.clear()
        self.votes.clear()
        for n in self.notifications.values():
            n.version = 1
        self.notifications.clear()
        for tid in self.topics_dirty:
            self.topic_versions[tid] = self.topics[tid].version
        self.topics_dirty.clear()
        for cid in self.comments_dirty:
            comment = self.comments[cid]
            self.comment_before[cid] = (comment.version, consultations.comment_counts(comment),
                                        comment.public)
        self.comments_dirty.clear()
        self.responses.clear()
        self.quotas.clear()
        self.stats_corrections.clear()
        self.weeks.clear()

    def rolled_back(self, plan: CommitPlan) -> None:
        for w in plan.letters:
            w.letter.version = w.expected_version or 0
        for t in plan.topics:
            t.topic.version = t.expected_version or 0
        for c in plan.comments:
            c.comment.version = c.expected_version or 0


# --- the staff inbox's search (both adapters) ------------------------------------------------

def search_chars(text: str | None) -> str:
    """What a search compares: the letters and digits of `text`, lower-cased, nothing else
    (spaces, punctuation and dashes do not count, so `138-1234` finds `13812345678`)."""
    return "".join(c for c in (text or "").lower() if c.isalnum())


def search_fields(letter: Letter) -> tuple[str, str, str, str]:
    """The fields the inbox search looks in: tracking code, phone, subject, body."""
    return (search_chars(letter.tracking_code), search_chars(letter.phone),
            search_chars(letter.subject), search_chars(letter.body))


def search_matches(letter: Letter, q: str) -> bool:
    """Whether the search `q` (already `search_chars`) occurs in one of the letter's fields."""
    return any(q in f for f in search_fields(letter))
