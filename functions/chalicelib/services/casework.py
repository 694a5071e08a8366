"""The staff's handling of letters (办理): the office dispatches, rejects, approves replies and
decides on extensions, re-dos and kept replies; a department's clerk signs, asks for a transfer
or an extension, and replies; both read the inbox and a letter. Each use case takes an `Actor`
and a command (`commands.py`), checks the role, changes the letter in one unit of work (with
the notifications its events cause) and returns the staff's view of it (`views.staff_view`).

`public_version` is the one place a letter's public text is made (redacted, the name masked,
split into paragraphs); the importer and the bench make theirs with it too.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from ..adapters.codec import search_chars, search_matches
from ..domain import privacy, similar, text
from ..domain.deadlines import CHINA_TZ
from ..domain.errors import Forbidden, Invalid, InvalidTransition, NotFound
from ..domain.letters import (
    ANSWERED,
    Letter,
    Publication,
    PublicEdits,
    Score,
    Status,
    label,
)
from . import drive, leaders, oversight, suggestions
from .commands import (
    ApproveExtension,
    ApproveReply,
    DenyExtension,
    DispatchLetter,
    KeepReply,
    OrderRedo,
    PublicDraft,
    RejectLetter,
    ReplyToLetter,
    RequestExtension,
    SignLetter,
    TransferLetter,
)
from .context import Actor, Context, require, save
from .ports import LetterWork
from .privacy import record_read
from .views import inbox_row, staff_view


def _staff_letter(uow: LetterWork, actor: Actor, letter_id: str) -> Letter:
    letter = uow.get_letter(letter_id)
    if letter is None:
        raise NotFound("letter_not_found")
    oversight.check_visible(actor, letter)     # 403 another department's, 404 a hidden one
    leaders.check_read(actor, letter)
    return letter


def _change(ctx: Context, actor: Actor, letter_id: str, roles: tuple[str, ...],
            act: Callable[[Letter, datetime], Any]) -> dict[str, Any]:
    require(actor, *roles)
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
        act(letter, ctx.clock())
        save(ctx, uow, letter)
        uow.commit()
    record_read(ctx, actor, letter.id, "action")    # the answer shows them
    return staff_view(ctx, letter)


def dispatch_letter(ctx: Context, actor: Actor, letter_id: str, command: DispatchLetter
                    ) -> dict[str, Any]:
    """The office sends a letter to the department that handles it."""
    dept = ctx.department(command.department)
    # the first suggestion, recorded beside the choice (services/suggestions.py)
    def act(letter: Letter, now: datetime) -> None:
        oversight.check_dispatch(ctx, letter, dept)      # a conduct complaint: its office only
        letter.dispatch(dept, actor.username, now, ctx.calendar, ctx.limits_for(letter.type),
                        suggested=suggestions.first_suggestion(ctx, letter.subject, letter.body))
    return _change(ctx, actor, letter_id, ("office",), act)


def reject_letter(ctx: Context, actor: Actor, letter_id: str, command: RejectLetter
                  ) -> dict[str, Any]:
    """The office rejects a letter (无效信件), or as a duplicate (重复件) of `duplicate_of`:
    then both letters change in one commit, each guarded by its version (the duplicate names
    its original, the original's history names the duplicate)."""
    if command.duplicate_of is None:
        return _change(ctx, actor, letter_id, ("office",),
                       lambda l, now: l.reject(command.reason, actor.username, now))
    require(actor, "office")
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
        original = (uow.get_letter(command.duplicate_of)
                    if command.duplicate_of != letter_id else letter)
        if original is None:
            raise NotFound("duplicate_of_unknown", field="duplicate_of")
        letter.reject(command.reason, actor.username, ctx.clock(), duplicate_of=original)
        save(ctx, uow, letter)
        save(ctx, uow, original)
        uow.commit()
    record_read(ctx, actor, letter.id, "action")    # the answer shows them
    return staff_view(ctx, letter)


def sign_letter(ctx: Context, actor: Actor, letter_id: str,
                command: SignLetter = SignLetter()) -> dict[str, Any]:
    return _change(ctx, actor, letter_id, ("clerk",),
                   lambda l, now: l.sign(actor.username, now))


def transfer_letter(ctx: Context, actor: Actor, letter_id: str, command: TransferLetter
                    ) -> dict[str, Any]:
    return _change(ctx, actor, letter_id, ("clerk",),
                   lambda l, now: l.request_transfer(command.reason, actor.username, now))


def request_extension(ctx: Context, actor: Actor, letter_id: str,
                      command: RequestExtension) -> dict[str, Any]:
    return _change(ctx, actor, letter_id, ("clerk",), lambda l, now: l.request_extension(
        command.working_days, command.reason, actor.username, now))


def approve_extension(ctx: Context, actor: Actor, letter_id: str,
                      command: ApproveExtension = ApproveExtension()) -> dict[str, Any]:
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.approve_extension(actor.username, now, ctx.calendar))


