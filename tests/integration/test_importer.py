"""`wenzheng import`: historical letters with replies, line-numbered problems, safe re-runs."""
from __future__ import annotations

import csv
from pathlib import Path

from chalicelib.domain import statistics
from chalicelib.domain.privacy import find_personal_data
from wenzheng.importer import import_csv, letter_id_for

SAMPLE = Path(__file__).resolve().parents[2] / "wenzheng" / "data" / "demo_letters.csv"
COLUMNS = ["id", "user", "subject", "time", "body", "reply", "reply_time"]


def write_csv(path: Path, rows: list[dict], columns=COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def row(i: int, **over) -> dict:
    base = {"id": str(1000 + i), "user": f"A00{i}", "subject": f"第{i}号来信：路灯不亮",
            "time": "2019-05-06 10:00:00", "body": "小区路灯坏了。\n联系电话 13812345678",
            "reply": "网友您好！已修复。", "reply_time": "2019-05-10 09:00:00"}
    base.update(over)
    return base


def test_imports_the_sample_as_published_letters_with_history(ctx, store):
    report = import_csv(ctx, SAMPLE, default_department="housing")
    assert report.summary() == {"imported": 30, "already_imported": 0, "bad_rows": 0,
                                "fatal": None}
    assert store.count_published() == 30
    letter = store.get_letter(letter_id_for("114508"))
    assert letter.source == "import" and letter.status == "published"
    assert [e.action for e in letter.history] == ["submit", "dispatch", "sign", "reply",
                                                  "approve"]
    assert letter.publication.first_published_at.isoformat().startswith("2019-12-")
    for l in store.iter_published():
        p = l.publication
        for text in [p.subject, *p.body, *p.reply]:
            assert find_personal_data(text) == [], (l.id, text)
    stored = {(p, d): c for p in store.stats_periods() for d, c in store.stats(p).items()}
    assert stored == statistics.recompute(l.history for l in store.iter_letters())


def test_rerun_skips_what_is_there_and_an_interrupted_import_resumes(ctx, store, tmp_path):
    rows = [row(i) for i in range(10)]
    write_csv(tmp_path / "part.csv", rows[:4])          # the run that was interrupted
    assert import_csv(ctx, tmp_path / "part.csv", default_department="housing").imported == 4
    full = write_csv(tmp_path / "all.csv", rows)
    report = import_csv(ctx, full, default_department="housing")
    assert (report.imported, report.skipped_existing) == (6, 4)
    again = import_csv(ctx, full, default_department="housing")
    assert (again.imported, again.skipped_existing) == (0, 10)
    assert store.count_published() == 10
    assert len(list(store.iter_letters())) == 10


def test_bad_rows_are_reported_by_line_and_skipped(ctx, store, tmp_path):
    rows = [row(0), row(1, subject=""), row(2, time="yesterday"),
            row(3, reply_time="2019-05-01 00:00:00"), row(4, body="多行\n正文\n第三行"),
            row(5, reply=""), row(6, id="")]
    path = write_csv(tmp_path / "bad.csv", rows)
    report = import_csv(ctx, path, default_department="housing")
    assert report.imported == 2                       # rows 0 and 4
    lines = {p.line: p.message for p in report.problems}
    # header is line 1; each body has a newline, so rows start on lines 2, 4, 6, 8, 10, 13, 15
    assert sorted(lines) == [4, 6, 8, 13, 15]
    assert "subject" in lines[4] and "time" in lines[6] and "before" in lines[8]
    assert "reply" in lines[13] and "id" in lines[15]
    assert store.count_published() == 2


def test_department_from_column_or_category_or_default(ctx, store, tmp_path):
    cols = COLUMNS + ["department", "category"]
    rows = [row(0, department="transport", category=""),
            row(1, department="市教育局", category=""),
            row(2, department="", category="交通运输"),
            row(3, department="", category=""),
            row(4, department="nowhere", category="")]
    path = write_csv(tmp_path / "d.csv", rows, cols)
    report = import_csv(ctx, path, default_department="housing")
    depts = [store.get_letter(letter_id_for(str(1000 + i))) for i in range(4)]
    assert [d.department for d in depts] == ["transport", "education", "transport", "housing"]
    assert report.problems[0].line == 10 and "unknown department" in report.problems[0].message


def test_without_a_default_department_rows_without_one_are_refused(ctx, store, tmp_path):
    path = write_csv(tmp_path / "n.csv", [row(0)])
    report = import_csv(ctx, path)
    assert report.imported == 0 and "default department" in report.problems[0].message


def test_a_file_without_the_columns_is_fatal_and_writes_nothing(ctx, store, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    report = import_csv(ctx, path, default_department="housing")
    assert report.fatal and "missing column" in report.fatal
    assert list(store.iter_letters()) == []


def test_the_writers_handle_is_the_letters_name_and_masked_wherever_it_appears(ctx, store,
                                                                                tmp_path):
    # the old replies address the writer by the handle they gave (the `user` column), as in
    # the 30-row excerpt: 19 of its replies open with it
    rows = [row(0, user="UU0082204", subject="UU0082204反映路灯不亮",
                body="我是UU0082204，也可以叫我uu 0082204。",
                reply="网友“UU0082204”：您好！您反映的问题已收悉。"),
            row(1, user="星沙人", body="星沙人反映：路灯不亮。",
                reply="网友“星沙人”： 您好！来信收悉，已修复。"),
            row(2, user="A00045581", reply="网友：ldw123456您好！来信收悉。")]
    import_csv(ctx, write_csv(tmp_path / "handles.csv", rows), default_department="housing")
    published = {l.id: l.publication for l in store.iter_published()}
    first = published[letter_id_for("1000")]
    assert first.name == "U***"
    assert first.subject == "U***反映路灯不亮"
    assert first.body == ["我是U***，也可以叫我u***。"]
    assert first.reply == ["网友“U***”：您好！您反映的问题已收悉。"]
    second = published[letter_id_for("1001")]
    assert (second.name, second.body, second.reply) == (
        "星**", ["星**反映：路灯不亮。"], ["网友“星**”： 您好！来信收悉，已修复。"])
    # a reply that addresses the writer by another handle than the one in `user`
    assert published[letter_id_for("1002")].reply == ["网友：l***您好！来信收悉。"]


def test_no_sample_letter_shows_its_writers_handle(ctx, store):
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        handles = {letter_id_for(r["id"]): r["user"] for r in csv.DictReader(f)}
    import_csv(ctx, SAMPLE, default_department="housing")
    shown = 0
    for l in store.iter_published():
        p = l.publication
        texts = [p.name, p.subject, *p.body, *p.reply]
        assert all(handles[l.id].lower() not in t.lower() for t in texts), l.id
        shown += any("U***" in t for t in p.reply)
    assert shown >= 19
