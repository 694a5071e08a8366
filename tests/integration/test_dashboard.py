"""The office's supervision views through the HTTP API: the dashboard and the re-do queue
(`status=replied&rating=unsatisfied`), and the re-do rule end to end."""
from __future__ import annotations

from chalicelib.api import parse
from chalicelib.services import letters as services
from chalicelib.services import supervision
from fakes import HOUSING_CLERK, OFFICE, TRANSPORT_CLERK, letter_payload
from wenzheng.demo import move_letter


def submit(ctx, **over) -> dict:
    return services.submit_letter(ctx, parse.submit_letter(letter_payload(**over))).body


def walk(ctx, clock, dept="housing", clerk=HOUSING_CLERK, upto="published", **over) -> dict:
    """A new letter moved to `upto` (the demo city's script), half an hour before signing."""
    a = submit(ctx, **over)
    move_letter(ctx, a["id"], upto, office=OFFICE, clerk=clerk, dept=dept,
                wait=lambda step: step == "sign" and clock.advance(minutes=30))
    return a


def rate(ctx, a, score):
    services.rate_reply(ctx, a["tracking_code"], a["secret"], parse.rate_reply({"score": score}))


def test_the_dashboard_counts_lights_queues_and_lists_red_letters(api, ctx, clock):
    waiting = walk(ctx, clock, upto="submitted")
    walk(ctx, clock, "transport", TRANSPORT_CLERK, upto="transfer_requested")
    late = walk(ctx, clock, upto="dispatched", subject="路灯不亮")      # sign due Tuesday
    walk(ctx, clock, upto="extension_requested")       # reply due Monday: yellow on Wednesday
    walk(ctx, clock, upto="replied")
    unhappy = walk(ctx, clock, upto="published")
    rate(ctx, unhappy, "unsatisfied")
    closed_unhappy = walk(ctx, clock, upto="closed")
    rate(ctx, closed_unhappy, "unsatisfied")
    happy = walk(ctx, clock, upto="published")
    rate(ctx, happy, "satisfied")
    clock.advance(days=1)
    walk(ctx, clock, "transport", TRANSPORT_CLERK, upto="signed")      # reply due next Tuesday
    clock.advance(days=1)                           # Wednesday afternoon
    api.login_all()

    status, board = api.call("GET", "/api/staff/dashboard", as_user="office-1")
    assert status == 200, board
    assert board["active"]["total"] == 3
    assert board["active"]["by_light"] == {"green": 1, "yellow": 1, "red": 1}
    rows = {r["department"]["id"]: r for r in board["active"]["by_department"]}
    assert rows["housing"] == {"department": {"id": "housing", "name": "市住房和城乡建设局",
                                              "name_en": "Housing and Urban-Rural Development"},
                               "green": 0, "yellow": 1, "red": 1, "total": 2}
    assert (rows["transport"]["green"], rows["transport"]["total"]) == (1, 1)
    assert board["awaiting_dispatch"] == 2           # a new letter and a transfer request
    assert board["awaiting_approval"] == 1
    assert board["awaiting_redo_decision"] == 2      # published and closed, both 不满意
    assert board["pending_extensions"] == 1
    (red,) = board["red"]
    assert (red["id"], red["subject"], red["due"], red["clock"]) == (
        late["id"], "路灯不亮", "2026-11-24", "sign")
    assert red["department"]["id"] == "housing"
    assert waiting["id"] not in {r["id"] for r in board["red"]}
    assert board == supervision.office_dashboard(ctx, OFFICE) | {"at": board["at"]}


def test_only_the_office_sees_the_dashboard(api):
    for user in ("clerk-h", "admin-1"):
        status, body = api.call("GET", "/api/staff/dashboard", as_user=user)
        assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = api.call("GET", "/api/staff/dashboard")
    assert status == 401 and body["error"]["code"] == "not_logged_in"


def test_the_redo_queue_lists_released_replies_rated_unsatisfied(api, ctx, clock):
    published = walk(ctx, clock, upto="published")
    rate(ctx, published, "unsatisfied")
    closed = walk(ctx, clock, upto="closed")
    rate(ctx, closed, "unsatisfied")
    elsewhere = walk(ctx, clock, "transport", TRANSPORT_CLERK, upto="published")
    rate(ctx, elsewhere, "unsatisfied")
    fine = walk(ctx, clock, upto="published")
    rate(ctx, fine, "basically_satisfied")
    walk(ctx, clock, upto="replied")                # awaiting approval, never rated

    status, answer = api.call("GET", "/api/staff/letters?status=replied&rating=unsatisfied",
                              as_user="office-1")
    assert status == 200 and answer["total"] == 3
    rows = answer["rows"]
    assert sorted(r["id"] for r in rows) == sorted([published["id"], closed["id"],
                                                    elsewhere["id"]])
    assert all(r["awaiting_redo_decision"] and r["rating"] == "unsatisfied" for r in rows)
    # a clerk sees the department's part of it
    rows = api.call("GET", "/api/staff/letters?status=replied&rating=unsatisfied",
                    as_user="clerk-h")[1]["rows"]
    assert sorted(r["id"] for r in rows) == sorted([published["id"], closed["id"]])
    # the literal filters still work
    rows = api.call("GET", "/api/staff/letters?status=published&rating=unsatisfied",
                    as_user="office-1")[1]["rows"]
    assert sorted(r["id"] for r in rows) == sorted([published["id"], elsewhere["id"]])
    rows = api.call("GET", "/api/staff/letters?status=replied&rating=basically_satisfied",
                    as_user="office-1")[1]["rows"]
    assert [r["id"] for r in rows] == [fine["id"]]
    status, body = api.call("GET", "/api/staff/letters?rating=great", as_user="office-1")
    assert status == 400 and body["error"]["field"] == "rating"


def test_a_redo_gets_a_new_limit_is_rated_again_and_both_ratings_count(api, ctx, clock, store):
    a = walk(ctx, clock, upto="published")
    rate(ctx, a, "unsatisfied")
    lid = a["id"]
    clock.advance(days=1)
    api.login_all()
    status, body = api.call("POST", f"/api/staff/letters/{lid}/redo", {"reason": "未说明整改时限"},
                            as_user="office-1")
    assert status == 200 and body["status"] == "redo" and body["due"] == "2026-12-01"
    assert body["light"] == "green" and not body["awaiting_redo_decision"]
    queue = api.call("GET", "/api/staff/letters?status=replied&rating=unsatisfied",
                     as_user="office-1")[1]["rows"]
    assert lid not in [r["id"] for r in queue]
    (redo_note,) = [n for n in store.list_notifications(lid) if n.kind == "redo"]
    assert redo_note.to == "housing@city.example" and "未说明整改时限" in redo_note.body

    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "补充答复：下周整改。"},
                    as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True},
                    as_user="office-1")[0] == 200
    rate(ctx, a, "unsatisfied")
    # the one re-do (max_redos: 1) is used: listed, but no decision left to take
    (row,) = api.call("GET", "/api/staff/letters?status=replied&rating=unsatisfied",
                      as_user="office-1")[1]["rows"]
    assert row["id"] == lid and row["awaiting_redo_decision"] is False
    status, body = api.call("POST", f"/api/staff/letters/{lid}/redo", {"reason": "再次重办"},
                            as_user="office-1")
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    every = store.stats("all")["housing"]
    assert (every["rated"], every["unsatisfied"], every["redos"]) == (2, 2, 1)
