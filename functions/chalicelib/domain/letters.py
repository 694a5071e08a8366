"""The letter (来信) and its state machine.

A letter moves `submitted → dispatched → signed → replied → published | closed`, with the side
paths of DESIGN.md: `rejected`, `transfer_requested`, `extension_requested`, `redo`. Every
method that changes a letter checks the transitions table, appends an `Event` to the letter's
history (who, when, from, to, why: 全内容全状态留档) and raises `InvalidTransition` otherwise.

Whether a letter is public is not a state: `publication` holds the version the office approved
(分类选登), and exists only when the citizen allowed publication. The light is not a state either:
it is computed from the due dates and `now` (see deadlines.py); the scheduled job records light
changes as events.

Over 500 lines on purpose: the letter's every transition is a method of `Letter`, beside the one
transitions table it checks, so the state machine reads in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .deadlines import (
    Due,
    Light,
    WorkCalendar,
    add_working_days,
    extend,
    light_at,
    working_days_between,
    yellow_from,
)
from .errors import Invalid, InvalidTransition
from .oversight import About, Listing
from .rates import Resolution


class Status(StrEnum):
    submitted = "submitted"
    dispatched = "dispatched"
    signed = "signed"
    extension_requested = "extension_requested"
    transfer_requested = "transfer_requested"
    replied = "replied"
    published = "published"
    closed = "closed"
    rejected = "rejected"
    redo = "redo"


class LetterType(StrEnum):
    consultation = "consultation"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"
    criticism = "criticism"
    efficiency = "efficiency"      # a complaint about a civil servant's conduct (oversight.py)


class Score(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


S = Status

# action -> (states it may start from, state it ends in). The one transitions table.
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "dispatch": (frozenset({S.submitted, S.transfer_requested}), S.dispatched),
    "reject": (frozenset({S.submitted, S.transfer_requested, S.dispatched}), S.rejected),
    "sign": (frozenset({S.dispatched}), S.signed),
    "transfer": (frozenset({S.dispatched, S.signed}), S.transfer_requested),
    "request_extension": (frozenset({S.signed, S.redo}), S.extension_requested),
    # approving or refusing an extension returns the letter to where it was (signed or redo)
    "approve_extension": (frozenset({S.extension_requested}), None),
    "deny_extension": (frozenset({S.extension_requested}), None),
    "reply": (frozenset({S.signed, S.redo, S.extension_requested}), S.replied),
    "approve": (frozenset({S.replied}), None),  # → published or closed
    "redo": (frozenset({S.replied, S.published, S.closed}), S.redo),
}

# States in which a department is working against a deadline.
SIGN_CLOCK = frozenset({S.dispatched})
REPLY_CLOCK = frozenset({S.signed, S.extension_requested, S.redo})
ACTIVE = SIGN_CLOCK | REPLY_CLOCK
ANSWERED = frozenset({S.published, S.closed})
EXTENSION_MAX_DAYS = 30            # working days one extension may add

LABELS: dict[str, tuple[str, str]] = {
    # code: (zh-CN, en)
    "submitted": ("已提交", "Submitted"),
    "dispatched": ("已转办", "Dispatched"),
    "signed": ("办理中", "Being handled"),
    "extension_requested": ("申请延期", "Extension requested"),
    "transfer_requested": ("退回重新转办", "Sent back for re-dispatch"),
    "replied": ("已答复待审核", "Replied, awaiting approval"),
    "published": ("已答复", "Answered"),
    "closed": ("已办结", "Closed"),
    "rejected": ("不予受理", "Not accepted"),
    "redo": ("重办中", "Being redone"),
    "consultation": ("咨询", "Consultation"),
    "help": ("求助", "Request for help"),
    "complaint": ("投诉", "Complaint"),
    "report": ("举报", "Tip-off"),
    "suggestion": ("建议", "Suggestion"),
    "criticism": ("批评", "Criticism"),
    "efficiency": ("效能投诉", "Conduct complaint"),
    "supervised": ("挂牌督办", "Listed for supervision"),
    "supervision_overdue": ("督办逾期", "Past the supervision date"),
    "satisfied": ("满意", "Satisfied"),
    "basically_satisfied": ("基本满意", "Basically satisfied"),
    "unsatisfied": ("不满意", "Unsatisfied"),
    "submit": ("提交来信", "Letter submitted"),
    "rating_followup": ("提醒评价", "Asked for a rating"),
    "rate": ("评价答复", "Reply rated"),
    "keep_reply": ("维持答复", "Reply kept"),
    "secret_reset": ("重新发送查询密码", "New password sent"),
    "duplicate": ("合并重复来信", "A repeated letter was merged into this one"),
    "escalated": ("呈报领导", "Sent to a city leader"),         # domain/leaders.py
    "instruction": ("领导批示", "A city leader's instruction"),
    "green": ("绿灯", "Green"),
    "yellow": ("黄灯", "Yellow"),
    "red": ("红灯", "Red"),
    "none": ("—", "—"),
}


def label(code: str, lang: str = "zh") -> str:
    zh, en = LABELS.get(code, (code, code))
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class Limits:
    """Time limits in working days for one letter type (defaults from the sources: sign within
    1 working day of dispatch, reply within 5: Yibin, Qingdao and Beijing all use 5), the share
    of the limit after which the light turns yellow (1/3: the Beijing hotline's rule), how many
    re-dos (重办) the office may order, and after how many working days without a rating the
    writer is asked once to rate the released reply. Configured in content/limits.yaml."""

    sign_days: int = 1
    reply_days: int = 5
    yellow_fraction: float = 1 / 3
    max_redos: int = 1
    rating_followup_days: int = 3


@dataclass
class Event:
    """One line of a letter's history: who did what, when, from which state to which, and why."""

    seq: int
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at.isoformat(), "actor": self.actor,
                "action": self.action, "from": self.from_status, "to": self.to_status,
                "reason": self.reason, "data": self.data}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(seq=int(d["seq"]), at=datetime.fromisoformat(d["at"]), actor=d["actor"],
                   action=d["action"], from_status=d.get("from"), to_status=d.get("to"),
                   reason=d.get("reason"), data=dict(d.get("data") or {}))


