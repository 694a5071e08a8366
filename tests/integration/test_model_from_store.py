"""`wenzheng model train --from-store` and `wenzheng model report`: retraining on the city's own
history (the letters whose category the office set), the department each category goes to
taken from what the office chose, a refusal with too few letters, and the acceptance count.
Crafted letters in a temporary store; no ../shared data needed."""
from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters import category_model as cm
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.domain.letters import Letter, LetterType, Limits
from fakes import FakeCalendar

pytest.importorskip("sklearn")
pytest.importorskip("jieba")

from wenzheng import cli, model_train  # noqa: E402

T0 = datetime(2026, 11, 2, 1, tzinfo=UTC)
WORDS = {
    "教育文体": ("学校", "老师", "学生", "补课", "幼儿园", "教育局"),
    "交通运输": ("公交", "道路", "车站", "出租车", "红绿灯", "停车"),
    "卫生计生": ("医院", "医生", "看病", "药品", "挂号", "护士"),
    "环境保护": ("污染", "废气", "噪音", "排放", "垃圾", "污水"),
}
# the office sends education letters to the district, not to departments.yaml's education
CHOSEN = {"教育文体": "district-a1", "交通运输": "transport", "卫生计生": "health",
          "环境保护": "environment"}


def crafted(n_per_category: int) -> list[tuple[str, str, str]]:
    rows = []
    for category, words in WORDS.items():
        for i in range(n_per_category):
            a, b, c = words[i % 6], words[(i + 1) % 6], words[(i + 3) % 6]
            body = f"反映{a}{b}{c}情况，{c}问题严重，请{b}尽快处理。"
            rows.append((f"关于{a}和{b}的问题第{i}号", body, category))
    return rows


def seed(store, rows, suggested: dict[str, str] | None = None) -> None:
    cal, limits = FakeCalendar(), Limits()
    with store.unit_of_work() as uow:
        for n, (subject, body, category) in enumerate(rows):
            at = T0 + timedelta(minutes=n)
            letter = Letter(id=f"l{n:04d}", tracking_code=f"WZT{n:05d}", secret_hash="5e" * 32,
                            type=LetterType.complaint, subject=subject, body=body, public=False,
                            submitted_at=at, name=None, phone=None, email=None,
                            requested_department=None, source="web")
            letter.record_submission(at)
            letter.dispatch(CHOSEN[category], "office-1", at, cal, limits, suggested=suggested)
            letter.sign("clerk", at + timedelta(hours=1))
            letter.reply("已处理。", "clerk", at + timedelta(hours=2), cal)
            letter.approve("office-1", at + timedelta(hours=3), publish=False,
                           category=category, public_version=None, suggested=suggested)
            uow.add_letter(letter)
        uow.commit()


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "data" / "wenzheng.sqlite3")
    yield s
    s.close()


def test_from_store_trains_on_the_offices_categories_and_records_its_departments(
        store, tmp_path):
    seed(store, crafted(14))
    out = tmp_path / "category-store.json.gz"
    lines: list[str] = []
    done = model_train.train(None, out, store=store, log=lines.append)
    doc = json.loads(gzip.decompress(out.read_bytes()))
    assert doc["version"].endswith("-store")
    assert doc["evaluation"]["source"] == "store"
    assert sorted(doc["classes"]) == sorted(WORDS)
    assert doc["departments"] == dict(sorted(CHOSEN.items()))
    assert done["doc"]["evaluation"]["with_body"]["size"] > 0
    model = cm.load(out)                       # the function's loader reads it as it is
    assert model.departments["教育文体"] == "district-a1"
    assert model.scores("学校老师乱收补课费", "学生反映学校补课问题")[0][0] == "教育文体"
    assert any("store: 56 letters" in line for line in lines)


def test_from_store_refuses_with_too_few_labelled_letters(store, tmp_path, capsys):
    seed(store, crafted(3))                    # 12 letters
    out = tmp_path / "models" / "category-x.json.gz"
    rc = cli.main(["model", "train", "--from-store", "--store-data", str(tmp_path / "data"),
                   "--out", str(out)])
    assert rc == 2
    assert "needs at least 50" in capsys.readouterr().err
    assert not out.exists()


def test_from_store_leaves_out_categories_with_too_few_subjects(store, tmp_path):
    rows = crafted(16)
    rows = [r for r in rows if r[2] != "环境保护"] + [r for r in rows if r[2] == "环境保护"][:4]
    seed(store, rows)
    lines: list[str] = []
    done = model_train.train(None, tmp_path / "m.json.gz", store=store, log=lines.append)
    assert "环境保护" not in done["doc"]["classes"]
    assert any("left out" in line and "环境保护 (4)" in line for line in lines)


def test_report_counts_how_often_the_first_suggestion_was_taken(store, tmp_path, capsys):
    seed(store, crafted(3), suggested={"category": "交通运输", "department": "transport"})
    assert cli.main(["model", "report", "--store-data", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "first suggested department taken: 3 of 12 (25.0%)" in out
    assert "first suggested category taken: 3 of 12 (25.0%)" in out


def test_from_store_with_data_adds_the_contest_rows_through_the_command(store, tmp_path, capsys):
    import csv
    seed(store, crafted(14))
    data = tmp_path / "contest"
    data.mkdir()
    others = [(s.replace("问题", "情况"), b, c) for s, b, c in crafted(14)]
    with open(data / "messages.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["subject", "body", "category", "source"])
        w.writeheader()
        w.writerows({"subject": s, "body": b, "category": c, "source": "attachment2"}
                    for s, b, c in others)
    with open(data / "subjects_labeled.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["subject", "category"])
        w.writeheader()
        w.writerow({"subject": "公交车站太远", "category": "交通运输"})
    out = tmp_path / "both.json.gz"
    assert cli.main(["model", "train", "--from-store", "--store-data", str(tmp_path / "data"),
                     "--data", str(data), "--out", str(out)]) == 0
    doc = json.loads(gzip.decompress(out.read_bytes()))
    assert doc["version"].endswith("-store+data") and doc["evaluation"]["source"] == "store+data"
    assert doc["evaluation"]["split"]["train"] > 56          # the store's and the data's rows
    assert "departments from history: 4 categories" in capsys.readouterr().out
