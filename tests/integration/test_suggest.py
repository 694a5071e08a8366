"""POST /api/suggest and the staff letter's `suggested`: the shape of API.md, up to 3 best first
with scores in 0..1, departments of content/departments.yaml, 400s for bad input, 429 after
the limit, and `suggested` for staff only."""
from __future__ import annotations

import pytest

from chalicelib import bootstrap
from chalicelib.adapters import category_model
from chalicelib.config import default_content_dir
from chalicelib.services.abuse import AbuseLimits
from fakes import letter_payload

CONTENT = bootstrap.load_content(default_content_dir())


@pytest.fixture
def suggesting(composed):
    composed.ctx.category_model = category_model.model
    composed.ctx.departments = CONTENT.departments_by_id
    return composed


def suggest(api, body, headers=None):
    return api.call("POST", "/api/suggest", body, headers=headers)


def test_three_suggestions_best_first_with_the_model(api, suggesting):
    status, body = suggest(api, {"subject": "小区旁边的道路破损严重，公交车站也被占用",
                                 "body": "A市A1区某路段路面坑洼，公交站台被占，出行困难。"})
    assert status == 200, body
    rows = body["suggestions"]
    assert len(rows) == 3
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert all(set(r) == {"category", "department", "score"} for r in rows)
    for r in rows:
        assert r["department"] in CONTENT.departments_by_id
        assert r["category"] in CONTENT.departments_by_id[r["department"]].categories
    assert set(body["model"]) == {"version", "trained_at", "evaluation"}
    assert body["model"]["evaluation"]["with_body"]["accuracy"] > 0.8


@pytest.mark.parametrize(("subject", "expected"), [
    ("学校乱收补课费", "教育文体"), ("医院乱收费，医生态度恶劣", "卫生计生"),
    ("化工厂排放废气污染严重", "环境保护"), ("公司拖欠工资不交社保", "劳动和社会保障")])
def test_obvious_subjects_get_their_category_first(api, suggesting, subject, expected):
    status, body = suggest(api, {"subject": subject, "body": None})
    assert status == 200 and body["suggestions"][0]["category"] == expected


def test_a_category_no_department_lists_is_left_out(api, suggesting, composed):
    composed.ctx.departments = {d: v for d, v in CONTENT.departments_by_id.items()
                                if "城乡建设" not in v.categories}
    status, body = suggest(api, {"subject": "小区物业乱收费，楼道灯坏了没人修"})
    assert status == 200
    assert "城乡建设" not in [r["category"] for r in body["suggestions"]]


@pytest.mark.parametrize(("payload", "field", "code"), [
    ({}, "subject", "required"), ({"subject": "  "}, "subject", "empty"),
    ({"subject": 3}, "subject", "wrong_type"), ({"subject": "x", "body": ["y"]}, "body",
                                                "wrong_type"),
    ({"subject": "x", "department": "housing"}, "department", "unknown_field"),
    ({"subject": "长" * 201}, "subject", "too_long"),
])
def test_bad_input_is_a_400_in_the_error_shape(api, suggesting, payload, field, code):
    status, body = suggest(api, payload)
    assert status == 400, body
    assert body["error"]["field"] == field and body["error"]["code"] == code
    assert body["error"]["message"]


def test_not_an_object_and_too_large(api, suggesting):
    assert suggest(api, ["subject"])[0] == 400
    status, body = api.call("POST", "/api/suggest", raw=b'{"subject": "' + b"a" * 70_000 + b'"}')
    assert status == 413 and body["error"]["code"] == "too_large"


def test_429_after_the_limit_per_minute_then_the_next_minute(api, suggesting, composed, clock):
    from datetime import timedelta
    composed.ctx.abuse = AbuseLimits(suggestions_per_minute=3)
    clock.at = clock.at.replace(second=0)
    for _ in range(3):
        assert suggest(api, {"subject": "道路破损"})[0] == 200
    status, body = suggest(api, {"subject": "道路破损"})
    assert status == 429 and body["error"]["code"] == "too_many_requests"
    assert suggest(api, {"subject": ""})[0] == 400          # bad input uses no quota, still 400
    day = clock().date()
    assert composed.ctx.store.refusals(day)[day.isoformat()]["suggest"] == 1
    clock.at += timedelta(minutes=1)
    assert suggest(api, {"subject": "道路破损"})[0] == 200


