"""Letters from every channel of the 12345 hotline (Yibin: phone, fax, SMS, e-mail, web): an
operator (话务员), or the office, takes down a letter that came by phone, SMS, fax, e-mail, a
visit, an app or WeChat (POST /api/staff/letters).

The letter is the writer's as if written on the site — the same checks, the same tracking code
and secret, the same idempotency — with its channel as `source` and `submitted_at` the time the
hotline received it, so it counts in the month it arrived. The history records the operator who
took it and the channel. The writer gets the code and secret by SMS or e-mail when they gave a
mobile number or an address (the receipt of `notifications.secret_messages`, in the letter's
commit); the answer carries them too, for the operator to read out on the phone.
"""
from __future__ import annotations

import secrets
from typing import Any

from ..domain import channels, notifications
from ..domain.letters import Letter
from . import oversight
from .commands import Answer, TakeLetter
from .context import Actor, Context, hash_secret, new_code, once, require
from .ports import UnitOfWork

# who takes letters from the other channels
ROLES = ("office", "operator")
SCOPE = "staff-letters"      # idempotency keys: an operator's apart from the writers' own


def take_letter(ctx: Context, actor: Actor, command: TakeLetter) -> Answer:
    """POST /api/staff/letters: a letter from another channel, taken down by `actor`; the
    same idempotency key returns the first answer (`replayed`)."""
    require(actor, *ROLES)
    c = command.letter
    if c.department is not None:
        ctx.department(c.department)
    received_at = channels.check_received_at(command.received_at, ctx.clock())
    # a conduct complaint taken by phone: private, to the supervising office, as on the web
    public, requested = oversight.submission(ctx, c)

    def make(uow: UnitOfWork) -> dict[str, Any]:
        now = ctx.clock()
        secret = secrets.token_urlsafe(18)
        letter = Letter(
            id=new_code(10).lower(), tracking_code="WZ" + new_code(8),
            secret_hash=hash_secret(secret), type=c.type, subject=c.subject, body=c.body,
            public=public, submitted_at=received_at, name=c.name, phone=c.phone,
            email=c.email, requested_department=requested, source=command.channel,
            about=c.about)
        letter.leader = c.leader          # a call to the mayor's line: the mayor's board
        letter.record_intake(actor.username, now)
        uow.add_letter(letter)
        # the receipt to the writer's own mobile or address, sent now (not at received_at)
        notes = notifications.secret_messages(letter, secret, letter.history[-1].seq, now,
                                              ctx.notify, notifications.Kind.receipt)
        for note in notes:
            uow.add_notification(note)
        return {"id": letter.id, "tracking_code": letter.tracking_code, "secret": secret,
                "status": str(letter.status), "channel": letter.source,
                "received_at": received_at.isoformat(),
                # where the receipt went: "email", "sms" (none: the operator reads it out)
                "sent_to": sorted(str(n.channel) for n in notes)}

    return once(ctx, SCOPE, command.once, make)

