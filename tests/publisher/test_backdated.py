"""A letter published into the past — an import of old letters into a month the site already
shows — moves every later letter of that month down one place; the incremental build must
re-render the month's pages, not just the page the letter lands on (invariant 1)."""
from __future__ import annotations

import csv

from publisher_city import make_city
from sitecheck import diff_trees

from publisher import pages as P
from publisher.build import full_build
from publisher.sinks import MemorySink
from wenzheng.importer import import_csv

COLUMNS = ["id", "user", "subject", "time", "body", "reply", "reply_time"]


def old_letters(path, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for i, day, hour in rows:
            w.writerow({"id": str(i), "user": f"A{i}", "subject": f"旧来信 {i} 号",
                        "time": f"2026-10-{day:02d} 08:00:00", "body": "小区路灯坏了。",
                        "reply": "已修复。", "reply_time": f"2026-10-{day:02d} {hour:02d}:00:00"})
    return path


def test_an_import_into_a_shown_month_republishes_the_whole_month(tmp_path, content):
    city = make_city(tmp_path, content)
    store = city.ctx.store
    # October has 60 published letters: two archive pages
    rows = [(100 + i, 5 + i // 6, 9 + i % 6) for i in range(60)]
    assert import_csv(city.ctx, old_letters(tmp_path / "a.csv", rows),
                      default_department="housing").imported == 60
    city.sink = MemorySink()
    full_build(store, content, city.sink)
    store.mark_changes_done([c.id for c in store.pending_changes(1000)])
    assert "letters/2026/10/page/2/index.html" in city.sink.files
    city.full_cycle(dept="housing", subject="十一月的新来信")   # an ordinary publication first

    # one more old letter, answered on 2 October: first of its month
    assert import_csv(city.ctx, old_letters(tmp_path / "b.csv", [(999, 2, 9)]),
                      default_department="housing").imported == 1
    [change] = store.pending_changes()
    keys = P.affected_pages(change, store, content)
    assert {("month", "2026-10", 1), ("month", "2026-10", 2)} <= keys
    city.publish()
    full = MemorySink()
    full_build(store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:10])
    # the letter that was 50th is now first on page 2
    page2 = full.files["letters/2026/10/page/2/index.html"].decode()
    assert page2.count("旧来信") == 11


def test_an_ordinary_publication_touches_only_its_own_page(tmp_path, content):
    city = make_city(tmp_path, content)
    city.sink = MemorySink()
    city.full_cycle(dept="housing", subject="第一封")
    letter = city.full_cycle(dept="housing", subject="第二封")
    store = city.ctx.store
    # approve again (a redo keeps its place): the change names the letter but publishes nothing new
    month = P.pub_month(store.get_letter(letter["id"]))
    from chalicelib.services.ports import Change
    from fakes import cst
    change = Change(id="c", at=cst(2026, 11, 30), letters=[letter["id"]], public=True,
                    published=[letter["id"]], months=[month])
    keys = P.affected_pages(change, store, content)
    months = {k for k in keys if k[0] == "month"}
    assert months == {("month", month, 1)}
