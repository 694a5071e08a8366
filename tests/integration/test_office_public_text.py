"""The office's control of what is published (issue 11, items 1, 2 and 4): its wording of the
public text survives a re-do, the preview shows exactly what the next approval publishes, the
reply's public text can be edited, and a reply rated 不满意 can be kept instead of redone."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.domain import statistics
from chalicelib.services import commands
from fakes import letter_payload
from publisher.build import full_build
from publisher.content import load_content
from publisher.sinks import MemorySink

REPO = Path(__file__).resolve().parents[2]

LETTER = {"subject": "芙蓉路口红绿灯不亮", "name": "王小明",
          "body": "我是王小明，住在芙蓉路口东侧，电话 13812345678。路口红绿灯坏了一周。"}
EDITED_SUBJECT = "某路口红绿灯不亮"
EDITED_BODY = "某路口红绿灯坏了一周。"


@pytest.fixture
def content():
    return load_content(REPO / "content")


def submit(api, **over) -> dict:
    status, body = api.call("POST", "/api/letters", letter_payload(**{**LETTER, **over}))
    assert status == 201, body
    return body


def replied(api, clock, lid: str, body: str) -> None:
    if api.call("GET", f"/api/staff/letters/{lid}", as_user="office-1")[1]["status"] \
            == "submitted":
        assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                        as_user="office-1")[0] == 200
        clock.advance(minutes=30)
        assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    clock.advance(minutes=30)
    status, view = api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": body},
                            as_user="clerk-h")
    assert status == 200 and view["status"] == "replied", view


def rate(api, answer, score="unsatisfied") -> None:
    status, body = api.call("POST", f"/api/letters/{answer['tracking_code']}/rating",
                            {"score": score}, headers={"X-Letter-Secret": answer["secret"]})
    assert status == 201, body


def page_of(ctx, content, lid: str) -> str:
    sink = MemorySink()
    full_build(ctx.store, content, sink)
    return sink.files[f"letters/{lid}/index.html"].decode()


def test_the_offices_edits_survive_a_redo_and_the_page_keeps_them(api, ctx, clock, content):
    answer = submit(api)
    lid = answer["id"]
    replied(api, clock, lid, "已联系交警部门，芙蓉路口信号灯已修复。")
    status, view = api.call("POST", f"/api/staff/letters/{lid}/approve",
                            {"publish": True, "public_subject": EDITED_SUBJECT,
                             "public_body": EDITED_BODY}, as_user="office-1")
    assert status == 200 and view["status"] == "published"
    page = page_of(ctx, content, lid)
    assert EDITED_BODY in page and "芙蓉路口东侧" not in page

    rate(api, answer)
    assert api.call("POST", f"/api/staff/letters/{lid}/redo", {"reason": "未说明后续维护"},
                    as_user="office-1")[0] == 200
    replied(api, clock, lid, "补充答复：已安排每周巡查。")
    # the console prefills what the preview shows: the office's wording, not the original
    status, preview = api.call("GET", f"/api/staff/letters/{lid}/preview", as_user="office-1")
    assert status == 200
    assert (preview["subject"], preview["body"]) == (EDITED_SUBJECT, EDITED_BODY)
    assert preview["reply"] == "补充答复：已安排每周巡查。"
    assert preview["edited"] == {"subject": True, "body": True, "reply": False}
    # the second approval sends no public text (as an API client may): the wording stays
    status, view = api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True},
                            as_user="office-1")
    assert status == 200 and view["status"] == "published"
    page = page_of(ctx, content, lid)
    assert EDITED_SUBJECT in page and EDITED_BODY in page and "已安排每周巡查" in page
    assert "芙蓉路口" not in page and "王小明" not in page and "13812345678" not in page
    assert ctx.store.get_letter(lid).public_edits.subject == EDITED_SUBJECT


def test_the_preview_is_what_the_approval_publishes(api, ctx, clock):
    answer = submit(api)
    lid = answer["id"]
    # before any reply: the letter's public version, no reply yet
    status, preview = api.call("GET", f"/api/staff/letters/{lid}/preview", as_user="office-1")
    assert status == 200 and preview["reply"] is None
    assert "[手机号已隐去]" in preview["body"] and "13812345678" not in preview["body"]
    replied(api, clock, lid, "王小明您好！请拨打 13912345678 联系路灯所。\n\n已修复。")
    status, preview = api.call("GET", f"/api/staff/letters/{lid}/preview", as_user="office-1")
    assert status == 200
    assert preview["name"] == "王**"
    assert preview["subject"] == LETTER["subject"]
    assert "王**" in preview["body"] and "王小明" not in preview["body"]
    assert preview["reply"] == "王**您好！请拨打 [手机号已隐去] 联系路灯所。\n\n已修复。"
    # the office edits the reply's public text too
    status, view = api.call("POST", f"/api/staff/letters/{lid}/approve",
                            {"publish": True, "public_reply": "您好！王小明的问题已修复，"
                             "电话 13912345678。"}, as_user="office-1")
    assert status == 200, view
    pub = ctx.store.get_letter(lid).publication
    assert pub.reply == ["您好！王**的问题已修复，电话 [手机号已隐去]。"]
    assert pub.name == "王**" and pub.subject == LETTER["subject"]
    after = api.call("GET", f"/api/staff/letters/{lid}/preview", as_user="office-1")[1]
    assert after["reply"] == "\n\n".join(pub.reply)
    assert after["body"] == "\n\n".join(pub.body) and after["subject"] == pub.subject
    assert [e for e in view["history"] if e["action"] == "approve"][-1]["data"]["edited"] == [
        "reply"]

    # a re-done reply is published from its own text: the earlier reply's edit was for that one
    rate(api, answer)
    api.call("POST", f"/api/staff/letters/{lid}/redo", {"reason": "答复不具体"}, as_user="office-1")
    replied(api, clock, lid, "第二次答复。")
    assert api.call("GET", f"/api/staff/letters/{lid}/preview",
                    as_user="office-1")[1]["reply"] == "第二次答复。"


def test_only_the_office_previews(api):
    lid = submit(api)["id"]
    for user in ("clerk-h", "admin-1"):
        status, body = api.call("GET", f"/api/staff/letters/{lid}/preview", as_user=user)
        assert status == 403 and body["error"]["code"] == "forbidden"
    assert api.call("GET", f"/api/staff/letters/{lid}/preview")[0] == 401
    status, body = api.call("GET", "/api/staff/letters/nosuch/preview", as_user="office-1")
    assert status == 404 and body["error"]["code"] == "not_found"


@pytest.mark.parametrize("payload, field", [
    ({"public_reply": 5}, "public_reply"),
    ({"public_reply": "x" * (commands.REPLY_MAX + 1)}, "public_reply"),
])
def test_a_bad_public_reply_is_400(api, clock, payload, field):
    answer = submit(api)
    replied(api, clock, answer["id"], "已修复。")
    status, body = api.call("POST", f"/api/staff/letters/{answer['id']}/approve",
                            {"publish": True, **payload}, as_user="office-1")
    assert status == 400 and body["error"]["field"] == field
    assert body["error"]["message"] and body["error"]["message_en"]


def queue(api) -> list[str]:
    status, page = api.call("GET", "/api/staff/letters?status=replied&rating=unsatisfied",
                            as_user="office-1")
    assert status == 200
    return [r["id"] for r in page["rows"]]


def test_the_office_keeps_a_reply_rated_unsatisfied(api, ctx, clock, store):
    answer = submit(api)
    lid = answer["id"]
    replied(api, clock, lid, "已修复。")
    assert api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True},
                    as_user="office-1")[0] == 200
    # nothing to keep before the writer rates it 不满意
    status, body = api.call("POST", f"/api/staff/letters/{lid}/keep", {"reason": "已按规定办理"},
                            as_user="office-1")
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    rate(api, answer)
    assert lid in queue(api)
    assert api.call("GET", "/api/staff/dashboard", as_user="office-1")[1][
        "awaiting_redo_decision"] == 1

    # a reason is required, a clerk may not, and then the office keeps it
    status, body = api.call("POST", f"/api/staff/letters/{lid}/keep", {"reason": " "},
                            as_user="office-1")
    assert status == 400 and body["error"]["field"] == "reason"
    assert "理由" in body["error"]["message"] and body["error"]["message_en"]
    status, body = api.call("POST", f"/api/staff/letters/{lid}/keep", {"reason": "已按规定办理"},
                            as_user="clerk-h")
    assert status == 403
    clock.advance(hours=1)
    status, view = api.call("POST", f"/api/staff/letters/{lid}/keep",
                            {"reason": "诉求超出政策规定，已解释清楚"}, as_user="office-1")
    assert status == 200, view
    assert view["status"] == "published" and view["reply_kept"]
    assert not view["awaiting_redo_decision"] and view["rating"] == "unsatisfied"
    kept = view["history"][-1]
    assert (kept["action"], kept["actor"], kept["reason"]) == (
        "keep_reply", "office-1", "诉求超出政策规定，已解释清楚")
    assert kept["at"] == clock().isoformat() and kept["data"]["reply_n"] == 1

    # the letter leaves the re-do queue and the dashboard's count; once is enough
    assert lid not in queue(api)
    assert api.call("GET", "/api/staff/dashboard", as_user="office-1")[1][
        "awaiting_redo_decision"] == 0
    status, body = api.call("POST", f"/api/staff/letters/{lid}/keep", {"reason": "再次"},
                            as_user="office-1")
    assert status == 409 and body["error"]["code"] == "already_kept"

    # the figures: still rated unsatisfied, and counted as kept; a recompute agrees
    month = statistics.month_of(ctx.store.get_letter(lid).dispatched_at)
    row = store.stats(month)["housing"]
    assert (row["rated"], row["unsatisfied"], row["kept"]) == (1, 1, 1)
    totals = statistics.recompute([ctx.store.get_letter(lid).history])
    assert totals[(month, "housing")] == row


def test_a_kept_reply_can_still_be_redone_and_the_next_rating_counts_again(api, ctx, clock):
    answer = submit(api)
    lid = answer["id"]
    replied(api, clock, lid, "已修复。")
    api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": False}, as_user="office-1")
    rate(api, answer)
    assert api.call("POST", f"/api/staff/letters/{lid}/keep", {"reason": "已解释"},
                    as_user="office-1")[0] == 200
    status, view = api.call("POST", f"/api/staff/letters/{lid}/redo", {"reason": "领导要求再办"},
                            as_user="office-1")
    assert status == 200 and view["status"] == "redo"
    replied(api, clock, lid, "再次答复。")
    api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": False}, as_user="office-1")
    rate(api, answer)
    assert lid in queue(api)     # the new reply's rating is a new decision


def test_keep_with_a_bad_body_is_400(api, clock):
    lid = submit(api)["id"]
    for raw in (b"[]", b"{\"reason\": 7}"):
        status, body = api.call("POST", f"/api/staff/letters/{lid}/keep", raw=raw,
                                as_user="office-1")
        assert status == 400 and "error" in body


def test_a_drafts_preview_is_redacted_and_saves_nothing(api, ctx, clock):
    answer = submit(api)
    lid = answer["id"]
    replied(api, clock, lid, "已修复。")
    before = ctx.store.get_letter(lid)
    status, preview = api.call("POST", f"/api/staff/letters/{lid}/preview",
                               {"public_subject": None, "public_body": "王小明说：电话 13812345678",
                                "public_reply": "已修复，联系 13912345678。"}, as_user="office-1")
    assert status == 200, preview
    assert preview["subject"] == LETTER["subject"]
    assert preview["body"] == "王**说：电话 [手机号已隐去]"
    assert preview["reply"] == "已修复，联系 [手机号已隐去]。"
    assert preview["edited"] == {"subject": False, "body": True, "reply": True}
    after = ctx.store.get_letter(lid)
    assert after.version == before.version and after.public_edits is None
    assert api.call("POST", f"/api/staff/letters/{lid}/preview", {"public_body": 3},
                    as_user="office-1")[0] == 400
    assert api.call("POST", f"/api/staff/letters/{lid}/preview", {},
                    as_user="clerk-h")[0] == 403


def test_the_league_files_count_kept_replies(api, ctx, clock, content):
    answer = submit(api)
    lid = answer["id"]
    replied(api, clock, lid, "已修复。")
    api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True}, as_user="office-1")
    rate(api, answer)
    assert api.call("POST", f"/api/staff/letters/{lid}/keep", {"reason": "已解释"},
                    as_user="office-1")[0] == 200
    sink = MemorySink()
    full_build(ctx.store, content, sink)
    month = statistics.month_of(ctx.store.get_letter(lid).dispatched_at)
    doc = json.loads(sink.files[f"data/league-{month}.json"])
    (row,) = [r for r in doc["rows"] if r["department"] == "housing"]
    assert (row["unsatisfied"], row["kept"]) == (1, 1)
    # added after the earlier columns (the screening columns came after it)
    i = doc["columns"].index("kept")
    assert doc["columns"][i:i + 3] == ["kept", "duplicates", "valid"]
