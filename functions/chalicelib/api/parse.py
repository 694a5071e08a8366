"""Request bodies turned into commands (`services/commands.py`): every field's type, length and
choice checked, text cleaned as it is stored, each refusal an `Invalid` naming its field with
API.md's code (`required`, `wrong_type`, `too_long`, `invalid_choice`, …).

One function per route body, named after the use case; each names the fields its body may
hold, and a body with any other top-level field (or an outcome item with another field) is
refused as `unknown_field`, naming the first such key in sorted order (README "Extensions to
API.md"; before issue 12 they were silently ignored). What can only
be checked against stored records — a paragraph of this draft, a question of this survey, a
comment of this topic — is the use case's. Nothing here imports Chalice, so the local tools
(the demo city) build their commands through the same checks as the API.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from ..domain import channels, text
from ..domain import consultations as C
from ..domain.consultations import Decision, Stance
from ..domain.errors import Invalid, prefixed
from ..domain.letters import LetterType, Score
from ..domain.oversight import EFFICIENCY, About
from ..domain.rates import Resolution
from ..services import commands as cmd
from ..services.commands import (
    BODY_MAX,
    CATEGORY_MAX,
    COMMENT_MAX,
    CONTACT_MAX,
    EMAIL_MAX,
    KEY_MAX,
    NAME_MAX,
    PHONE_MAX,
    REASON_MAX,
    REPLY_MAX,
    SUBJECT_MAX,
)

FIELD_NAMES = {"subject": "主题", "body": "内容", "name": "姓名", "phone": "电话",
               "email": "电子邮箱", "reason": "理由", "comment": "评价意见", "category": "分类",
               "public_subject": "公开主题", "public_body": "公开内容", "public_reply": "公开答复",
               "department": "部门",
               "summary": "反馈说明", "opinion": "意见", "contact": "联系方式",
               "note": "呈报说明", "text": "批示内容"}


# --- fields ---------------------------------------------------------------------------------

def obj(payload: Any, *fields: str) -> Mapping[str, Any]:
    """The body as a JSON object holding no field but `fields`."""
    if not isinstance(payload, Mapping):
        raise Invalid("body_not_object")
    only(payload, fields)
    return payload


UNKNOWN_NAME_MAX = 64


def only(payload: Mapping[str, Any], fields: Collection[str], where: str = "") -> None:
    """Refuse a field the body does not take: the first unknown key, sorted (`where` prefixes
    the field of a nested object, "items[2].")."""
    unknown = sorted(str(key) for key in payload if key not in fields)
    if unknown:
        name = unknown[0]
        if len(name) > UNKNOWN_NAME_MAX:     # a made-up key of any length is named, not echoed
            name = name[:UNKNOWN_NAME_MAX] + "…"
        raise Invalid("unknown_field", field=where + name)


def optional_text(payload: Mapping[str, Any], name: str, *, max_len: int,
                  line: bool = True) -> str | None:
    """Text that may be left out (absent, null or blank: None), cleaned as stored."""
    return _text(payload, name, required=False, max_len=max_len, line=line)


def required_text(payload: Mapping[str, Any], name: str, *, max_len: int,
                  line: bool = True) -> str:
    """Text that must be given, cleaned as stored."""
    value = _text(payload, name, required=True, max_len=max_len, line=line)
    return value or ""


def _text(payload: Mapping[str, Any], name: str, *, required: bool, max_len: int,
          line: bool) -> str | None:
    value = payload.get(name)
    zh = FIELD_NAMES.get(name, name)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise Invalid("field_required", field=name, label=zh)
        return None
    if not isinstance(value, str):
        raise Invalid("text_not_string", field=name, label=zh)
    clean = text.clean_line if line else text.clean
    return clean(value, max_len=max_len, field=name, label=zh)


def flag(payload: Mapping[str, Any], name: str, default: bool) -> bool:
    value = payload.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Invalid("not_boolean", field=name)
    return value


def phone(value: str | None) -> str | None:
    if value is None:
        return None
    digits = value.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits.isdigit() or not 7 <= len(digits) <= 12:
        raise Invalid("phone_invalid", field="phone")
    return digits


def email(value: str | None) -> str | None:
    if value is None:
        return None
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value or len(value) > 254:
        raise Invalid("email_invalid", field="email")
    return value


def once(payload: Mapping[str, Any]) -> cmd.Once | None:
    """The client's `idempotency_key` (1–128 characters), if it sent one, with the fingerprint
    of the rest of the request (a replay must send the same)."""
    key = payload.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX):
        raise Invalid("idempotency_key_length", field="idempotency_key")
    if key is None:
        return None
    rest = {k: v for k, v in payload.items() if k != "idempotency_key"}
    digest = hashlib.sha256(json.dumps(rest, sort_keys=True, ensure_ascii=False,
                                       default=str).encode()).hexdigest()
    return cmd.Once(key, digest)


def department(value: Any, known: Collection[str] | None) -> str:
    """A department id; checked against `known` when given (the use case checks it again)."""
    if not isinstance(value, str) or (known is not None and value not in known):
        raise Invalid("unknown_department", field="department")
    return value


def _reason(payload: Mapping[str, Any]) -> str:
    return required_text(payload, "reason", max_len=REASON_MAX, line=False)


# --- citizens: letters ----------------------------------------------------------------------

def submit_letter(payload: Any, departments: Collection[str] | None = None, *,
                  leaders: Collection[str] | None = None) -> cmd.SubmitLetter:
    """POST /api/letters (the form's honeypot `website` is taken off before, services/abuse).
    `leader` (a leader's board, content/leaders.yaml) is checked against `leaders`."""
    payload = obj(payload, "type", "subject", "body", "department", "name", "phone", "email",
                  "public", "idempotency_key", "campaign", "leader", "about")
    request = once(payload)
    kind = payload.get("type")
    if not text.is_choice(kind, LetterType.__members__):
        raise Invalid("letter_type_choice", field="type", types=", ".join(LetterType))
    subject = required_text(payload, "subject", max_len=SUBJECT_MAX)
    body = required_text(payload, "body", max_len=BODY_MAX, line=False)
    dept = payload.get("department")
    if dept is not None:
        dept = department(dept, departments)
    conduct = about(payload, kind, dept, departments)
    return cmd.SubmitLetter(
        type=LetterType(kind), subject=subject, body=body, department=dept,
        name=optional_text(payload, "name", max_len=NAME_MAX),
        phone=phone(optional_text(payload, "phone", max_len=PHONE_MAX)),
        email=email(optional_text(payload, "email", max_len=EMAIL_MAX)),
        public=flag(payload, "public", False), once=request,
        campaign=campaign(payload.get("campaign")),
        leader=leader_of(payload, leaders), about=conduct)


def campaign(value: Any) -> str | None:
    """A suggestion drive's id, or None (services/drive.py checks it exists and is open)."""
    if value is None:
        return None
    if not isinstance(value, str) or not C.SLUG.match(value):
        raise Invalid("unknown_campaign", field="campaign")
    return value


# the body of POST /api/letters, as POST /api/staff/letters takes it
# (a suggestion drive's `campaign` is the web form's alone)
SUBMIT_FIELDS = ("type", "subject", "body", "department", "name", "phone", "email", "public",
                 "idempotency_key", "leader", "about")


def take_letter(payload: Any, departments: Collection[str] | None = None, *,
                leaders: Collection[str] | None = None) -> cmd.TakeLetter:
    """POST /api/staff/letters: the body of POST /api/letters plus `channel` (not `web`) and
    `received_at` (ISO-8601 with its offset; its window is the use case's, services/channels)."""
    payload = obj(payload, *SUBMIT_FIELDS, "channel", "received_at")
    letter = submit_letter({k: v for k, v in payload.items()
                            if k not in ("channel", "received_at", "idempotency_key")},
                           departments, leaders=leaders)
    channel = payload.get("channel")
    if channel == channels.WEB:
        raise Invalid("channel_web_refused", field="channel")
    if not text.is_choice(channel, channels.TAKEN):
        raise Invalid("channel_choice", field="channel", channels=", ".join(channels.TAKEN))
    raw = payload.get("received_at")
    if raw is None:
        raise Invalid("field_required", field="received_at", label="收到时间")
    try:
        if not isinstance(raw, str) or len(raw) > 40:
            raise ValueError(raw)
        received_at = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid("received_at_format", field="received_at") from None
    if received_at.tzinfo is None:
        raise Invalid("received_at_offset", field="received_at")
    return cmd.TakeLetter(letter=letter, channel=str(channel), received_at=received_at,
                          once=once(payload))


def leader_of(payload: Mapping[str, Any], leaders: Collection[str] | None) -> str | None:
    """The optional `leader` of a letter: null, or the id of a leader of leaders.yaml."""
    value = payload.get("leader")
    if value is None:
        return None
    if not isinstance(value, str) or (leaders is not None and value not in leaders):
        raise Invalid("leader_unknown", field="leader")
    return value


def about(payload: Mapping[str, Any], kind: str, dept: str | None,
          departments: Collection[str] | None) -> About | None:
    """`about` of POST /api/letters: required for (and only for) a conduct complaint, an
    object `{"department": id, "person": str or null}`; such a letter takes no `department`
    (it goes to the supervising office, never to the one it names)."""
    raw = payload.get("about")
    if kind != EFFICIENCY:
        if raw is not None:
            raise Invalid("about_other_type", field="about")
        return None
    if dept is not None:
        raise Invalid("conduct_no_department", field="department")
    if raw is None:
        raise Invalid("about_required", field="about")
    if not isinstance(raw, Mapping):
        raise Invalid("about_not_object", field="about")
    only(raw, ("department", "person"), "about.")
    named = raw.get("department")
    if named is None:
        raise Invalid("about_required", field="about.department")
    if not isinstance(named, str) or (departments is not None and named not in departments):
        raise Invalid("unknown_department", field="about.department")
    person = optional_text(raw, "person", max_len=NAME_MAX)
    return About(department=named, person=person)


def rate_reply(payload: Any) -> cmd.RateReply:
    """POST /api/letters/{tracking_code}/rating."""
    payload = obj(payload, "score", "comment", "resolved")
    comment = optional_text(payload, "comment", max_len=COMMENT_MAX, line=False)
    score = payload.get("score")
    if not text.is_choice(score, Score.__members__):
        raise Invalid("score_choice", field="score")
    resolved = payload.get("resolved")
    if resolved is not None and not text.is_choice(resolved, Resolution.__members__):
        raise Invalid("resolved_choice", field="resolved")
    return cmd.RateReply(Score(score), comment,
                         None if resolved is None else Resolution(resolved))


def reset_secret(payload: Any) -> cmd.ResetSecret:
    """POST /api/letters/{tracking_code}/secret: a phone number or an e-mail address."""
    contact = required_text(obj(payload, "contact"), "contact", max_len=CONTACT_MAX)
    if "@" not in contact and not any(c.isdigit() for c in contact):
        raise Invalid("contact_invalid", field="contact")
    return cmd.ResetSecret(contact)


def suggest(payload: Any) -> cmd.Suggest:
    """POST /api/suggest: a subject (required) and the body if there is one yet."""
    body = obj(payload, "subject", "body")
    return cmd.Suggest(required_text(body, "subject", max_len=SUBJECT_MAX),
                       optional_text(body, "body", max_len=BODY_MAX, line=False))


def vote(payload: Any) -> cmd.Vote:
    """POST /api/letters/{id}/votes."""
    if isinstance(payload, Mapping):
        only(payload, ("direction",))
    direction = payload.get("direction") if isinstance(payload, Mapping) else None
    if direction == "up":
        return cmd.Vote("up")
    if direction == "down":
        return cmd.Vote("down")
    raise Invalid("direction_choice", field="direction")


def login(payload: Any) -> Mapping[str, Any]:
    """POST /api/staff/login: `username` and `password` (services/auth checks them)."""
    return obj(payload, "username", "password")


# --- staff: letters -------------------------------------------------------------------------

def dispatch_letter(payload: Any, departments: Collection[str] | None = None
                    ) -> cmd.DispatchLetter:
    return cmd.DispatchLetter(department(obj(payload, "department").get("department"), departments))


NOTE_MAX = 500          # an escalation's note (domain/leaders.py)
INSTRUCTION_MAX = 2000  # a leader's instruction (批示)
LETTER_ID_MAX = 64     # letter ids are 10 characters; anything longer names no letter
LETTER_ID = re.compile(r"[A-Za-z0-9_-]+")


def reject_letter(payload: Any) -> cmd.RejectLetter:
    """`reason`, and `duplicate_of`: the id of the letter this one repeats, or null."""
    payload = obj(payload, "reason", "duplicate_of")
    original = payload.get("duplicate_of")
    if original is not None and not isinstance(original, str):
        raise Invalid("duplicate_of_type", field="duplicate_of")
    original = (original or "").strip() or None
    if original is not None and (len(original) > LETTER_ID_MAX
                                 or not LETTER_ID.fullmatch(original)):
        raise Invalid("duplicate_of_format", field="duplicate_of", max_len=LETTER_ID_MAX)
    return cmd.RejectLetter(_reason(payload), duplicate_of=original)


def sign_letter(payload: Any) -> cmd.SignLetter:
    obj(payload)
    return cmd.SignLetter()


def transfer_letter(payload: Any) -> cmd.TransferLetter:
    return cmd.TransferLetter(_reason(obj(payload, "reason")))


def request_extension(payload: Any) -> cmd.RequestExtension:
    payload = obj(payload, "working_days", "reason")
    reason = _reason(payload)
    days = payload.get("working_days")
    low, high = cmd.EXTENSION_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high:
        raise Invalid("extension_days_range", field="working_days", max_days=high)
    return cmd.RequestExtension(days, reason)


def approve_extension(payload: Any) -> cmd.ApproveExtension:
    obj(payload)
    return cmd.ApproveExtension()


def deny_extension(payload: Any) -> cmd.DenyExtension:
    return cmd.DenyExtension(_reason(obj(payload, "reason")))


def reply_to_letter(payload: Any) -> cmd.ReplyToLetter:
    return cmd.ReplyToLetter(required_text(obj(payload, "body"), "body", max_len=REPLY_MAX,
                                           line=False))


_DRAFT = ("public_subject", "public_body", "public_reply")


def public_draft(payload: Any) -> cmd.PublicDraft:
    """POST .../preview: the office's wording (`public_subject`, `public_body`,
    `public_reply`), each optional."""
    return _draft(obj(payload, *_DRAFT))


def _draft(payload: Mapping[str, Any]) -> cmd.PublicDraft:
    return cmd.PublicDraft(
        subject=optional_text(payload, "public_subject", max_len=SUBJECT_MAX),
        body=optional_text(payload, "public_body", max_len=BODY_MAX, line=False),
        reply=optional_text(payload, "public_reply", max_len=REPLY_MAX, line=False))


def approve_reply(payload: Any) -> cmd.ApproveReply:
    payload = obj(payload, "publish", "category", "adopted", *_DRAFT)
    publish = flag(payload, "publish", True)
    category = optional_text(payload, "category", max_len=CATEGORY_MAX)
    adopted = payload.get("adopted")
    if adopted is not None and not isinstance(adopted, bool):
        raise Invalid("not_boolean", field="adopted")
    return cmd.ApproveReply(publish=publish, category=category, draft=_draft(payload),
                            adopted=adopted)


def order_redo(payload: Any) -> cmd.OrderRedo:
    return cmd.OrderRedo(_reason(obj(payload, "reason")))


def keep_reply(payload: Any) -> cmd.KeepReply:
    return cmd.KeepReply(_reason(obj(payload, "reason")))


def escalate_letter(payload: Any) -> cmd.EscalateLetter:
    """POST /api/staff/letters/{id}/escalate: `{"leader", "note"}` (services/leaders.py)."""
    payload = obj(payload, "leader", "note")
    leader = payload.get("leader")
    if not isinstance(leader, str) or not leader:
        raise Invalid("leader_unknown", field="leader")
    return cmd.EscalateLetter(leader,
                              optional_text(payload, "note", max_len=NOTE_MAX, line=False))


def record_instruction(payload: Any) -> cmd.RecordInstruction:
    """POST /api/staff/letters/{id}/instruction: `{"text", "leader"}` (the office names the
    leader; a leader's account is its own)."""
    payload = obj(payload, "text", "leader")
    leader = payload.get("leader")
    if leader is not None and (not isinstance(leader, str) or not leader):
        raise Invalid("leader_unknown", field="leader")
    return cmd.RecordInstruction(required_text(payload, "text", max_len=INSTRUCTION_MAX,
                                               line=False),
                                 leader or None)


# --- consultations --------------------------------------------------------------------------

def add_comment(payload: Any) -> cmd.AddComment:
    """POST /api/topics/{topic_id}/comments."""
    payload = obj(payload, "body", "name", "stance", "paragraph", "department",
                  "idempotency_key")
    request = once(payload)
    body = required_text(payload, "body", max_len=C.COMMENT_MAX, line=False)
    name = optional_text(payload, "name", max_len=C.NAME_MAX)
    stance = payload.get("stance")
    if stance is not None and not text.is_choice(stance, Stance.__members__):
        raise Invalid("stance_choice", field="stance")
    paragraph = payload.get("paragraph")
    if paragraph is not None and (isinstance(paragraph, bool) or not isinstance(paragraph, int)):
        raise Invalid("paragraph_not_integer", field="paragraph")
    dept = payload.get("department")
    if dept is not None and not isinstance(dept, str):
        raise Invalid("text_not_string", field="department", label="部门")
    return cmd.AddComment(body=body, name=name, stance=None if stance is None else Stance(stance),
                          paragraph=paragraph, department=dept, once=request)


def add_response(payload: Any) -> cmd.AddResponse:
    """POST /api/surveys/{survey_id}/responses."""
    payload = obj(payload, "answers", "idempotency_key")
    request = once(payload)
    answers = payload.get("answers")
    if not isinstance(answers, Mapping):
        raise Invalid("answers_not_object", field="answers")
    return cmd.AddResponse(answers=dict(answers), once=request)


def approve_comment(payload: Any) -> cmd.ApproveComment:
    obj(payload)
    return cmd.ApproveComment()


def reject_comment(payload: Any) -> cmd.RejectComment:
    return cmd.RejectComment(required_text(obj(payload, "reason"), "reason", max_len=C.REASON_MAX,
                                           line=False))


def answer_comment(payload: Any) -> cmd.AnswerComment:
    return cmd.AnswerComment(required_text(obj(payload, "body"), "body", max_len=C.ANSWER_MAX,
                                           line=False))


def publish_outcome(payload: Any) -> cmd.PublishOutcome:
    """POST /api/staff/topics/{topic_id}/outcome: the summary and one decision per opinion."""
    payload = obj(payload, "summary", "items")
    summary = required_text(payload, "summary", max_len=C.OUTCOME_SUMMARY_MAX, line=False)
    raw_items = payload.get("items", [])
    if raw_items is None:
        raw_items = []
    if not isinstance(raw_items, list):
        raise Invalid("outcome_items_not_list", field="items")
    if len(raw_items) > C.OUTCOME_ITEMS_MAX:
        raise Invalid("outcome_too_many_items", field="items", limit=C.OUTCOME_ITEMS_MAX)
    return cmd.PublishOutcome(summary, tuple(_outcome_item(i, raw)
                                             for i, raw in enumerate(raw_items)))


def _outcome_item(i: int, raw: Any) -> cmd.OutcomeDraftItem:
    where = f"items[{i}]"
    if not isinstance(raw, Mapping):
        raise Invalid("outcome_item_not_object", field=where, where=where)
    only(raw, ("comment_id", "decision", "reason", "opinion"), f"{where}.")
    cid = raw.get("comment_id")
    if cid is not None and not isinstance(cid, str):
        raise Invalid("unknown_comment", field=f"{where}.comment_id", where=where)
    decision = raw.get("decision")
    if not text.is_choice(decision, Decision.__members__):
        raise Invalid("decision_choice", field=f"{where}.decision")
    try:
        reason = required_text(raw, "reason", max_len=C.REASON_MAX * 2, line=False)
        opinion = optional_text(raw, "opinion", max_len=C.COMMENT_MAX, line=False)
    except Invalid as err:      # name the item, so the editor can point at its row
        raise prefixed(err, "outcome_item_prefix", field=f"{where}.{err.field}", n=i + 1,
                       where=where) from None
    if cid is None and opinion is None:
        raise Invalid("outcome_opinion_required", field=f"{where}.opinion", where=where)
    return cmd.OutcomeDraftItem(cid, Decision(str(decision)), reason, opinion, where)
