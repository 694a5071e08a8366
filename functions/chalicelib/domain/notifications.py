"""Notifications (提醒): what to send, to whom and in which words, and the state of its delivery.

Supervision (督办) in the sources works by reminders: a department is told when a letter's light
turns yellow or red and when the office orders a re-do; the writer is told when the reply is
released, with a link to rate it, and asked once more if no rating came; the office gets a daily
digest. This module decides all of that from a letter's new history events, as plain data, so a
notification is written in the same commit as the change that causes it (the unit of work) and
exists exactly once: its id is derived from the event (`{letter}.{seq}.{channel}`) or, for the
digest, from the date.

Sending is someone else's job: `supervision.deliver_notifications` hands pending notifications
to a sender (ports.Sender: SES, SNS or a local outbox folder) and records the outcome here
(`delivered`, `failed` with a retry time from `RetryPolicy`, `expired`). A failed send never
touches the letter.

Reminders never contain the tracking secret (the letter keeps only its hash): links go to
`/track/?code=…`, where the writer types the secret they were given. Two messages carry it, to
the contact the writer gave and to no one else: the receipt of a new letter (`receipt`: code,
secret, date and subject) and a replacement secret the writer asked for (`new_secret`). Their
secret lives in the notification only until it is sent (or given up): `forget_secret` then
replaces the body, so the store does not keep it (`SECRET_KINDS`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .channels import label as channel_label
from .deadlines import CHINA_TZ
from .letters import Event, Letter
from .privacy import redact

SUBJECT_SHOWN = 40          # characters of a letter's subject quoted in a message


class Channel(StrEnum):
    email = "email"
    sms = "sms"


class Delivery(StrEnum):
    pending = "pending"      # waiting for its next attempt
    sent = "sent"
    failed = "failed"        # gave up after `RetryPolicy.max_attempts`
    expired = "expired"      # not sent within `NotifyConfig.expire_after` of its reason


class Kind(StrEnum):
    light_yellow = "light_yellow"
    light_red = "light_red"
    redo = "redo"
    reply_released = "reply_released"
    rating_followup = "rating_followup"
    digest = "digest"
    receipt = "receipt"              # a new letter's tracking code and secret, to its writer
    new_secret = "new_secret"        # a replacement secret the writer asked for
    weekly_report = "weekly_report"  # the leaders' weekly report (周报), content/reports.yaml
    escalated = "escalated"          # a key letter sent up to a leader (domain/leaders.py)


# the kinds whose body holds a tracking secret until it is sent
SECRET_KINDS = frozenset({Kind.receipt, Kind.new_secret})
SECRET_FORGOTTEN = "（本通知含查询密码，已在发送后删除。）"
# the kinds sent to the writer's own e-mail or phone (the others go to an office address)
WRITER_KINDS = frozenset({Kind.receipt, Kind.new_secret, Kind.reply_released,
                          Kind.rating_followup})
ADDRESS_FORGOTTEN = "（已删除）"
WRITER_FORGOTTEN = "（本通知发给来信人，已随其个人信息删除。）"


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed send again: `first_delay`, then times `multiplier`, at most
    `max_delay`, `max_attempts` tries in all. `lease` is how long a delivery job holds a
    notification it is sending, so that a second job does not send it too."""

    max_attempts: int = 5
    first_delay: timedelta = timedelta(minutes=5)
    multiplier: float = 3.0
    max_delay: timedelta = timedelta(hours=12)
    lease: timedelta = timedelta(minutes=10)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try."""
        grown = self.first_delay * (self.multiplier ** max(attempts - 1, 0))
        return min(grown, self.max_delay)


@dataclass(frozen=True)
class NotifyConfig:
    """Who gets what (content/notifications.yaml, the departments' `email`, settings)."""

    site_url: str = ""                     # links: {site_url}/track/?code=…
    office_email: str | None = None        # the daily digest
    digest_hour: int = 8                   # China time
    department_emails: Mapping[str, str] = field(default_factory=dict)
    mail_from: str = "noreply@localhost"
    signature: str = "市长公开电话办公室"
    retry: RetryPolicy = RetryPolicy()
    expire_after: timedelta = timedelta(days=3)
    report_emails: tuple[str, ...] = ()    # the weekly report (content/reports.yaml)
    # the escalation's wording (notifications.yaml `escalated:`, domain/leaders.py)
    escalated: Mapping[str, str] = field(default_factory=dict)

    def link(self, path: str) -> str:
        return self.site_url.rstrip("/") + path


@dataclass
class Notification:
    """One message to one address on one channel, and how its delivery went."""

    id: str
    kind: Kind
    channel: Channel
    to: str
    subject: str
    body: str
    created_at: datetime
    not_after: datetime
    letter_id: str | None = None
    status: Delivery = Delivery.pending
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    message_id: str | None = None
    version: int = 0

    def __post_init__(self) -> None:
        if self.next_attempt_at is None:
            self.next_attempt_at = self.created_at

    # --- delivery ---------------------------------------------------------------------------

    def is_due(self, now: datetime) -> bool:
        assert self.next_attempt_at is not None
        return self.status == Delivery.pending and self.next_attempt_at <= now

    def claim(self, now: datetime, policy: RetryPolicy) -> None:
        """Take it for one attempt: counted now, and hidden from other jobs for the lease."""
        self.attempts += 1
        self.next_attempt_at = now + policy.lease

    def delivered(self, now: datetime, message_id: str | None) -> None:
        self.status = Delivery.sent
        self.sent_at = now
        self.message_id = message_id
        self.last_error = None
        self.forget_secret()

    def failed(self, now: datetime, error: str, policy: RetryPolicy) -> None:
        """Record a failed attempt: retry after the backoff, or give up after the last one."""
        self.last_error = error[:500]
        if self.attempts >= policy.max_attempts:
            self.status = Delivery.failed
            self.forget_secret()
        else:
            self.next_attempt_at = now + policy.delay(self.attempts)

    def expire(self, now: datetime) -> None:
        self.status = Delivery.expired
        self.last_error = self.last_error or f"not sent before {self.not_after.isoformat()}"
        self.forget_secret()

    def forget_secret(self) -> None:
        """Drop the body of a message that carries a tracking secret once it is no longer
        pending (sent, failed for good or expired): the store keeps no secret."""
        if self.kind in SECRET_KINDS and self.status != Delivery.pending:
            self.body = SECRET_FORGOTTEN

    def forget_writer(self, names: Iterable[str] = ()) -> bool:
        """The writer's personal data leaves the message (the retention purge, an erasure,
        `domain/retention.py`): one sent to the writer keeps neither their address nor its
        words, and is given up if still pending; one to an office keeps its address and loses
        the writer's name and contact details from its words. Whether anything changed."""
        before = (self.to, self.subject, self.body, self.status)
        if self.kind in WRITER_KINDS:
            if self.status == Delivery.pending:
                self.status = Delivery.expired
                self.last_error = "the writer's personal data was removed before it was sent"
            self.to, self.body = ADDRESS_FORGOTTEN, WRITER_FORGOTTEN
        names = list(names)
        self.subject = redact(self.subject, names=names)
        if self.body != WRITER_FORGOTTEN:
            self.body = redact(self.body, names=names)
        return before != (self.to, self.subject, self.body, self.status)

    # --- storage ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        def dt(v: datetime | None) -> str | None:
            return v.isoformat() if v else None
        return {"id": self.id, "kind": str(self.kind), "channel": str(self.channel),
                "to": self.to, "subject": self.subject, "body": self.body,
                "created_at": dt(self.created_at), "not_after": dt(self.not_after),
                "letter_id": self.letter_id, "status": str(self.status),
                "attempts": self.attempts, "next_attempt_at": dt(self.next_attempt_at),
                "last_error": self.last_error, "sent_at": dt(self.sent_at),
                "message_id": self.message_id}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], version: int = 0) -> Notification:
        def pdt(v: str | None) -> datetime | None:
            return datetime.fromisoformat(v) if v else None
        return cls(id=d["id"], kind=Kind(d["kind"]), channel=Channel(d["channel"]), to=d["to"],
                   subject=d["subject"], body=d["body"],
                   created_at=pdt(d["created_at"]),  # type: ignore[arg-type]
                   not_after=pdt(d["not_after"]),  # type: ignore[arg-type]
                   letter_id=d.get("letter_id"), status=Delivery(d.get("status", "pending")),
                   attempts=int(d.get("attempts", 0)),
                   next_attempt_at=pdt(d.get("next_attempt_at")),
                   last_error=d.get("last_error"), sent_at=pdt(d.get("sent_at")),
                   message_id=d.get("message_id"), version=version)