def deny_extension(ctx: Context, actor: Actor, letter_id: str, command: DenyExtension
                   ) -> dict[str, Any]:
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.deny_extension(command.reason, actor.username, now))


def reply_to_letter(ctx: Context, actor: Actor, letter_id: str, command: ReplyToLetter
                    ) -> dict[str, Any]:
    return _change(ctx, actor, letter_id, ("clerk",),
                   lambda l, now: l.reply(command.body, actor.username, now, ctx.calendar))


def public_version(ctx: Context, letter: Letter, at: datetime, *, category: str | None,
                   subject: str | None, body: str | None,
                   reply: str | None = None) -> Publication:
    """The text the site shows: personal data redacted, the writer's name masked, split into
    paragraphs once, here, so builds never re-process it. A part given as None is the office's
    earlier wording (`Letter.public_edits`) if it has one, else the letter's (reply's) own."""
    latest = letter.latest_reply
    assert latest is not None
    edits = letter.public_edits or PublicEdits()
    names = [letter.name] if letter.name else []
    return Publication(
        subject=privacy.redact(subject or edits.subject or letter.subject, names=names),
        body=text.paragraphs(privacy.redact(body or edits.body or letter.body, names=names)),
        reply=text.paragraphs(privacy.redact(reply or edits.reply_for(latest.n) or latest.body,
                                             names=names)),
        reply_department=latest.department, reply_at=latest.at,
        name=privacy.mask_name(letter.name), category=category,
        approved_at=at, first_published_at=at)


def edits_after(letter: Letter, subject: str | None, body: str | None,
                reply: str | None) -> PublicEdits:
    """The office's wording after an approval that sent these parts (None: keep the earlier
    wording). A reply edit is for the latest reply; an earlier reply's edit is dropped."""
    was = letter.public_edits or PublicEdits()
    latest = letter.latest_reply
    n = latest.n if latest else None
    return PublicEdits(subject=subject if subject is not None else was.subject,
                       body=body if body is not None else was.body,
                       reply=reply if reply is not None else was.reply_for(n),
                       reply_n=n)


def approve_reply(ctx: Context, actor: Actor, letter_id: str, command: ApproveReply
                  ) -> dict[str, Any]:
    """The office approves a reply: released to the writer, and published (in the office's
    wording, `command.draft`) unless `publish` is false."""
    draft = command.draft

    def act(letter: Letter, now: datetime) -> None:
        if letter.status != Status.replied:
            raise InvalidTransition("approve_needs_pending", field="status")
        version = public_version(ctx, letter, now, category=command.category,
                                 subject=draft.subject, body=draft.body, reply=draft.reply)
        suggested = suggestions.first_suggestion(ctx, letter.subject, letter.body) \
            if command.category else None
        letter.approve(actor.username, now, publish=command.publish, category=command.category,
                       public_version=version,
                       edits=edits_after(letter, draft.subject, draft.body, draft.reply),
                       suggested=suggested)
        drive.mark_adopted(letter, command.adopted)
    return _change(ctx, actor, letter_id, ("office",), act)


def preview_letter(ctx: Context, actor: Actor, letter_id: str,
                   draft: PublicDraft | None = None) -> dict[str, Any]:
    """GET /api/staff/letters/{id}/preview: the public version as the next approval would
    publish it with the office's current wording (what `public_version` makes), paragraphs
    separated by a blank line; `reply` is None before the first reply. `edited` says which
    parts are the office's wording rather than the writer's (department's) own.

    POST with `public_subject`, `public_body` and `public_reply` (each a draft, or null for the
    current wording) previews a draft the office has not approved yet; nothing is saved."""
    require(actor, "office")
    draft = draft or PublicDraft()
    subject, body_in, reply_in = draft.subject, draft.body, draft.reply
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
    record_read(ctx, actor, letter.id, "preview")
    edits = letter.public_edits or PublicEdits()
    latest = letter.latest_reply
    names = [letter.name] if letter.name else []
    if latest is not None:
        v = public_version(ctx, letter, ctx.clock(), category=None, subject=subject,
                           body=body_in, reply=reply_in)
        subject_out, body, reply = v.subject, v.body, v.reply
    else:
        subject_out = privacy.redact(subject or edits.subject or letter.subject, names=names)
        body = text.paragraphs(privacy.redact(body_in or edits.body or letter.body, names=names))
        reply = None
    after = edits_after(letter, subject, body_in, reply_in)
    return {"subject": subject_out, "body": "\n\n".join(body),
            "reply": None if reply is None else "\n\n".join(reply),
            "name": privacy.mask_name(letter.name),
            "edited": {"subject": after.subject is not None, "body": after.body is not None,
                       "reply": latest is not None and after.reply is not None}}


