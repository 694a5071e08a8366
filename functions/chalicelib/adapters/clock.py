"""Clocks: the real one (China time) and one moved by hand, for the tests, the benchmark's
fixed sites and the demo city's history. Every clock is a callable returning an aware
`datetime`; the domain takes `now` as a parameter and never reads a clock itself."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..domain.deadlines import CHINA_TZ


def real_clock() -> datetime:
    return datetime.now(CHINA_TZ)


class ManualClock:
    """Reads `at` until it is moved: `advance(hours=2)`, or set `at` directly."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at
