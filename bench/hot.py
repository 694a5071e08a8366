"""Hot topics (issue 14) on the real data set: `python -m bench.hot [--csv messages.csv]`.

Runs `domain.hot.week_topics` on every ISO week of the 4,326 messages of `attachment3` (the
contest's hot-topic task, 2019, with likes as the public votes), prints each week's topics and
checks them against matters anyone can verify by keyword: for each (week, keyword) with at least
5 letters holding the keyword, the share of those letters in the week's best-matching topic.
Writes `bench/results/hot-<date>.json`. Not a test: it reads the full data file.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "functions"))

from chalicelib.domain import hot  # noqa: E402

# matters named in the letters themselves (an estate, a case): the ground truth of the check
KEYWORDS = ("伊景园", "丽发新城", "58车贷", "绿地海外滩", "五矿万境", "金毛湾")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", default="/work/shared/data/citizen-letters/messages.csv")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["source"] == "attachment3"]
    letters = [hot.HotLetter(id=r["id"], subject=r["subject"], body=r["body"],
                             submitted_at=datetime.fromisoformat(r["time"]),
                             votes=int(r["likes"] or 0), published=True) for r in rows]
    weeks = sorted({hot.iso_week(lt.submitted_at.date()) for lt in letters})
    truth: dict[tuple[str, str], set[str]] = defaultdict(set)
    for lt in letters:
        for kw in KEYWORDS:
            if kw in lt.subject + lt.body:
                truth[(hot.iso_week(lt.submitted_at.date()), kw)].add(lt.id)
    truth = {k: v for k, v in truth.items() if len(v) >= hot.MIN_LETTERS}
    per_week, seconds = {}, []
    for week in weeks:
        t = time.perf_counter()
        topics = hot.week_topics(week, letters, top=50)
        seconds.append(time.perf_counter() - t)
        if topics:
            per_week[week] = [{"name": tp.name, "letters": tp.letters, "hot": tp.hot,
                               "growth": tp.growth, "votes": tp.votes, "terms": tp.terms,
                               "ids": tp.published} for tp in topics]
    checks = []
    for (week, kw), ids in sorted(truth.items()):
        best = max((len(ids & set(tp["ids"])) / len(ids) for tp in per_week.get(week, [])),
                   default=0.0)
        checks.append({"week": week, "keyword": kw, "letters": len(ids),
                       "in_topic": round(best, 2)})
    report = {
        "date": date.today().isoformat(), "letters": len(letters), "weeks": len(weeks),
        "join": hot.JOIN, "weeks_with_topics": len(per_week),
        "topics": sum(len(v) for v in per_week.values()),
        "seconds_per_week_median": round(statistics.median(seconds), 3),
        "checks": checks,
        "checks_found": sum(1 for c in checks if c["in_topic"] >= 0.7),
        "topics_by_week": {w: [{k: v for k, v in tp.items() if k != "ids"} for tp in ts]
                           for w, ts in per_week.items()},
    }
    for week, topics in per_week.items():
        print(week, " | ".join(f"{tp['name']} ({tp['letters']}, H={tp['hot']})" for tp in topics))
    for c in checks:
        print(f"check {c['week']} {c['keyword']}: {c['letters']} letters, "
              f"{c['in_topic']:.0%} in one topic")
    print(f"{report['topics']} topics in {report['weeks_with_topics']} of {len(weeks)} weeks; "
          f"{report['checks_found']}/{len(checks)} keyword weeks found (≥ 70 % in one topic); "
          f"median {report['seconds_per_week_median']} s a week")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"hot-{report['date']}.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