def keep_reply(ctx: Context, actor: Actor, letter_id: str, command: KeepReply) -> dict[str, Any]:
    """POST /api/staff/letters/{id}/keep: the office keeps a reply rated 不满意 (维持答复)."""
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.keep_reply(command.reason, actor.username, now))


def order_redo(ctx: Context, actor: Actor, letter_id: str, command: OrderRedo) -> dict[str, Any]:
    """POST /api/staff/letters/{id}/redo: the office sends a reply rated 不满意 back (重办)."""
    return _change(ctx, actor, letter_id, ("office",), lambda l, now: l.order_redo(
        command.reason, actor.username, now, ctx.calendar, ctx.limits_for(l.type)))


def get_staff_letter(ctx: Context, actor: Actor, letter_id: str) -> dict[str, Any]:
    require(actor, "clerk", "office", "leader")
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
    record_read(ctx, actor, letter.id, "letter")     # name, phone, e-mail: who read
    view = staff_view(ctx, letter)
    # the model's guess from the letter's own words (services/suggestions.py), staff only
    view["suggested"] = suggestions.suggestions(ctx, letter.subject, letter.body) \
        if ctx.category_model is not None else []
    view["similar"] = similar_to(ctx, actor, letter)
    return view


def similar_to(ctx: Context, actor: Actor, letter: Letter) -> list[dict[str, Any]]:
    """Letters that may be the same matter (`domain/similar.py`), best first: `id`,
    `subject`, `status`, `score` and `same_contact`. The store gives the candidates
    (`Store.similar_candidates`: the same contact, and the newest letters of the last
    `similar.WINDOW_DAYS` days); a clerk sees only the department's own letters, never
    another department's (nor a letter not yet dispatched), the office every letter."""
    now = ctx.clock()
    candidates = ctx.store.similar_candidates(letter, now - timedelta(days=similar.WINDOW_DAYS))
    if actor.role == "clerk":
        candidates = [c for c in candidates if c.department == actor.department]
    elif actor.role == "leader":
        candidates = []           # a leader reads the letters sent to them, nothing beside
    by_id = {c.id: c for c in candidates}
    return [{"id": s.id, "subject": by_id[s.id].subject, "status": by_id[s.id].status,
             "status_label": label(by_id[s.id].status),
             "status_label_en": label(by_id[s.id].status, "en"),
             "score": s.score, "same_contact": s.same_contact}
            for s in similar.similar_letters(similar.candidate(letter), candidates, now)]


PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 100
SEARCH_MAX = 100
PAGE_MAX = 100_000
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=CHINA_TZ)


