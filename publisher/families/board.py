"""The letters board (`/letters/`): the latest 50 published replies, the months they came from,
and the boards by type and by category (分类选登, `facets.py`; a fixed list from content/).

What it reads: the latest published letters, which any public change may move (a publication,
a re-approval, a withdrawal, a vote or a rating shown on a listed letter).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.services.ports import Change

from ..content import Content
from ..formatting import month_url
from ..keys import BOARD_SIZE, PageKey
from ..snapshot import Snapshot
from .facets import boards_index
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    return {("board",)} if change.public else set()


def board(r: Renderer) -> Output:
    letters = r.views(r.snap.latest_published(BOARD_SIZE))
    # the months these letters came from (no archive scan: the full list is on /archive/)
    months = sorted({v["month"] for v in letters if v["month"]}, reverse=True)
    return r.html("letters/index.html", "board.html", "letters", letters=letters,
                  months=[{"month": m, "url": month_url(m)} for m in months],
                  boards=boards_index(r.content))


FAMILY = Family(name="board", renderers={"board": board},
                pages=lambda snap, content: [("board",)], reads=reads)
