"""The writer's use cases: write a letter, follow it, rate the reply, get a new secret, and the
public's 顶/踩 on published letters. Each takes a command (`commands.py`) and a `Context`, runs
in one unit of work and returns plain data (the JSON of API.md); the API picks the status.

The staff's handling of letters is in `casework.py`, the views in `views.py`; what all use
cases share (`Context`, `Actor`, retries, idempotency) in `context.py`.
"""
from __future__ import annotations

import hmac
import secrets
from typing import Any

from ..domain import notifications
from ..domain.errors import NotFound
from ..domain.letters import Letter
from . import abuse, drive, oversight
from .commands import (
    Answer,
    RateReply,
    ResetSecret,
    SubmitLetter,
    Vote,
)
from .context import (
    Context,
    hash_secret,
    new_code,
    once,
    retry_on_conflict,
    save,
)
from .ports import LetterWork, UnitOfWork
from .views import citizen_view, progress_view


def submit_letter(ctx: Context, command: SubmitLetter, client: str | None = None) -> Answer:
    """POST /api/letters: a new letter; the same idempotency key returns the first answer
    (`replayed`). A new letter uses its client's letter quota in its own commit
    (`abuse.take_letter_quota`), so a replay costs nothing."""
    if command.department is not None:
        ctx.department(command.department)
    # a conduct complaint: private, to the supervising office (services/oversight.py)
    public, requested = oversight.submission(ctx, command)

    def make(uow: UnitOfWork) -> dict[str, Any]:
        now = ctx.clock()
        drive.check_campaign(uow, command.campaign, command.type, now)
        abuse.take_letter_quota(ctx, uow, client, now)
        secret = secrets.token_urlsafe(18)
        letter = Letter(
            id=new_code(10).lower(), tracking_code="WZ" + new_code(8),
            secret_hash=hash_secret(secret), type=command.type, subject=command.subject,
            body=command.body, public=public, submitted_at=now, name=command.name,
            phone=command.phone, email=command.email,
            requested_department=requested, campaign=command.campaign, about=command.about)
        letter.leader = command.leader
        letter.record_submission(now)
        uow.add_letter(letter)
        # the receipt (code and secret) to the contact the writer gave, in the letter's commit
        for note in notifications.secret_messages(letter, secret, letter.history[-1].seq, now,
                                                  ctx.notify, notifications.Kind.receipt):
            uow.add_notification(note)
        return {"id": letter.id, "tracking_code": letter.tracking_code, "secret": secret,
                "status": str(letter.status)}

    return once(ctx, "letters", command.once, make)


def _letter_for_citizen(uow: LetterWork, tracking_code: Any, secret: Any) -> Letter:
    if not isinstance(tracking_code, str) or not isinstance(secret, str) or not secret:
        raise NotFound("tracking_not_found")
    letter = uow.get_letter_by_code(tracking_code.strip().upper())
    if letter is None or not hmac.compare_digest(letter.secret_hash, hash_secret(secret.strip())):
        raise NotFound("tracking_not_found")
    return letter


MERGE_HOPS = 5      # how far a merged letter's page follows originals merged in turn


def track_letter(ctx: Context, tracking_code: str, secret: str | None) -> dict[str, Any]:
    """GET /api/letters/{tracking_code}: what the writer may see, without staff names."""
    with ctx.store.unit_of_work() as uow:
        letter = _letter_for_citizen(uow, tracking_code, secret)
        original = uow.get_letter(letter.duplicate_of) if letter.duplicate_of else None
        # the original may have been merged into another letter since: follow it there
        for _ in range(MERGE_HOPS):
            if original is None or not original.duplicate_of:
                break
            original = uow.get_letter(original.duplicate_of) or original
    view = citizen_view(ctx, letter)
    if letter.duplicate_of:
        # merged into another letter (重复件): the writer follows its progress, never its
        # writer's words or details (`views.progress_view`)
        view["duplicate_of"] = progress_view(ctx, original) if original else None
    return view


