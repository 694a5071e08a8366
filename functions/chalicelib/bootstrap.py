"""The composition root: builds the store, calendar, clock, signer and context from settings.

Nothing connects at import time; `context()` builds once per process (a Lambda container or a
`wenzheng serve`). Tests build a `Context` directly with fakes.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

import yaml

from .auth import TokenSigner
from .deadlines import CHINA_TZ
from .letters import Limits
from .services import Context, Department

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
        )

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "wenzheng.sqlite3"


def load_departments(content_dir: Path) -> dict[str, Department]:
    path = content_dir / "departments.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    items = raw.get("departments", []) if isinstance(raw, dict) else raw
    out: dict[str, Department] = {}
    for i, d in enumerate(items):
        for key in ("id", "name", "name_en"):
            if not isinstance(d, dict) or not isinstance(d.get(key), str) or not d[key]:
                raise StartupError(f"{path}: department #{i + 1} needs a text field '{key}'")
        out[d["id"]] = Department(d["id"], d["name"], d["name_en"],
                                  tuple(d.get("categories") or ()))
    return out


def load_limits(content_dir: Path) -> dict[str, Limits]:
    """Time limits per letter type from content/limits.yaml (working days), else the defaults."""
    path = content_dir / "limits.yaml"
    if not path.exists():
        return {"default": Limits()}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    base = Limits(**(raw.get("default") or {}))
    out = {"default": base}
    for kind, values in (raw.get("types") or {}).items():
        out[kind] = Limits(**{**base.__dict__, **(values or {})})
    return out


def make_store(settings: Settings, clock: Callable[[], datetime]):
    if settings.store == "dynamodb":
        from .store_dynamodb import DynamoStore
        return DynamoStore(settings.table, clock=clock)
    from .store_sqlite import SqliteStore
    return SqliteStore(settings.sqlite_path, clock=clock)


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


@dataclass
class App:
    settings: Settings
    ctx: Context
    signer: TokenSigner


def build(settings: Settings | None = None, clock: Callable[[], datetime] = real_clock) -> App:
    from .calendars import OfficialCalendar

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
    ctx = Context(store=store, calendar=calendar, clock=clock,
                  departments=load_departments(settings.content_dir),
                  limits=load_limits(settings.content_dir))
    return App(settings, ctx, TokenSigner(token_secret(settings), clock))


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
