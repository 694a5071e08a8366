"""Duplicates and screening (重复件) through the HTTP API: `similar` on the staff letter view,
`POST /api/staff/letters/{id}/reject` with `duplicate_of`, and the writer's tracking page
following the original without showing anything of the original's writer."""
from __future__ import annotations

import json

import pytest

from fakes import letter_payload


def submit(api, **over):
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 201, body
    return body


def track(api, answer):
    return api.call("GET", f"/api/letters/{answer['tracking_code']}",
                    headers={"X-Letter-Secret": answer["secret"]})


def staff(api, lid, user="office-1"):
    return api.call("GET", f"/api/staff/letters/{lid}", as_user=user)


def reject(api, lid, duplicate_of, reason="重复来信", user="office-1"):
    return api.call("POST", f"/api/staff/letters/{lid}/reject",
                    {"reason": reason, "duplicate_of": duplicate_of}, as_user=user)


def dispatch(api, lid, dept):
    status, body = api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": dept},
                            as_user="office-1")
    assert status == 200, body


@pytest.fixture
def pair(api, clock):
    """An original (王小明, housing) and, an hour later, the same writer again in near the
    same words; plus an unrelated letter by someone else."""
    original = submit(api, name="王小明", phone="13812345678", email="wang@example.com")
    clock.advance(hours=1)
    again = submit(api, subject="小区门口道路破损严重", body="道路破损严重，请尽快修复！",
                   name="王小明", phone="+86 138 1234 5678", email=None)
    other = submit(api, subject="公交站牌缺失", body="北门公交站牌丢失一个月了。",
                   name="李四", phone="13900001111", email="li@example.com")
    return original, again, other


class TestSimilar:
    def test_the_same_writer_in_near_the_same_words_comes_first(self, api, pair):
        original, again, other = pair
        status, view = staff(api, again["id"])
        assert status == 200
        assert [s["id"] for s in view["similar"]] == [original["id"]]
        first = view["similar"][0]
        assert first["score"] == 1.0 and first["same_contact"]
        assert first["status"] == "submitted" and first["subject"] == "小区门口道路破损"
        assert set(first) >= {"id", "subject", "status", "score"}

    def test_near_identical_text_from_another_writer_is_similar_too(self, api, pair):
        original, _, _ = pair
        copy = submit(api, name="赵六", phone="13700002222", email=None)
        ids = [s["id"] for s in staff(api, copy["id"])[1]["similar"]]
        assert original["id"] in ids

    def test_a_clerk_sees_only_the_departments_own_similar_letters(self, api, pair):
        original, again, _ = pair
        dispatch(api, original["id"], "transport")
        dispatch(api, again["id"], "housing")
        assert staff(api, again["id"], "clerk-h")[1]["similar"] == []
        assert [s["id"] for s in staff(api, again["id"])[1]["similar"]] == [original["id"]]
        # the other department's clerk cannot open the letter at all (API.md: 403)
        assert staff(api, again["id"], "clerk-t")[0] == 403
        dispatch_back = api.call("POST", f"/api/staff/letters/{original['id']}/transfer",
                                 {"reason": "不属本部门"}, as_user="clerk-t")
        assert dispatch_back[0] == 200
        dispatch(api, original["id"], "housing")
        assert [s["id"] for s in staff(api, again["id"], "clerk-h")[1]["similar"]] == \
            [original["id"]]

    def test_letters_already_rejected_as_duplicates_are_left_out(self, api, pair, clock):
        original, again, _ = pair
        assert reject(api, again["id"], original["id"])[0] == 200
        clock.advance(hours=1)
        third = submit(api)
        ids = [s["id"] for s in staff(api, third["id"])[1]["similar"]]
        assert original["id"] in ids and again["id"] not in ids


