"""Figures the functions report to CloudWatch as log lines (the embedded metric format): a
line of JSON on standard output, which Lambda's log group turns into a metric with no API call
and no permission beyond writing logs.

`FULL_BUILD_HELD` is how long a full build into a new generation of the site bucket has held
the publisher (`publisher.generations`: while the pointer's `next` is set, the stream handler
leaves its change records pending and the every-minute refresh and indexer wait). The indexer
reports it every minute while it waits; the stack's `FullBuildHeldAlarm` fires when it passes
`HELD_ALARM_SECONDS`, long before the build's lease runs out (`LEASE_SECONDS`), so a killed
build is noticed and taken over (`wenzheng build --sink … --take-over`) instead of holding
every publication for hours.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable

__all__ = ["NAMESPACE", "FULL_BUILD_HELD", "HELD_ALARM_SECONDS", "emf_line", "report"]

NAMESPACE = "Wenzheng"
FULL_BUILD_HELD = "FullBuildHeldSeconds"
HELD_ALARM_SECONDS = 90 * 60     # a full build at a million letters takes well under this


def emf_line(stage: str, figures: dict[str, float], at: float | None = None) -> str:
    """One log line in the embedded metric format: `figures` (seconds) under `NAMESPACE`,
    dimension `Stage`."""
    return json.dumps({
        "_aws": {"Timestamp": int((time.time() if at is None else at) * 1000),
                 "CloudWatchMetrics": [{
                     "Namespace": NAMESPACE, "Dimensions": [["Stage"]],
                     "Metrics": [{"Name": name, "Unit": "Seconds"} for name in figures]}]},
        "Stage": stage, **figures}, sort_keys=True)


def report(stage: str, figures: dict[str, float], out: Callable[[str], None] | None = None,
           at: float | None = None) -> str:
    """Write the line where Lambda's log group reads it (standard output, unprefixed)."""
    line = emf_line(stage, figures, at)
    (out or _stdout)(line)
    return line


def _stdout(line: str) -> None:
    print(line, flush=True)
