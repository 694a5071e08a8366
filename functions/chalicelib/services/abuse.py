"""Abuse limits: guessing, flooding, and the office's count of what was refused.

Every limit is per client (`clients.py`: the source network, never a header the client chooses)
and uses the stores' quotas (`UnitOfWork.quota_used` / `use_quota`, keys naming their time
window, so a window's quota simply expires). Over a limit the API answers 429 with a bilingual
message and, where the wait is known, a `Retry-After` header; every refusal is counted per
China-time day and kind (`KINDS`) for the office dashboard (`dashboard_section`). No address is
ever stored: quota keys hold the client's keyed hash.

Guessing (`guarded`: tracking secrets on GET /api/letters/{code} and its rating, staff passwords
on POST /api/staff/login). Wrong guesses are counted in a unit of work of their own, committed
before the 404 / 401 goes out, so failing does not hide them:

- per client: `guesses_per_client` wrong ones a clock minute (any code or username), then 429
  until the minute ends;
- per account (one tracking code, one username): `guesses_per_account` wrong ones in a
  `guess_window_minutes` window from any clients. Then the account is *protected* until the
  window ends: a client that failed against it in the window is refused outright, and clients
  that did not may still try, `protected_attempts_per_minute` a minute between them.

The trade-off (lockout as a denial of service): a hard per-account lock would let anyone lock the
office out by typing wrong passwords for its usernames; no per-account lock would let a botnet
guess at full speed. Protection instead throttles an attacked account to a trickle, refuses the
clients that did the failing, and lets a real user from their own network in within about a
minute, unless an attacker with many fresh addresses keeps taking every minute's attempt — which
the dashboard shows as a rising `login` count, and which stops with the window. Secrets of
tracking codes are 144 random bits, so their limit is about noise and load, not the odds.

Flooding: letters (`letters_per_hour` and `letters_per_day` per client, counted in the letter's
own commit so an idempotent replay, which commits nothing, costs nothing), votes
(`votes_per_hour`), requests for a new tracking secret (`secret_resets_per_hour` per client and
`secret_resets_per_letter` per tracking code a day), comments and survey responses
(`topic_services`); the write form's honeypot
field (`HONEYPOT`), hidden from people and assistive technology, refuses a submission that fills it
(400 `refused`, counted as `honeypot`).
"""
from __future__ import annotations

import contextvars
import functools
import hashlib
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from ..domain.deadlines import CHINA_TZ
from ..domain.errors import ConcurrentUpdate, DomainError, Invalid, StoreError, TooManyRequests

log = logging.getLogger("wenzheng.abuse")

# the kinds of refusal the office sees counted, in the dashboard's order
KINDS = ("letters", "tracking", "login", "comments", "responses", "votes", "honeypot",
         "secret", "suggest")
LABELS = {"letters": ("来信提交过频", "Letters over the limit"),
          "tracking": ("查询码 / 密码猜测", "Tracking-secret guessing"),
          "login": ("工作人员密码猜测", "Staff password guessing"),
          "comments": ("意见提交过频", "Comments over the limit"),
          "responses": ("问卷提交过频", "Survey responses over the limit"),
          "votes": ("投票过频", "Votes over the limit"),
          "honeypot": ("疑似机器提交（隐藏字段）", "Bot submissions (hidden field filled)"),
          "secret": ("重发查询密码过频", "New-password requests over the limit"),
          "suggest": ("部门建议请求过频", "Department suggestions over the limit")}
HONEYPOT = "website"          # the write form's hidden field: people never fill it
DASHBOARD_DAYS = 14
_NEVER_FULL = 10 ** 9         # a counter's "limit" when the check is made before, not at commit


@dataclass(frozen=True)
class AbuseLimits:
    """Per client unless said otherwise; content/abuse.yaml overrides any of them."""

    comments_per_hour: int = 10            # per topic, per clock hour
    responses_per_day: int = 1             # per survey, per China-time day
    votes_per_hour: int = 60               # 顶/踩 on published letters, per clock hour
    letters_per_hour: int = 5              # letters submitted, per clock hour
    letters_per_day: int = 20              # ...and per China-time day
    guesses_per_client: int = 5            # wrong secrets or passwords per clock minute
    guesses_per_account: int = 20          # wrong ones against one code or username per window
    guess_window_minutes: int = 15
    protected_attempts_per_minute: int = 2  # a protected account's attempts per minute
    secret_resets_per_hour: int = 5        # new tracking secrets asked for, per clock hour
    secret_resets_per_letter: int = 3      # ...for one tracking code, from any clients, per day
    suggestions_per_minute: int = 30       # POST /api/suggest (the write form asks as one types)


# --- refusals ---------------------------------------------------------------------------------

def _minutes(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))


def too_many(kind: str, key: str, wait: timedelta | None = None,
             **params: Any) -> TooManyRequests:
    """A 429 of `kind` with the catalogued message `key`, saying how long to wait (and carrying
    it for `Retry-After`)."""
    err = TooManyRequests(key, **params)
    err.abuse_kind = kind                              # type: ignore[attr-defined]
    err.retry_after = (max(1, math.ceil(wait.total_seconds()))  # type: ignore[attr-defined]
                       if wait is not None else None)
    return err


