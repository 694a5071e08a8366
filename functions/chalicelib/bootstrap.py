"""The composition root: builds the store, calendar, clock, signer, sender and context from
settings and content/ (departments.yaml, limits.yaml, abuse.yaml, notifications.yaml, site.yaml).

Nothing connects at import time; `app()` builds once per process (a Lambda container or a
`wenzheng serve`). Tests build a `Context` directly with fakes.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from .services.abuse import AbuseLimits
from .services.auth import TokenSigner
from .domain.deadlines import CHINA_TZ
from .domain.letters import LetterType, Limits
from .domain.notifications import NotifyConfig, RetryPolicy
from .services.ports import Publisher, Sender
from .domain.departments import Department, DepartmentError, is_email, parse_departments
from .services.letters import Context

DEMO_USERS = ("demo-office", "demo-clerk")


class StartupError(RuntimeError):
    """The configuration is unsafe or incomplete; the process must not serve."""


def default_content_dir() -> Path:
    env = os.environ.get("WENZHENG_CONTENT")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "content"


@dataclass
class Settings:
    stage: str = "local"
    store: str = "sqlite"
    data_dir: Path = Path("var")
    table: str = "wenzheng"
    content_dir: Path = field(default_factory=default_content_dir)
    token_secret: str | None = None
    allow_provisional: bool = True
    site_bucket: str | None = None
    distribution_id: str | None = None
    sender: str = "local"               # local (files in {data_dir}/outbox) | aws (SES + SNS)
    mail_from: str | None = None        # else notifications.yaml `mail_from`
    site_url: str | None = None         # links in messages; else site.yaml `base_url`
    sms_sender_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            stage=env.get("WENZHENG_STAGE", "local"),
            store=env.get("WENZHENG_STORE", "sqlite"),
            data_dir=Path(env.get("WENZHENG_DATA", "var")),
            table=env.get("WENZHENG_TABLE", "wenzheng"),
            content_dir=Path(env["WENZHENG_CONTENT"]) if env.get("WENZHENG_CONTENT")
            else default_content_dir(),
            token_secret=env.get("WENZHENG_TOKEN_SECRET") or None,
            allow_provisional=env.get("WENZHENG_ALLOW_PROVISIONAL", "1") not in ("0", "false"),
            site_bucket=env.get("WENZHENG_SITE_BUCKET") or None,
            distribution_id=env.get("WENZHENG_DISTRIBUTION_ID") or None,
            sender=env.get("WENZHENG_SENDER")
            or ("local" if env.get("WENZHENG_STAGE", "local") == "local" else "aws"),
            mail_from=env.get("WENZHENG_MAIL_FROM") or None,
            site_url=env.get("WENZHENG_SITE_URL") or None,
            sms_sender_id=env.get("WENZHENG_SMS_SENDER_ID") or None,
        )

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "wenzheng.sqlite3"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"


def load_departments(content_dir: Path) -> dict[str, Department]:
    path = content_dir / "departments.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return {d.id: d for d in parse_departments(raw)}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StartupError(f"{path}: cannot be read: {exc}") from exc
    except DepartmentError as exc:
        raise StartupError(f"{path}: {exc}") from exc


def _yaml_mapping(path: Path) -> dict:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise StartupError(f"{path}: cannot be read: {exc}") from exc
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise StartupError(f"{path}: must be a mapping")
    return raw


def _unknown(path: Path, where: str, raw: Mapping, allowed: set[str]) -> None:
    extra = sorted(str(k) for k in raw if k not in allowed)
    if extra:
        raise StartupError(f"{path}: {where}{extra[0]}: unknown key (expected one of "
                           f"{', '.join(sorted(allowed))})")


def _whole(path: Path, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise StartupError(f"{path}: {key}: must be a whole number >= {minimum}, got {value!r}")
    return value


def _fraction(path: Path, key: str, value: Any) -> float:
    """A share of the limit: a number from 0 to 1, or a fraction written "1/3" (exact)."""
    try:
        if isinstance(value, bool):
            raise ValueError
        frac = Fraction(value) if isinstance(value, str) else Fraction(float(value))
    except (TypeError, ValueError, ZeroDivisionError):
        raise StartupError(f"{path}: {key}: must be a number from 0 to 1 or a fraction like"
                           f" \"1/3\", got {value!r}") from None
    if not 0 <= frac <= 1:
        raise StartupError(f"{path}: {key}: must be from 0 to 1, got {value!r}")
    return frac.numerator / frac.denominator


_LIMIT_KEYS = {f.name for f in fields(Limits)}


def _limits(path: Path, where: str, raw: Any, base: Limits) -> Limits:
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise StartupError(f"{path}: {where.rstrip('.')}: must be a mapping of limits")
    _unknown(path, where, raw, _LIMIT_KEYS)
    values = dict(base.__dict__)
    for key, value in raw.items():
        here = f"{where}{key}"
        if key == "yellow_fraction":
            values[key] = _fraction(path, here, value)
        else:
            values[key] = _whole(path, here, value, 0 if key == "max_redos" else 1)
    return Limits(**values)


def load_limits(content_dir: Path) -> dict[str, Limits]:
    """Time limits per letter type from content/limits.yaml (working days), else the defaults.

    Unknown keys, unknown letter types and values of the wrong type stop the start-up with a
    `StartupError` naming the file and the key."""
    path = content_dir / "limits.yaml"
    if not path.exists():
        return {"default": Limits()}
    raw = _yaml_mapping(path)
    _unknown(path, "", raw, {"default", "types"})
    base = _limits(path, "default.", raw.get("default"), Limits())
    out = {"default": base}
    types = raw.get("types") or {}
    if not isinstance(types, dict):
        raise StartupError(f"{path}: types: must be a mapping of letter type to limits")
    _unknown(path, "types.", types, set(LetterType.__members__))
    for kind, values in types.items():
        out[kind] = _limits(path, f"types.{kind}.", values, base)
    return out


def load_abuse_limits(content_dir: Path) -> AbuseLimits:
    """The abuse limits (abuse.py) from content/abuse.yaml, else the defaults; every key is a
    whole number >= 1 named as in `AbuseLimits`. Unknown keys and values of the wrong type stop
    the start-up with a `StartupError` naming the file and the key."""
    path = content_dir / "abuse.yaml"
    if not path.exists():
        return AbuseLimits()
    raw = _yaml_mapping(path)
    allowed = {f.name for f in fields(AbuseLimits)}
    _unknown(path, "", raw, allowed)
    return AbuseLimits(**{key: _whole(path, key, value, 1) for key, value in raw.items()})


_NOTIFY_KEYS = {"office", "digest_hour", "mail_from", "site_url", "signature", "retry",
                "expire_after_hours"}
_RETRY_KEYS = {"max_attempts", "first_delay_minutes", "multiplier", "max_delay_minutes",
               "lease_minutes"}


def load_notify_config(content_dir: Path, departments: Mapping[str, Department],
                       settings: "Settings | None" = None) -> NotifyConfig:
    """Who gets which notification, from content/notifications.yaml, the departments' `email`,
    content/site.yaml (`base_url`, `office`) and settings (which override the files)."""
    path = content_dir / "notifications.yaml"
    raw = _yaml_mapping(path) if path.exists() else {}
    _unknown(path, "", raw, _NOTIFY_KEYS)
    site_path = content_dir / "site.yaml"
    site = _yaml_mapping(site_path) if site_path.exists() else {}

    office = raw.get("office") or {}
    if not isinstance(office, dict):
        raise StartupError(f"{path}: office: must be a mapping with an email")
    _unknown(path, "office.", office, {"email"})
    office_email = office.get("email")
    if office_email is not None and not is_email(office_email):
        raise StartupError(f"{path}: office.email: must be an e-mail address, got {office_email!r}")
    hour = raw.get("digest_hour", 8)
    if isinstance(hour, bool) or not isinstance(hour, int) or not 0 <= hour <= 23:
        raise StartupError(f"{path}: digest_hour: must be an hour from 0 to 23, got {hour!r}")
    texts: dict[str, str] = {}
    for key in ("mail_from", "site_url", "signature"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise StartupError(f"{path}: {key}: must be text, got {value!r}")
        if value:
            texts[key] = value.strip()
    if "mail_from" in texts and not is_email(texts["mail_from"]):
        raise StartupError(f"{path}: mail_from: must be an e-mail address")

    retry_raw = raw.get("retry") or {}
    if not isinstance(retry_raw, dict):
        raise StartupError(f"{path}: retry: must be a mapping")
    _unknown(path, "retry.", retry_raw, _RETRY_KEYS)
    default = RetryPolicy()
    minutes = lambda key, d: timedelta(minutes=_whole(  # noqa: E731
        path, f"retry.{key}", retry_raw.get(key, int(d.total_seconds() // 60)), 1))
    multiplier = retry_raw.get("multiplier", default.multiplier)
    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float)) or multiplier < 1:
        raise StartupError(f"{path}: retry.multiplier: must be a number >= 1, got {multiplier!r}")
    retry = RetryPolicy(
        max_attempts=_whole(path, "retry.max_attempts",
                            retry_raw.get("max_attempts", default.max_attempts), 1),
        first_delay=minutes("first_delay_minutes", default.first_delay),
        multiplier=float(multiplier),
        max_delay=minutes("max_delay_minutes", default.max_delay),
        lease=minutes("lease_minutes", default.lease))
    expire = _whole(path, "expire_after_hours", raw.get("expire_after_hours", 72), 1)

    settings = settings or Settings()
    site_url = settings.site_url or texts.get("site_url") or str(site.get("base_url") or "")
    return NotifyConfig(
        site_url=site_url.rstrip("/"), office_email=office_email, digest_hour=hour,
        department_emails={d.id: d.email for d in departments.values() if d.email},
        mail_from=settings.mail_from or texts.get("mail_from") or "noreply@localhost",
        signature=texts.get("signature") or str(site.get("office") or "市长公开电话办公室"),
        retry=retry, expire_after=timedelta(hours=expire))


def make_sender(settings: "Settings", config: NotifyConfig) -> Sender:
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
    from publisher.runtime import SitePublisher   # vendored with the function
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


def real_clock() -> datetime:
    return datetime.now(CHINA_TZ)


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
    from .adapters.calendars import OfficialCalendar

    settings = settings or Settings.from_env()
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
    departments = load_departments(settings.content_dir)
    ctx = Context(store=store, calendar=calendar, clock=clock, departments=departments,
                  limits=load_limits(settings.content_dir),
                  abuse=load_abuse_limits(settings.content_dir),
                  notify=load_notify_config(settings.content_dir, departments, settings))
    signer = TokenSigner(token_secret(settings), clock)
    return App(settings, ctx, signer, make_sender(settings, ctx.notify))


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