@dataclass
class Reply:
    n: int
    body: str
    by: str
    department: str
    at: datetime
    on_time: bool


@dataclass
class Rating:
    reply_n: int
    score: Score
    comment: str | None
    at: datetime
    # the writer's answer to "was it solved?" (rates.py); None when not answered
    resolved: Resolution | None = None


@dataclass
class Publication:
    """The public version the office approved: already redacted and split into paragraphs, so
    the publisher never re-processes text on a build."""

    subject: str
    body: list[str]
    reply: list[str]
    reply_department: str
    reply_at: datetime
    name: str
    category: str | None
    approved_at: datetime
    first_published_at: datetime


@dataclass
class PublicEdits:
    """The office's own wording of the public text (the subject, the letter, and the reply
    `reply_n`), as the office typed it, before the automatic redaction. Kept on the letter, so
    every later approval (after a re-do too) publishes the office's wording until the office
    changes it; a reply edit belongs to its reply: a re-done reply starts from its own text."""

    subject: str | None = None
    body: str | None = None
    reply: str | None = None
    reply_n: int | None = None

    def reply_for(self, n: int | None) -> str | None:
        return self.reply if self.reply is not None and self.reply_n == n else None


@dataclass
class Letter:
    id: str
    tracking_code: str
    secret_hash: str
    type: LetterType
    subject: str
    body: str
    public: bool
    submitted_at: datetime
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    requested_department: str | None = None
    department: str | None = None
    status: Status = Status.submitted
    version: int = 0
    source: str = "web"
    leader: str | None = None          # the leader's board it was written to (domain/leaders.py)
    dispatched_at: datetime | None = None
    clock_start: datetime | None = None
    sign_due: Due | None = None
    reply_due: Due | None = None
    signed_at: datetime | None = None
    light: Light = Light.none
    pending_extension: dict[str, Any] | None = None
    redo_count: int = 0
    replies: list[Reply] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    publication: Publication | None = None
    public_edits: PublicEdits | None = None
    votes_up: int = 0
    votes_down: int = 0
    # the letter this one repeats (重复件): set when the office rejects it as a duplicate
    duplicate_of: str | None = None
    # a suggestion sent to a suggestion drive (domain/drive.py), and whether the office adopted it
    campaign: str | None = None
    adopted: bool | None = None

    # listed supervision (挂牌督办) and whom a conduct complaint is about (domain/oversight.py)
    listing: Listing | None = None
    about: About | None = None
    history: list[Event] = field(default_factory=list)
    new_events: list[Event] = field(default_factory=list, repr=False, compare=False)

    # --- the state machine -------------------------------------------------------------

    def _move(self, action: str, actor: str, at: datetime, *, to: Status | None = None,
              reason: str | None = None, **data: Any) -> Event:
        allowed, target = TRANSITIONS[action]
        if self.status not in allowed:
            raise InvalidTransition("letter_transition", field="status",
                                    status_label=label(self.status),
                                    action=action.replace("_", " "), status=str(self.status))
        target = to or target
        return self._record(action, actor, at, self.status, target, reason, data)

    def _record(self, action: str, actor: str, at: datetime, frm: Status | None,
                to: Status | None, reason: str | None, data: dict[str, Any]) -> Event:
        seq = (self.history[-1].seq + 1) if self.history else 1
        event = Event(seq=seq, at=at, actor=actor, action=action,
                      from_status=str(frm) if frm else None,
                      to_status=str(to) if to else None, reason=reason,
                      data={k: v for k, v in data.items() if v is not None})
        self.history.append(event)
        self.new_events.append(event)
        if to is not None:
            self.status = to
        return event

    def record_submission(self, at: datetime) -> None:
        self._record("submit", "citizen", at, None, Status.submitted, None,
                     {"department": self.requested_department, "source": self.source,
                      "about": self.about.department if self.about else None})

    def record_intake(self, by: str, taken_at: datetime) -> None:
        """A letter the hotline received by `source` (phone, SMS…) at `submitted_at`, taken
        down by the operator `by` at `taken_at` (domain/channels.py)."""
        self._record("submit", by, self.submitted_at, None, Status.submitted, None,
                     {"department": self.requested_department, "source": self.source,
                      "channel": self.source, "taken_at": taken_at.isoformat()})

    def record_secret_reset(self, at: datetime, channel: str) -> Event:
        """The writer asked for a new tracking secret, sent by `channel` (email or sms); the
        contact itself is not recorded."""
        return self._record("secret_reset", "citizen", at, None, None, None,
                            {"channel": channel})

    def dispatch(self, department: str, by: str, at: datetime, cal: WorkCalendar,
                 limits: Limits, suggested: dict[str, str] | None = None) -> None:
        """`suggested` is the model's first suggestion the office was shown ({category,
        department}), recorded beside the choice so the acceptance can be counted."""
        if not department:
            raise Invalid("department_required", field="department")
        self._move("dispatch", by, at, department=department, previous=self.department,
                   **_suggested(suggested))
        self.department = department
        self.dispatched_at = at
        self.clock_start = at
        self.signed_at = None
        self.sign_due = add_working_days(cal, at, limits.sign_days)
        self.reply_due = add_working_days(cal, at, limits.reply_days)
        self.light = Light.green

    def reject(self, reason: str, by: str, at: datetime, *,
               duplicate_of: Letter | None = None) -> None:
        """The office does not accept the letter (无效信件). With `duplicate_of` it repeats
        that letter (重复件): both histories name the other, and the writer's tracking page
        follows the original's progress. The original must be another letter and not itself
        a duplicate (its own original is named in the error, to link to that instead)."""
        _require_reason(reason)
        if duplicate_of is not None:
            if duplicate_of.id == self.id:
                raise Invalid("duplicate_of_self", field="duplicate_of")
            if duplicate_of.duplicate_of:
                raise InvalidTransition("duplicate_of_duplicate", field="duplicate_of",
                                        original=duplicate_of.duplicate_of)
        self._move("reject", by, at, reason=reason,
                   duplicate_of=duplicate_of.id if duplicate_of is not None else None)
        self.light = Light.none
        if duplicate_of is not None:
            self.duplicate_of = duplicate_of.id
            duplicate_of._record("duplicate", by, at, None, None, None, {"letter": self.id})

    def sign(self, by: str, at: datetime) -> None:
        self._move("sign", by, at, on_time=self.sign_due is None or at < self.sign_due.deadline(),
                   due=self.sign_due.date.isoformat() if self.sign_due else None)
        self.signed_at = at

    def request_transfer(self, reason: str, by: str, at: datetime) -> None:
        _require_reason(reason)
        self._move("transfer", by, at, reason=reason, department=self.department)
        self.light = Light.none

    def request_extension(self, working_days: int, reason: str, by: str, at: datetime) -> None:
        _require_reason(reason)
        if not isinstance(working_days, int) or isinstance(working_days, bool) \
                or not 1 <= working_days <= EXTENSION_MAX_DAYS:
            raise Invalid("extension_days_range", field="working_days",
                          max_days=EXTENSION_MAX_DAYS)
        back_to = self.status
        self._move("request_extension", by, at, reason=reason, working_days=working_days)
        self.pending_extension = {"working_days": working_days, "reason": reason,
                                  "back_to": str(back_to)}

    def approve_extension(self, by: str, at: datetime, cal: WorkCalendar) -> None:
        pending = self.pending_extension or {}
        back_to = Status(pending.get("back_to", Status.signed))
        days = int(pending.get("working_days", 0))
        self._move("approve_extension", by, at, to=back_to, working_days=days)
        if self.reply_due is not None and days:
            self.reply_due = extend(cal, self.reply_due, days)
            self.history[-1].data["reply_due"] = self.reply_due.date.isoformat()
        self.pending_extension = None

    def deny_extension(self, reason: str, by: str, at: datetime) -> None:
        pending = self.pending_extension or {}
        back_to = Status(pending.get("back_to", Status.signed))
        self._move("deny_extension", by, at, to=back_to, reason=reason or None)
        self.pending_extension = None

    def reply(self, body: str, by: str, at: datetime, cal: WorkCalendar) -> Reply:
        if self.status == Status.extension_requested:
            self.pending_extension = None
        on_time = self.reply_due is None or at < self.reply_due.deadline()
        n = len(self.replies) + 1
        took = working_days_between(cal, self.clock_start, at) if self.clock_start else 0.0
        self._move("reply", by, at, reply_n=n, on_time=on_time, department=self.department,
                   working_days_x100=round(took * 100),
                   due=self.reply_due.date.isoformat() if self.reply_due else None)
        reply = Reply(n=n, body=body, by=by, department=self.department or "", at=at,
                      on_time=on_time)
        self.replies.append(reply)
        self.light = Light.none
        return reply

    def approve(self, by: str, at: datetime, *, publish: bool, category: str | None,
                public_version: Publication | None,
                edits: PublicEdits | None = None,
                suggested: dict[str, str] | None = None) -> Status:
        """The office approves the latest reply: published if it and the citizen allow it.

        `edits` is the office's wording of the public text after this approval (see
        `PublicEdits`); it stays on the letter for the approvals after a re-do. `suggested` is
        the model's first suggestion ({category, department}), recorded when the office sets a
        category, beside that choice."""
        goes_public = bool(publish and self.public and public_version is not None)
        target = Status.published if goes_public else Status.closed
        # a re-done reply the office does not publish takes the earlier one off the site too:
        # the page must not show an answer the office has since found wanting
        withdrawn = not goes_public and self.publication is not None
        self._move("approve", by, at, to=target, publish=goes_public, category=category,
                   reply_n=self.latest_reply.n if self.latest_reply else None,
                   withdrawn=withdrawn or None,
                   edited=_edited(self.public_edits, edits) or None,
                   **_suggested(suggested if category else None))
        if edits is not None:
            self.public_edits = edits
        if withdrawn:
            self.publication = None
        if goes_public:
            assert public_version is not None
            if self.publication is not None:
                # a re-done reply keeps the letter's place in the stable monthly archive
                public_version.first_published_at = self.publication.first_published_at
            self.publication = public_version
        return target

    def order_redo(self, reason: str, by: str, at: datetime, cal: WorkCalendar,
                   limits: Limits) -> None:
        _require_reason(reason)
        if self.redo_count >= limits.max_redos:
            raise InvalidTransition("redo_limit", field="status", count=self.redo_count)
        self._move("redo", by, at, reason=reason)
        self.redo_count += 1
        # a re-do gets a new reply limit, counted from the order (Beijing: 重办)
        self.clock_start = at
        self.reply_due = add_working_days(cal, at, limits.reply_days)
        self.history[-1].data["reply_due"] = self.reply_due.date.isoformat()
        self.light = Light.green

    def keep_reply(self, reason: str, by: str, at: datetime) -> Event:
        """The office keeps the released reply although its writer rated it 不满意 (维持答复),
        instead of ordering a re-do: the letter leaves the re-do queue, the rating stays."""
        _require_reason(reason)
        reply = self.released_reply
        if not self.rated_unsatisfied or reply is None:
            raise InvalidTransition("keep_needs_unsatisfied", field="status")
        if self.reply_kept:
            raise InvalidTransition("already_kept", field="status")
        return self._record("keep_reply", by, at, None, None, reason,
                            {"reply_n": reply.n, "department": reply.department})

    def rate(self, score: str, comment: str | None, at: datetime,
             resolved: str | None = None) -> Rating:
        reply = self.released_reply
        if reply is None:
            raise InvalidTransition("no_reply_to_rate", field="score")
        if any(r.reply_n == reply.n for r in self.ratings):
            raise InvalidTransition("already_rated", field="score")
        try:
            sc = Score(score)
        except ValueError:
            raise Invalid("score_choice", field="score") from None
        try:
            solved = None if resolved is None else Resolution(resolved)
        except ValueError:
            raise Invalid("resolved_choice", field="resolved") from None
        rating = Rating(reply_n=reply.n, score=sc, comment=comment, at=at, resolved=solved)
        self.ratings.append(rating)
        data: dict[str, Any] = {"reply_n": reply.n, "score": str(sc),
                                "department": reply.department}
        if solved is not None:
            data["resolved"] = str(solved)
        self._record("rate", "citizen", at, None, None, None, data)
        return rating

    def vote(self, direction: str, at: datetime) -> None:
        if self.publication is None:
            raise InvalidTransition("votes_published_only", field="direction")
        if direction == "up":
            self.votes_up += 1
        elif direction == "down":
            self.votes_down += 1
        else:
            raise Invalid("direction_choice", field="direction")

    def record_light(self, light: Light, at: datetime, since: datetime | None = None) -> bool:
        """Record a light change once; returns False when the light is already recorded.

        `at` is when the change is recorded, `since` when the rule says it happened (earlier
        when the scheduled job runs late); the history stays in recording order."""
        if light == self.light:
            return False
        due = self.current_due
        self._record("light", "system", at, None, None, None,
                     {"from": str(self.light), "to": str(light),
                      "clock": "sign" if self.status in SIGN_CLOCK else "reply",
                      "due": due.date.isoformat() if due else None,
                      "since": since.isoformat() if since and since != at else None})
        self.light = light
        return True

    def catch_up_lights(self, cal: WorkCalendar, now: datetime, limits: Limits) -> list[Event]:
        """Record every light change due by `now`, in order, each once.

        A job that runs late still records green → yellow → red as two changes (the yellow one
        is what warns the department; skipping it would lose the warning from the record), each
        with the moment the rule says it happened."""
        target = self.light_at(cal, now, limits)
        if target == self.light:
            return []
        steps = [target]
        if target == Light.red and self.light != Light.yellow and limits.yellow_fraction < 1:
            steps = [Light.yellow, Light.red]
        due, start = self.current_due, self.clock_start
        events = []
        for light in steps:
            since = None
            if due is not None and start is not None:
                since = (due.deadline() if light == Light.red else
                         yellow_from(cal, start, due, limits.yellow_fraction)
                         if light == Light.yellow else None)
            if self.record_light(light, now, since=min(since, now) if since else None):
                events.append(self.history[-1])
        return events

    def record_rating_followup(self, at: datetime, due: datetime) -> Event:
        """Record that the writer was asked, once, to rate the released reply."""
        reply = self.released_reply
        if not self.awaiting_rating_followup or reply is None:
            raise InvalidTransition("no_follow_up", field="status")
        return self._record("rating_followup", "system", at, None, None, None,
                            {"reply_n": reply.n, "due": due.isoformat()})

    # --- derived views -----------------------------------------------------------------

    @property
    def latest_reply(self) -> Reply | None:
        return self.replies[-1] if self.replies else None

    @property
    def released_reply(self) -> Reply | None:
        """The latest reply the office approved, which the citizen may see and rate."""
        approved = {e.data.get("reply_n") for e in self.history if e.action == "approve"}
        for reply in reversed(self.replies):
            if reply.n in approved:
                return reply
        return None

    @property
    def released_at(self) -> datetime | None:
        """When the office approved the released reply (released it to the writer)."""
        reply = self.released_reply
        if reply is None:
            return None
        return next((e.at for e in reversed(self.history)
                     if e.action == "approve" and e.data.get("reply_n") == reply.n), None)

    @property
    def current_rating(self) -> Rating | None:
        """The writer's rating of the released reply, if any."""
        reply = self.released_reply
        if reply is None:
            return None
        return next((r for r in self.ratings if r.reply_n == reply.n), None)

    @property
    def awaiting_rating_followup(self) -> bool:
        """Answered, reachable, released reply not rated and the writer not yet asked."""
        reply = self.released_reply
        if self.status not in ANSWERED or reply is None or not (self.email or self.phone):
            return False
        if self.current_rating is not None:
            return False
        return not any(e.action == "rating_followup" and e.data.get("reply_n") == reply.n
                       for e in self.history)

    def rating_followup_due(self, cal: WorkCalendar, limits: Limits) -> datetime | None:
        """The end of the `rating_followup_days`-th working day after the release."""
        released = self.released_at
        if released is None:
            return None
        return add_working_days(cal, released, limits.rating_followup_days).deadline()

    @property
    def rated_unsatisfied(self) -> bool:
        """The released reply was rated 不满意: the letter is in the office's re-do queue."""
        rating = self.current_rating
        return (self.status in ANSWERED and rating is not None
                and rating.score == Score.unsatisfied)

    @property
    def reply_kept(self) -> bool:
        """The office kept the released reply after its 不满意 rating (`keep_reply`)."""
        reply = self.released_reply
        return reply is not None and any(
            e.action == "keep_reply" and e.data.get("reply_n") == reply.n for e in self.history)

    @property
    def in_redo_queue(self) -> bool:
        """Rated 不满意 and the office has not kept the reply: it waits for the office."""
        return self.rated_unsatisfied and not self.reply_kept

    def awaiting_redo_decision(self, limits: Limits) -> bool:
        """In the re-do queue and the office may still order a re-do (重办, up to `max_redos`)."""
        return self.in_redo_queue and self.redo_count < limits.max_redos

    @property
    def current_due(self) -> Due | None:
        if self.status in SIGN_CLOCK:
            return self.sign_due
        if self.status in REPLY_CLOCK:
            return self.reply_due
        return None

    def light_at(self, cal: WorkCalendar, now: datetime, limits: Limits) -> Light:
        due = self.current_due
        if due is None or self.clock_start is None:
            return Light.none
        return light_at(cal, self.clock_start, due, now, limits.yellow_fraction)


def _edited(before: PublicEdits | None, after: PublicEdits | None) -> list[str]:
    """Which parts of the public text an approval changed from the office's earlier wording."""
    if after is None:
        return []
    was = before or PublicEdits()
    return [part for part in ("subject", "body", "reply")
            if getattr(after, part) is not None and (getattr(after, part) != getattr(was, part)
                                                     or part == "reply"
                                                     and after.reply_n != was.reply_n)]


def _require_reason(reason: str | None) -> None:
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("reason_required", field="reason")


def _suggested(suggested: dict[str, str] | None) -> dict[str, Any]:
    """The event data of a recorded suggestion: nothing when there is none."""
    return {"suggested": suggested} if suggested else {}