def rate_reply(ctx: Context, tracking_code: str, secret: str | None,
               command: RateReply) -> dict[str, Any]:
    """POST /api/letters/{tracking_code}/rating: once per released reply."""
    with ctx.store.unit_of_work() as uow:
        letter = _letter_for_citizen(uow, tracking_code, secret)
        rating = letter.rate(command.score, command.comment, ctx.clock(), command.resolved)
        save(ctx, uow, letter)
        uow.commit()
    return {"reply": rating.reply_n, "score": str(rating.score), "comment": rating.comment,
            "resolved": None if rating.resolved is None else str(rating.resolved),
            "at": rating.at.isoformat()}


SECRET_RESET_ANSWER = {
    "status": "accepted",
    "message": ("如果您填写的联系方式与提交来信时留下的一致，新的查询密码将发送到该联系方式，"
                "原密码随即失效。"),
    "message_en": "If the contact you gave is the one left with the letter, a new password is "
                  "being sent to it, and the old one no longer works.",
}


def contact_matches(letter: Letter, contact: str) -> notifications.Channel | None:
    """The channel on which `contact` is the writer's own: the e-mail address (any case) or
    the mobile number (spaces, dashes, +86 ignored) given with the letter; None otherwise —
    also for a landline, which cannot receive an SMS."""
    if "@" in contact:
        if letter.email and hmac.compare_digest(letter.email.strip().casefold().encode(),
                                                contact.strip().casefold().encode()):
            return notifications.Channel.email
        return None
    given, own = notifications.mobile(contact), notifications.mobile(letter.phone)
    if given and own and hmac.compare_digest(given.encode(), own.encode()):
        return notifications.Channel.sms
    return None


def reset_secret(ctx: Context, tracking_code: Any, command: ResetSecret) -> dict[str, Any]:
    """POST /api/letters/{tracking_code}/secret: a writer who lost the secret names the phone
    or e-mail address they gave; when it matches, the secret is replaced and the new one sent
    there (recorded in the history, without the contact). The answer is the same whether it
    matched or not, so it tells nothing about a letter's contact (the limits are the route's)."""
    if not isinstance(tracking_code, str):
        return dict(SECRET_RESET_ANSWER)
    code = tracking_code.strip().upper()

    def attempt() -> dict[str, Any]:
        with ctx.store.unit_of_work() as uow:
            letter = uow.get_letter_by_code(code)
            channel = contact_matches(letter, command.contact) if letter is not None else None
            if letter is None or channel is None:
                return dict(SECRET_RESET_ANSWER)
            now = ctx.clock()
            secret = secrets.token_urlsafe(18)
            letter.secret_hash = hash_secret(secret)
            event = letter.record_secret_reset(now, str(channel))
            for note in notifications.secret_messages(letter, secret, event.seq, now,
                                                      ctx.notify, notifications.Kind.new_secret,
                                                      (channel,)):
                uow.add_notification(note)
            save(ctx, uow, letter)
            uow.commit()
            return dict(SECRET_RESET_ANSWER)

    return retry_on_conflict(2, attempt)


def vote(ctx: Context, letter_id: str, command: Vote, voter: str) -> dict[str, Any]:
    """POST /api/letters/{id}/votes: public 顶/踩; one per voter per letter, never in ratings."""

    def attempt() -> dict[str, Any]:
        with ctx.store.unit_of_work() as uow:
            letter = uow.get_letter(letter_id)
            if letter is None or letter.publication is None:
                raise NotFound("published_letter_not_found")
            counted = uow.add_vote(letter.id, voter)
            if counted:
                letter.vote(command.direction, ctx.clock())
                uow.save_letter(letter)
                uow.commit()
            return {"id": letter.id, "counted": counted, "up": letter.votes_up,
                    "down": letter.votes_down}

    return retry_on_conflict(3, attempt)
