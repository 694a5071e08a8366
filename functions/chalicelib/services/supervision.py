"""Supervision (督办): the scheduled job, notification delivery and the office's dashboard.

The scheduled job (Chalice `schedule` in AWS, a timer in `wenzheng serve`, `wenzheng tick`) runs
`run_scheduled`: first `tick`, which records what time has changed, then
`deliver_notifications`, which sends what is waiting. Both are safe to run twice, late, or in two
processes at once:

- `tick` records each light change in the letter's history once (the light is compared with the
  last recorded one, and a commit that lost a race to another tick is dropped), asks each writer
  for a rating once (a `rating_followup` history event), and creates one office digest a day (its
  id is the date). The notifications these cause are written in the same commits, so they exist
  exactly once.
- `deliver_notifications` claims a notification (a conditional write of its version) before
  sending it, so two jobs never send the same one; a failed send is recorded with its error and
  retried later with backoff, and never touches the letter.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from ..domain import hot, notifications, statistics, weekly
from ..domain.deadlines import CHINA_TZ, Light
from ..domain.errors import ConcurrentUpdate, Forbidden, Invalid, NotFound, SendError
from ..domain.letters import ACTIVE, Letter, Status
from ..domain.notifications import Notification
from . import abuse, oversight, privacy
from .context import Actor, Context, save
from .ports import Sender
from .topics import record_topic_phases
from .views import department_ref

log = logging.getLogger("wenzheng.supervision")

LIGHTS = ("green", "yellow", "red")


# --- the scheduled job --------------------------------------------------------------------

def tick(ctx: Context, now: datetime | None = None) -> dict[str, Any]:
    """Record every light change, rating follow-up and the day's digest due by `now`, and each
    consultation that opened or closed (so its pages are rebuilt), once.

    Running it twice for the same time changes nothing the second time."""
    now = now or ctx.clock()
    return {"at": now.isoformat(), "lights_changed": _lights(ctx, now),
            "rating_followups": _rating_followups(ctx, now), "digest": _digest(ctx, now),
            "topic_phases": record_topic_phases(ctx, now), "weekly": _weekly(ctx, now),
            "listings_overdue": oversight.record_listings_overdue(ctx, now),
            "personal_data_purged": privacy.daily_purge(ctx, now)}


def _lights(ctx: Context, now: datetime) -> list[str]:
    changed: list[str] = []
    for status in sorted(ACTIVE):
        for letter in ctx.store.list_letters(status=str(status), limit=100_000):
            if letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type)) == letter.light:
                continue
            try:
                with ctx.store.unit_of_work() as uow:
                    fresh = uow.get_letter(letter.id)
                    if fresh is None or fresh.status not in ACTIVE:
                        continue
                    if fresh.catch_up_lights(ctx.calendar, now, ctx.limits_for(fresh.type)):
                        save(ctx, uow, fresh)
                        uow.commit()
                        changed.append(fresh.id)
            except ConcurrentUpdate:
                # a person (or another tick) changed it meanwhile; the next run looks again
                continue
    return changed


def _rating_followups(ctx: Context, now: datetime) -> list[str]:
    """Ask the writer once to rate a released reply nobody rated within the configured working
    days (`Limits.rating_followup_days`)."""
    shortest = min([ctx.limits_for("default").rating_followup_days]
                   + [lim.rating_followup_days for lim in ctx.limits.values()])
    # n working days after the release take at least n calendar days
    candidates = ctx.store.letters_awaiting_rating(now - timedelta(days=shortest))
    asked: list[str] = []
    for letter in candidates:
        due = letter.rating_followup_due(ctx.calendar, ctx.limits_for(letter.type))
        if due is None or due > now:
            continue
        try:
            with ctx.store.unit_of_work() as uow:
                fresh = uow.get_letter(letter.id)
                if fresh is None or not fresh.awaiting_rating_followup:
                    continue
                due = fresh.rating_followup_due(ctx.calendar, ctx.limits_for(fresh.type))
                if due is None or due > now:
                    continue
                fresh.record_rating_followup(now, due)
                save(ctx, uow, fresh)
                uow.commit()
                asked.append(fresh.id)
        except ConcurrentUpdate:
            continue
    return asked


def _digest(ctx: Context, now: datetime) -> str | None:
    """The office's digest, once per China-local day from `digest_hour` on (its id is the date:
    a second tick that day, or a racing one, finds it there)."""
    config = ctx.notify
    local = now.astimezone(CHINA_TZ)
    if not config.office_email or local.hour < config.digest_hour:
        return None
    day = local.date()
    if ctx.store.get_notification(notifications.digest_id(day)) is not None:
        return None
    names = {d.id: d.name for d in ctx.departments.values()}
    note = notifications.digest(day, now, dashboard_figures(ctx, now), names, config)
    if note is None:
        return None
    try:
        with ctx.store.unit_of_work() as uow:
            uow.add_notification(note)
            uow.commit()
    except ConcurrentUpdate:
        return None    # another tick created it first
    return note.id


def _weekly(ctx: Context, now: datetime) -> str | None:
    """The weekly record (hot topics and the leaders' report, `domain.weekly`) of the week that
    ended last, once: from Monday 00:00 China time on, the first tick writes it (a conditional
    insert; a racing tick's commit is refused and writes nothing)."""
    week = weekly.last_ended_week(now)
    if ctx.store.get_week(week) is not None:
        return None
    since, before = weekly.week_window(week)
    letters = ctx.store.submitted_between(since - timedelta(days=7 * hot.HISTORY), before)
    board = dashboard_figures(ctx, min(now, before))
    late = [{"department": row["department"], "red": row["red"]}
            for row in board["active"]["by_department"] if row["red"]]
    late.sort(key=lambda r: (-r["red"], r["department"]))
    record = weekly.record(week, now, letters, board["active"]["by_light"], late)
    names = {d.id: d.name for d in ctx.departments.values()}
    try:
        with ctx.store.unit_of_work() as uow:
            uow.add_week(record)
            # the report to content/reports.yaml's readers, in the same commit: once
            for note in notifications.weekly_report(record, now, names, ctx.notify):
                uow.add_notification(note)
            uow.commit()
    except ConcurrentUpdate:
        return None    # another tick wrote it first
    return week


# a scheduled run sends at most this many batches of `limit` (a backlog larger than that,
# 2,000 by default, goes out over the next runs)
MAX_BATCHES = 10


def deliver_due(ctx: Context, sender: Sender, now: datetime | None = None, limit: int = 200,
                batches: int = MAX_BATCHES) -> dict[str, Any]:
    """Every notification due at `now`, in batches of `limit`, until a batch comes back short:
    so a run leaves nothing due behind it and a second run at the same time sends nothing."""
    now = now or ctx.clock()
    total: dict[str, list[str]] = {"sent": [], "retrying": [], "failed": [], "expired": []}
    for _ in range(batches):
        outcome, seen = _deliver(ctx, sender, now, limit)
        for key, ids in outcome.items():
            total[key] += ids
        if seen < limit:
            break
    return total


def deliver_notifications(ctx: Context, sender: Sender, now: datetime | None = None,
                          limit: int = 200) -> dict[str, Any]:
    """Send the pending notifications that are due (one batch of at most `limit`); record each
    outcome on the notification."""
    return _deliver(ctx, sender, now or ctx.clock(), limit)[0]


def _deliver(ctx: Context, sender: Sender, now: datetime,
             limit: int) -> tuple[dict[str, list[str]], int]:
    policy = ctx.notify.retry
    outcome: dict[str, list[str]] = {"sent": [], "retrying": [], "failed": [], "expired": []}
    seen = 0
    for note in ctx.store.due_notifications(now, limit):
        seen += 1
        if not note.is_due(now):
            continue
        if now > note.not_after:
            # a reminder that could not go out in time is dropped, not sent days late
            note.expire(now)
            if _write(ctx, note):
                outcome["expired"].append(note.id)
            continue
        note.claim(now, policy)
        if not _write(ctx, note):
            continue        # another delivery job holds it
        try:
            message_id = sender.send(note)
        except SendError as exc:
            note.failed(now, str(exc), policy)
        except Exception as exc:  # noqa: BLE001 - a sender bug must not stop the other sends
            log.exception("sender failed on notification %s", note.id)
            note.failed(now, f"internal error: {type(exc).__name__}: {exc}", policy)
        else:
            note.delivered(now, message_id)
        if not _write(ctx, note):
            log.warning("notification %s changed while it was being sent", note.id)
            continue
        if note.status == notifications.Delivery.sent:
            outcome["sent"].append(note.id)
        elif note.status == notifications.Delivery.failed:
            log.error("notification %s failed for good: %s", note.id, note.last_error)
            outcome["failed"].append(note.id)
        else:
            outcome["retrying"].append(note.id)
    return outcome, seen


def _write(ctx: Context, note: Notification) -> bool:
    try:
        ctx.store.update_notification(note)
    except ConcurrentUpdate:
        return False
    return True


def run_scheduled(ctx: Context, sender: Sender, now: datetime | None = None) -> dict[str, Any]:
    """The scheduled job: the tick, then delivery of what it (and the day's changes) caused."""
    now = now or ctx.clock()
    try:
        result = tick(ctx, now)
    except Exception:
        # what the day's committed changes caused still goes out; the tick is retried next run
        deliver_due(ctx, sender, now)
        raise
    result["notifications"] = deliver_due(ctx, sender, now)
    return result


# --- the office's dashboard ---------------------------------------------------------------

def dashboard_figures(ctx: Context, now: datetime) -> dict[str, Any]:
    """Counts of active letters by light and department, the office's queues, the red letters."""
    by_light = {light: 0 for light in LIGHTS}
    by_department: dict[str, dict[str, int]] = {}
    red: list[tuple[str, Letter]] = []
    total = 0
    for status in sorted(ACTIVE):
        for letter in ctx.store.list_letters(status=str(status), limit=100_000):
            light = str(letter.light_at(ctx.calendar, now, ctx.limits_for(letter.type)))
            if light not in by_light:
                continue
            total += 1
            by_light[light] += 1
            row = by_department.setdefault(letter.department or "",
                                           {light: 0 for light in LIGHTS})
            row[light] += 1
            if light == Light.red:
                due = letter.current_due
                red.append((due.date.isoformat() if due else "", letter))
    red.sort(key=lambda r: (r[0], r[1].id))
    awaiting_redo = [letter for letter in ctx.store.letters_rated_unsatisfied()
                     if letter.awaiting_redo_decision(ctx.limits_for(letter.type))]
    return {
        "at": now.isoformat(),
        "active": {
            "total": total, "by_light": by_light,
            "by_department": [{"department": dept, **counts, "total": sum(counts.values())}
                              for dept, counts in sorted(by_department.items())]},
        "awaiting_dispatch": (ctx.store.count_letters(Status.submitted)
                              + ctx.store.count_letters(Status.transfer_requested)),
        "awaiting_approval": ctx.store.count_letters(Status.replied),
        "awaiting_redo_decision": len(awaiting_redo),
        "pending_extensions": ctx.store.count_letters(Status.extension_requested),
        "red": [{"id": letter.id, "tracking_code": letter.tracking_code,
                 "subject": letter.subject, "department": letter.department,
                 "status": str(letter.status), "due": due or None,
                 "clock": "sign" if letter.status == Status.dispatched else "reply"}
                for due, letter in red],
    }


def office_dashboard(ctx: Context, actor: Actor) -> dict[str, Any]:
    """GET /api/staff/dashboard (office only): `dashboard_figures` with department names."""
    if actor.role != "office":
        raise Forbidden("dashboard_office_only")
    figures = dashboard_figures(ctx, ctx.clock())
    for row in figures["active"]["by_department"]:
        row["department"] = department_ref(ctx, row["department"])
    for item in figures["red"]:
        item["department"] = department_ref(ctx, item["department"])
    # requests refused as abuse, per kind, over the last two weeks
    figures["abuse"] = abuse.dashboard_section(ctx.store, ctx.clock())
    return figures


# --- the weekly reports (周报) in the console -----------------------------------------------

def _reports_reader(actor: Actor) -> None:
    if actor.role not in ("office", "admin"):
        raise Forbidden("reports_office_only")


def list_reports(ctx: Context, actor: Actor) -> dict[str, Any]:
    """GET /api/staff/reports (office, admin): the weeks with a report, newest first."""
    _reports_reader(actor)
    return {"weeks": [{"week": w, "url": f"/api/staff/reports/{w}"}
                      for w in ctx.store.list_weeks()]}


_WEEK_FORM = re.compile(r"[0-9]{4}-W[0-9]{2}")      # openapi.PATH_PARAMS["week"]


def get_report(ctx: Context, actor: Actor, week: str) -> dict[str, Any]:
    """GET /api/staff/reports/{week} (office, admin): the week's record, departments named."""
    _reports_reader(actor)
    if not isinstance(week, str) or not _WEEK_FORM.fullmatch(week):
        raise Invalid("week_format", field="week")
    # well formed but not a week of the calendar (2026-W00, 2021-W53): no report, like any
    # week without one
    record = ctx.store.get_week(week) if weekly.valid_week(week) else None
    if record is None:
        raise NotFound("week_not_found", field="week")
    figures = dict(record.get("figures", {}))
    figures["late_departments"] = [
        {**row, "department": department_ref(ctx, row.get("department"))}
        for row in figures.get("late_departments", [])]
    figures["notable"] = [{**n, "department": department_ref(ctx, n.get("department"))}
                          for n in figures.get("notable", [])]
    topics = [{**t, "departments": [{"department": department_ref(ctx, d), "letters": n}
                                    for d, n in t.get("departments", [])]}
              for t in record.get("topics", [])]
    since, before = weekly.week_window(week)
    return {"week": week, "from": since.date().isoformat(),
            "to": (before - timedelta(days=1)).date().isoformat(),
            "computed_at": record.get("computed_at"), "formula": weekly.FORMULA,
            "topics": topics, "figures": figures}


# --- statistics upkeep -------------------------------------------------------------------

# rows per commit: one DynamoDB transaction holds 100 items, and the change record is one
CORRECTIONS_PER_COMMIT = 90

def recompute_statistics(ctx: Context, *, apply: bool = True
                         ) -> dict[tuple[str, str], dict[str, Any]]:
    """The running statistics checked against a recomputation from every letter's history
    (they are the sum of per-commit deltas, so they only drift when the counting rules change,
    e.g. a new counter, or after a repair by hand). Returns the corrections per (period,
    department) — empty when they agree — and, with `apply`, commits them in one unit of work
    whose change record re-publishes the league, department and exposure pages they touch.

    Letters changing meanwhile can make one run's corrections off by their own deltas: run it
    when the site is quiet, or again until it returns nothing."""
    expected = statistics.recompute(letter.history for letter in ctx.store.iter_letters())
    stored = {(period, dept): counters for period in ctx.store.stats_periods()
              for dept, counters in ctx.store.stats(period).items()}
    corrections: dict[tuple[str, str], dict[str, Any]] = {}
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key, {}), stored.get(key, {})
        delta = {c: int(want.get(c, 0)) - int(have.get(c, 0)) for c in set(want) | set(have)}
        delta = {c: n for c, n in sorted(delta.items()) if n}
        if delta:
            corrections[key] = delta
    keys = list(corrections)
    for i in range(0, len(keys) if apply else 0, CORRECTIONS_PER_COMMIT):
        with ctx.store.unit_of_work() as uow:
            uow.correct_stats({k: corrections[k] for k in keys[i:i + CORRECTIONS_PER_COMMIT]})
            uow.commit()
    return corrections
