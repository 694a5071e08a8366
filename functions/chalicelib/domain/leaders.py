"""The city leadership's boards (领导信箱) and key letters sent up to a leader (呈报) with the
leader's instruction (批示).

Lanzhou runs a message board for every member of the city leadership, and texts key messages
to the mayor, whose instruction (批示) goes to the departments that handle them. Here:

- `content/leaders.yaml` lists the leaders (`parse_leaders`); a letter may be addressed to one
  (`Letter.leader`, chosen by the writer); the office still dispatches it to a department;
- the office escalates a key letter to a leader (`escalate`: an `escalated` event with the
  leader and the office's note), at most once per leader, while the letter is open;
- the instruction (`record_instruction`: an `instruction` event with the leader and the text)
  is recorded by the office on the leader's behalf or by the leader's own account. It is shown
  to the handling department and in the staff history, never published.

Both are history events only (全内容全状态留档): the letter's state does not change, so the
department's clock and the statistics are not touched. Pure: standard library only.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .departments import SLUG, is_email
from .errors import Conflict, Invalid, InvalidTransition
from .letters import Letter, Status
from .notifications import SUBJECT_SHOWN, Channel, Kind, Notification, NotifyConfig, mobile

NOTE_MAX = 500
INSTRUCTION_MAX = 2000
# a key letter goes up while it is being handled: not before the office accepted it into the
# system (submitted letters can be escalated too: a key letter may go up at once), and not
# once it is answered (published, closed) or refused (rejected)
OPEN = frozenset({Status.submitted, Status.dispatched, Status.signed,
                  Status.extension_requested, Status.transfer_requested, Status.replied,
                  Status.redo})

@dataclass(frozen=True)
class Leader:
    """One member of the city leadership. `phone` and `email` are where escalations are sent
    (the sender port only): never published, never shown to the public."""

    id: str
    name: str
    name_en: str
    title: str
    title_en: str
    order: int = 0
    phone: str | None = None
    email: str | None = None


class LeaderError(ValueError):
    """A bad entry of leaders.yaml: `field` says where (e.g. "leaders[1].title")."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def parse_leaders(data: Any) -> tuple[Leader, ...]:
    """The leaders of a parsed leaders.yaml (a mapping with `leaders`, or a list), by `order`
    then file order. An empty file or list is no leaders (no boards)."""
    if data is None:
        return ()
    if isinstance(data, Mapping):
        unknown = set(data) - {"leaders"}
        if unknown:
            raise LeaderError(sorted(unknown)[0], "unknown key")
        data = data.get("leaders") or []
    if not isinstance(data, list):
        raise LeaderError("leaders", "must be a list")
    known = {"id", "name", "name_en", "title", "title_en", "order", "phone", "email"}
    seen: set[str] = set()
    out = []
    for i, item in enumerate(data):
        where = f"leaders[{i}]"
        if not isinstance(item, Mapping):
            raise LeaderError(where, "must be a mapping")
        for key in item:
            if key not in known:
                raise LeaderError(f"{where}.{key}", "unknown key")
        texts = {k: _text(item, k, where) for k in ("id", "name", "name_en", "title", "title_en")}
        if not SLUG.match(texts["id"]):
            raise LeaderError(f"{where}.id", f"{texts['id']!r} must be a slug (a-z, 0-9, '-')")
        if texts["id"] in seen:
            raise LeaderError(f"{where}.id", f"duplicate leader id {texts['id']!r}")
        seen.add(texts["id"])
        order = item.get("order", i)
        if isinstance(order, bool) or not isinstance(order, int):
            raise LeaderError(f"{where}.order", "must be a whole number")
        phone, email = item.get("phone"), item.get("email")
        if phone is not None and (not isinstance(phone, (str, int)) or isinstance(phone, bool)
                                  or not str(phone).replace(" ", "").replace("-", "")
                                  .removeprefix("+").isdigit()):
            raise LeaderError(f"{where}.phone", "must be a phone number")
        if email is not None and not is_email(email):
            raise LeaderError(f"{where}.email", f"must be an e-mail address, got {email!r}")
        out.append((order, i, Leader(order=order, phone=str(phone) if phone else None,
                                     email=email, **texts)))
    return tuple(leader for _, _, leader in sorted(out, key=lambda t: (t[0], t[1])))


def _text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LeaderError(f"{where}.{key}", "is required (text)")
    return value.strip()


# --- what a letter holds ---------------------------------------------------------------------

def escalations(letter: Letter) -> list[dict[str, Any]]:
    """The letter's escalations, oldest first: leader, note, by, at."""
    return [{"leader": e.data.get("leader"), "note": e.reason, "by": e.actor,
             "at": e.at.isoformat()}
            for e in letter.history if e.action == "escalated"]


def instructions(letter: Letter) -> list[dict[str, Any]]:
    """The leaders' instructions (批示), oldest first: leader, text, by, at."""
    return [{"leader": e.data.get("leader"), "text": e.data.get("text"), "by": e.actor,
             "at": e.at.isoformat()}
            for e in letter.history if e.action == "instruction"]


def leaders_of(letter: Letter) -> list[str]:
    """The leaders a letter concerns: the one it was addressed to, then those it went up to."""
    out: dict[str, None] = {}
    if letter.leader:
        out[letter.leader] = None
    for e in letter.history:
        if e.action == "escalated" and e.data.get("leader"):
            out[str(e.data["leader"])] = None
    return list(out)


# --- the two changes -------------------------------------------------------------------------

