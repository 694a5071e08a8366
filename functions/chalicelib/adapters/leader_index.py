"""The leader index every store keeps beside the letters (domain/leaders.py): for each leader a
letter concerns, its entries under

- `staff#{leader}`: addressed or escalated to the leader (the leader's console), by submission;
- `to#{leader}`: addressed to the leader's board, private ones too (the board's figures);
- `board#{leader}`: addressed to the board and published (the board's list), by first
  publication (`codec.pub_key`, stable across re-approvals).

Each entry's sort key sorts like time, newest last; the stores read them newest first. A letter
enters on its submission or escalation and never leaves `staff#` or `to#` (a letter's leaders
only grow); it leaves `board#` when it is withdrawn, so a store rewrites a letter's entries on
every commit of a letter that concerns a leader (few letters, and a handful of entries each).
SQLite keeps them in a table (migration 10), DynamoDB as items riding the `facet-fkey` index
(partition `leader#{key}`), never a scan.
"""
from __future__ import annotations

from ..domain.leaders import leaders_of
from ..domain.letters import Letter
from .codec import pub_key, time_key

STAFF, TO, BOARD = "staff", "to", "board"
FACET = "leader"           # the DynamoDB `facet` prefix of the index's partitions


def key(kind: str, leader_id: str) -> str:
    return f"{kind}#{leader_id}"


def entries(letter: Letter) -> list[tuple[str, str]]:
    """(index key, sort key) of each entry the letter has now."""
    submitted = f"{time_key(letter.submitted_at)}#{letter.id}"
    out = [(key(STAFF, leader), submitted) for leader in leaders_of(letter)]
    if letter.leader:
        out.append((key(TO, letter.leader), submitted))
        published = pub_key(letter)
        if published:
            out.append((key(BOARD, letter.leader), published))
    return out


def droppable(letter: Letter) -> list[str]:
    """The index keys the letter may have had and no longer has (its board when withdrawn)."""
    if letter.leader and pub_key(letter) is None:
        return [key(BOARD, letter.leader)]
    return []


def concerns(letter: Letter) -> bool:
    """Whether the letter has (or may have had) any entry: it is addressed or escalated."""
    return bool(leaders_of(letter))