class TestRejectAsDuplicate:
    def test_links_both_letters(self, api, pair, store):
        original, again, _ = pair
        status, body = reject(api, again["id"], original["id"])
        assert status == 200 and body["status"] == "rejected"
        dup = staff(api, again["id"])[1]
        assert dup["duplicate_of"] == original["id"]
        assert dup["history"][-1]["action"] == "reject"
        assert dup["history"][-1]["data"]["duplicate_of"] == original["id"]
        orig = staff(api, original["id"])[1]
        assert orig["history"][-1]["action"] == "duplicate"
        assert orig["history"][-1]["data"] == {"letter": again["id"]}
        assert orig["duplicates"] == [again["id"]]
        assert orig["status"] == "submitted"          # the original goes on as before

    def test_a_plain_rejection_still_takes_a_reason_only(self, api, pair):
        _, again, _ = pair
        status, body = api.call("POST", f"/api/staff/letters/{again['id']}/reject",
                                {"reason": "无效来信"}, as_user="office-1")
        assert status == 200 and body["duplicate_of"] is None

    @pytest.mark.parametrize(("value", "status", "code"), [
        ("nosuchletter", 404, "duplicate_of_unknown"),
        ("x" * 10_000, 400, "invalid"),
        ("../../etc", 400, "invalid"),
        ("a b", 400, "invalid"),
        (12345, 400, "wrong_type"),
        (True, 400, "wrong_type"),
        (["a"], 400, "wrong_type"),
        ({"id": "a"}, 400, "wrong_type"),
    ])
    def test_bad_duplicate_of_is_a_clear_4xx_and_changes_nothing(self, api, pair, store,
                                                                value, status, code):
        _, again, _ = pair
        before = store.get_letter(again["id"])
        got, body = reject(api, again["id"], value)
        assert (got, body["error"]["code"], body["error"]["field"]) == \
            (status, code, "duplicate_of")
        assert body["error"]["message"]
        after = store.get_letter(again["id"])
        assert after.version == before.version and after.status == "submitted"

    def test_a_letter_cannot_repeat_itself(self, api, pair, store):
        _, again, _ = pair
        got, body = reject(api, again["id"], again["id"])
        assert (got, body["error"]["code"]) == (400, "duplicate_of_self")
        assert store.get_letter(again["id"]).status == "submitted"

    def test_a_duplicate_of_a_duplicate_is_refused_naming_the_original(self, api, pair,
                                                                       clock, store):
        original, again, _ = pair
        assert reject(api, again["id"], original["id"])[0] == 200
        third = submit(api)
        got, body = reject(api, third["id"], again["id"])
        assert (got, body["error"]["code"]) == (409, "duplicate_of_duplicate")
        assert original["id"] in body["error"]["message"]
        assert store.get_letter(third["id"]).status == "submitted"
        assert len(store.get_letter(again["id"]).history) == 2

    def test_rejecting_twice_is_409_and_the_original_gets_one_event(self, api, pair, store):
        original, again, _ = pair
        assert reject(api, again["id"], original["id"])[0] == 200
        got, body = reject(api, again["id"], original["id"])
        assert (got, body["error"]["code"]) == (409, "invalid_transition")
        events = [e.action for e in store.get_letter(original["id"]).history]
        assert events.count("duplicate") == 1

    def test_only_the_office_rejects(self, api, pair):
        original, again, _ = pair
        dispatch(api, again["id"], "housing")
        assert reject(api, again["id"], original["id"], user="clerk-h")[0] == 403
        assert reject(api, again["id"], original["id"], user="clerk-t")[0] == 403

    def test_an_unknown_field_is_refused(self, api, pair):
        original, again, _ = pair
        got, body = api.call("POST", f"/api/staff/letters/{again['id']}/reject",
                             {"reason": "重复", "duplicate": original["id"]},
                             as_user="office-1")
        assert (got, body["error"]["code"]) == (400, "unknown_field")


class TestTrackingPageOfADuplicate:
    def test_follows_the_originals_progress(self, api, pair, clock):
        original, again, _ = pair
        reject(api, again["id"], original["id"])
        status, view = track(api, again)
        assert status == 200 and view["status"] == "rejected"
        follow = view["duplicate_of"]
        assert follow["status"] == "submitted" and follow["reply"] is None
        dispatch(api, original["id"], "housing")
        follow = track(api, again)[1]["duplicate_of"]
        assert follow["status"] == "dispatched" and follow["department"]["id"] == "housing"
        assert follow["due"] == "2026-11-24" and follow["light"] == "green"
        api.call("POST", f"/api/staff/letters/{original['id']}/sign", {}, as_user="clerk-h")
        api.call("POST", f"/api/staff/letters/{original['id']}/reply",
                 {"body": "您好，道路已修复。联系人 13800000000。"}, as_user="clerk-h")
        # a reply the office has not approved is not shown
        assert track(api, again)[1]["duplicate_of"]["reply"] is None
        status, _ = api.call("POST", f"/api/staff/letters/{original['id']}/approve",
                             {"publish": True, "category": "城乡建设"}, as_user="office-1")
        assert status == 200
        follow = track(api, again)[1]["duplicate_of"]
        assert follow["status"] == "published" and follow["url"] == f"/letters/{original['id']}/"
        assert "道路已修复" in follow["reply"]["body"]
        assert "13800000000" not in follow["reply"]["body"]       # the public (redacted) reply

    def test_a_private_originals_reply_is_never_shown(self, api, clock):
        original = submit(api, public=False, name="陈秘密", phone="13600006666",
                          email="secret@example.com", subject="我家的私事",
                          body="请保密：我的身份证号 110101199003077777。")
        again = submit(api, public=True, name="王小明", phone="13812345678", email=None)
        reject(api, again["id"], original["id"])
        dispatch(api, original["id"], "housing")
        api.call("POST", f"/api/staff/letters/{original['id']}/sign", {}, as_user="clerk-h")
        api.call("POST", f"/api/staff/letters/{original['id']}/reply",
                 {"body": "私下答复的内容。"}, as_user="clerk-h")
        api.call("POST", f"/api/staff/letters/{original['id']}/approve",
                 {"publish": True}, as_user="office-1")
        status, view = track(api, again)
        assert status == 200
        follow = view["duplicate_of"]
        assert follow["status"] == "closed" and follow["reply"] is None and follow["url"] is None
        text = json.dumps(view, ensure_ascii=False)
        for private in ("陈秘密", "13600006666", "secret@example.com", "我家的私事",
                        "110101199003077777", "私下答复", original["tracking_code"],
                        original["id"], "clerk-h", "office-1"):
            assert private not in text

    def test_an_original_merged_in_turn_is_followed_to_the_letter_still_handled(self, api,
                                                                                pair):
        original, again, other = pair
        reject(api, again["id"], original["id"])
        reject(api, original["id"], other["id"], reason="同一事项，合并到另一封来信")
        dispatch(api, other["id"], "transport")
        follow = track(api, again)[1]["duplicate_of"]
        assert follow["status"] == "dispatched" and follow["department"]["id"] == "transport"

    def test_the_originals_writer_sees_a_merge_but_not_which_letter(self, api, pair):
        original, again, _ = pair
        reject(api, again["id"], original["id"])
        view = track(api, original)[1]
        merged = [h for h in view["history"] if h["action"] == "duplicate"]
        assert len(merged) == 1 and merged[0]["label"] == "合并重复来信"
        text = json.dumps(view, ensure_ascii=False)
        assert again["id"] not in text and again["tracking_code"] not in text
        assert view["duplicate_of"] is None