def test_the_staff_letter_view_suggests_and_the_writer_does_not_see_it(api, suggesting):
    status, made = api.call("POST", "/api/letters", letter_payload(
        subject="学校食堂饭菜质量差，学生吃不饱", body="孩子所在学校食堂问题，请教育局调查。"))
    assert status == 201
    status, view = api.call("GET", f"/api/staff/letters/{made['id']}", as_user="office-1")
    assert status == 200
    assert view["suggested"][0] == {"category": "教育文体", "department": "education",
                                    "score": view["suggested"][0]["score"]}
    assert 1 <= len(view["suggested"]) <= 3
    status, own = api.call("GET", f"/api/letters/{made['tracking_code']}",
                           headers={"X-Letter-Secret": made["secret"]})
    assert status == 200 and "suggested" not in own
    status, inbox = api.call("GET", "/api/staff/letters", as_user="office-1")
    assert all("suggested" not in row for row in inbox["rows"])
    # the office's choice is recorded in the history: dispatch with the department
    assert api.call("POST", f"/api/staff/letters/{made['id']}/dispatch",
                    {"department": "education"}, as_user="office-1")[0] == 200
    view = api.call("GET", f"/api/staff/letters/{made['id']}", as_user="office-1")[1]
    dispatched = [e for e in view["history"] if e.get("action", e.get("kind")) == "dispatch"]
    assert dispatched, view["history"]
    # ... beside the first suggestion it was shown
    assert dispatched[-1]["data"]["department"] == "education"
    assert dispatched[-1]["data"]["suggested"] == {"category": "教育文体",
                                                   "department": "education"}


def _dispatched_and_replied(api, subject: str, body: str, department: str, clerk: str) -> str:
    made = api.call("POST", "/api/letters", letter_payload(subject=subject, body=body))[1]
    lid = made["id"]
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": department},
                    as_user="office-1")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user=clerk)[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "已处理。"},
                    as_user=clerk)[0] == 200
    return lid


def test_approval_with_a_category_records_the_suggestion_and_acceptance_counts_it(
        api, suggesting, composed):
    from chalicelib.services import suggestions
    lid = _dispatched_and_replied(api, "小区道路破损严重，路灯不亮", "A1区小区道路坑洼，请修复。",
                                  "transport", "clerk-t")
    status, body = api.call("POST", f"/api/staff/letters/{lid}/approve",
                            {"publish": False, "category": "交通运输"}, as_user="office-1")
    assert status == 200, body
    letter = composed.ctx.store.get_letter(lid)
    approve = [e for e in letter.history if e.action == "approve"][-1]
    assert approve.data["category"] == "交通运输"
    assert set(approve.data["suggested"]) == {"category", "department"}
    counted = suggestions.acceptance([letter.history])
    assert counted["dispatch"]["shown"] == 1 and counted["category"]["shown"] == 1
    assert counted["category"]["taken"] == (approve.data["suggested"]["category"] == "交通运输")
    first = [e for e in letter.history if e.action == "dispatch"][0]
    assert counted["dispatch"]["taken"] == (first.data["suggested"]["department"] == "transport")


def test_an_approval_without_a_category_records_no_suggestion(api, suggesting, composed):
    lid = _dispatched_and_replied(api, "公交线路调整", "希望增加公交班次。", "transport", "clerk-t")
    assert api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": False},
                    as_user="office-1")[0] == 200
    approve = [e for e in composed.ctx.store.get_letter(lid).history if e.action == "approve"]
    assert "suggested" not in approve[-1].data


def _unreadable():
    raise FileNotFoundError("no category model")


@pytest.mark.parametrize("model", [None, _unreadable])
def test_without_a_readable_model_dispatch_works_and_records_no_suggestion(api, composed,
                                                                            model):
    composed.ctx.category_model = model
    made = api.call("POST", "/api/letters", letter_payload())[1]
    assert api.call("POST", f"/api/staff/letters/{made['id']}/dispatch",
                    {"department": "housing"}, as_user="office-1")[0] == 200
    dispatch = [e for e in composed.ctx.store.get_letter(made["id"]).history
                if e.action == "dispatch"]
    assert "suggested" not in dispatch[-1].data


class _HistoryModel:
    """The committed model's scores with a history mapping, as `--from-store` writes it."""

    def __init__(self, departments: dict[str, str]) -> None:
        self.departments = departments
        self.info = category_model.model().info

    def scores(self, subject, body):
        return category_model.model().scores(subject, body)


@pytest.mark.parametrize(("mapping", "expected"), [
    ({"教育文体": "district-a1"}, "district-a1"),        # the office's history decides
    ({"教育文体": "gone-department"}, "education"),      # no longer in content/: departments.yaml
    ({}, "education"),                                   # no history: departments.yaml
])
def test_the_department_comes_from_history_when_the_artifact_has_it(
        api, suggesting, composed, mapping, expected):
    composed.ctx.category_model = lambda: _HistoryModel(mapping)
    status, body = suggest(api, {"subject": "学校乱收补课费"})
    assert status == 200
    assert body["suggestions"][0] == {"category": "教育文体", "department": expected,
                                      "score": body["suggestions"][0]["score"]}