def refused(kind: str, key: str) -> Invalid:
    """A 400 `refused` of `kind` (the honeypot) with the catalogued message `key`: counted
    like a 429."""
    err = Invalid(key)
    err.abuse_kind = kind                              # type: ignore[attr-defined]
    return err


def count(store: Any, kind: str, at: datetime) -> None:
    """Count one refusal; a store failure is logged, never turned into the answer."""
    try:
        store.count_refusal(kind, at)
    except StoreError:
        log.exception("could not count a refusal of kind %s", kind)


# --- windows ----------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _window(now: datetime, minutes: int) -> tuple[str, datetime]:
    """The clock window of `minutes` holding `now` (windows of 15 minutes start at :00, :15,
    :30 and :45; of 60, on the hour), named by its start, and its end."""
    elapsed = int((now - _EPOCH).total_seconds() // 60)
    start = _EPOCH + timedelta(minutes=elapsed - elapsed % max(1, minutes))
    return start.strftime("%Y%m%d%H%M"), start + timedelta(minutes=max(1, minutes))


def _hour(now: datetime) -> tuple[str, datetime]:
    return _window(now, 60)


def _day(now: datetime) -> tuple[str, datetime]:
    local = now.astimezone(CHINA_TZ)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.strftime("%Y%m%d"), start + timedelta(days=1)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def take_now(ctx: Any, key: str, limit: int, expires_at: datetime) -> None:
    """Use a quota once in a unit of work of its own (the request may fail afterwards and
    must still have used it); `TooManyRequests` when it is at its limit."""
    with ctx.store.unit_of_work() as uow:
        if uow.quota_used(key) >= limit:
            raise TooManyRequests("too_many_requests")
        uow.use_quota(key, limit, expires_at)
        uow.commit()


# --- guessing ---------------------------------------------------------------------------------

_GUESS_TEXT = {"tracking": "too_many_tracking_guesses", "login": "too_many_login_guesses"}

T = TypeVar("T")


def _guessing(kind: str, wait: timedelta) -> TooManyRequests:
    return too_many(kind, _GUESS_TEXT[kind], wait, minutes=_minutes(wait))


def guarded(ctx: Any, kind: str, account: str | None, client: str | None,
            attempt: Callable[[], T], is_wrong: Callable[[DomainError], bool]) -> T:
    """Run `attempt` (a secret or password check) within the guessing limits of `kind`
    (`tracking` or `login`), counting it as a wrong guess when it raises an error `is_wrong`
    accepts. `account` is the tracking code or username tried (None: not a usable one)."""
    limits: AbuseLimits = ctx.abuse
    now = ctx.clock()
    minute, minute_end = _window(now, 1)
    window, window_end = _window(now, limits.guess_window_minutes)
    acct = _digest(account) if account else None
    per_client = f"{kind}:c:{client}:{minute}" if client else None
    per_account = f"{kind}:a:{acct}:{window}" if acct else None
    tainted = f"{kind}:ac:{acct}:{client}:{window}" if acct and client else None
    with ctx.store.unit_of_work() as uow:
        if per_client and uow.quota_used(per_client) >= limits.guesses_per_client:
            raise _guessing(kind, minute_end - now)
        protected = bool(per_account
                         and uow.quota_used(per_account) >= limits.guesses_per_account)
        if protected and tainted and uow.quota_used(tainted):
            raise _guessing(kind, window_end - now)
    if protected:
        try:
            take_now(ctx, f"{kind}:t:{acct}:{minute}", limits.protected_attempts_per_minute,
                     minute_end)
        except TooManyRequests:
            raise _guessing(kind, minute_end - now) from None
    try:
        return attempt()
    except DomainError as err:
        if is_wrong(err):
            _wrong_guess(ctx, [k for k in (per_client, per_account, tainted) if k],
                         window_end)
        raise


def _wrong_guess(ctx: Any, keys: list[str], expires_at: datetime) -> None:
    """Count one wrong guess on each key, committed now (the answer is an error)."""
    try:
        with ctx.store.unit_of_work() as uow:
            for key in keys:
                uow.use_quota(key, _NEVER_FULL, expires_at)
            uow.commit()
    except (ConcurrentUpdate, TooManyRequests, StoreError):
        log.exception("could not count a wrong guess")


def login_account(payload: Any) -> str | None:
    """The username a login body tries, when it is one that could exist."""
    name = payload.get("username") if isinstance(payload, Mapping) else None
    return name if isinstance(name, str) and 0 < len(name) <= 64 else None


def tracking_account(ref: Any) -> str | None:
    """The tracking code a request tries, normalized as the lookup does."""
    return ref.strip().upper() if isinstance(ref, str) and 0 < len(ref) <= 64 else None


# --- flooding ---------------------------------------------------------------------------------

def take_letter_quota(ctx: Any, uow: Any, client: str | None, now: datetime) -> None:
    """Within a new letter's unit of work: its client's hourly and daily letters (used in the
    letter's own commit, so a replay, which commits nothing, uses nothing)."""
    if client is None:
        return
    limits: AbuseLimits = ctx.abuse
    hour, hour_end = _hour(now)
    day, day_end = _day(now)
    checks = ((f"letters:h:{client}:{hour}", limits.letters_per_hour, hour_end),
              (f"letters:d:{client}:{day}", limits.letters_per_day, day_end))
    for key, limit, ends in checks:
        if uow.quota_used(key) >= limit:
            raise too_many("letters", "too_many_letters", ends - now,
                           per_hour=limits.letters_per_hour, per_day=limits.letters_per_day,
                           minutes=_minutes(ends - now))
    for key, limit, ends in checks:
        uow.use_quota(key, limit, ends)


def take_vote_quota(ctx: Any, client: str) -> None:
    """A vote's place in its client's hourly votes (in a unit of work of its own)."""
    now = ctx.clock()
    hour, ends = _hour(now)
    try:
        take_now(ctx, f"votes:{client}:{hour}", ctx.abuse.votes_per_hour, ends)
    except TooManyRequests:
        raise too_many("votes", "too_many_votes", ends - now) from None


def take_suggest_quota(ctx: Any, client: str) -> None:
    """A department suggestion's place in its client's suggestions of this clock minute."""
    now = ctx.clock()
    minute, ends = _window(now, 1)
    try:
        take_now(ctx, f"suggest:{client}:{minute}", ctx.abuse.suggestions_per_minute, ends)
    except TooManyRequests:
        raise too_many("suggest", "too_many_suggestions", ends - now) from None


def take_secret_reset_quota(ctx: Any, client: str | None, tracking_code: str | None) -> None:
    """A request for a new tracking secret: its client's hourly requests and its tracking
    code's daily ones (any clients), used whether or not the contact matches, so that the limit
    says nothing about the letter either (each in a unit of work of its own)."""
    limits: AbuseLimits = ctx.abuse
    now = ctx.clock()
    hour, hour_end = _hour(now)
    day, day_end = _day(now)
    checks = []
    if client:
        checks.append((f"secret:c:{client}:{hour}", limits.secret_resets_per_hour, hour_end))
    if tracking_code:
        checks.append((f"secret:a:{_digest(tracking_code)}:{day}",
                       limits.secret_resets_per_letter, day_end))
    for key, limit, ends in checks:
        try:
            take_now(ctx, key, limit, ends)
        except TooManyRequests:
            raise too_many("secret", "too_many_secret_resets", ends - now,
                           minutes=_minutes(ends - now)) from None


def check_honeypot(payload: Any) -> Any:
    """Refuse a body whose honeypot field is filled; return it without the field."""
    if not isinstance(payload, Mapping) or HONEYPOT not in payload:
        return payload
    value = payload.get(HONEYPOT)
    if value not in (None, "") and not (isinstance(value, str) and not value.strip()):
        raise refused("honeypot", "honeypot_refused")
    return {k: v for k, v in payload.items() if k != HONEYPOT}


# --- the HTTP side: counting refusals, Retry-After ----------------------------------------------

_retry_after: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "wenzheng_retry_after", default=None)


