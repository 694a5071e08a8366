"""Use cases, one function per API verb. Each takes plain values and a `Context`, runs inside one
unit of work and returns plain data (the JSON of API.md).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from . import abuse
from ..domain import notifications, privacy, text
from .abuse import AbuseLimits
from ..adapters.codec import search_chars, search_matches
from ..domain.deadlines import CHINA_TZ, WorkCalendar
from ..domain.departments import Department
from ..domain.errors import (ConcurrentUpdate, Conflict, Forbidden, Invalid, InvalidTransition,
                     NotFound)
from ..domain.letters import (ANSWERED, LABELS, Letter, LetterType, Limits, Publication, PublicEdits,
                      Score, Status, label)
from ..domain.notifications import NotifyConfig
from .ports import Store, StoredAnswer, UnitOfWork

SUBJECT_MAX = 100
BODY_MAX = 6000
REPLY_MAX = 20000
NAME_MAX = 40
REASON_MAX = 1000
COMMENT_MAX = 1000
KEY_MAX = 128
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"   # no 0/O, 1/I/L, U: easy to read out


@dataclass(frozen=True)
class Actor:
    """Who is calling: a staff account (from a verified token) or the system."""

    username: str
    role: str                      # clerk | office | admin | system
    department: str | None = None


SYSTEM = Actor("system", "system")


@dataclass
class Context:
    store: Store
    calendar: WorkCalendar
    clock: Callable[[], datetime]
    departments: Mapping[str, Department]
    limits: Mapping[str, Limits] = field(default_factory=dict)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    abuse: AbuseLimits = field(default_factory=AbuseLimits)

    def limits_for(self, letter_type: str) -> Limits:
        return self.limits.get(letter_type) or self.limits.get("default") or Limits()

    def department(self, dept_id: Any, field_name: str = "department") -> str:
        if not isinstance(dept_id, str) or dept_id not in self.departments:
            raise Invalid("未知的部门", "Unknown department", field=field_name,
                          code="unknown_department")
        return dept_id


# --- input checks -----------------------------------------------------------------------

FIELD_NAMES = {"subject": "主题", "body": "内容", "name": "姓名", "phone": "电话",
               "email": "电子邮箱", "reason": "理由", "comment": "评价意见", "category": "分类",
               "public_subject": "公开主题", "public_body": "公开内容", "public_reply": "公开答复",
               "department": "部门",
               "summary": "反馈说明", "opinion": "意见", "contact": "联系方式"}


def _str(payload: Mapping, name: str, *, required: bool, max_len: int, line: bool = True) -> str | None:
    value = payload.get(name)
    zh = FIELD_NAMES.get(name, name)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise Invalid(f"请填写{zh}", f"{name} is required", field=name, code="required")
        return None
    if not isinstance(value, str):
        raise Invalid(f"{zh}须为文本", f"{name} must be a string", field=name,
                      code="wrong_type")
    clean = text.clean_line if line else text.clean
    return clean(value, max_len=max_len, field=name, label=zh)


def _bool(payload: Mapping, name: str, default: bool) -> bool:
    value = payload.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Invalid(f"{name} 须为 true 或 false", f"{name} must be a boolean", field=name,
                      code="wrong_type")
    return value


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    digits = value.replace(" ", "").replace("-", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not digits.isdigit() or not 7 <= len(digits) <= 12:
        raise Invalid("电话号码格式不正确", "Phone number is not valid", field="phone")
    return digits


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value or len(value) > 254:
        raise Invalid("电子邮箱格式不正确", "E-mail address is not valid", field="email")
    return value


def _request_hash(payload: Mapping) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _code(n: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(n))


def save(ctx: Context, uow: UnitOfWork, letter: Letter) -> None:
    """Save a changed letter together with the notifications its new events cause, so that
    they commit (or fail) with the change itself."""
    for n in notifications.for_events(letter, letter.new_events, ctx.notify):
        uow.add_notification(n)
    uow.save_letter(letter)


# --- citizens -----------------------------------------------------------------------------

def submit_letter(ctx: Context, payload: Mapping[str, Any],
                  client: str | None = None) -> tuple[int, dict]:
    """POST /api/letters: a new letter; the same idempotency key returns the first answer.
    A new letter uses its client's letter quota in its own commit (`abuse.take_letter_quota`)."""
    if not isinstance(payload, Mapping):
        raise Invalid("请求体须为 JSON 对象", "The body must be a JSON object", code="wrong_type")
    key = idempotency_key(payload)
    kind = payload.get("type")
    if not text.is_choice(kind, LetterType.__members__):
        raise Invalid("请选择来信类型", "type must be one of " + ", ".join(LetterType),
                      field="type", code="invalid_choice")
    subject = _str(payload, "subject", required=True, max_len=SUBJECT_MAX)
    body = _str(payload, "body", required=True, max_len=BODY_MAX, line=False)
    dept = payload.get("department")
    if dept is not None:
        ctx.department(dept)
    name = _str(payload, "name", required=False, max_len=NAME_MAX)
    phone = _phone(_str(payload, "phone", required=False, max_len=30))
    email = _email(_str(payload, "email", required=False, max_len=254))
    public = _bool(payload, "public", False)

    def make(uow: UnitOfWork) -> dict:
        now = ctx.clock()
        abuse.take_letter_quota(ctx, uow, client, now)
        secret = secrets.token_urlsafe(18)
        letter = Letter(
            id=_code(10).lower(), tracking_code="WZ" + _code(8), secret_hash=hash_secret(secret),
            type=LetterType(kind), subject=subject or "", body=body or "", public=public,
            submitted_at=now, name=name, phone=phone, email=email,
            requested_department=dept)
        letter.record_submission(now)
        uow.add_letter(letter)
        # the receipt (code and secret) to the contact the writer gave, in the letter's commit
        for note in notifications.secret_messages(letter, secret, letter.history[-1].seq, now,
                                                  ctx.notify, notifications.Kind.receipt):
            uow.add_notification(note)
        return {"id": letter.id, "tracking_code": letter.tracking_code, "secret": secret,
                "status": str(letter.status)}

    # a replay answers 200 with the first answer (API.md), the first time 201
    return once(ctx, "letters", key, payload, 201, make, replay_status=200)


