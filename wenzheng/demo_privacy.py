"""The demo city's personal data over time (services/privacy.py, erasure.py): one writer asked
the office to erase their contact details after their letter was answered, so the console
shows a `personal_data_purged` event and the admin's access list (GET .../access) has the
office's reads. The retention purge itself has nothing to do in the demo: its letters are
younger than the period."""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain import retention
from chalicelib.services.context import Actor, Context
from chalicelib.services.erasure import EraseLetter, erase_letter

OFFICE = Actor("demo-office", "office")


def seed_privacy(ctx: Context, now: datetime) -> str | None:
    """Erase the contact details of the oldest answered letter that still has them (its id),
    with the clock at `now`; None when the demo has no such letter."""
    finished = sorted((x for x in ctx.store.list_letters(limit=100_000)
                       if retention.finished_at(x) and retention.holds_personal_data(x)),
                      key=lambda x: (x.submitted_at, x.id))
    if not finished:
        return None
    letter = finished[0]
    erase_letter(ctx, OFFICE, letter.id,
                 EraseLetter("来信人来电要求删除其姓名和联系方式（个人信息保护法第四十七条）"))
    return letter.id
