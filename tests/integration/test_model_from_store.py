"""What the office chose is recorded, and the model retrains on it: the dispatch event keeps
the suggestion shown, `wenzheng model report` counts how often the office took it, and
`wenzheng model train --from-store` trains on the store's letters (the categories the office
set at approval), carrying each category's department from the office's dispatches."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters import category_model as cm
from chalicelib.api import parse
from chalicelib.services import casework, suggestions
from chalicelib.services import letters as services
from chalicelib.services.context import Actor
from fakes import cst
from wenzheng import model_train
from wenzheng.demo import department_for, ensure_demo_accounts, move_letter

ROOT = Path(__file__).resolve().parents[2]
SECRET = "x" * 40
OFFICE = Actor("demo-office", "office")

# three matters a city's letters are often about, ten words each: enough for a small model
MATTERS = {
    "交通运输": ["公交", "地铁", "红绿灯", "停车", "道路拥堵", "出租车", "公交站", "线路", "车站",
             "斑马线"],
    "教育文体": ["学校", "学生", "老师", "幼儿园", "学位", "课外班", "放假", "学区", "教室",
             "体育馆"],
    "环境保护": ["噪音", "污水", "垃圾", "油烟", "空气污染", "排污", "粉尘", "异味", "河道",
             "焚烧"],
}


def _letters() -> list[tuple[str, str, str]]:
    rows = []
    for category, words in MATTERS.items():
        for i in range(22):
            a, b = words[i % 10], words[(i * 3 + 1) % 10]
            rows.append((category, f"关于{a}和{b}的问题{i}",
                         f"市民反映{a}问题，附近{b}情况严重，希望有关部门尽快处理{a}。"))
    return rows


@pytest.fixture
def city(tmp_path):
    composed = bootstrap.build(bootstrap.Settings(stage="local", data_dir=tmp_path,
                                                  token_secret=SECRET),
                               clock=lambda: cst(2026, 11, 23, 9))
    ctx = composed.ctx
    ensure_demo_accounts(ctx, cst(2026, 11, 23, 9))
    for i, (category, subject, body) in enumerate(_letters()):
        lid = services.submit_letter(ctx, parse.submit_letter({
            "type": "help", "subject": subject, "body": body, "department": None,
            "name": None, "phone": None, "email": None, "public": True,
            "idempotency_key": f"train-{i}"})).body["id"]
        dept = department_for(ctx, category, next(iter(ctx.departments)))
        clerk = Actor(f"clerk-{dept}", "clerk", dept)
        move_letter(ctx, lid, "published" if i % 4 else "closed", office=OFFICE, clerk=clerk,
                    dept=dept, category=category)
    return composed, tmp_path


def test_a_dispatch_records_the_suggestion_shown_and_the_report_counts_it(city):
    composed, _ = city
    letters = list(composed.ctx.store.iter_letters())
    dispatches = [e for lt in letters for e in lt.history if e.action == "dispatch"]
    assert dispatches and all(set(e.data["suggested"]) == {"category", "department"}
                              for e in dispatches)
    # the suggestion is the model's first one for the letter's words, at dispatch time
    first = letters[0]
    shown = next(e for e in first.history if e.action == "dispatch").data["suggested"]
    assert shown == suggestions.first(composed.ctx, first.subject, first.body)
    report = suggestions.acceptance(letters)
    assert report["dispatched"] == len(letters) == report["categorised"]
    taken = sum(next(e for e in lt.history if e.action == "dispatch").data["suggested"]
                ["department"] == lt.department for lt in letters)
    assert report["department_taken"] == taken
    assert report["department_rate"] == round(taken / len(letters), 4)
    assert 0 < report["category_taken"] <= report["categorised"]


def test_a_dispatch_without_a_model_records_no_suggestion(tmp_path):
    composed = bootstrap.build(bootstrap.Settings(stage="local", data_dir=tmp_path,
                                                  token_secret=SECRET),
                               clock=lambda: cst(2026, 11, 23, 9))
    ctx = composed.ctx.__class__(**{**composed.ctx.__dict__, "category_model": None})
    lid = services.submit_letter(ctx, parse.submit_letter({
        "type": "help", "subject": "公交站台破损", "body": "公交站台破损，请修理。",
        "department": None, "name": None, "phone": None, "email": None, "public": True,
        "idempotency_key": "no-model"})).body["id"]
    casework.dispatch_letter(ctx, OFFICE, lid,
                             parse.dispatch_letter({"department": next(iter(ctx.departments))}))
    event = next(e for e in ctx.store.get_letter(lid).history if e.action == "dispatch")
    assert "suggested" not in event.data


def test_store_history_keeps_the_office_categories_and_their_departments(city):
    composed, _ = city
    rows, departments, counts = model_train.store_history(composed.ctx.store.iter_letters())
    assert counts["letters"] == counts["kept"] == len(_letters())
    assert {r.category for r in rows} == set(MATTERS)
    for category in MATTERS:
        assert departments[category] == department_for(composed.ctx, category, None)


def test_history_needs_enough_letters_and_a_clear_department():
    class L:
        def __init__(self, category, department, n):
            self.subject, self.body, self.department = f"标题{n}", "内容", department
            self.history = [type("E", (), {"action": "approve",
                                           "data": {"category": category}})()]

    letters = [L("交通运输", "jt", i) for i in range(10)]
    letters += [L("教育文体", "jy", i) for i in range(9)]
    letters += [L("环境保护", "hb" if i % 2 else "sw", i) for i in range(12)]
    rows, departments, counts = model_train.store_history(letters)
    assert counts["dropped_categories"] == ["教育文体"]        # 9 letters: under 10
    assert {r.category for r in rows} == {"交通运输", "环境保护"}
    assert departments == {"交通运输": "jt", "教育文体": "jy"}   # 环境保护: 6 against 6


def test_train_from_store_writes_a_store_model_that_suggests_the_office_departments(city,
                                                                                   tmp_path):
    composed, data_dir = city
    out = tmp_path / "model" / "category-test-store.json.gz"
    done = subprocess.run(
        [sys.executable, "-m", "wenzheng.cli", "model", "train", "--from-store", "--store-data",
         str(data_dir), "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
        timeout=300, env={"PATH": "/usr/bin:/bin", "WENZHENG_TOKEN_SECRET": SECRET,
                          "PYTHONPATH": f"{ROOT}:{ROOT / 'functions'}"})
    assert done.returncode == 0, done.stderr
    assert "store: 66 letters with a category, 66 kept" in done.stdout
    doc = json.loads(gzip.decompress(out.read_bytes()))
    assert doc["version"].endswith("-store")
    assert doc["evaluation"]["trained_on"] == "store"
    assert sorted(doc["classes"]) == sorted(MATTERS)
    model = cm.CategoryModel(doc)
    assert model.scores("地铁站和公交站的问题", "地铁站附近公交线路拥堵")[0][0] == "交通运输"
    ctx = composed.ctx.__class__(**{**composed.ctx.__dict__, "category_model": lambda: model})
    for found in suggestions.suggestions(ctx, "学校放假", "学生和老师希望学校放假"):
        assert found["department"] == doc["departments"][found["category"]]


def test_train_from_store_refuses_a_store_with_too_few_letters(tmp_path):
    bootstrap.build(bootstrap.Settings(stage="local", data_dir=tmp_path, token_secret=SECRET))
    done = subprocess.run(
        [sys.executable, "-m", "wenzheng.cli", "model", "train", "--from-store", "--store-data",
         str(tmp_path), "--out", str(tmp_path / "m.json.gz")], capture_output=True, text=True,
        cwd=ROOT, timeout=300, env={"PATH": "/usr/bin:/bin", "WENZHENG_TOKEN_SECRET": SECRET,
                                    "PYTHONPATH": f"{ROOT}:{ROOT / 'functions'}"})
    assert done.returncode == 2
    assert "labelled letters" in done.stderr and not (tmp_path / "m.json.gz").exists()