# --- idempotent submissions ---------------------------------------------------------------

def idempotency_key(payload: Mapping[str, Any]) -> str | None:
    """The client's `idempotency_key`, if it sent one: 1–128 characters."""
    key = payload.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX):
        raise Invalid("idempotency_key 须为 1–128 个字符", "idempotency_key must be 1-128 chars",
                      field="idempotency_key", code="wrong_type")
    return key


def once(ctx: Context, scope: str, key: str | None, payload: Mapping[str, Any], status: int,
         make: Callable[[UnitOfWork], dict], replay_status: int | None = None
         ) -> tuple[int, dict]:
    """Commit what `make` adds to a unit of work and answer `status` with what it returns —
    once per idempotency key in `scope`: the same key and request again get the stored answer
    (with `replay_status`, or the first status), the same key with another request 409. The
    answer is stored in the same commit as the records, so a retry after a lost response never
    makes a second letter or comment; when two requests with one key race, the loser's commit
    fails and it returns the winner's answer."""
    request_hash = _request_hash({k: v for k, v in payload.items() if k != "idempotency_key"})
    for attempt in range(2):
        with ctx.store.unit_of_work() as uow:
            if key is not None:
                prior = uow.idempotent_answer(scope, key)
                if prior is not None:
                    if prior.request_hash != request_hash:
                        raise Conflict("该幂等键已用于另一内容的请求",
                                       "This idempotency key was used for a different request",
                                       field="idempotency_key", code="idempotency_key_reused")
                    return replay_status or prior.status, prior.body
            answer = make(uow)
            if key is not None:
                uow.remember_answer(scope, key, StoredAnswer(status, answer, request_hash))
            try:
                uow.commit()
            except ConcurrentUpdate:
                if key is None or attempt:
                    raise
                continue   # a concurrent request with the same key won: return its answer
            return status, answer
    raise ConcurrentUpdate()