# --- what a change causes ---------------------------------------------------------------------

def mobile(phone: str | None) -> str | None:
    """A mainland mobile number in E.164 (+86…) for SMS; None for landlines and the rest."""
    if not phone:
        return None
    digits = phone.replace(" ", "").replace("-", "").removeprefix("+86")
    if len(digits) == 11 and digits.isdigit() and digits.startswith("1"):
        return "+86" + digits
    return None


def _short(subject: str) -> str:
    subject = " ".join(subject.split())
    return subject if len(subject) <= SUBJECT_SHOWN else subject[:SUBJECT_SHOWN - 1] + "…"


def _day(at: datetime) -> str:
    local = at.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


def _iso_day(value: str | None) -> str:
    if not value:
        return "—"
    d = date.fromisoformat(value)
    return f"{d.year}年{d.month}月{d.day}日"


def _footer(config: NotifyConfig) -> str:
    return f"\n\n—— {config.signature}\n（本邮件由系统自动发送，请勿直接回复。）\n"


def for_events(letter: Letter, events: Iterable[Event], config: NotifyConfig
               ) -> list[Notification]:
    """The notifications a letter's new history events cause (none for most events)."""
    out: list[Notification] = []
    for event in events:
        if event.action == "light" and _worse(event.data.get("from"), event.data.get("to")):
            out += _to_department(letter, event, config, _light_text(letter, event, config))
        elif event.action == "redo":
            out += _to_department(letter, event, config, _redo_text(letter, event, config))
        elif event.action == "approve":
            out += _to_writer(letter, event, config, Kind.reply_released, event.at)
        elif event.action == "rating_followup":
            due = datetime.fromisoformat(event.data["due"]) if event.data.get("due") else event.at
            out += _to_writer(letter, event, config, Kind.rating_followup, due)
    return out


