"""Recomputing the league from the letter-level open data, as an outside reader would.

`league_problems(files)` reads ONLY the published `data/letters-*.json` files of a built site,
adds up their rows' stints into the league's counters per (period, department), applies the
league's published formulas (the weights are read from each league data file's header; the
formulas are `chalicelib.domain.statistics`, the ones the files document) and compares every
column of every published `data/league-*.json` file. `rows_problems` checks each row on its own:
the fields of API.md in order, row numbers, the summary fields against the stints, and that a
private letter has no url. `csv_problems` checks that each CSV holds the JSON's rows.

An empty list means every figure was recomputed; any dropped or wrong field shows up.
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime

from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.open_data import CHANNELS, COLUMNS, STINT_FIELDS
from chalicelib.domain.statistics import (
    Weights,
    league,
    month_of,
    periods_of_month,
    with_rank_changes,
)
from publisher.families.league import DATA_COLUMNS

LETTERS_FILE = re.compile(r"^data/letters-(\d{4}-\d{2})\.json$")
LEAGUE_FILE = re.compile(r"^data/league-([0-9A-Za-z-]+)\.json$")
# a label from content/, not a figure; and the conduct complaints (效能投诉) about a department,
# which the letter rows leave out on purpose (a row never names whom a complaint is about)
NOT_FROM_LETTERS = {"department_name", "conduct_complaints"}


def letter_files(files: dict[str, bytes]) -> dict[str, dict]:
    return {m.group(1): json.loads(data) for path, data in files.items()
            if (m := LETTERS_FILE.match(path))}


def all_rows(files: dict[str, bytes]) -> list[dict]:
    return [row for _, doc in sorted(letter_files(files).items()) for row in doc["rows"]]


def _days_late(replied_at: str, due: str) -> int:
    local = datetime.fromisoformat(replied_at).astimezone(CHINA_TZ).date()
    return max((local - date.fromisoformat(due)).days, 0)


def recompute(rows: list[dict]) -> dict[str, dict[str, dict[str, int]]]:
    """period -> department -> counters, from the rows' stints alone."""
    totals: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        for s in row["stints"]:
            c: Counter = Counter()
            c["received"] += 1
            c["signed"] += s["signed_at"] is not None
            c["signed_on_time"] += bool(s["sign_on_time"])
            c["transferred"] += bool(s["transferred"])
            c["rejected"] += bool(s["rejected"])
            c["replied"] += s["replied_at"] is not None
            c["replied_on_time"] += bool(s["reply_on_time"])
            c["reply_wd_x100"] += round((s["reply_working_days"] or 0) * 100)
            c["overdue"] += bool(s["overdue"])
            c["extensions"] += s["extensions"]
            c["redos"] += s["redos"]
            c["late_replies"] += len(s["late_replies"])
            c["late_reply_days"] += sum(_days_late(x["replied_at"], x["due"])
                                        for x in s["late_replies"])
            c["published"] += bool(s["published"])
            c["rated"] += len(s["ratings"])
            c.update(s["ratings"])
            c["kept"] += s["kept"]
            c["duplicates"] += bool(s["duplicate"])
            answers = Counter(s["resolutions"])
            c["resolved"] += answers["yes"]
            c["partly_resolved"] += answers["partly"]
            c["unresolved"] += answers["no"]
            month = month_of(datetime.fromisoformat(s["dispatched_at"]))
            for period in periods_of_month(month):
                totals[period][s["department"]].update(c)
    return {p: {d: {k: v for k, v in c.items() if v} for d, c in depts.items()}
            for p, depts in totals.items()}


def _table(counters: dict, departments: list[str], weights: Weights) -> list[dict]:
    return league(counters, departments, weights)