def _letter_for_citizen(uow, tracking_code: Any, secret: Any) -> Letter:
    if not isinstance(tracking_code, str) or not isinstance(secret, str) or not secret:
        raise NotFound("查询码或密码不正确", "Unknown tracking code or wrong secret")
    letter = uow.get_letter_by_code(tracking_code.strip().upper())
    if letter is None or not hmac.compare_digest(letter.secret_hash, hash_secret(secret.strip())):
        raise NotFound("查询码或密码不正确", "Unknown tracking code or wrong secret")
    return letter


def track_letter(ctx: Context, tracking_code: str, secret: str | None) -> dict:
    """GET /api/letters/{tracking_code}: what the writer may see, without staff names."""
    with ctx.store.unit_of_work() as uow:
        letter = _letter_for_citizen(uow, tracking_code, secret)
    return citizen_view(ctx, letter)


def rate_reply(ctx: Context, tracking_code: str, secret: str | None,
               payload: Mapping[str, Any]) -> dict:
    """POST /api/letters/{tracking_code}/rating: once per released reply."""
    if not isinstance(payload, Mapping):
        raise Invalid("请求体须为 JSON 对象", "The body must be a JSON object", code="wrong_type")
    comment = _str(payload, "comment", required=False, max_len=COMMENT_MAX, line=False)
    with ctx.store.unit_of_work() as uow:
        letter = _letter_for_citizen(uow, tracking_code, secret)
        rating = letter.rate(payload.get("score"), comment, ctx.clock())  # type: ignore[arg-type]
        save(ctx, uow, letter)
        uow.commit()
    return {"reply": rating.reply_n, "score": str(rating.score), "comment": rating.comment,
            "at": rating.at.isoformat()}


SECRET_RESET_ANSWER = {
    "status": "accepted",
    "message": "如果您填写的联系方式与提交来信时留下的一致，新的查询密码将发送到该联系方式，原密码随即失效。",
    "message_en": "If the contact you gave is the one left with the letter, a new password is "
                  "being sent to it, and the old one no longer works.",
}


def contact_matches(letter: Letter, contact: str) -> "notifications.Channel | None":
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


def secret_contact(payload: Any) -> str:
    """The `contact` of a request for a new secret: a phone number or an e-mail address."""
    if not isinstance(payload, Mapping):
        raise Invalid("请求体须为 JSON 对象", "The body must be a JSON object", code="wrong_type")
    contact = _str(payload, "contact", required=True, max_len=254)
    if contact is None or ("@" not in contact and not any(c.isdigit() for c in contact)):
        raise Invalid("请填写提交来信时留下的手机号码或电子邮箱",
                      "Give the mobile number or e-mail address you left with the letter",
                      field="contact", code="invalid_contact")
    return contact


def reset_secret(ctx: Context, tracking_code: Any, payload: Mapping[str, Any]) -> tuple[int, dict]:
    """POST /api/letters/{tracking_code}/secret: a writer who lost the secret names the phone
    or e-mail address they gave; when it matches, the secret is replaced and the new one sent
    there (recorded in the history, without the contact). The answer is the same 202 whether it
    matched or not, so it tells nothing about a letter's contact (the limits are the route's)."""
    contact = secret_contact(payload)
    if not isinstance(tracking_code, str):
        return 202, dict(SECRET_RESET_ANSWER)
    for attempt in range(2):
        with ctx.store.unit_of_work() as uow:
            letter = uow.get_letter_by_code(tracking_code.strip().upper())
            channel = contact_matches(letter, contact) if letter is not None else None
            if letter is None or channel is None:
                return 202, dict(SECRET_RESET_ANSWER)
            now = ctx.clock()
            secret = secrets.token_urlsafe(18)
            letter.secret_hash = hash_secret(secret)
            event = letter.record_secret_reset(now, str(channel))
            for note in notifications.secret_messages(letter, secret, event.seq, now,
                                                      ctx.notify, notifications.Kind.new_secret,
                                                      (channel,)):
                uow.add_notification(note)
            save(ctx, uow, letter)
            try:
                uow.commit()
            except ConcurrentUpdate:
                if attempt:
                    raise
                continue
            return 202, dict(SECRET_RESET_ANSWER)
    raise ConcurrentUpdate()