_SEVERITY = {"none": 0, "green": 0, "yellow": 1, "red": 2}


def _worse(frm: str | None, to: str | None) -> bool:
    """A light that turned yellow or red warns the department; one that eased (after an
    extension, or onto a new clock) does not."""
    return _SEVERITY.get(to or "", 0) > _SEVERITY.get(frm or "", 0)


def _new(letter: Letter | None, event_id: str, kind: Kind, channel: Channel, to: str,
         subject: str, body: str, at: datetime, reason_at: datetime,
         config: NotifyConfig) -> Notification:
    return Notification(id=f"{event_id}.{channel}", kind=kind, channel=channel, to=to,
                        subject=subject, body=body, created_at=at,
                        not_after=reason_at + config.expire_after,
                        letter_id=letter.id if letter else None)


def _to_department(letter: Letter, event: Event, config: NotifyConfig,
                   text: tuple[Kind, str, str]) -> list[Notification]:
    address = config.department_emails.get(letter.department or "")
    if not address:
        return []
    kind, subject, body = text
    return [_new(letter, f"{letter.id}.{event.seq}", kind, Channel.email, address, subject,
                 body, event.at, event.at, config)]


def _light_text(letter: Letter, event: Event, config: NotifyConfig) -> tuple[Kind, str, str]:
    clock = "签收" if event.data.get("clock") == "sign" else "答复"
    due = _iso_day(event.data.get("due"))
    quoted = f"来信《{_short(letter.subject)}》（查询码 {letter.tracking_code}）"
    if event.data.get("to") == "red":
        return (Kind.light_red, f"【红灯督办】来信已超过{clock}时限：{_short(letter.subject)}",
                f"{quoted}已超过{clock}时限（{due}），亮起红灯。超期将计入部门考核，"
                f"并在曝光台公开。请立即办理。\n\n办理入口：{config.link('/staff/')}"
                + _footer(config))
    return (Kind.light_yellow, f"【黄灯提醒】来信{clock}时限已过三分之一：{_short(letter.subject)}",
            f"{quoted}的{clock}时限为 {due}，已过时限的三分之一，亮起黄灯。请抓紧办理。"
            f"\n\n办理入口：{config.link('/staff/')}" + _footer(config))


def _redo_text(letter: Letter, event: Event, config: NotifyConfig) -> tuple[Kind, str, str]:
    return (Kind.redo, f"【重办通知】{_short(letter.subject)}",
            f"来信《{_short(letter.subject)}》（查询码 {letter.tracking_code}）的答复需要重新办理。"
            f"\n\n重办理由：{event.reason or '—'}"
            f"\n新的答复时限：{_iso_day(event.data.get('reply_due'))}"
            f"\n\n办理入口：{config.link('/staff/')}" + _footer(config))


