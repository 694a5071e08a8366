"""Suggestion drives (市民月·献计策, Qingdao's July drive) and 顶/踩 on consultation comments:
the counters both add to a topic's running tallies.

A drive is a topic of kind `drive` (content/drives/*.md); its suggestions are letters of type
`suggestion` with `campaign` set, routed and answered like any letter. What the drive's page
shows is kept as counters in the drive topic's tallies, added as differences in the letter's own
commit (`adapters/codec.TrackedLetters`), so a tally is one keyed read and never a scan:

- `drive:received`: the drive's letters not rejected as invalid;
- `drive:answered`: those replied to (replied, published or closed);
- `drive:adopted`: those the office marked adopted when approving the reply;
- `published:{letter_id}`: 1 while the letter is published (the page's list: only letters the
  writer allowed to be public and the office published; a private one adds its counts only).

Votes on a published comment or an interview answer (an answer has no id of its own: votes on
the question's comment id count for the question and its answer) are `up:{comment_id}` and
`down:{comment_id}` in the comment's topic's tallies. Neither kind of counter is in
`consultations.recompute` (which folds comments and responses): `without_drive_counters` takes
them out before the two are compared. Pure: the standard library and the domain only.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .letters import Letter, LetterType, Status

RECEIVED, ANSWERED, ADOPTED = "drive:received", "drive:answered", "drive:adopted"
PUBLISHED = "published:"
UP, DOWN = "up:", "down:"
DIRECTIONS = ("up", "down")
ANSWERED_STATUSES = frozenset({Status.replied, Status.published, Status.closed})


def letter_counts(letter: Letter) -> dict[str, int]:
    """The counters one drive letter adds to its drive's tallies, as it is now."""
    if not letter.campaign or letter.status == Status.rejected:
        return {}
    out = {RECEIVED: 1}
    if letter.status in ANSWERED_STATUSES:
        out[ANSWERED] = 1
    if letter.adopted:
        out[ADOPTED] = 1
    if letter.publication is not None:
        out[PUBLISHED + letter.id] = 1
    return out


def vote_counter(comment_id: str, direction: str) -> str:
    return (UP if direction == "up" else DOWN) + comment_id


def comment_votes(tallies: Mapping[str, int], comment_id: str) -> dict[str, int]:
    """{"up", "down"} of one comment, from its topic's tallies."""
    return {"up": int(tallies.get(UP + comment_id, 0)),
            "down": int(tallies.get(DOWN + comment_id, 0))}


def figures(tallies: Mapping[str, int]) -> dict[str, Any]:
    """A drive's tally as its page and `/data/topics/{id}.json` show it; `published` lists the
    ids of its published letters, in id order (the publisher adds their public text)."""
    received = int(tallies.get(RECEIVED, 0))
    answered = int(tallies.get(ANSWERED, 0))
    adopted = int(tallies.get(ADOPTED, 0))
    return {"received": received, "answered": answered, "adopted": adopted,
            "answer_rate": round(answered / received, 4) if received else None,
            "adoption_rate": round(adopted / answered, 4) if answered else None,
            "published": sorted(k[len(PUBLISHED):] for k, n in tallies.items()
                                if k.startswith(PUBLISHED) and n > 0)}


def without_drive_counters(tallies: Mapping[str, int]) -> dict[str, int]:
    """The tallies `consultations.recompute` can recompute from comments and responses."""
    return {k: n for k, n in tallies.items()
            if not k.startswith(("drive:", PUBLISHED, UP, DOWN))}


def recompute(letters: list[Letter]) -> dict[str, int]:
    """A drive's letter counters from its letters (equal to the running ones)."""
    out: dict[str, int] = {}
    for letter in letters:
        for k, n in letter_counts(letter).items():
            out[k] = out.get(k, 0) + n
    return out


def campaign_allowed(letter_type: LetterType) -> bool:
    """Only suggestions (建议) are sent to a drive."""
    return letter_type == LetterType.suggestion