def vote(ctx: Context, letter_id: str, payload: Mapping[str, Any], voter: str) -> dict:
    """POST /api/letters/{id}/votes: public 顶/踩; one per voter per letter, never in ratings."""
    direction = payload.get("direction") if isinstance(payload, Mapping) else None
    if direction not in ("up", "down"):
        raise Invalid("direction 须为 up 或 down", "direction must be up or down",
                      field="direction", code="invalid_choice")
    for attempt in range(3):
        with ctx.store.unit_of_work() as uow:
            letter = uow.get_letter(letter_id)
            if letter is None or letter.publication is None:
                raise NotFound("没有这封公开来信", "No such published letter")
            counted = uow.add_vote(letter.id, voter)
            if counted:
                letter.vote(direction, ctx.clock())
                uow.save_letter(letter)
                try:
                    uow.commit()
                except ConcurrentUpdate:
                    if attempt == 2:
                        raise
                    continue
            return {"id": letter.id, "counted": counted, "up": letter.votes_up,
                    "down": letter.votes_down}
    raise ConcurrentUpdate()


# --- staff --------------------------------------------------------------------------------

def _staff_letter(uow, actor: Actor, letter_id: str) -> Letter:
    letter = uow.get_letter(letter_id)
    if letter is None:
        raise NotFound("没有这封来信", "No such letter")
    if actor.role == "clerk" and letter.department != actor.department:
        raise Forbidden("该来信不属于您的部门", "This letter belongs to another department")
    return letter


def _require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden("您的角色不能执行该操作", "Your role may not do this")


def _change(ctx: Context, actor: Actor, letter_id: str, roles: tuple[str, ...],
            act: Callable[[Letter, datetime], Any]) -> dict:
    _require(actor, *roles)
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
        act(letter, ctx.clock())
        save(ctx, uow, letter)
        uow.commit()
    return staff_view(ctx, letter)


def _reason(payload: Mapping, required: bool = True) -> str | None:
    return _str(payload, "reason", required=required, max_len=REASON_MAX, line=False)


