"""The settings of a process, read from the environment in one place.

`Settings.from_env()` is the only reader of environment variables in the project (a test greps
for any other): the function, the publisher's tools, the dev server and the CLI all take their
configuration from a `Settings`. Every variable is `WENZHENG_*` except `PORT`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class StartupError(RuntimeError):
    """The configuration is unsafe or incomplete; the process must not serve."""


# the placeholder ARN the Chalice app is declared with outside AWS (deploys set the real one)
PLACEHOLDER_STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:000000000000:table/wenzheng/stream/1970-01-01T00:00:00.000")


def default_content_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$WENZHENG_CONTENT`, else the repository's content/."""
    env = os.environ if env is None else env
    if env.get("WENZHENG_CONTENT"):
        return Path(env["WENZHENG_CONTENT"])
    return Path(__file__).resolve().parents[2] / "content"


def _default_content_dir() -> Path:
    return default_content_dir()


@dataclass
class Settings:
    stage: str = "local"
    store: str = "sqlite"
    data_dir: Path = Path("var")
    table: str = "wenzheng"
    content_dir: Path = field(default_factory=_default_content_dir)
    token_secret: str | None = None
    allow_provisional: bool = True
    site_bucket: str | None = None
    distribution_id: str | None = None
    sender: str = "local"               # local (files in {data_dir}/outbox) | aws (SES + SNS)
    mail_from: str | None = None        # else notifications.yaml `mail_from`
    site_url: str | None = None         # links in messages; else site.yaml `base_url`
    sms_sender_id: str | None = None
    # whether WENZHENG_DATA was set (the publisher's tools need a data folder for SQLite)
    data_dir_given: bool = False
    # the theme outside the source tree (an installed package): WENZHENG_THEME
    theme_dir: Path | None = None
    # the DynamoDB stream the function's publisher listens to
    stream_arn: str = PLACEHOLDER_STREAM_ARN
    # the dev server: how long a request body may take once its headers arrived; its port
    body_seconds: float = 10.0
    port: int = 8000
    # word locations per chunk of the search index (publisher/search/rechunk.py); None: 4,000
    search_chunk_locs: int | None = None
    # content/ and the theme from a bundle in S3 (adapters/content_bundle.py), set by deploy
    content_bundle: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            stage=env.get("WENZHENG_STAGE", "local"),
            store=env.get("WENZHENG_STORE", "sqlite"),
            data_dir=Path(env.get("WENZHENG_DATA") or "var"),
            table=env.get("WENZHENG_TABLE", "wenzheng"),
            content_dir=default_content_dir(env),
            token_secret=env.get("WENZHENG_TOKEN_SECRET") or None,
            allow_provisional=env.get("WENZHENG_ALLOW_PROVISIONAL", "1") not in ("0", "false"),
            site_bucket=env.get("WENZHENG_SITE_BUCKET") or None,
            distribution_id=env.get("WENZHENG_DISTRIBUTION_ID") or None,
            sender=env.get("WENZHENG_SENDER")
            or ("local" if env.get("WENZHENG_STAGE", "local") == "local" else "aws"),
            mail_from=env.get("WENZHENG_MAIL_FROM") or None,
            site_url=env.get("WENZHENG_SITE_URL") or None,
            sms_sender_id=env.get("WENZHENG_SMS_SENDER_ID") or None,
            data_dir_given=bool(env.get("WENZHENG_DATA")),
            theme_dir=Path(env["WENZHENG_THEME"]) if env.get("WENZHENG_THEME") else None,
            stream_arn=env.get("WENZHENG_STREAM_ARN", PLACEHOLDER_STREAM_ARN),
            body_seconds=float(env.get("WENZHENG_BODY_SECONDS") or 10.0),
            port=int(env.get("PORT") or 8000),
            search_chunk_locs=int(env["WENZHENG_SEARCH_CHUNK_LOCS"])
            if env.get("WENZHENG_SEARCH_CHUNK_LOCS") else None,
            content_bundle=env.get("WENZHENG_CONTENT_BUNDLE") or None,
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