def _to_writer(letter: Letter, event: Event, config: NotifyConfig, kind: Kind,
               reason_at: datetime) -> list[Notification]:
    link = config.link(f"/track/?code={letter.tracking_code}")
    published = letter.publication is not None
    if kind == Kind.reply_released:
        subject = f"您的来信已有答复：{_short(letter.subject)}"
        lead = (f"您于{_day(letter.submitted_at)}提交的来信《{_short(letter.subject)}》"
                f"（查询码 {letter.tracking_code}）已有答复"
                + ("，并已在网站公开（个人信息已隐去）。" if published else "。"))
        sms = (f"【问政】您的来信（查询码 {letter.tracking_code}）已有答复，"
               f"请凭查询密码查看并评价：{link}")
    else:
        released = letter.released_at or event.at
        subject = f"请评价答复：{_short(letter.subject)}"
        lead = (f"您的来信《{_short(letter.subject)}》（查询码 {letter.tracking_code}）"
                f"已于{_day(released)}答复，您还没有评价。您的评价将计入承办部门的考核。")
        sms = (f"【问政】您的来信（查询码 {letter.tracking_code}）已答复，欢迎评价"
               f"（满意/基本满意/不满意）：{link}")
    body = (f"您好：\n\n{lead}\n\n请打开下面的链接，输入查询码和提交来信时获得的查询密码，"
            f"查看答复并评价（满意 / 基本满意 / 不满意）：\n{link}\n\n"
            f"为保护您的隐私，本邮件不包含查询密码；密码遗失时，可以在查询页凭您留下的手机号码或"
            f"电子邮箱申请新密码。" + _footer(config))
    out = []
    key = f"{letter.id}.{event.seq}"
    if letter.email:
        out.append(_new(letter, key, kind, Channel.email, letter.email, subject, body,
                        event.at, reason_at, config))
    phone = mobile(letter.phone)
    if phone:
        out.append(_new(letter, key, kind, Channel.sms, phone, subject, sms, event.at,
                        reason_at, config))
    return out


def secret_messages(letter: Letter, secret: str, seq: int, at: datetime, config: NotifyConfig,
                    kind: Kind, channels: Iterable[Channel] = (Channel.email, Channel.sms)
                    ) -> list[Notification]:
    """The tracking code and `secret` of `letter`, sent to the writer's own contact on
    `channels` (e-mail to the address, SMS to a mobile number they gave): the receipt of a new
    letter, or a replacement secret. `seq` is the history event that caused it."""
    link = config.link(f"/track/?code={letter.tracking_code}")
    day = _day(letter.submitted_at)
    if kind == Kind.receipt:
        subject = f"来信已收到：{_short(letter.subject)}"
        lead = (f"您于{day}提交的来信《{_short(letter.subject)}》已收到。"
                "查询办理进度、评价答复时，请使用下面的查询码和查询密码：")
        sms = (f"【问政】您的来信已收到。查询码 {letter.tracking_code}，查询密码 {secret}"
               f"（区分大小写，请妥善保存）。查询进度：{link}")
    else:
        subject = f"新的查询密码：{_short(letter.subject)}"
        lead = (f"您为{day}提交的来信《{_short(letter.subject)}》申请了新的查询密码。"
                "原来的密码已经失效，请使用下面的查询码和新密码：")
        sms = (f"【问政】您申请了新的查询密码。查询码 {letter.tracking_code}，新密码 {secret}"
               f"（区分大小写，原密码已失效）。查询进度：{link}")
    body = (f"您好：\n\n{lead}\n\n查询码：{letter.tracking_code}\n查询密码：{secret}\n"
            f"（密码区分大小写。）\n\n查询办理进度、评价答复：\n{link}\n\n"
            "请妥善保存本邮件，不要转发给他人。如果这不是您本人的操作，请忽略本邮件。"
            + _footer(config))
    wanted = set(channels)
    out = []
    key = f"{letter.id}.{seq}"
    if Channel.email in wanted and letter.email:
        out.append(_new(letter, key, kind, Channel.email, letter.email, subject, body, at, at,
                        config))
    phone = mobile(letter.phone)
    if Channel.sms in wanted and phone:
        out.append(_new(letter, key, kind, Channel.sms, phone, subject, sms, at, at, config))
    return out


# --- the office's daily digest ----------------------------------------------------------------

def weekly_report_id(week: str, address: str) -> str:
    return f"weekly.{week}.{address}"


