"""Recomputing the channel files (`/data/channels-{period}.json` and `.csv`) from the
letter-level open data, as an outside reader would: `channel_problems(files)` reads only the
published `data/letters-*.json` of a built site, counts each row under its channel and current
department in the periods of its month (received, valid, replied, rated and each score), applies
the formulas the files state and compares every row, every channel total and the total, and
that each CSV holds the JSON's rows. An empty list means every figure was recomputed."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict

from chalicelib.domain.statistics import periods_of_month

LETTERS_FILE = re.compile(r"^data/letters-(\d{4}-\d{2})\.json$")
CHANNELS_FILE = re.compile(r"^data/channels-([0-9A-Za-z-]+)\.json$")
COUNTS = ("received", "valid", "replied", "rated", "satisfied", "basically_satisfied",
          "unsatisfied")


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _expect(c: Counter) -> dict:
    out = {k: c[k] for k in COUNTS}
    out["reply_rate"] = _rate(c["replied"], c["valid"])
    out["satisfaction_rate"] = _rate(c["satisfied"] + c["basically_satisfied"], c["rated"])
    return out


def channel_problems(files: dict[str, bytes]) -> list[str]:
    cells: dict[str, dict[tuple, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for path, data in files.items():
        m = LETTERS_FILE.match(path)
        if not m:
            continue
        for row in json.loads(data)["rows"]:
            c = Counter(received=1, valid=int(row["status"] != "rejected"),
                        replied=int(row["replied_at"] is not None))
            if row["rating"]:
                c["rated"] += 1
                c[row["rating"]] += 1
            for period in periods_of_month(m.group(1)):
                cells[period][(row["channel"], row["department"])].update(c)
    problems = []
    published = {m.group(1): json.loads(data) for path, data in files.items()
                 if (m := CHANNELS_FILE.match(path))}
    if set(published) != set(cells):
        problems.append(f"periods {sorted(published)} != {sorted(cells)}")
    for period, doc in sorted(published.items()):
        got = {(r["channel"], r["department"]): r for r in doc["rows"]}
        want = cells.get(period, {})
        if set(got) != set(want):
            problems.append(f"{period}: rows {sorted(got, key=str)} != {sorted(want, key=str)}")
            continue
        for key, c in want.items():
            expect = _expect(c)
            for name, value in expect.items():
                if got[key][name] != value:
                    problems.append(f"{period} {key} {name}: {got[key][name]} != {value}")
        by_channel: dict[str, Counter] = defaultdict(Counter)
        total: Counter = Counter()
        for (channel, _), c in want.items():
            by_channel[channel].update(c)
            total.update(c)
        for row in doc["channels"]:
            expect = _expect(by_channel[row["channel"]])
            if {k: row[k] for k in expect} != expect:
                problems.append(f"{period} channel {row['channel']}: {row} != {expect}")
        if {k: doc["total"][k] for k in _expect(total)} != _expect(total):
            problems.append(f"{period} total: {doc['total']}")
        table = list(csv.reader(io.StringIO(files[f"data/channels-{period}.csv"].decode())))
        if table[0] != doc["columns"] or len(table) - 1 != len(doc["rows"]):
            problems.append(f"{period}: the CSV does not hold the JSON's rows")
        for line, row in zip(table[1:], doc["rows"], strict=False):
            if line != ["" if row[c] is None else str(row[c]) for c in doc["columns"]]:
                problems.append(f"{period}: CSV row {line} != {row}")
    return problems