def league_problems(files: dict[str, bytes]) -> list[str]:
    """Every published league figure that the letter rows do not give again."""
    problems: list[str] = []
    counters = recompute(all_rows(files))
    leagues = {m.group(1): json.loads(data) for path, data in files.items()
               if (m := LEAGUE_FILE.match(path))}
    if not leagues and counters:
        return ["no league data files"]
    for period, depts in sorted(counters.items()):
        if any(depts.values()) and period not in leagues:
            problems.append(f"{period}: figures from the letters but no league file")
    for period, doc in sorted(leagues.items()):
        weights = Weights(**doc["weights"])
        departments = [r["department"] for r in doc["rows"]]
        table = _table(counters.get(period, {}), departments, weights)
        before = doc["previous_period"]
        previous = None
        if before is not None:
            prev_doc = leagues.get(before)
            if prev_doc is None:
                problems.append(f"{period}: previous period {before} has no file")
                continue
            previous = _table(counters.get(before, {}),
                              [r["department"] for r in prev_doc["rows"]], weights)
        table = with_rank_changes(table, previous)
        mine = {r["department"]: r for r in table}
        for published in doc["rows"]:
            dept = published["department"]
            for column in DATA_COLUMNS:
                if column in NOT_FROM_LETTERS:
                    continue
                if mine[dept].get(column) != published[column]:
                    problems.append(f"{period} {dept} {column}: published "
                                    f"{published[column]!r}, recomputed {mine[dept].get(column)!r}")
            # and the headline rates by hand, from the formulas the file prints
            c = Counter(counters.get(period, {}).get(dept, {}))
            handled = c["received"] - c["transferred"] - c["rejected"]
            # received, valid and duplicate letters, by the formula the league page prints
            if published["valid"] != c["received"] - c["rejected"] \
                    or published["duplicates"] != c["duplicates"]:
                problems.append(f"{period} {dept} valid/duplicates: published "
                                f"{published['valid']}/{published['duplicates']}, by hand "
                                f"{c['received'] - c['rejected']}/{c['duplicates']}")
            by_hand = {
                "reply_rate": (c["replied"], handled),
                "on_time_rate": (c["replied_on_time"], c["replied"]),
                "satisfaction_rate": (c["satisfied"] + c["basically_satisfied"], c["rated"]),
            }
            for column, (num, den) in by_hand.items():
                expected = round(num / den, 4) if den > 0 else None
                if published[column] != expected:
                    problems.append(f"{period} {dept} {column}: published "
                                    f"{published[column]!r}, by hand {expected!r}")
            problems += _three_rates_by_hand(f"{period} {dept}", published, c, weights)
        extra = {d for d, c in counters.get(period, {}).items() if c} - set(departments)
        if extra:
            problems.append(f"{period}: departments with letters missing from the file: {extra}")
    return problems


def _three_rates_by_hand(where: str, published: dict, c: Counter, weights: Weights
                         ) -> list[str]:
    """The response and resolution rates and the size class, by the formulas the league file
    prints (not through the code that wrote it)."""
    answers = c["resolved"] + c["partly_resolved"] + c["unresolved"]
    expected = {
        "responded": c["signed_on_time"],
        "response_rate": round(c["signed_on_time"] / c["received"], 4) if c["received"] else None,
        "resolution_answers": answers,
        "resolution_rate": (round((c["resolved"] + c["partly_resolved"] / 2) / answers, 4)
                            if answers else None),
    }
    size = None
    if c["received"]:
        lows = [1, *weights.size_classes]
        for low, high in zip(lows, [*weights.size_classes, None], strict=True):
            if high is None or c["received"] < high:
                size = f"{low}+" if high is None else f"{low}-{high - 1}"
                break
    expected["size_class"] = size
    return [f"{where} {column}: published {published[column]!r}, by hand {value!r}"
            for column, value in expected.items() if published[column] != value]


