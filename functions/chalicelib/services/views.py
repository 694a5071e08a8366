"""What a letter looks like to the people who read it through the API: the writer's view (no
staff names, only the history a citizen may see), the staff's full view, and one row of the
inbox. Plain data, the JSON of API.md.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import leaders
from ..domain.letters import ANSWERED, Letter, label
from . import oversight
from .context import Context


def _due_fields(letter: Letter) -> dict[str, Any]:
    due = letter.current_due
    return {"due": due.date.isoformat() if due else None,
            "due_provisional": bool(due and due.provisional)}


def department_ref(ctx: Context, dept_id: str | None) -> dict[str, Any] | None:
    """A department as the API names it: id, name and English name."""
    if not dept_id:
        return None
    d = ctx.departments.get(dept_id)
    return {"id": dept_id, "name": d.name if d else dept_id, "name_en": d.name_en if d else dept_id}


def citizen_view(ctx: Context, letter: Letter) -> dict[str, Any]:
    now = ctx.clock()
    reply = letter.released_reply
    rating = next((r for r in letter.ratings if reply and r.reply_n == reply.n), None)
    history = [{"at": e.at.isoformat(), "action": e.action, "from": e.from_status,
                "to": e.to_status, "label": label(e.to_status) if e.to_status else
                label(e.data.get("to", e.action)),
                "reason": e.reason if e.action in ("reject",) else None,
                # a rating's answer to "was it solved?" (rates.py), the writer's own
                **({"resolved": e.data["resolved"]}
                   if e.action == "rate" and e.data.get("resolved") else {})}
               # (a "duplicate" event says a letter was merged into this one, never which)
               for e in letter.history if e.action not in ("light", "rating_followup")]
    return {
        "id": letter.id, "tracking_code": letter.tracking_code, "type": str(letter.type),
        "subject": letter.subject, "status": str(letter.status),
        "status_label": label(letter.status), "status_label_en": label(letter.status, "en"),
        "light": str(letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type))),
        "department": department_ref(ctx, letter.department), **_due_fields(letter),
        "history": history,
        "reply": None if reply is None else {"n": reply.n, "body": reply.body,
                                             "at": reply.at.isoformat(),
                                             "department": department_ref(ctx, reply.department)},
        "rating": None if rating is None else {"score": str(rating.score),
                                               "comment": rating.comment,
                                               "resolved": _resolved(rating),
                                               "at": rating.at.isoformat()},
        "can_rate": reply is not None and rating is None,
        "public": letter.public,
        "url": f"/letters/{letter.id}/" if letter.publication else None,
        "duplicate_of": None,
    }


def progress_view(ctx: Context, letter: Letter) -> dict[str, Any]:
    """Another letter's progress as the writer of a duplicate of it may see it: its state,
    light, department and due date, the dates of its steps and, once it is on the public site,
    the published (redacted) reply and the page. Never its subject, text, writer, contact,
    tracking code or a staff name: the original may be another person's, or private."""
    now = ctx.clock()
    p = letter.publication
    return {
        "status": str(letter.status), "status_label": label(letter.status),
        "status_label_en": label(letter.status, "en"),
        "light": str(letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type))),
        "department": department_ref(ctx, letter.department), **_due_fields(letter),
        "history": [{"at": e.at.isoformat(), "action": e.action, "to": e.to_status,
                     "label": label(e.to_status) if e.to_status else label(e.action),
                     "label_en": (label(e.to_status, "en") if e.to_status
                                  else label(e.action, "en"))}
                    for e in letter.history if e.to_status is not None],
        "reply": None if p is None else {"body": "\n\n".join(p.reply),
                                         "at": p.reply_at.isoformat(),
                                         "department": department_ref(ctx, p.reply_department)},
        "url": f"/letters/{letter.id}/" if p is not None else None,
    }


def _resolved(rating: Any) -> str | None:
    """A rating's answer to "was the problem solved?" (yes, partly, no; rates.py) or None."""
    return str(rating.resolved) if rating.resolved else None


def _rating_code(letter: Letter) -> str | None:
    """The rating that matters now: of the released reply once answered, else the latest."""
    if letter.status in ANSWERED:
        rating = letter.current_rating
    else:
        rating = letter.ratings[-1] if letter.ratings else None
    return str(rating.score) if rating else None


def inbox_row(ctx: Context, letter: Letter, now: datetime) -> dict[str, Any]:
    return {
        "id": letter.id, "tracking_code": letter.tracking_code, "type": str(letter.type),
        "subject": letter.subject, "status": str(letter.status),
        "department": letter.department, "requested_department": letter.requested_department,
        "light": str(letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type))),
        **_due_fields(letter), "submitted_at": letter.submitted_at.isoformat(),
        "rating": _rating_code(letter),
        "redo_count": letter.redo_count,
        "awaiting_redo_decision": letter.awaiting_redo_decision(ctx.limits_for(letter.type)),
        **oversight.row_fields(letter),
    }


def staff_view(ctx: Context, letter: Letter) -> dict[str, Any]:
    row = inbox_row(ctx, letter, ctx.clock())
    return {
        **row, "body": letter.body, "name": letter.name, "phone": letter.phone,
        "email": letter.email, "public": letter.public,
        "channel": letter.source,            # web, or how the hotline received it (channels.py)
        "sign_due": letter.sign_due.date.isoformat() if letter.sign_due else None,
        "reply_due": letter.reply_due.date.isoformat() if letter.reply_due else None,
        "pending_extension": letter.pending_extension,
        "replies": [{"n": r.n, "body": r.body, "by": r.by, "department": r.department,
                     "at": r.at.isoformat(), "on_time": r.on_time} for r in letter.replies],
        "ratings": [{"reply_n": r.reply_n, "score": str(r.score), "comment": r.comment,
                     "resolved": _resolved(r), "at": r.at.isoformat()}
                    for r in letter.ratings],
        "history": [e.to_dict() for e in letter.history],
        "published_url": f"/letters/{letter.id}/" if letter.publication else None,
        "reply_kept": letter.reply_kept,
        # the letter this one repeats (重复件), and the letters merged into this one
        "duplicate_of": letter.duplicate_of,
        # a suggestion sent to a drive (domain/drive.py) and the office's verdict
        "campaign": letter.campaign, "adopted": letter.adopted,
        "duplicates": [e.data["letter"] for e in letter.history
                       if e.action == "duplicate" and e.data.get("letter")],
        "version": letter.version,
        # the leader's board, escalations and instructions (批示), services/leaders.py
        **leader_fields(ctx, letter),
        **oversight.staff_fields(ctx, letter),
    }


def leader_ref(ctx: Context, leader_id: str | None) -> dict[str, Any] | None:
    """A leader as the API names them: id, name, title (both languages); never a contact."""
    if not leader_id:
        return None
    x = ctx.leaders.get(leader_id)
    if x is None:
        return {"id": leader_id, "name": leader_id, "name_en": leader_id, "title": "",
                "title_en": ""}
    return {"id": x.id, "name": x.name, "name_en": x.name_en, "title": x.title,
            "title_en": x.title_en}


def leader_fields(ctx: Context, letter: Letter) -> dict[str, Any]:
    """What the staff view adds: the board the letter was written to, its escalations and the
    instructions (shown at the top of the handling clerk's view)."""
    return {
        "leader": leader_ref(ctx, letter.leader),
        "escalations": [{**e, "leader": leader_ref(ctx, e["leader"])}
                        for e in leaders.escalations(letter)],
        "instructions": [{**i, "leader": leader_ref(ctx, i["leader"])}
                         for i in leaders.instructions(letter)],
    }