def recorded(kind: str, store: Callable[[], Any]
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view function (inside `api.view`): a 429 (or honeypot refusal) it raises is
    counted under its own kind or `kind`, and its wait kept for the `Retry-After` header."""
    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except DomainError as err:
                own = getattr(err, "abuse_kind", None)
                if isinstance(err, TooManyRequests) or own:
                    ctx = store()
                    count(ctx.store, own or kind, ctx.clock())
                    _retry_after.set(getattr(err, "retry_after", None))
                raise
        return run
    return wrap


def retry_after_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice HTTP middleware: a 429 with a known wait gets `Retry-After` (seconds)."""
    token = _retry_after.set(None)
    try:
        response = get_response(event)
        wait = _retry_after.get()
        if wait and getattr(response, "status_code", None) == 429:
            response.headers["Retry-After"] = str(wait)
        return response
    finally:
        _retry_after.reset(token)


# --- the office's view ------------------------------------------------------------------------

def dashboard_section(store: Any, now: datetime, days: int = DASHBOARD_DAYS) -> dict[str, Any]:
    """The dashboard's `abuse` section: refusals per kind today, in the last 7 days and in the
    last `days` days (China time), and the days with any, newest first."""
    today = now.astimezone(CHINA_TZ).date()
    since = today - timedelta(days=days - 1)
    week = (today - timedelta(days=6)).isoformat()
    counts = store.refusals(since)
    kinds = []
    for kind in KINDS:
        per_day = {day: row.get(kind, 0) for day, row in counts.items()}
        kinds.append({"kind": kind, "label": LABELS[kind][0], "label_en": LABELS[kind][1],
                      "today": per_day.get(today.isoformat(), 0),
                      "week": sum(n for day, n in per_day.items() if day >= week),
                      "total": sum(per_day.values())})
    return {"since": since.isoformat(), "days": days,
            "total": sum(k["total"] for k in kinds), "kinds": kinds,
            "by_day": [{"day": day, "counts": {k: n for k, n in row.items() if k in KINDS}}
                       for day, row in sorted(counts.items(), reverse=True)]}