def weekly_report(record: Mapping[str, Any], at: datetime, names: Mapping[str, str],
                  config: NotifyConfig) -> list[Notification]:
    """The week's report (`domain.weekly.record`) to each address of content/reports.yaml."""
    week, figures = record["week"], record.get("figures", {})
    received = figures.get("received", {})
    lights = figures.get("lights", {})

    def counts(d: Mapping[str, int]) -> str:
        return "，".join(f"{k or '未分类'} {n}" for k, n in d.items()) or "无"

    lines = [f"{week} 来信周报", "",
             f"受理来信 {received.get('total', 0)} 件。",
             # the channels by their names (电话 3，网站 5), an unknown provenance as it is
             "按渠道：" + counts({channel_label(k): n
                               for k, n in received.get("by_channel", {}).items()}),
             f"按类型：{counts(received.get('by_type', {}))}",
             f"按类别：{counts(received.get('by_category', {}))}", "",
             f"周末在办：绿灯 {lights.get('green', 0)}，黄灯 {lights.get('yellow', 0)}，"
             f"红灯 {lights.get('red', 0)}。"]
    late = figures.get("late_departments", [])
    if late:
        lines.append("有红灯来信的部门：" + "，".join(
            f"{names.get(r['department'], r['department'])} {r['red']}" for r in late))
    lines += [f"本周责令重办 {figures.get('redos', 0)} 件，不满意评价 "
              f"{figures.get('unsatisfied', 0)} 件。", "",
              "热点问题（H = n × (1 + g) + ln(1 + v)）："]
    topics = record.get("topics", [])
    lines += [f"  {i}. {t['name']}：来信 {t['letters']} 件，热度 {t['hot']}"
              for i, t in enumerate(topics, 1)] or ["  本周没有达到 5 件来信的话题。"]
    notable = figures.get("notable", [])
    if notable:
        lines += ["", "值得关注的来信："]
        lines += [f"  《{_short(n['subject'])}》 {config.link(n['url'])}" for n in notable]
    lines.append(f"\n周报全文：{config.link('/staff/#/reports/' + week)}")
    body = "\n".join(lines) + _footer(config)
    subject = f"【来信周报】{week}：受理 {received.get('total', 0)} 件"
    return [Notification(id=weekly_report_id(week, to), kind=Kind.weekly_report,
                         channel=Channel.email, to=to, subject=subject, body=body,
                         created_at=at, not_after=at + config.expire_after)
            for to in config.report_emails]


def digest_id(day: date) -> str:
    return f"digest.{day.isoformat()}.{Channel.email}"


def digest(day: date, at: datetime, board: Mapping[str, Any], names: Mapping[str, str],
           config: NotifyConfig) -> Notification | None:
    """The office's digest for `day` from the dashboard figures (supervision.dashboard_figures):
    active letters by light and department, the queues, and the red letters."""
    if not config.office_email:
        return None
    lights = board["active"]["by_light"]
    lines = [f"{day.year}年{day.month}月{day.day}日 来信办理情况"
             f"（截至 {at.astimezone(CHINA_TZ):%H:%M}）",
             "",
             f"在办来信 {board['active']['total']} 件：绿灯 {lights['green']}，"
             f"黄灯 {lights['yellow']}，红灯 {lights['red']}。",
             f"待转办 {board['awaiting_dispatch']} 件，待审核答复 {board['awaiting_approval']} 件，"
             f"待决定是否重办 {board['awaiting_redo_decision']} 件，"
             f"待审批延期 {board['pending_extensions']} 件。", ""]
    rows = board["active"]["by_department"]
    if rows:
        lines.append("各部门在办（绿 / 黄 / 红）：")
        for row in rows:
            name = names.get(row["department"], row["department"])
            lines.append(f"  {name}：{row['green']} / {row['yellow']} / {row['red']}")
        lines.append("")
    if board["red"]:
        lines.append(f"红灯来信（{len(board['red'])} 件）：")
        for item in board["red"]:
            name = names.get(item["department"] or "", item["department"] or "—")
            lines.append(f"  {item['tracking_code']} 《{_short(item['subject'])}》 {name}，"
                         f"时限 {_iso_day(item['due'])}")
    else:
        lines.append("今日没有红灯来信。")
    lines.append(f"\n督办入口：{config.link('/staff/')}")
    body = "\n".join(lines) + _footer(config)
    subject = (f"【每日督办】{day.month}月{day.day}日：在办 {board['active']['total']} 件，"
               f"红灯 {lights['red']} 件")
    return Notification(id=digest_id(day), kind=Kind.digest, channel=Channel.email,
                        to=config.office_email, subject=subject, body=body, created_at=at,
                        not_after=at + config.expire_after)