def _whole_number(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A page number or page size from the query: digits only, within [low, high]."""
    value = query.get(name)
    if value is None or value == "":
        return default
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() \
            or not low <= int(value) <= high:
        raise Invalid("page_out_of_range", field=name,
                      label={"page": "页码", "per_page": "每页条数"}.get(name, name),
                      low=low, high=high)
    return int(value)


def _search_query(query: Mapping[str, str]) -> str | None:
    """The search words (`q`) as the stores compare them (`codec.search_chars`), or None."""
    raw = query.get("q")
    if raw is None or not isinstance(raw, str) or not raw.strip():
        return None
    if len(raw) > SEARCH_MAX:
        raise Invalid("search_too_long", field="q", limit=SEARCH_MAX)
    chars = search_chars(raw)
    if not chars:
        raise Invalid("search_no_words", field="q")
    return chars


def list_staff_letters(ctx: Context, actor: Actor, query: Mapping[str, str]) -> dict[str, Any]:
    """The inbox: a clerk sees the department's letters, the office all; newest first, one page
    at a time: `{"rows", "total", "page", "per_page", "complete"}`.

    `q` searches the tracking code, the phone, the subject and the body (letters and digits
    only: spaces, punctuation and dashes do not count); `page` (from 1) and `per_page` (1 to
    100, default 50) choose the page. The store reads that page only (`Store.inbox_page`).
    `complete` is false when a word search looked only at the newest letters of the list
    (DynamoDB, see `store_dynamodb.SEARCH_WINDOW`); `searched` then says how many.

    `light` and `rating` are the office's queues (the dashboard's links): they list the most
    urgent first (red, then the earliest due date), from the supervision lists where there is
    one (a light is the clock of an active letter; `status=replied&rating=unsatisfied` is the
    re-do queue), and page that list. `rating` filters on the writer's current rating (of the
    released reply once the letter is answered, else the latest one). Only a released reply can
    be rated, so `status=replied&rating=…` also matches letters whose reply was released
    (published or closed): `status=replied&rating=unsatisfied` is the office's re-do queue
    (API.md), every letter whose released reply was rated 不满意, plus re-done replies awaiting
    approval. Each row says whether a re-do may still be ordered (`awaiting_redo_decision`)."""
    require(actor, "clerk", "office", "leader")
    if actor.role == "leader":        # the letters addressed or escalated to them only
        return leaders.leader_inbox(
            ctx, actor, query, _whole_number(query, "page", 1, 1, PAGE_MAX),
            _whole_number(query, "per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX))
    status = query.get("status") or None
    if status is not None and not text.is_choice(status, Status.__members__):
        raise Invalid("unknown_status", field="status")
    department = query.get("department") or None
    if actor.role == "clerk":
        if department and department != actor.department:
            raise Forbidden("clerk_own_department")
        department = actor.department
    elif department:
        ctx.department(department)
    light = query.get("light") or None
    if light is not None and light not in ("green", "yellow", "red", "none"):
        raise Invalid("unknown_light", field="light")
    rating = query.get("rating") or None
    if rating is not None and not text.is_choice(rating, Score.__members__):
        raise Invalid("unknown_rating", field="rating")
    q = _search_query(query)
    page = _whole_number(query, "page", 1, 1, PAGE_MAX)
    per_page = _whole_number(query, "per_page", PER_PAGE_DEFAULT, 1, PER_PAGE_MAX)
    offset = (page - 1) * per_page
    now = ctx.clock()
    if not light and not rating:
        found = ctx.store.inbox_page(status=status, department=department, q=q, offset=offset,
                                     limit=per_page)
        answer = {"rows": [inbox_row(ctx, letter, now) for letter in found.letters],
                  "total": found.total, "page": page, "per_page": per_page,
                  "complete": found.complete}
        if not found.complete:
            answer["searched"] = found.searched
        return answer
    rows = _queue_rows(ctx, status, department, light, rating, q, now)
    return {"rows": rows[offset:offset + per_page], "total": len(rows), "page": page,
            "per_page": per_page, "complete": True}


def _queue_rows(ctx: Context, status: str | None, department: str | None, light: str | None,
                rating: str | None, q: str | None, now: datetime) -> list[dict[str, Any]]:
    """The rows of a light or rating queue, most urgent first."""
    if light in ("red", "yellow", "green"):
        # a light belongs to an active letter's running clock: the supervision list of those
        # (red ones are those whose due date has ended), not the newest letters
        letters = ctx.store.overdue_letters(now if light == "red" else FAR_FUTURE)
        letters = [x for x in letters if not status or x.status == status]
    else:
        letters = ctx.store.list_letters(status=status, department=department, limit=500)
    if rating and status == Status.replied:
        if rating == Score.unsatisfied:
            released = ctx.store.letters_rated_unsatisfied()     # the whole queue, indexed
        else:
            released = [letter for answered in sorted(ANSWERED)
                        for letter in ctx.store.list_letters(status=str(answered),
                                                             department=department, limit=500)]
        letters += released
    rows = []
    for letter in letters:
        if department and letter.department != department:
            continue
        if q and not search_matches(letter, q):
            continue
        view = inbox_row(ctx, letter, now)
        if light and view["light"] != light:
            continue
        if rating and view["rating"] != rating:
            continue
        rows.append(view)
    order = {"red": 0, "yellow": 1, "green": 2, "none": 3}
    rows.sort(key=lambda r: (order[r["light"]], r["due"] or "9999", r["submitted_at"]))
    return rows