def rows_problems(files: dict[str, bytes], private_ids: set[str] = frozenset()) -> list[str]:
    """Each month file's rows on their own (fields, order, numbering, summaries, privacy)."""
    problems: list[str] = []
    docs = letter_files(files)
    if not docs:
        return ["no letters-*.json files"]
    for month, doc in sorted(docs.items()):
        if doc["columns"] != list(COLUMNS) or doc["stint_columns"] != list(STINT_FIELDS):
            problems.append(f"{month}: columns {doc['columns']}")
        if doc["received"] != len(doc["rows"]) or doc["period"] != month:
            problems.append(f"{month}: header {doc['period']} {doc['received']}")
        # the month's screening figures, by hand from `status` and `duplicate`
        duplicate = sum(1 for r in doc["rows"] if r["duplicate"])
        rejected = sum(1 for r in doc["rows"] if r["status"] == "rejected")
        if (doc["valid"], doc["duplicate"], doc["invalid"]) != \
                (len(doc["rows"]) - rejected, duplicate, rejected - duplicate):
            problems.append(f"{month}: valid {doc['valid']}, duplicate {doc['duplicate']}")
        submitted = [r["submitted_at"] for r in doc["rows"]]
        instants = [datetime.fromisoformat(s) for s in submitted]
        if instants != sorted(instants):
            problems.append(f"{month}: rows not in order of submission")
        for n, row in enumerate(doc["rows"], 1):
            where = f"{month} row {n}"
            if list(row) != list(COLUMNS):
                problems.append(f"{where}: fields {list(row)}")
                continue
            if row["row"] != n:
                problems.append(f"{where}: numbered {row['row']}")
            if month_of(datetime.fromisoformat(row["submitted_at"])) != month:
                problems.append(f"{where}: submitted {row['submitted_at']} not in {month}")
            stints = row["stints"]
            last = stints[-1] if stints else None
            for name in ("department", "dispatched_at", "signed_at"):
                if row[name] != (last[name] if last else None):
                    problems.append(f"{where}: {name} {row[name]!r} is not the last stint's")
            for name in ("redos", "extensions"):
                if row[name] != sum(s[name] for s in stints):
                    problems.append(f"{where}: {name} {row[name]} is not the stints' sum")
            if row["transferred"] != sum(1 for s in stints if s["transferred"]):
                problems.append(f"{where}: transferred {row['transferred']}")
            ratings = [x for s in stints for x in s["ratings"]]
            answered = [x for s in stints for x in s["resolutions"]]
            if row["resolved"] is not None and (row["resolved"] not in answered
                                                or row["rating"] is None):
                problems.append(f"{where}: resolved {row['resolved']!r}, stints {answered}")
            if len(answered) > len(ratings):
                problems.append(f"{where}: more resolution answers than ratings")
            if (row["rating"] is None) != (not ratings) or (ratings and row["rating"]
                                                            not in ratings):
                problems.append(f"{where}: rating {row['rating']!r}, stints {ratings}")
            if any(s["replied_at"] for s in stints) and row["replied_at"] is None:
                problems.append(f"{where}: replied in a stint, no replied_at")
            if row["duplicate"] and row["status"] != "rejected":
                problems.append(f"{where}: a duplicate that is {row['status']}")
            if any(s["duplicate"] and not s["rejected"] for s in stints):
                problems.append(f"{where}: a duplicate stint not rejected")
            if row["channel"] not in CHANNELS:
                problems.append(f"{where}: channel {row['channel']!r}")
            for s in stints:
                if list(s) != list(STINT_FIELDS):
                    problems.append(f"{where}: stint fields {list(s)}")
            url = row["url"]
            # (a published letter sent back for a re-do keeps its page, and its url, meanwhile)
            if url is not None and (row["status"] in ("submitted", "rejected")
                                    or not re.fullmatch(r"/letters/[A-Za-z0-9_-]+/", url)):
                problems.append(f"{where}: url {url!r} for a letter {row['status']}")
            if url is not None and url.split("/")[2] in private_ids:
                problems.append(f"{where}: a private letter has a url")
    return problems


def _cell(column: str, text: str) -> object:
    if text == "":
        return None
    if column == "stints":
        return json.loads(text)
    if column in ("row", "redos", "extensions", "transferred"):
        return int(text)
    if column == "duplicate":
        return text == "True"
    return text


def csv_problems(files: dict[str, bytes]) -> list[str]:
    """Each month's CSV holds the JSON's rows (UTF-8, a header row of the same columns)."""
    problems: list[str] = []
    for month, doc in sorted(letter_files(files).items()):
        reader = csv.reader(io.StringIO(files[f"data/letters-{month}.csv"].decode("utf-8")))
        header, *lines = list(reader)
        if header != list(COLUMNS):
            problems.append(f"{month}.csv: header {header}")
            continue
        rows = [{c: _cell(c, v) for c, v in zip(header, line, strict=True)} for line in lines]
        if rows != doc["rows"]:
            problems.append(f"{month}.csv differs from {month}.json")
    return problems


def open_data_problems(files: dict[str, bytes], private_ids: set[str] = frozenset()
                       ) -> list[str]:
    return rows_problems(files, private_ids) + csv_problems(files) + league_problems(files)
