"""`wenzheng import CSV`: historical letters with their replies, from a city's old system.

Columns (those of the citizen-letter data set's replies.csv): id, user, subject, time, body,
reply, reply_time; optional `department` (an id or a name of content/departments.yaml) or
`category` (mapped to a department through the departments' `categories`), else the configured
default department. Each row becomes one published letter with its whole history (submitted,
dispatched, signed, replied, approved) at the recorded times, written in one transaction: an
interrupted import leaves no half-written letter, and a re-run skips the rows already imported
(the letter id derives from the row id). `user` (the name or handle the writer gave the old
board) is the letter's name: the site shows it masked as 来信人 (UU0082204 → U***), and it is
masked wherever the subject, body or reply repeats it — the old replies address their writer by
it ("网友“UU0082204”：您好"). Other personal data in the old text is redacted on publication
like any letter's. Bad rows are reported with their line number and skipped.
"""
from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from chalicelib.domain import text
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.errors import ConcurrentUpdate, DomainError
from chalicelib.domain.letters import Letter, LetterType
from chalicelib.services import casework, commands
from chalicelib.services.context import Context

REQUIRED = ("id", "subject", "time", "body", "reply", "reply_time")
IMPORTER = "import"


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class ImportReport:
    imported: int = 0
    skipped_existing: int = 0
    problems: list[Problem] = field(default_factory=list)
    fatal: str | None = None

    def summary(self) -> dict:
        return {"imported": self.imported, "already_imported": self.skipped_existing,
                "bad_rows": len(self.problems), "fatal": self.fatal}


def letter_id_for(row_id: str) -> str:
    """A stable id per source row, so a re-run finds what it already imported."""
    slug = re.sub(r"[^0-9A-Za-z]", "", row_id)[:20]
    if slug and slug == row_id:
        return f"imp{slug.lower()}"
    return "imp" + hashlib.sha256(row_id.encode()).hexdigest()[:16]


def _time(value: str, column: str) -> datetime:
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{column} '{value[:30]}' is not a time like 2019-12-05 10:30:00") \
            from None
    return at if at.tzinfo else at.replace(tzinfo=CHINA_TZ)


def _kind(subject: str) -> LetterType:
    for prefix, kind in (("投诉", "complaint"), ("咨询", "consultation"), ("建议", "suggestion"),
                         ("举报", "report"), ("批评", "criticism")):
        if subject.startswith(prefix):
            return LetterType(kind)
    return LetterType.help


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line where the record starts, record) for each CSV record."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"missing column(s): {', '.join(missing)}")
        start = reader.line_num + 1
        for record in reader:
            yield start, record
            start = reader.line_num + 1


def department_of(ctx: Context, record: dict[str, str], default: str | None) -> str:
    value = (record.get("department") or "").strip()
    if value:
        for d in ctx.departments.values():
            if value in (d.id, d.name, d.name_en):
                return d.id
        raise ValueError(f"unknown department '{value[:40]}'")
    category = (record.get("category") or "").strip()
    if category:
        for d in ctx.departments.values():
            if category in d.categories:
                return d.id
    if default:
        return default
    raise ValueError("no department or category, and no default department configured")


def import_csv(ctx: Context, path: Path, *, default_department: str | None = None,
               progress: Callable[[int, int], None] | None = None) -> ImportReport:
    report = ImportReport()
    if default_department is not None:
        ctx.department(default_department, "default_department")
    try:
        total = sum(1 for _ in rows(path))
        records = rows(path)
    except (OSError, ValueError, csv.Error, UnicodeDecodeError) as exc:
        report.fatal = f"{path}: {exc}"
        report.problems.append(Problem(1, str(exc)))
        return report
    done = 0
    try:
        for line, record in records:
            done += 1
            try:
                outcome = import_row(ctx, record, default_department)
            except (ValueError, DomainError) as exc:
                msg = exc.message_en if isinstance(exc, DomainError) else str(exc)
                field_name = getattr(exc, "field", None)
                where = f"{field_name}: " if field_name else ""
                report.problems.append(Problem(line, f"{where}{msg}"))
            else:
                if outcome:
                    report.imported += 1
                else:
                    report.skipped_existing += 1
            if progress:
                progress(done, total)
    except csv.Error as exc:
        report.fatal = f"{path}: CSV error after record {done}: {exc}"
    return report


def import_row(ctx: Context, record: dict[str, str], default_department: str | None) -> bool:
    """One row → one published letter in one transaction; False if it was imported before."""
    row_id = (record.get("id") or "").strip()
    if not row_id:
        raise ValueError("id is empty")
    lid = letter_id_for(row_id)
    subject = text.clean_line(record.get("subject") or "", max_len=commands.SUBJECT_MAX,
                              field="subject")
    body = text.clean(record.get("body") or "", max_len=commands.BODY_MAX * 4, field="body")
    reply_text = text.clean(record.get("reply") or "", max_len=commands.REPLY_MAX, field="reply")
    at = _time(record.get("time") or "", "time")
    reply_at = _time(record.get("reply_time") or "", "reply_time")
    if reply_at < at:
        raise ValueError("reply_time is before time")
    dept = department_of(ctx, record, default_department)
    name = text.clean_line(record.get("user") or "", max_len=commands.NAME_MAX,
                           field="user") or None
    category = (record.get("category") or "").strip() or None

    with ctx.store.unit_of_work() as uow:
        if uow.get_letter(lid) is not None:
            return False
        letter = Letter(id=lid, tracking_code="IM" + lid[3:].upper(),
                        secret_hash=hashlib.sha256(lid.encode() + b"-no-secret").hexdigest(),
                        type=_kind(subject), subject=subject, body=body, public=True,
                        submitted_at=at, source="import", name=name)
        letter.record_submission(at)
        limits = ctx.limits_for(letter.type)
        letter.dispatch(dept, IMPORTER, at, ctx.calendar, limits)
        letter.sign(IMPORTER, at)
        letter.reply(reply_text, IMPORTER, reply_at, ctx.calendar)
        version = casework.public_version(ctx, letter, reply_at, category=category,
                                          subject=None, body=None)
        letter.approve(IMPORTER, reply_at, publish=True, category=category,
                       public_version=version)
        uow.add_letter(letter)
        try:
            uow.commit()
        except ConcurrentUpdate:
            return False     # imported meanwhile by a concurrent run
    return True
