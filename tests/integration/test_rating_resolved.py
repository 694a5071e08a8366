"""`POST /api/letters/{tracking_code}/rating` with `resolved` (已解决 / 部分解决 / 未解决)
through the real Chalice app: stored with the rating, shown to the writer and the staff, in the
history and the statistics; a bad value is a 400 naming the field, and nothing is written."""
from __future__ import annotations

import pytest

from fakes import letter_payload


def _answered(api, clock) -> tuple[dict, str]:
    status, answer = api.call("POST", "/api/letters", letter_payload())
    assert status == 201, answer
    lid = answer["id"]
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                    as_user="office-1")[0] == 200
    clock.advance(hours=2)
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "已修复。"},
                    as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/approve",
                    {"publish": True, "category": "城乡建设"}, as_user="office-1")[0] == 200
    return answer, lid


def _rate(api, answer, body):
    return api.call("POST", f"/api/letters/{answer['tracking_code']}/rating", body,
                    headers={"X-Letter-Secret": answer["secret"]})


def test_the_answer_is_stored_and_shown_to_writer_and_staff(api, clock, composed):
    answer, lid = _answered(api, clock)
    status, body = _rate(api, answer, {"score": "basically_satisfied", "resolved": "partly"})
    assert status == 201 and body["resolved"] == "partly"
    view = api.call("GET", f"/api/letters/{answer['tracking_code']}",
                    headers={"X-Letter-Secret": answer["secret"]})[1]
    assert view["rating"]["resolved"] == "partly"
    assert view["history"][-1]["resolved"] == "partly"        # the writer's history shows it
    staff = api.call("GET", f"/api/staff/letters/{lid}", as_user="office-1")[1]
    assert staff["ratings"][0]["resolved"] == "partly"
    assert staff["history"][-1]["action"] == "rate"
    assert staff["history"][-1]["data"]["resolved"] == "partly"
    assert composed.ctx.store.stats("all")["housing"]["partly_resolved"] == 1


def test_the_answer_may_be_left_out_or_null(api, clock):
    answer, _ = _answered(api, clock)
    status, body = _rate(api, answer, {"score": "satisfied", "resolved": None})
    assert status == 201 and body["resolved"] is None
    second, _ = _answered(api, clock)
    assert _rate(api, second, {"score": "satisfied"})[1]["resolved"] is None


@pytest.mark.parametrize("value", ["solved", "", "Yes", 1, True, ["yes"], {"a": 1}])
def test_a_bad_answer_is_400_naming_the_field_and_rates_nothing(api, clock, value):
    answer, _ = _answered(api, clock)
    status, body = _rate(api, answer, {"score": "satisfied", "resolved": value})
    assert status == 400
    assert body["error"]["field"] == "resolved" and body["error"]["message"]
    view = api.call("GET", f"/api/letters/{answer['tracking_code']}",
                    headers={"X-Letter-Secret": answer["secret"]})[1]
    assert view["rating"] is None and view["can_rate"]


def test_the_error_is_in_both_languages(api, clock):
    answer, _ = _answered(api, clock)
    status, body = _rate(api, answer, {"score": "satisfied", "resolved": "maybe"})
    assert status == 400 and "已解决" in body["error"]["message"]
    assert "partly" in body["error"]["message_en"]
