"""Issue 15, items 8 and 9 through the HTTP API: 顶/踩 on published comments and interview
answers (one per client, counted apart, concurrent votes counted exactly), and suggestion drives
(letters of type suggestion sent to a drive while it is open, the drive's tally of received,
answered and adopted suggestions, the office's `adopted` on approval)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from chalicelib.api import parse
from chalicelib.domain import consultations as C
from chalicelib.domain import drive
from chalicelib.services import comment_votes
from chalicelib.services import topics as topic_services
from fakes import letter_payload, topic

UA = {"User-Agent": "pytest/1.0"}


@pytest.fixture
def topics(ctx):
    defined = [
        topic("hearing", "taxi", departments=("transport", "housing")),
        topic("interview", "live", departments=("transport", "housing")),
        topic("drive", "july", departments=("transport", "housing")),
        topic("drive", "spring", opens="2026-12-01", closes="2026-12-31"),
        topic("drive", "over", opens="2026-07-01", closes="2026-07-31"),
    ]
    topic_services.register_topics(ctx, defined)
    return {t.id: t for t in defined}


def vote(api, comment_id, direction="up", headers=None):
    return api.call("POST", f"/api/comments/{comment_id}/votes", {"direction": direction},
                    headers=headers or UA)


def approved_comment(api, topic_id="taxi", **fields):
    status, body = api.call("POST", f"/api/topics/{topic_id}/comments",
                            {"body": "我的意见", **fields}, headers=UA)
    assert status == 202, body
    assert api.call("POST", f"/api/staff/comments/{body['id']}/approve", {},
                    as_user="office-1")[0] == 200
    return body["id"]


# --- votes on comments ---------------------------------------------------------------------------

def test_a_vote_on_a_published_comment_is_counted_and_rebuilds_the_topic(api, topics, store):
    cid = approved_comment(api, stance="support")
    status, body = vote(api, cid, "up")
    assert status == 202 and body == {"id": cid, "counted": True, "up": 1, "down": 0}
    change = store.pending_changes(10_000)[-1]
    assert change.topics == ["taxi"] and change.public
    view = topic_services.public_topic(store, "taxi")
    assert view["comments"][0]["votes"] == {"up": 1, "down": 0}
    # counted apart: the stance tally and the recomputable tallies are untouched
    assert view["figures"]["stance"]["support"] == 1
    tallies = store.topic_tallies("taxi")
    assert drive.without_drive_counters(tallies) == C.recompute(
        store.topic_comments("taxi"), store.topic_responses("taxi"))


def test_one_vote_per_client_and_comment_whichever_way(api, topics, store, edge):
    cid = approved_comment(api)
    first = vote(api, cid, "up", headers=edge("203.0.113.40"))[1]
    again = vote(api, cid, "down", headers=edge("203.0.113.40"))[1]
    other = vote(api, cid, "down", headers=edge("203.0.113.41"))[1]
    assert (first["counted"], again["counted"], other["counted"]) == (True, False, True)
    assert (other["up"], other["down"]) == (1, 1)
    # the same client may still vote on another comment
    cid2 = approved_comment(api)
    assert vote(api, cid2, "up", headers=edge("203.0.113.40"))[1]["counted"] is True


def test_an_interview_answer_is_voted_through_its_question(api, topics, store):
    status, body = api.call("POST", "/api/topics/live/comments", {"body": "公交何时加密？"},
                            headers=UA)
    assert status == 202
    qid = body["id"]
    assert vote(api, qid)[0] == 404                  # pending: not published yet
    assert api.call("POST", f"/api/staff/comments/{qid}/answer", {"body": "下月起加密。"},
                    as_user="office-1")[0] == 200
    assert vote(api, qid, "up")[0] == 202
    view = topic_services.public_topic(store, "live")
    assert view["transcript"][0]["votes"] == {"up": 1, "down": 0}


def test_unknown_pending_and_rejected_comments_take_no_vote(api, topics, store):
    assert vote(api, "nope")[0] == 404
    status, body = api.call("POST", "/api/topics/taxi/comments", {"body": "待审"}, headers=UA)
    assert vote(api, body["id"])[1]["error"]["code"] == "not_found"
    cid = approved_comment(api)
    assert api.call("POST", f"/api/staff/comments/{cid}/reject", {"reason": "不当"},
                    as_user="office-1")[0] == 200
    assert vote(api, cid)[0] == 404
    assert not any(k.startswith(("up:", "down:")) for k in store.topic_tallies("taxi"))


@pytest.mark.parametrize("payload", [{"direction": "sideways"}, {}, {"direction": "up", "x": 1},
                                     {"direction": None}])
def test_a_bad_direction_is_400(api, topics, payload):
    cid = approved_comment(api)
    status, body = api.call("POST", f"/api/comments/{cid}/votes", payload, headers=UA)
    assert status == 400 and set(body["error"]) >= {"code", "message", "field"}


def test_comment_votes_share_the_hourly_vote_quota(api, topics, composed, edge, clock):
    from dataclasses import replace
    composed.ctx.abuse = replace(composed.ctx.abuse, votes_per_hour=2)
    cids = [approved_comment(api) for _ in range(3)]
    assert [vote(api, c, headers=edge("203.0.113.50"))[0] for c in cids] == [202, 202, 429]


def test_concurrent_votes_from_different_clients_are_counted_exactly(ctx, store, topics):
    cid = approved_comment_direct(ctx)
    n = 12
    barrier = threading.Barrier(n)
    errors: list = []

    def worker(i: int) -> None:
        barrier.wait()
        try:
            comment_votes.vote_comment(ctx, cid, parse.vote({"direction": "up" if i % 3 else
                                                             "down"}), f"client-{i}")
        except Exception as exc:     # noqa: BLE001 - the test reports what a thread got
            errors.append(exc)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert drive.comment_votes(store.topic_tallies("taxi"), cid) == {"up": 8, "down": 4}


def test_concurrent_votes_from_one_client_count_once(ctx, store, topics):
    cid = approved_comment_direct(ctx)
    n = 6
    barrier = threading.Barrier(n)
    results: list = []

    def worker(i: int) -> None:
        barrier.wait()
        results.append(comment_votes.vote_comment(ctx, cid, parse.vote({"direction": "up"}),
                                                  "one-client")["counted"])
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * (n - 1) + [True]
    assert drive.comment_votes(store.topic_tallies("taxi"), cid) == {"up": 1, "down": 0}


def approved_comment_direct(ctx) -> str:
    from fakes import OFFICE
    answer = topic_services.add_comment(ctx, "taxi", parse.add_comment({"body": "意见"}))
    cid = answer.body["id"]
    topic_services.approve_comment(ctx, OFFICE, cid)
    return cid


# --- suggestion drives ---------------------------------------------------------------------------

def suggest(api, campaign="july", **over):
    payload = letter_payload(**{"type": "suggestion", "subject": "建议增开夜班公交",
                                "campaign": campaign, **over})
    return api.call("POST", "/api/letters", payload, headers=UA)


def handle(api, lid, *, publish=True, adopted=None, dept="housing"):
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": dept},
                    as_user="office-1")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "感谢建议，已研究。"},
                    as_user="clerk-h")[0] == 200
    body = {"publish": publish}
    if adopted is not None:
        body["adopted"] = adopted
    return api.call("POST", f"/api/staff/letters/{lid}/approve", body, as_user="office-1")


def test_a_suggestion_to_an_open_drive_is_a_letter_with_its_campaign(api, topics, store):
    status, body = suggest(api)
    assert status == 201 and body["status"] == "submitted"
    letter = store.get_letter(body["id"])
    assert letter.campaign == "july" and letter.type == "suggestion"
    assert letter.department is None               # routed by the office as usual
    change = store.pending_changes(10_000)[-1]
    assert "july" in change.topics
    assert drive.figures(store.topic_tallies("july"))["received"] == 1


@pytest.mark.parametrize("over, status, code, field", [
    ({"campaign": "nope"}, 400, "unknown_campaign", "campaign"),
    ({"campaign": "taxi"}, 400, "unknown_campaign", "campaign"),      # a hearing is no drive
    ({"campaign": "Bad Id!"}, 400, "unknown_campaign", "campaign"),
    ({"campaign": 7}, 400, "unknown_campaign", "campaign"),
    ({"type": "complaint"}, 400, "invalid_choice", "type"),
    ({"campaign": "over"}, 410, "topic_closed", None),
    ({"campaign": "spring"}, 410, "topic_not_open", None),
])
def test_bad_campaign_letters_are_refused_and_nothing_is_written(api, topics, store, over,
                                                                 status, code, field):
    payload = {"campaign": "july", **over}
    got, body = suggest(api, **payload)
    assert (got, body["error"]["code"], body["error"]["field"]) == (status, code, field)
    assert store.list_letters() == []


def test_a_drive_takes_no_comments(api, topics):
    status, body = api.call("POST", "/api/topics/july/comments", {"body": "意见"}, headers=UA)
    assert status == 400 and body["error"]["code"] == "wrong_kind"


def test_the_tally_counts_received_answered_adopted_and_lists_only_public_ones(api, topics,
                                                                              store):
    ids = [suggest(api, public=(i != 2))[1]["id"] for i in range(4)]
    assert handle(api, ids[0], adopted=True)[0] == 200
    assert handle(api, ids[1], adopted=False)[0] == 200
    assert handle(api, ids[2], adopted=True)[0] == 200          # private: counted only
    figures = drive.figures(store.topic_tallies("july"))
    assert (figures["received"], figures["answered"], figures["adopted"]) == (4, 3, 2)
    assert figures["published"] == sorted(ids[:2])
    view = topic_services.public_topic(store, "july")
    assert view["drive"]["received"] == 4 and view["drive"]["answer_rate"] == 0.75
    letters = [store.get_letter(i) for i in ids]
    assert [x.adopted for x in letters] == [True, False, True, None]
    assert letters[0].history[-1].data["adopted"] is True
    # the running counters equal a recomputation from the letters
    tallies = store.topic_tallies("july")
    assert {k: n for k, n in tallies.items() if k.startswith(("drive:", "published:"))} == \
        drive.recompute(letters)


def test_a_rejected_suggestion_leaves_the_received_count(api, topics, store):
    lid = suggest(api)[1]["id"]
    assert api.call("POST", f"/api/staff/letters/{lid}/reject", {"reason": "无效"},
                    as_user="office-1")[0] == 200
    assert drive.figures(store.topic_tallies("july"))["received"] == 0


def test_the_drive_tally_is_answered_after_the_drive_closed(api, topics, store, clock):
    lid = suggest(api)[1]["id"]
    clock.at = topics["july"].closes + timedelta(days=3)
    api.login_all()
    assert handle(api, lid, adopted=True)[0] == 200
    assert drive.figures(store.topic_tallies("july"))["adopted"] == 1


def test_adopted_is_only_for_campaign_letters(api, topics, store):
    lid = api.call("POST", "/api/letters", letter_payload(), headers=UA)[1]["id"]
    status, body = handle(api, lid, adopted=True)
    assert status == 400 and body["error"] == {
        **body["error"], "code": "not_a_campaign_letter", "field": "adopted"}
    assert store.get_letter(lid).status == "replied"             # nothing written
    assert handle_again_without(api, lid)[0] == 200


def handle_again_without(api, lid):
    return api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True},
                    as_user="office-1")


@pytest.mark.parametrize("value", ["yes", 1, [], {}])
def test_adopted_must_be_a_boolean(api, topics, value):
    lid = suggest(api)[1]["id"]
    status, body = handle(api, lid, adopted=value)
    assert status == 400 and body["error"]["field"] == "adopted"


@pytest.mark.parametrize("user, status", [(None, 401), ("clerk-h", 403), ("clerk-t", 403),
                                          ("admin-1", 403), ("office-1", 200)])
def test_only_the_office_approves_with_adopted(api, topics, user, status):
    lid = suggest(api)[1]["id"]
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                    as_user="office-1")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "已研究。"},
                    as_user="clerk-h")[0] == 200
    got = api.call("POST", f"/api/staff/letters/{lid}/approve",
                   {"publish": True, "adopted": True}, as_user=user)[0]
    assert got == status


@pytest.mark.parametrize("user", [None, "office-1", "clerk-h", "clerk-t", "admin-1"])
def test_every_role_and_no_login_may_vote(api, topics, user):
    """The role x route matrix of the vote route: it is public (API.md: anyone), so no role is
    refused and no login is needed; a staff token changes nothing."""
    cid = approved_comment(api)
    status, body = api.call("POST", f"/api/comments/{cid}/votes", {"direction": "up"},
                            as_user=user, headers=UA)
    assert status == 202 and body["counted"] is True


def test_the_staff_view_shows_the_campaign_and_the_verdict(api, topics):
    lid = suggest(api)[1]["id"]
    assert handle(api, lid, adopted=True)[0] == 200
    status, view = api.call("GET", f"/api/staff/letters/{lid}", as_user="office-1")
    assert status == 200 and (view["campaign"], view["adopted"]) == ("july", True)


# --- the demo city ---------------------------------------------------------------------------

def test_the_demo_seeds_the_july_drive_and_the_open_winter_drive(ctx):
    from pathlib import Path

    from chalicelib import bootstrap
    from chalicelib.adapters.topic_files import load_topics
    from fakes import cst
    from wenzheng.demo_drive import seed_drive

    content = Path(__file__).resolve().parents[2] / "content"
    ctx.departments = bootstrap.load_departments(content)
    topic_services.register_topics(ctx, load_topics(content))
    now = cst(2026, 12, 7, 10)
    added = seed_drive(ctx, now)
    assert set(added) == {"citizen-month-2026-07", "winter-services-2026"}
    july = drive.figures(ctx.store.topic_tallies("citizen-month-2026-07"))
    assert (july["received"], july["answered"], july["adopted"]) == (8, 7, 4)
    assert len(july["published"]) == 4          # adopted and not adopted, public ones only
    winter = drive.figures(ctx.store.topic_tallies("winter-services-2026"))
    assert winter["received"] == 2 and winter["answered"] == 0
    topics = {t.id: t for t in ctx.store.list_topics()}
    for letter in ctx.store.list_letters(limit=1000):
        t = topics[letter.campaign]
        assert t.opens <= letter.submitted_at < t.closes and letter.submitted_at <= now
    assert seed_drive(ctx, now) == {}               # seeded once
