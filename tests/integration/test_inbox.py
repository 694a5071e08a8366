"""The staff inbox searched and paged: GET /api/staff/letters?q=&page=&per_page= (issue 11,
item 5). The answer is `{"rows", "total", "page", "per_page", "complete"}`."""
from __future__ import annotations

import urllib.parse

import pytest

from chalicelib.api import parse
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.commands import DispatchLetter
from chalicelib.services.context import Actor
from fakes import letter_payload

LETTERS = [
    # (subject, body, phone, department)
    ("小区门口道路破损", "雨天积水严重。", "13812345678", "housing"),
    ("夜间施工噪音扰民", "工地每晚十一点后仍在施工。", "13900001111", "housing"),
    ("公交站牌缺失", "北门公交站牌被撤。", "13700002222", "transport"),
    ("噪音：广场舞", "广场舞音响声音太大。", "13812345678", "transport"),
    ("物业收费不透明", "物业费上涨却没有公示。", None, "housing"),
]


@pytest.fixture
def inbox(api, ctx, clock):
    """Five letters, dispatched (housing or transport), a minute apart, newest last."""
    made = []
    for n, (subject, body, phone, dept) in enumerate(LETTERS):
        clock.advance(minutes=1)
        submitted = services.submit_letter(
            ctx, parse.submit_letter(letter_payload(subject=subject, body=body, phone=phone)),
            f"client-{n}")
        assert not submitted.replayed
        answer = submitted.body
        casework.dispatch_letter(ctx, Actor("office-1", "office"), answer["id"],
                                 DispatchLetter(department=dept))
        made.append(answer)
    api.login_all()
    return made


def get(api, user="office-1", **query):
    return api.call("GET", "/api/staff/letters?" + urllib.parse.urlencode(query), as_user=user)


def subjects(answer) -> list[str]:
    return [r["subject"] for r in answer["rows"]]


def test_the_inbox_is_paged_newest_first_with_the_total(api, inbox):
    status, first = get(api, per_page=2)
    assert status == 200
    assert {k: first[k] for k in ("total", "page", "per_page", "complete")} == {
        "total": 5, "page": 1, "per_page": 2, "complete": True}
    assert subjects(first) == ["物业收费不透明", "噪音：广场舞"]
    _, third = get(api, per_page=2, page=3)
    assert subjects(third) == ["小区门口道路破损"] and third["total"] == 5
    _, beyond = get(api, per_page=2, page=9)
    assert beyond["rows"] == [] and beyond["total"] == 5
    _, default = get(api)
    assert default["per_page"] == 50 and len(default["rows"]) == 5


@pytest.mark.parametrize("q, expected", [
    ("噪音", ["噪音：广场舞", "夜间施工噪音扰民"]),
    ("十一点", ["夜间施工噪音扰民"]),
    ("138 1234 5678", ["噪音：广场舞", "小区门口道路破损"]),
    ("0000-2222", ["公交站牌缺失"]),
])
def test_search_by_words_and_phone(api, inbox, q, expected):
    status, found = get(api, q=q)
    assert status == 200 and subjects(found) == expected and found["total"] == len(expected)


def test_search_by_tracking_code_in_any_case(api, inbox):
    code = inbox[2]["tracking_code"]
    _, found = get(api, q=code.lower())
    assert subjects(found) == ["公交站牌缺失"]


def test_a_clerk_finds_only_the_departments_letters(api, inbox):
    _, found = get(api, "clerk-h", q="噪音")
    assert subjects(found) == ["夜间施工噪音扰民"] and found["total"] == 1
    _, found = get(api, "clerk-h", q="13812345678")
    assert subjects(found) == ["小区门口道路破损"]
    # another department's letter is not found by its tracking code either
    _, found = get(api, "clerk-h", q=inbox[2]["tracking_code"])
    assert found["rows"] == [] and found["total"] == 0
    _, found = get(api, "clerk-t", q="噪音")
    assert subjects(found) == ["噪音：广场舞"]
    status, _ = get(api, "clerk-t", q="噪音", department="housing")
    assert status == 403


def test_search_within_a_status_and_the_office_queues(api, inbox):
    _, found = get(api, q="噪音", status="dispatched", department="transport")
    assert subjects(found) == ["噪音：广场舞"]
    _, found = get(api, q="噪音", light="green", per_page=1)
    assert len(found["rows"]) == 1 and found["total"] == 2


@pytest.mark.parametrize("query, field", [
    ({"page": "0"}, "page"), ({"page": "-1"}, "page"), ({"page": "abc"}, "page"),
    ({"page": "1.5"}, "page"), ({"page": "１"}, "page"), ({"page": "9" * 40}, "page"),
    ({"per_page": "0"}, "per_page"), ({"per_page": "101"}, "per_page"),
    ({"per_page": "ten"}, "per_page"),
    ({"q": "!!!"}, "q"), ({"q": "路" * 101}, "q"),
])
def test_bad_paging_and_search_values_are_400(api, inbox, query, field):
    status, body = get(api, **query)
    assert status == 400, body
    error = body["error"]
    assert error["field"] == field and error["code"] in ("out_of_range", "invalid", "too_long")
    assert error["message"] and error["message_en"]


def test_blank_search_is_no_search(api, inbox):
    _, found = get(api, q="   ")
    assert found["total"] == 5


def test_openapi_describes_the_paged_inbox(api):
    _, doc = api.call("GET", "/api/openapi.json")
    op = doc["paths"]["/api/staff/letters"]["get"]
    assert {p["name"] for p in op["parameters"]} >= {"q", "page", "per_page"}
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"rows", "total", "page", "per_page", "complete"}
    assert "400" in op["responses"]
