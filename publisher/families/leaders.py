"""The leaders' boards (领导信箱): `/leaders/` (every leader of content/leaders.yaml with the
board's figures) and `/leaders/{id}/` (the board's figures and its latest published letters,
newest first). A board lists the letters written to that leader and published; its figures
count every letter addressed to the board, private ones too (counted, never shown): received
(accepted), replied (a reply released to the writer), the reply rate, and the satisfaction
rate (满意 + 基本满意 of the rated). Escalations (呈报) and instructions (批示) are never
published, so they appear on no page.

What it reads: the store's leader index (`Store.leader_letters`: `board#{id}` for the list,
`to#{id}` for the figures, one index query and that board's own letters, never the archive).
A change re-renders `/leaders/` and the board of each letter of the change that is addressed to
a leader (a letter's board never changes); a letter the store no longer has (purged) may have
been on any board, so every board is re-rendered. The leaders themselves change by commit,
which runs a full build.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.leaders import Leader, board_figures
from chalicelib.domain.letters import Letter
from chalicelib.services.ports import Change

from ..content import Content
from ..keys import BOARD_SIZE, PageKey, is_letter_id
from ..snapshot import Snapshot
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer

# (adapters/leader_index.py's keys: the publisher reads through the store port only)
TO, BOARD = "to", "board"


def _key(kind: str, leader_id: str) -> str:
    return f"{kind}#{leader_id}"


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    known = content.leaders_by_id
    if not known:
        return set()
    keys: set[PageKey] = set()
    for letter_id in change.letters:
        if not is_letter_id(letter_id):
            continue
        letter = snap.get_letter(letter_id)
        if letter is None:                   # gone: it may have been on any board
            return {("leaders",)} | {("leader", x) for x in known}
        if letter.leader in known:
            keys |= {("leaders",), ("leader", letter.leader)}
    return keys


# --- the pages ------------------------------------------------------------------------------

def _addressed(r: Renderer, leader_id: str) -> list[Letter]:
    """Every letter addressed to the board (the figures), read once per build."""
    memo = r.snap.memo.setdefault("leader_letters", {})
    if leader_id not in memo:
        key = _key(TO, leader_id)
        memo[leader_id] = r.snap.store.leader_letters(
            key, limit=r.snap.store.count_leader_letters(key))
    return memo[leader_id]


def _card(r: Renderer, leader: Leader) -> dict[str, Any]:
    return {"id": leader.id, "name": leader.name, "name_en": leader.name_en,
            "title": leader.title, "title_en": leader.title_en,
            "url": f"/leaders/{leader.id}/",
            "figures": board_figures(_addressed(r, leader.id))}


def leaders_page(r: Renderer) -> Output:
    cards = [_card(r, x) for x in r.content.leaders]
    return r.html("leaders/index.html", "leaders.html", "leaders", leaders=cards)


def leader_page(r: Renderer, leader_id: str) -> Output:
    leader = r.content.leaders_by_id.get(leader_id)
    if leader is None:
        return []
    key = _key(BOARD, leader_id)
    published = r.snap.store.count_leader_letters(key)
    letters = r.views(r.snap.store.leader_letters(key, limit=BOARD_SIZE))
    return r.html(f"leaders/{leader_id}/index.html", "leader.html", "leaders",
                  leader=_card(r, leader), letters=letters, published=published,
                  board_size=BOARD_SIZE)


def site_pages(snap: Snapshot, content: Content) -> list[PageKey]:
    if not content.leaders:
        return []
    return [("leaders",)] + [("leader", x.id) for x in content.leaders]


FAMILY = Family(
    name="leaders",
    renderers={"leaders": leaders_page, "leader": leader_page},
    pages=site_pages,
    reads=reads,
)
