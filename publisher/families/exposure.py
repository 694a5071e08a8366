"""The exposure board (曝光台, `/exposure/`): open overdue letters as of the latest recorded red
light, the latest late sign-ins and replies, and late work by department over twelve months.

What it reads: every running letter, so it is re-rendered only for changes to letters that
went red or were late (`chalicelib.domain.exposure.touches_board`) or were ever listed for
supervision (挂牌督办, `Letter.listing`: the `supervised` and `supervision_overdue` events, and
the reply that ends a listing), which is every change that can alter it (an approval of a
letter answered on time never does): one read per letter of the change, never a scan; and with
a correction of the statistics its late-work table is read from. The board shows nothing a
publication changes, so a change that moved only `EXPOSURE_OMIT` (an approval that publishes a
late letter) leaves it alone.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain import exposure, oversight
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.letters import Letter
from chalicelib.domain.privacy import redact
from chalicelib.domain.statistics import month_of
from chalicelib.services.ports import Change

from ..content import Content
from ..formatting import shift_month
from ..keys import MONTH, PageKey, is_department_id, is_letter_id, league_periods, periods_of
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer

# a change that moved only these counters (publishing a letter) cannot change the exposure board
EXPOSURE_OMIT = frozenset({"published"})
LATE_ITEMS = 100          # late sign-ins and replies listed one by one on the exposure board


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    if change.kind == "statistics" and periods_of(change):
        return {("exposure",)}
    # (a change that moved no counter, a light turning red, may well change it)
    if change.counters and set(change.counters) <= EXPOSURE_OMIT:
        return set()
    for letter_id in change.letters:
        if not is_letter_id(letter_id):
            continue
        letter = snap.get_letter(letter_id)
        if letter is None or exposure.touches_board(letter) or letter.listing is not None:
            return {("exposure",)}
    return set()


# --- the page -----------------------------------------------------------------------------------

def board_page(r: Renderer) -> Output:
    """Open overdue letters as of the latest recorded red light (see chalicelib.domain.exposure),
    and late work by department over twelve months of statistics."""
    letters = {letter.id: letter for letter in r.snap.running_letters()}
    board = exposure.board(list(letters.values()), r.calendar)
    entries = [_board_item(r, letters[e.letter_id], e) for e in board.entries]
    by_department: dict[str, dict] = {}
    for item in entries:
        row = by_department.setdefault(item["department"]["id"], {
            "department": item["department"], "count": 0, "worst": 0.0})
        row["count"] += 1
        row["worst"] = max(row["worst"], item["late_working_days"])
    summary = sorted(by_department.values(),
                     key=lambda row: (-row["count"], -row["worst"], row["department"]["id"]))
    window, late = _late_work(r, board.as_of)
    return r.html("exposure/index.html", "exposure.html", "exposure",
                  as_of=board.as_of, entries=entries, summary=summary,
                  window=window, late=late, late_items=_late_items(r, window),
                  late_limit=LATE_ITEMS, listed=_listed(r))


def _listed(r: Renderer) -> list[dict]:
    """The letters listed for supervision (挂牌督办) and not yet answered, by the office's
    date: department, listing date, the office's date and whether the scheduled job recorded
    it as passed. A public letter adds its type, subject and the office's reason, redacted
    (the reason is the office's words but may repeat the writer's details); a private one
    (every conduct complaint is) shows its department and dates only."""
    out = []
    for letter in r.snap.listed_letters():
        listing = letter.listing
        if listing is None:
            continue
        names = [letter.name] if letter.name else []
        item = {"department": r.dept_or_none(letter.department), "listed_at": listing.listed_at,
                "due": listing.due, "overdue": oversight.overdue_recorded(letter) is not None,
                "public": letter.public, "type": None, "subject": None, "reason": None}
        if letter.public:
            item.update(type=str(letter.type), subject=redact(letter.subject, names=names),
                        reason=redact(listing.reason, names=names))
        out.append(item)
    return out


def _late_items(r: Renderer, window: list[str]) -> list[dict]:
    """The latest LATE_ITEMS sign-ins and replies made after their deadline since the first
    month of the late-work window, newest first. Shown like the open entries (the subject
    redacted, a private letter's department and lateness only) and never from the
    publication, so an approval that publishes a late letter leaves the board alone."""
    if not window:
        return []
    since = datetime.fromisoformat(window[0] + "-01").replace(tzinfo=CHINA_TZ)
    done = [(e, letter) for letter in r.snap.late_letters(since, LATE_ITEMS)
            for e in exposure.entries(letter, r.calendar, since)
            if not e.open and e.done_at is not None and e.done_at >= since]
    done.sort(key=lambda d: (d[0].done_at, d[0].letter_id, d[0].clock), reverse=True)
    return [_board_item(r, letter, e) for e, letter in done[:LATE_ITEMS]]


def _board_item(r: Renderer, letter: Letter, e: exposure.Entry) -> dict:
    """One line of the exposure board. A letter its writer kept private shows its department
    and lateness only; the others their type, dates and subject with contact details
    redacted (the office may not have reviewed the text: redaction is all it gets)."""
    item = {"department": r.dept_or_none(e.department), "clock": e.clock,
            "late_working_days": e.late_working_days, "late_days": e.late_days,
            "public": letter.public, "due": None, "done_at": None, "type": None,
            "subject": None}
    if letter.public:
        item.update(due=e.due, done_at=e.done_at, type=str(letter.type), subject=redact(
            letter.subject, names=[letter.name] if letter.name else []))
    return item


def _late_work(r: Renderer, as_of: datetime | None) -> tuple[list[str], list[dict]]:
    """Late work by department over the twelve months that end with the later of the board's
    month and the latest month with any late work: both move only with letters that were
    late or went red, so the page changes with exactly the changes that touch the board."""
    months = [p for p in league_periods(r.snap) if MONTH.match(p)]
    latest = next((m for m in reversed(months)
                   if any(exposure.late_work(c) for c in r.snap.stats(m).values())), None)
    ends = [m for m in (latest, month_of(as_of) if as_of else None) if m]
    if not ends:
        return [], []
    end = max(ends)
    window = [shift_month(end, -i) for i in range(11, -1, -1)]
    sums: dict[str, dict[str, int]] = {}
    for month in window:
        for dept, counters in r.snap.stats(month).items():
            row = sums.setdefault(dept, {})
            for name in ("overdue", "late_replies", "late_reply_days", "signed",
                         "signed_on_time"):
                row[name] = row.get(name, 0) + int(counters.get(name, 0))
    rows: list[dict[str, Any]] = []
    for dept, c in sums.items():
        if not exposure.late_work(c) or not is_department_id(dept):
            continue
        rows.append({"department": r.dept_or_none(dept), "overdue": c["overdue"],
                     "late_replies": c["late_replies"],
                     "late_signs": c["signed"] - c["signed_on_time"],
                     "avg_days_late": (round(c["late_reply_days"] / c["late_replies"], 1)
                                       if c["late_replies"] else None)})
    rows.sort(key=lambda row: (-row["overdue"], -row["late_replies"], row["department"]["id"]))
    return window, rows


FAMILY = Family(name="exposure", renderers={"exposure": board_page},
                pages=lambda snap, content: [("exposure",)], reads=reads)
