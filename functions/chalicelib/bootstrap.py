"""The composition root: builds the store, calendar, clock, signer, sender and context from
the settings (`config.Settings`) and the one validated `content.Content` of content/.

Nothing connects at import time; `app()` builds once per process (a Lambda container or a
`wenzheng serve`). Tests build a `Context` directly with fakes.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .adapters import category_model
from .adapters.clock import real_clock
from .adapters.content import (
    Content,
    ContentError,
    load_abuse_limits,
    load_content,
    load_departments,
    load_limits,
)
from .adapters.pinyin import romanize
from .config import Settings, StartupError, default_content_dir
from .domain import privacy
from .domain.deadlines import CHINA_TZ
from .domain.notifications import NotifyConfig
from .services.auth import TokenSigner
from .services.context import Context
from .services.ports import Publisher, Sender

__all__ = ["App", "ContentError", "DEMO_USERS", "Settings", "StartupError", "app", "build",
           "clock_from", "default_content_dir", "load_abuse_limits", "load_content",
           "load_departments", "load_limits", "make_sender", "make_store", "notify_config",
           "parse_instant", "real_clock", "token_secret", "use"]

# the domain's masking of names asks this port for a name's pinyin (adapters/pinyin.py; the
# pypinyin data loads on first use, not here)
privacy.use_romanizer(romanize)

DEMO_USERS = ("demo-office", "demo-clerk", "demo-operator", "demo-mayor", "demo-deputy",
              "demo-expert", "demo-conduct")


def notify_config(content: Content, settings: Settings | None = None) -> NotifyConfig:
    """Who gets which notification: content/notifications.yaml, the departments' `email`,
    content/site.yaml (`base_url`, `office`) and settings (which override the files)."""
    file, site = content.notify, content.site
    settings = settings or Settings()
    site_url = settings.site_url or file.texts.get("site_url") or site.base_url
    return NotifyConfig(
        site_url=site_url.rstrip("/"), office_email=file.office_email,
        digest_hour=file.digest_hour,
        department_emails={d.id: d.email for d in content.departments if d.email},
        mail_from=settings.mail_from or file.texts.get("mail_from") or "noreply@localhost",
        signature=file.texts.get("signature") or site.office or "市长公开电话办公室",
        retry=file.retry, expire_after=file.expire_after, report_emails=content.report_emails,
        escalated=file.escalated)


def make_sender(settings: Settings, config: NotifyConfig) -> Sender:
    """The sender of the settings: local files in serve and tests, SES + SNS in AWS."""
    from .adapters.senders import CompositeSender, LocalOutboxSender, SesSender, SnsSender
    if settings.sender == "local":
        return LocalOutboxSender(settings.outbox_dir, config.mail_from)
    if settings.sender == "aws":
        return CompositeSender({"email": SesSender(config.mail_from),
                                "sms": SnsSender(sender_id=settings.sms_sender_id)})
    raise StartupError(f"WENZHENG_SENDER must be 'local' or 'aws', not {settings.sender!r}")


def make_store(settings: Settings, clock: Callable[[], datetime]):
    if settings.store == "dynamodb":
        from .adapters.dynamodb import DynamoStore
        return DynamoStore(settings.table, clock=clock)
    from .adapters.sqlite import SqliteStore
    return SqliteStore(settings.sqlite_path, clock=clock)


def make_publisher(settings: Settings, store: Any) -> Publisher:
    """The site publisher over the store and the configured sink (S3 in AWS, a local folder
    otherwise). Imported here, on first use, so the API's cold start never loads the renderer
    or Jinja2; the publisher reaches the function through the packaging step."""
    from publisher.runtime import SitePublisher  # vendored with the function
    return SitePublisher(store, settings)


def token_secret(settings: Settings) -> str:
    if settings.token_secret:
        return settings.token_secret
    if not settings.is_local:
        raise StartupError("WENZHENG_TOKEN_SECRET must be set outside the local stage")
    path = settings.data_dir / "token-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time; China time when no offset is written."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise StartupError(f"not an ISO 8601 date or date-time: {text!r} "
                           "(e.g. 2026-11-25 or 2026-11-25T10:00+08:00)") from None
    return at.replace(tzinfo=CHINA_TZ) if at.tzinfo is None else at.astimezone(CHINA_TZ)


def clock_from(start: datetime, settings: Settings) -> Callable[[], datetime]:
    """A clock that reads `start` when it is made and runs on in real time from there (the real
    clock shifted by a fixed offset), so a local server can play a given day (the demo city on
    the day its consultations are open, the browser tests whatever the date) while deadlines,
    tokens and sessions still see time pass. Local stage only: a deployed function always runs
    on the real clock."""
    if not settings.is_local:
        raise StartupError("a clock that starts at a given instant is for the local stage only")
    offset = start - real_clock()
    return lambda: real_clock() + offset


@dataclass
class App:
    settings: Settings
    ctx: Context
    signer: TokenSigner
    sender: Sender | None = None
    content: Content | None = None      # content/ as loaded at start-up
    publisher: Publisher | None = None

    def notification_sender(self) -> Sender:
        """The sender, built from the settings on first use when none was given."""
        if self.sender is None:
            self.sender = make_sender(self.settings, self.ctx.notify)
        return self.sender

    def site_publisher(self) -> Publisher:
        """The publisher, built from the settings on first use when none was given."""
        if self.publisher is None:
            self.publisher = make_publisher(self.settings, self.ctx.store)
        return self.publisher


def build(settings: Settings | None = None, clock: Callable[[], datetime] = real_clock) -> App:
    from .adapters import content_bundle
    from .adapters.calendars import OfficialCalendar

    # a deployed stage's content/ and theme: the bundle its last deploy named, if any
    settings = content_bundle.apply(settings or Settings.from_env())
    calendar = OfficialCalendar(settings.content_dir / "calendar",
                                allow_provisional=settings.allow_provisional)
    if not settings.allow_provisional:
        year = clock().year
        calendar.check_years([year, year + 1])
    store = make_store(settings, clock)
    if not settings.is_local:
        for name in DEMO_USERS:
            if store.get_account(name) is not None:
                raise StartupError(f"demo account '{name}' exists in stage '{settings.stage}':"
                                   " remove it before serving")
    content = load_content(settings.content_dir)
    ctx = Context(store=store, calendar=calendar, clock=clock,
                  departments=content.departments_by_id, limits=content.limits,
                  abuse=content.abuse, notify=notify_config(content, settings),
                  category_model=category_model.model, leaders=content.leaders_by_id,
                  interviews=content.interviews, retention=content.retention)
    signer = TokenSigner(token_secret(settings), clock)
    return App(settings, ctx, signer, make_sender(settings, ctx.notify), content)


_app: App | None = None


def app() -> App:
    """The process-wide composition, built on first use."""
    global _app
    if _app is None:
        _app = build()
    return _app


def use(app_: App | None) -> None:
    """Install a composition (tests, `wenzheng serve`)."""
    global _app
    _app = app_