def _require_open(letter: Letter, action: str) -> None:
    if letter.status not in OPEN:
        raise InvalidTransition("letter_transition", field="status",
                                status_label=_status_label(letter.status), action=action,
                                status=str(letter.status))


def _status_label(status: str) -> str:
    from .letters import label
    return label(status)


def escalate(letter: Letter, leader: str, note: str, by: str, at: datetime) -> None:
    """The office sends a key letter up to `leader` (呈报), once per leader, while it is open."""
    _require_open(letter, "escalate")
    if any(e.action == "escalated" and e.data.get("leader") == leader for e in letter.history):
        raise Conflict("already_escalated", field="leader")
    letter._record("escalated", by, at, None, None, note or None, {"leader": leader})


def record_instruction(letter: Letter, leader: str, text: str, by: str, at: datetime) -> None:
    """A leader's instruction (批示) on the letter, recorded by `by` (the office on the leader's
    behalf, or the leader's own account)."""
    _require_open(letter, "instruct")
    letter._record("instruction", by, at, None, None, None, {"leader": leader, "text": text})


def may_read(letter: Letter, leader: str | None) -> bool:
    """A leader's account reads the letters addressed or escalated to that leader only."""
    return bool(leader) and leader in leaders_of(letter)


def known(leaders: Mapping[str, Leader], leader_id: Any, field: str = "leader") -> str:
    """`leader_id` if it names a leader of leaders.yaml, else 400 `leader_unknown`."""
    if not isinstance(leader_id, str) or leader_id not in leaders:
        raise Invalid("leader_unknown", field=field)
    return leader_id


# --- the public figures of a board ----------------------------------------------------------

def board_figures(letters: list[Letter]) -> dict[str, Any]:
    """A board's figures from every letter addressed to the leader (private ones count, none
    is shown): received (accepted: not rejected), replied (a reply released to the writer),
    the reply rate, rated and satisfied (满意 + 基本满意) and the satisfaction rate."""
    received = [x for x in letters if x.status != Status.rejected]
    replied = [x for x in received if x.released_reply is not None]
    ratings = [r for x in replied if (r := x.current_rating) is not None]
    satisfied = sum(1 for r in ratings if r.score != "unsatisfied")
    return {"received": len(received), "replied": len(replied),
            "reply_rate": len(replied) / len(received) if received else None,
            "rated": len(ratings), "satisfied": satisfied,
            "satisfaction_rate": satisfied / len(ratings) if ratings else None}


# --- the escalation's message to the leader --------------------------------------------------

# content/notifications.yaml `escalated:` may replace any of these; placeholders: {title},
# {name}, {subject} (the first 40 characters), {code} (the tracking code), {note} and {link}
# (the staff console's letter view). Never the writer's name or contact: the leader reads the
# letter in the console.
ESCALATION_WORDING: dict[str, str] = {
    "subject": "【呈报件】{subject}",
    "body": ("{title}{name}：\n\n市长公开电话办公室呈报来信《{subject}》（查询码 {code}），"
             "请阅示。\n\n办公室意见：{note}\n\n阅信并批示：{link}"),
    "sms": "【问政】{title}，有一件来信呈报您阅示：《{subject}》。批示入口：{link}",
    "subject_en": "[For your instruction] {subject}",
    "body_en": ("Dear {title} {name},\n\nThe office sends you the letter \"{subject}\" "
                "(tracking code {code}) for your instruction.\n\nThe office's note: {note}\n\n"
                "Read it and give your instruction: {link}"),
    "sms_en": "A letter was sent to you for instruction: {link}",
}
WORDING_KEYS = frozenset(ESCALATION_WORDING)


def short(subject: str) -> str:
    """A subject as a message quotes it: one line, at most `SUBJECT_SHOWN` characters."""
    subject = " ".join(subject.split())
    return subject if len(subject) <= SUBJECT_SHOWN else subject[:SUBJECT_SHOWN - 1] + "…"


def escalation_messages(letter: Letter, leader: Leader, seq: int, at: datetime,
                        config: NotifyConfig) -> list[Notification]:
    """The e-mail and SMS that tell `leader` a letter was sent up (呈报) for instruction, in
    both languages, to the leader's own contact (leaders.yaml), with a link to the console."""
    wording = {**ESCALATION_WORDING, **config.escalated}
    note = next((e.reason for e in reversed(letter.history)
                 if e.action == "escalated" and e.data.get("leader") == leader.id), None)
    values = {"title": leader.title, "name": leader.name, "subject": short(letter.subject),
              "code": letter.tracking_code, "note": note or "—",
              "link": config.link(f"/staff/#/letters/{letter.id}")}
    values_en = {**values, "title": leader.title_en, "name": leader.name_en}

    def text(key: str) -> str:
        return (wording[key].format(**values) + "\n\n"
                + wording[key + "_en"].format(**values_en))

    subject = wording["subject"].format(**values)
    out = []
    key = f"{letter.id}.{seq}"
    if leader.email:
        out.append(Notification(
            id=f"{key}.{Channel.email}", kind=Kind.escalated, channel=Channel.email,
            to=leader.email, subject=subject, body=text("body"), created_at=at,
            not_after=at + config.expire_after, letter_id=letter.id))
    phone = mobile(leader.phone)
    if phone:
        out.append(Notification(
            id=f"{key}.{Channel.sms}", kind=Kind.escalated, channel=Channel.sms, to=phone,
            subject=subject, body=text("sms"), created_at=at,
            not_after=at + config.expire_after, letter_id=letter.id))
    return out