def dispatch_letter(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    dept = ctx.department(payload.get("department"))
    return _change(ctx, actor, letter_id, ("office",), lambda l, now: l.dispatch(
        dept, actor.username, now, ctx.calendar, ctx.limits_for(l.type)))


def reject_letter(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    reason = _reason(payload)
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.reject(reason or "", actor.username, now))


def sign_letter(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    return _change(ctx, actor, letter_id, ("clerk",),
                   lambda l, now: l.sign(actor.username, now))


def transfer_letter(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    reason = _reason(payload)
    return _change(ctx, actor, letter_id, ("clerk",),
                   lambda l, now: l.request_transfer(reason or "", actor.username, now))


def request_extension(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    reason = _reason(payload)
    days = payload.get("working_days")
    return _change(ctx, actor, letter_id, ("clerk",), lambda l, now: l.request_extension(
        days, reason or "", actor.username, now))  # type: ignore[arg-type]


def approve_extension(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.approve_extension(actor.username, now, ctx.calendar))


def deny_extension(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    reason = _reason(payload)
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.deny_extension(reason or "", actor.username, now))


def reply_to_letter(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    body = _str(payload, "body", required=True, max_len=REPLY_MAX, line=False)
    return _change(ctx, actor, letter_id, ("clerk",),
                   lambda l, now: l.reply(body or "", actor.username, now, ctx.calendar))


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


def approve_reply(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    publish = _bool(payload, "publish", True)
    category = _str(payload, "category", required=False, max_len=40)
    subject = _str(payload, "public_subject", required=False, max_len=SUBJECT_MAX)
    body = _str(payload, "public_body", required=False, max_len=BODY_MAX, line=False)
    reply = _str(payload, "public_reply", required=False, max_len=REPLY_MAX, line=False)

    def act(letter: Letter, now: datetime) -> None:
        if letter.status != Status.replied:
            raise InvalidTransition("只有待审核的答复可以审核", "Only a reply awaiting approval can be approved",
                                    field="status")
        version = public_version(ctx, letter, now, category=category, subject=subject, body=body,
                                 reply=reply)
        letter.approve(actor.username, now, publish=publish, category=category,
                       public_version=version, edits=edits_after(letter, subject, body, reply))
    return _change(ctx, actor, letter_id, ("office",), act)


def preview_letter(ctx: Context, actor: Actor, letter_id: str,
                   payload: Mapping[str, Any] | None = None) -> dict:
    """GET /api/staff/letters/{id}/preview: the public version as the next approval would
    publish it with the office's current wording (what `public_version` makes), paragraphs
    separated by a blank line; `reply` is None before the first reply. `edited` says which
    parts are the office's wording rather than the writer's (department's) own.

    POST with `public_subject`, `public_body` and `public_reply` (each a draft, or null for the
    current wording) previews a draft the office has not approved yet; nothing is saved."""
    _require(actor, "office")
    if payload is not None and not isinstance(payload, Mapping):
        raise Invalid("请求体须为 JSON 对象", "The body must be a JSON object", code="wrong_type")
    draft = payload or {}
    subject = _str(draft, "public_subject", required=False, max_len=SUBJECT_MAX)
    body_in = _str(draft, "public_body", required=False, max_len=BODY_MAX, line=False)
    reply_in = _str(draft, "public_reply", required=False, max_len=REPLY_MAX, line=False)
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
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


def keep_reply(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    """POST /api/staff/letters/{id}/keep: the office keeps a reply rated 不满意 (维持答复)."""
    reason = _reason(payload)
    return _change(ctx, actor, letter_id, ("office",),
                   lambda l, now: l.keep_reply(reason or "", actor.username, now))


def order_redo(ctx: Context, actor: Actor, letter_id: str, payload: Mapping) -> dict:
    reason = _reason(payload)
    return _change(ctx, actor, letter_id, ("office",), lambda l, now: l.order_redo(
        reason or "", actor.username, now, ctx.calendar, ctx.limits_for(l.type)))


def get_staff_letter(ctx: Context, actor: Actor, letter_id: str) -> dict:
    _require(actor, "clerk", "office")
    with ctx.store.unit_of_work() as uow:
        letter = _staff_letter(uow, actor, letter_id)
    return staff_view(ctx, letter)


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
        raise Invalid(f"{ {'page': '页码', 'per_page': '每页条数'}.get(name, name)}须为"
                      f" {low} 至 {high} 的整数", f"'{name}' must be a whole number from {low}"
                      f" to {high}", field=name, code="out_of_range")
    return int(value)


def _search_query(query: Mapping[str, str]) -> str | None:
    """The search words (`q`) as the stores compare them (`codec.search_chars`), or None."""
    raw = query.get("q")
    if raw is None or not isinstance(raw, str) or not raw.strip():
        return None
    if len(raw) > SEARCH_MAX:
        raise Invalid(f"搜索词不能超过 {SEARCH_MAX} 个字", f"The search may have at most"
                      f" {SEARCH_MAX} characters", field="q", code="too_long")
    chars = search_chars(raw)
    if not chars:
        raise Invalid("搜索词须含文字或数字", "Search for letters or digits", field="q",
                      code="invalid")
    return chars


def list_staff_letters(ctx: Context, actor: Actor, query: Mapping[str, str]) -> dict:
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
    _require(actor, "clerk", "office")
    status = query.get("status") or None
    if status is not None and not text.is_choice(status, Status.__members__):
        raise Invalid("未知的状态", "Unknown status", field="status", code="invalid_choice")
    department = query.get("department") or None
    if actor.role == "clerk":
        if department and department != actor.department:
            raise Forbidden("只能查看本部门来信", "Clerks see their own department only")
        department = actor.department
    elif department:
        ctx.department(department)
    light = query.get("light") or None
    if light is not None and light not in ("green", "yellow", "red", "none"):
        raise Invalid("未知的灯色", "Unknown light", field="light", code="invalid_choice")
    rating = query.get("rating") or None
    if rating is not None and not text.is_choice(rating, Score.__members__):
        raise Invalid("未知的评价", "Unknown rating", field="rating", code="invalid_choice")
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
                rating: str | None, q: str | None, now: datetime) -> list[dict]:
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


# --- views --------------------------------------------------------------------------------

def _due_fields(letter: Letter) -> dict:
    due = letter.current_due
    return {"due": due.date.isoformat() if due else None,
            "due_provisional": bool(due and due.provisional)}


def _dept(ctx: Context, dept_id: str | None) -> dict | None:
    if not dept_id:
        return None
    d = ctx.departments.get(dept_id)
    return {"id": dept_id, "name": d.name if d else dept_id, "name_en": d.name_en if d else dept_id}


def citizen_view(ctx: Context, letter: Letter) -> dict:
    now = ctx.clock()
    reply = letter.released_reply
    rating = next((r for r in letter.ratings if reply and r.reply_n == reply.n), None)
    history = [{"at": e.at.isoformat(), "action": e.action, "from": e.from_status,
                "to": e.to_status, "label": label(e.to_status) if e.to_status else
                label(e.data.get("to", e.action)),
                "reason": e.reason if e.action in ("reject",) else None}
               for e in letter.history if e.action not in ("light", "rating_followup")]
    return {
        "id": letter.id, "tracking_code": letter.tracking_code, "type": str(letter.type),
        "subject": letter.subject, "status": str(letter.status),
        "status_label": label(letter.status), "status_label_en": label(letter.status, "en"),
        "light": str(letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type))),
        "department": _dept(ctx, letter.department), **_due_fields(letter),
        "history": history,
        "reply": None if reply is None else {"n": reply.n, "body": reply.body,
                                             "at": reply.at.isoformat(),
                                             "department": _dept(ctx, reply.department)},
        "rating": None if rating is None else {"score": str(rating.score),
                                               "comment": rating.comment,
                                               "at": rating.at.isoformat()},
        "can_rate": reply is not None and rating is None,
        "public": letter.public,
        "url": f"/letters/{letter.id}/" if letter.publication else None,
    }


def _rating_code(letter: Letter) -> str | None:
    """The rating that matters now: of the released reply once answered, else the latest."""
    if letter.status in ANSWERED:
        rating = letter.current_rating
    else:
        rating = letter.ratings[-1] if letter.ratings else None
    return str(rating.score) if rating else None


def inbox_row(ctx: Context, letter: Letter, now: datetime) -> dict:
    return {
        "id": letter.id, "tracking_code": letter.tracking_code, "type": str(letter.type),
        "subject": letter.subject, "status": str(letter.status),
        "department": letter.department, "requested_department": letter.requested_department,
        "light": str(letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type))),
        **_due_fields(letter), "submitted_at": letter.submitted_at.isoformat(),
        "rating": _rating_code(letter),
        "redo_count": letter.redo_count,
        "awaiting_redo_decision": letter.awaiting_redo_decision(ctx.limits_for(letter.type)),
    }


def staff_view(ctx: Context, letter: Letter) -> dict:
    row = inbox_row(ctx, letter, ctx.clock())
    return {
        **row, "body": letter.body, "name": letter.name, "phone": letter.phone,
        "email": letter.email, "public": letter.public,
        "sign_due": letter.sign_due.date.isoformat() if letter.sign_due else None,
        "reply_due": letter.reply_due.date.isoformat() if letter.reply_due else None,
        "pending_extension": letter.pending_extension,
        "replies": [{"n": r.n, "body": r.body, "by": r.by, "department": r.department,
                     "at": r.at.isoformat(), "on_time": r.on_time} for r in letter.replies],
        "ratings": [{"reply_n": r.reply_n, "score": str(r.score), "comment": r.comment,
                     "at": r.at.isoformat()} for r in letter.ratings],
        "history": [e.to_dict() for e in letter.history],
        "published_url": f"/letters/{letter.id}/" if letter.publication else None,
        "reply_kept": letter.reply_kept,
        "version": letter.version,
    }


STATUS_LABELS = {code: LABELS[code] for code in Status}


# --- scheduled work -----------------------------------------------------------------------

def tick(ctx: Context, now: datetime | None = None) -> dict:
    """The scheduled job's bookkeeping (lights, rating follow-ups, the office digest): see
    supervision.tick, where it lives with notification delivery."""
    from .supervision import tick as supervise
    return supervise(ctx, now)
