"""The demo city's answers to "was the problem solved?" (已解决 / 部分解决 / 未解决), given with
each rating the demo makes, so that the resolution rate (domain/rates.py) has data in every
period.

The answer follows the score the way writers tend to answer, with some spread: most satisfied
writers say solved, some only partly; the basically satisfied mostly partly; the unsatisfied
mostly not solved; and now and then no answer at all (the question is optional). It is a pure
function of the score and the letter id, so the demo stays the same from run to run and the
demo's random sequence is not disturbed.
"""
from __future__ import annotations

import zlib

_ANSWERS: dict[str, tuple[str | None, ...]] = {
    "satisfied": ("yes", "yes", "yes", "yes", "partly", "yes", None),
    "basically_satisfied": ("partly", "partly", "yes", "partly", "no", None),
    "unsatisfied": ("no", "no", "partly", "no", None),
}


def resolution_for(score: str, letter_id: str) -> str | None:
    """The demo writer's answer for a rating `score` of letter `letter_id`."""
    choices = _ANSWERS.get(score, (None,))
    return choices[zlib.crc32(f"{letter_id}:{score}".encode()) % len(choices)]
