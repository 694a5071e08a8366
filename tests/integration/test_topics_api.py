"""Consultations through the HTTP API (API.md): topics open and close by the clock, comments
and survey responses once per idempotency key and within the abuse limits, moderation, interview
answers by guest departments only, outcomes after closing, and what the public view publishes.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import consultations as C
from chalicelib.services import topics as topic_services
from fakes import topic

UA = {"User-Agent": "pytest-browser/1.0"}


@pytest.fixture
def topics(ctx):
    defined = [
        topic("hearing", "taxi", departments=("transport", "housing")),
        topic("solicitation", "draft"),
        topic("survey", "survey"),
        topic("interview", "live", departments=("transport", "education")),
        topic("hearing", "later", opens="2026-12-01", closes="2026-12-31"),
        topic("hearing", "over", opens="2026-10-01", closes="2026-11-20"),
    ]
    report = topic_services.register_topics(ctx, defined)
    assert sorted(report["added"]) == sorted(t.id for t in defined)
    return {t.id: t for t in defined}


def comment(api, topic_id, body="我的意见", headers=None, **fields):
    return api.call("POST", f"/api/topics/{topic_id}/comments", {"body": body, **fields},
                    headers=headers or UA)


def respond(api, survey_id="survey", answers=None, headers=None, **fields):
    return api.call("POST", f"/api/surveys/{survey_id}/responses",
                    {"answers": answers or {"mode": "bus"}, **fields}, headers=headers or UA)


def staff(api, action, comment_id, user="office-1", **body):
    return api.call("POST", f"/api/staff/comments/{comment_id}/{action}", body, as_user=user)


def last_change(store):
    return store.pending_changes(10_000)[-1]


# --- listing -------------------------------------------------------------------------------------

def test_topics_list_with_their_status_as_of_now(api, topics):
    status, body = api.call("GET", "/api/topics")
    assert status == 200
    rows = {t["id"]: t for t in body}
    assert set(rows) == set(topics)
    assert {k: rows[k]["status"] for k in ("taxi", "later", "over")} == {
        "taxi": "open", "later": "upcoming", "over": "closed"}
    taxi = rows["taxi"]
    assert taxi["kind"] == "hearing" and taxi["department"] == "transport"
    assert taxi["url"] == "/consultations/taxi/" and taxi["opens"] == "2026-11-01T00:00:00+08:00"
    assert set(taxi) >= {"id", "kind", "title", "department", "opens", "closes", "status", "url"}


def test_one_topic_with_its_paragraphs_or_questions(api, topics):
    _, draft = api.call("GET", "/api/topics/draft")
    assert draft["paragraphs"][1] == {"n": 2, "text": "第二条 适用范围。"}
    assert "questions" not in draft
    _, survey = api.call("GET", "/api/topics/survey")
    assert [q["id"] for q in survey["questions"]] == ["mode", "problems", "idea"]
    assert survey["questions"][1]["max"] == 2 and survey["questions"][2]["choices"] == []
    _, live = api.call("GET", "/api/topics/live")
    assert live["starts"] == "2026-11-25T09:30:00+08:00" and len(live["guests"]) == 2
    assert api.call("GET", "/api/topics/nope")[0] == 404


# --- open and closed -----------------------------------------------------------------------------

@pytest.mark.parametrize("topic_id,code", [("later", "topic_not_open"), ("over", "topic_closed")])
def test_a_topic_that_is_not_open_takes_no_comment(api, topics, store, topic_id, code):
    status, body = comment(api, topic_id)
    assert status == 410 and body["error"]["code"] == code
    assert store.topic_comments(topic_id) == []


def test_a_survey_takes_responses_only_while_open(api, topics, clock):
    clock.at = topics["survey"].closes
    status, body = respond(api)
    assert status == 410 and body["error"]["code"] == "topic_closed"
    clock.at = topics["survey"].opens - timedelta(seconds=1)
    assert respond(api)[1]["error"]["code"] == "topic_not_open"


def test_unknown_topics_and_surveys_are_404(api, topics):
    assert comment(api, "nope")[0] == 404
    assert respond(api, "nope")[0] == 404
    assert respond(api, "taxi")[0] == 404          # a hearing is not a survey


# --- comments ------------------------------------------------------------------------------------

def test_a_comment_is_accepted_pending_and_stored(api, topics, store):
    status, body = comment(api, "taxi", "支持调价", stance="support", name="王小明")
    assert status == 202 and body["status"] == "pending"
    stored = store.get_comment(body["id"])
    assert (stored.topic_id, stored.body, stored.stance, stored.name) == (
        "taxi", "支持调价", "support", "王小明")
    assert stored.client and len(stored.client) == 32      # a hash, not the address
    change = last_change(store)
    assert change.topics == ["taxi"] and not change.public


def test_the_same_idempotency_key_returns_the_first_answer(api, topics, store):
    first = comment(api, "taxi", "意见", idempotency_key="k-1")
    again = comment(api, "taxi", "意见", idempotency_key="k-1")
    assert first == again and first[0] == 202
    assert len(store.topic_comments("taxi")) == 1
    other = comment(api, "taxi", "另一条意见", idempotency_key="k-1")
    assert other[0] == 409 and other[1]["error"]["code"] == "idempotency_key_reused"
    # the key is per topic
    assert comment(api, "draft", "意见", idempotency_key="k-1")[0] == 202


def test_a_replayed_comment_is_answered_even_after_the_topic_closed(api, topics, clock):
    first = comment(api, "taxi", "意见", idempotency_key="k-late")
    clock.at = topics["taxi"].closes + timedelta(hours=1)
    assert comment(api, "taxi", "意见", idempotency_key="k-late") == first


BAD_COMMENTS = [
    ("taxi", {"body": ""}, "body", "empty"),
    ("taxi", {"name": "x"}, "body", "required"),
    ("taxi", {"body": "长" * 2001}, "body", "too_long"),
    ("taxi", {"body": 12}, "body", "wrong_type"),
    ("taxi", {"body": "x", "stance": "maybe"}, "stance", "invalid_choice"),
    ("taxi", {"body": "x", "paragraph": 1}, "paragraph", "no_paragraphs"),
    ("taxi", {"body": "x", "department": "transport"}, "department", "no_department"),
    ("taxi", {"body": "x", "name": "长" * 41}, "name", "too_long"),
    ("taxi", {"body": "x", "idempotency_key": "k" * 129}, "idempotency_key", "wrong_type"),
    ("draft", {"body": "x", "paragraph": 4}, "paragraph", "unknown_paragraph"),
    ("draft", {"body": "x", "paragraph": 0}, "paragraph", "unknown_paragraph"),
    ("draft", {"body": "x", "paragraph": "2"}, "paragraph", "wrong_type"),
    ("draft", {"body": "x", "paragraph": True}, "paragraph", "wrong_type"),
    ("live", {"body": "x", "stance": "support"}, "stance", "no_stance"),
    ("live", {"body": "x", "department": "housing"}, "department", "unknown_department"),
    ("survey", {"body": "x"}, None, "wrong_kind"),
]


@pytest.mark.parametrize("topic_id,payload,field,code", BAD_COMMENTS,
                         ids=[f"{t}-{f}-{c}" for t, _, f, c in BAD_COMMENTS])
def test_a_bad_comment_is_400_naming_the_field(api, topics, store, topic_id, payload, field,
                                               code):
    status, body = api.call("POST", f"/api/topics/{topic_id}/comments", payload, headers=UA)
    assert status == 400, body
    assert (body["error"]["field"], body["error"]["code"]) == (field, code)
    assert store.topic_comments(topic_id) == []


def test_a_comment_may_target_a_paragraph_of_the_draft(api, topics, store):
    _, body = comment(api, "draft", "第二条应当写明", paragraph=2, stance="oppose")
    assert store.get_comment(body["id"]).paragraph == 2


def test_an_interview_question_is_addressed_to_a_guest_department(api, topics, store):
    _, a = comment(api, "live", "什么时候修路？")
    _, b = comment(api, "live", "学校何时扩建？", department="education")
    assert store.get_comment(a["id"]).department == "transport"        # the lead by default
    assert store.get_comment(b["id"]).department == "education"


def test_bad_json_and_a_body_that_is_not_an_object_are_400(api, topics):
    status, body = api.call("POST", "/api/topics/taxi/comments", raw=b"{not json", headers=UA)
    assert status == 400 and body["error"]["code"] == "invalid_json"
    status, body = api.call("POST", "/api/topics/taxi/comments", ["x"], headers=UA)
    assert status == 400 and body["error"]["code"] == "wrong_type"


# --- abuse limits --------------------------------------------------------------------------------

def test_ten_comments_per_topic_per_client_per_hour(api, topics, store, clock):
    clock.at = clock.at.replace(minute=5)
    for i in range(10):
        assert comment(api, "taxi", f"意见 {i}")[0] == 202
    status, body = comment(api, "taxi", "第十一条")
    assert status == 429 and body["error"]["code"] == "too_many_requests"
    assert len(store.topic_comments("taxi")) == 10
    # another topic or the next hour are not limited by it
    assert comment(api, "draft", "另一议题")[0] == 202
    clock.advance(hours=1)
    assert comment(api, "taxi", "下一个小时")[0] == 202


def test_a_new_user_agent_is_not_a_new_client(api, topics, store, clock):
    """Rotating the User-Agent (or sending X-Forwarded-For) does not lift the comment limit:
    a client is its network address."""
    clock.at = clock.at.replace(minute=5)
    for i in range(12):
        status, _ = comment(api, "taxi", f"意见 {i}", headers={
            "User-Agent": f"agent-{i}", "X-Forwarded-For": f"10.0.0.{i}",
            "True-Client-IP": f"10.1.0.{i}"})       # not trusted outside the deployed stage
        assert status == (202 if i < 10 else 429)
    assert len(store.topic_comments("taxi")) == 10
    assert store.refusals(clock().date())[clock().date().isoformat()] == {"comments": 2}


def test_behind_the_edge_each_viewer_network_is_a_client(api, topics, store, clock, edge):
    clock.at = clock.at.replace(minute=5)
    one, other = edge("203.0.113.7"), edge("203.0.113.8")
    for i in range(10):
        assert comment(api, "taxi", f"意见 {i}", headers={**one, "User-Agent": f"a{i}"})[0] == 202
    assert comment(api, "taxi", "第十一条", headers={**one, "User-Agent": "z"})[0] == 429
    assert comment(api, "taxi", "别人", headers=other)[0] == 202
    # an IPv6 client is its /64: another address in the same /64 is the same client
    v6 = [edge(f"2001:db8:1:2::{i:x}") for i in range(1, 12)]
    assert [comment(api, "taxi", "v6", headers=h)[0] for h in v6] == [202] * 10 + [429]
    assert comment(api, "taxi", "v6 另一网段", headers=edge("2001:db8:1:3::1"))[0] == 202


def test_one_survey_response_per_client_per_day(api, topics, store, clock, edge):
    one = edge("198.51.100.1")
    assert respond(api, idempotency_key="a", headers=one)[0] == 202
    assert respond(api, idempotency_key="a", headers=one)[0] == 202   # a replay is not new
    status, body = respond(api, idempotency_key="b", headers={**one, "User-Agent": "other"})
    # a second answer is not flooding: 409 already_answered, saying so in both languages
    assert status == 409 and body["error"]["code"] == "already_answered"
    assert "您今天已经回答过这份问卷" in body["error"]["message"]
    assert "already answered this survey today" in body["error"]["message_en"]
    assert store.refusals(clock().date()) == {}        # not counted as abuse
    assert respond(api, headers=edge("198.51.100.2"))[0] == 202
    clock.advance(days=1)
    assert respond(api, idempotency_key="c", headers=one)[0] == 202
    assert len(store.topic_responses("survey")) == 3


# --- surveys -------------------------------------------------------------------------------------

def test_a_response_is_counted_and_its_text_waits_for_moderation(api, topics, store):
    status, body = respond(api, answers={"mode": "metro", "problems": ["crowd", "freq"],
                                         "idea": "多开夜班车"}, idempotency_key="r-1")
    assert status == 202 and body["status"] == "accepted"
    (response,) = store.topic_responses("survey")
    assert response.answers == {"mode": "metro", "problems": ["freq", "crowd"]}
    text = store.get_comment(response.texts["idea"])
    assert text.body == "多开夜班车" and text.status == "pending" and text.question == "idea"
    view = topic_services.public_topic(store, "survey")
    idea = view["questions"][2]
    assert idea["respondents"] == 1 and idea["answers"] == []       # not before moderation
    assert staff(api, "approve", text.id)[0] == 200
    view = topic_services.public_topic(store, "survey")
    assert [a["body"] for a in view["questions"][2]["answers"]] == ["多开夜班车"]
    assert last_change(store).topics == ["survey"] and last_change(store).public


@pytest.mark.parametrize("answers,field", [
    ({}, "answers.mode"), ({"mode": "car"}, "answers.mode"),
    ({"mode": "bus", "problems": ["freq", "time", "crowd"]}, "answers.problems"),
    ({"mode": "bus", "zzz": "x"}, "answers.zzz")])
def test_a_bad_response_is_400_naming_the_question(api, topics, store, answers, field):
    status, body = api.call("POST", "/api/surveys/survey/responses", {"answers": answers},
                            headers=UA)
    assert status == 400 and body["error"]["field"] == field
    assert store.topic_responses("survey") == []


# --- moderation ----------------------------------------------------------------------------------

def test_moderation_queue_approve_and_reject(api, topics, store, clock):
    ids = []
    for i in range(3):
        clock.advance(minutes=1)
        ids.append(comment(api, "taxi", f"意见 {i}", stance="support")[1]["id"])
    comment(api, "draft", "另一议题的意见")
    status, queue = api.call("GET", "/api/staff/comments?topic=taxi&status=pending",
                             as_user="office-1")
    assert status == 200 and [c["id"] for c in queue] == ids
    assert queue[0]["topic_title"] and "client" not in queue[0]
    _, everything = api.call("GET", "/api/staff/comments?status=pending", as_user="office-1")
    assert len(everything) == 4

    status, approved = staff(api, "approve", ids[0])
    assert status == 200 and approved["status"] == "approved"
    assert last_change(store).public and last_change(store).topics == ["taxi"]
    status, body = staff(api, "reject", ids[1])
    assert status == 400 and body["error"]["field"] == "reason"
    status, rejected = staff(api, "reject", ids[1], reason="含有广告")
    assert rejected["status"] == "rejected" and rejected["reason"] == "含有广告"
    assert not last_change(store).public                       # never was public
    status, body = staff(api, "approve", ids[1])
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    _, left = api.call("GET", "/api/staff/comments?topic=taxi&status=pending",
                       as_user="office-1")
    assert [c["id"] for c in left] == [ids[2]]
    assert store.topic_tallies("taxi")["stance:support"] == 1


def test_a_rejected_comment_is_never_public(api, topics, store):
    _, a = comment(api, "taxi", "被驳回的留言内容", stance="oppose")
    _, b = comment(api, "taxi", "公开后又被撤下的留言", stance="support")
    staff(api, "reject", a["id"], reason="辱骂")
    staff(api, "approve", b["id"])
    staff(api, "reject", b["id"], reason="撤下")
    view = topic_services.public_topic(store, "taxi")
    assert "被驳回" not in repr(view) and "撤下的留言" not in repr(view)
    assert view["figures"]["comments"] == 0


@pytest.mark.parametrize("user,path,status", [
    ("clerk-t", "/api/staff/comments?topic=taxi", 403),           # a hearing: office only
    ("clerk-t", "/api/staff/comments", 403),
    ("clerk-h", "/api/staff/comments?topic=live", 403),           # not a guest department
    ("admin-1", "/api/staff/comments", 403),
    ("office-1", "/api/staff/comments?status=maybe", 400),
    ("office-1", "/api/staff/comments?topic=nope", 404),
    ("clerk-t", "/api/staff/comments?topic=live", 200),           # a guest department
])
def test_who_sees_the_queue(api, topics, user, path, status):
    assert api.call("GET", path, as_user=user)[0] == status


def test_staff_routes_need_a_login_and_the_office(api, topics):
    _, c = comment(api, "taxi")
    assert api.call("GET", "/api/staff/comments")[0] == 401
    assert api.call("POST", f"/api/staff/comments/{c['id']}/approve", {})[0] == 401
    assert staff(api, "approve", c["id"], user="clerk-t")[0] == 403
    assert staff(api, "reject", c["id"], user="clerk-t", reason="x")[0] == 403
    assert staff(api, "approve", "nope")[0] == 404


def test_staff_topics_have_counts(api, topics):
    comment(api, "taxi")
    _, rows = api.call("GET", "/api/staff/topics", as_user="office-1")
    taxi = next(r for r in rows if r["id"] == "taxi")
    assert taxi["counts"] == {"pending": 1, "approved": 0, "rejected": 0}
    _, mine = api.call("GET", "/api/staff/topics", as_user="clerk-h")
    assert {r["id"] for r in mine} == {"taxi"}                      # housing is in taxi only


# --- interview answers ---------------------------------------------------------------------------

def test_a_guest_department_answers_and_the_answer_is_published_at_once(api, topics, store):
    _, q = comment(api, "live", "什么时候修路？", name="李四")
    status, body = staff(api, "answer", q["id"], user="clerk-t", body="下月开工。")
    assert status == 200 and body["answer"]["department"] == "transport"
    assert body["status"] == "approved"                     # answering publishes the question
    change = last_change(store)
    assert change.topics == ["live"] and change.public
    view = topic_services.public_topic(store, "live")
    assert view["transcript"][0]["answer"]["body"] == "下月开工。"
    assert view["transcript"][0]["name"] == "李*"
    assert view["interview"]["answered"] == 1
    status, again = staff(api, "answer", q["id"], user="office-1", body="补充")
    assert status == 409 and again["error"]["code"] == "already_answered"


@pytest.mark.parametrize("user,status", [("clerk-h", 403), ("admin-1", 403), ("office-1", 200)])
def test_only_the_office_or_a_guest_department_answers(api, topics, store, user, status):
    _, q = comment(api, "live", "问题", department="education")
    assert staff(api, "answer", q["id"], user=user, body="答复")[0] == status
    if status == 200:      # the office answers for the department the question is addressed to
        assert store.get_comment(q["id"]).answer.department == "education"


def test_a_guest_may_take_a_question_addressed_to_another_guest(api, topics, store):
    _, q = comment(api, "live", "问题", department="education")
    assert staff(api, "answer", q["id"], user="clerk-t", body="由我们答复")[0] == 200
    assert store.topic_tallies("live") == {"comments": 1, "status:approved": 1,
                                           "asked:transport": 1, "answered:transport": 1}


def test_only_interview_questions_are_answered(api, topics):
    _, c = comment(api, "taxi")
    status, body = staff(api, "answer", c["id"], body="答复")
    assert status == 409 and body["error"]["code"] == "not_an_interview"
    _, q = comment(api, "live")
    assert staff(api, "answer", q["id"], body="")[1]["error"]["field"] == "body"


# --- outcome -------------------------------------------------------------------------------------

def approved_comment(api, topic_id, body="意见", **fields):
    _, c = comment(api, topic_id, body, **fields)
    staff(api, "approve", c["id"])
    return c["id"]


def test_the_outcome_is_published_after_the_topic_closes(api, topics, store, clock):
    cid = approved_comment(api, "draft", "第二条应当修改", paragraph=2)
    payload = {"summary": "第二条已修改。", "items": [
        {"comment_id": cid, "decision": "adopted", "reason": "已采纳"},
        {"comment_id": None, "decision": "not_adopted", "reason": "不符合上位法",
         "opinion": "多人建议删除第三条"}]}
    status, body = api.call("POST", "/api/staff/topics/draft/outcome", payload,
                            as_user="office-1")
    assert status == 409 and body["error"]["code"] == "topic_open"
    clock.at = topics["draft"].closes
    api.login_all()                          # the tokens of the morning have expired
    status, body = api.call("POST", "/api/staff/topics/draft/outcome", payload,
                            as_user="office-1")
    assert status == 200 and body["revision"] == 1
    assert body["outcome"]["counts"] == {"adopted": 1, "partly_adopted": 0, "not_adopted": 1}
    change = last_change(store)
    assert change.topics == ["draft"] and change.public
    view = topic_services.public_topic(store, "draft")
    assert view["outcome"]["items"][0]["comment"]["body"] == "第二条应当修改"
    # publishing again replaces it
    payload["summary"] = "修订后的说明。"
    _, body = api.call("POST", "/api/staff/topics/draft/outcome", payload, as_user="office-1")
    assert body["revision"] == 2 and store.get_topic("draft").outcome.summary == "修订后的说明。"


def test_staff_topics_carry_the_stored_outcome_for_the_editor(api, topics, clock):
    """The console's outcome editor starts from the stored outcome: unredacted, with the ids
    of the comments it answers; null before one is published."""
    cid = approved_comment(api, "draft", "第二条应当修改", paragraph=2)
    _, rows = api.call("GET", "/api/staff/topics", as_user="office-1")
    assert {r["id"]: r["outcome"] for r in rows}["draft"] is None
    clock.at = topics["draft"].closes
    api.login_all()
    payload = {"summary": "第二条已修改，联系电话 13912345678。", "items": [
        {"comment_id": cid, "decision": "partly_adopted", "reason": "部分采纳"},
        {"comment_id": None, "decision": "not_adopted", "reason": "不符合上位法",
         "opinion": "多人建议删除第三条"}]}
    api.call("POST", "/api/staff/topics/draft/outcome", payload, as_user="office-1")
    _, rows = api.call("GET", "/api/staff/topics", as_user="office-1")
    draft = next(r for r in rows if r["id"] == "draft")
    assert draft["has_outcome"] and draft["outcome"]["revision"] == 1
    assert draft["outcome"]["summary"] == payload["summary"]          # as typed, not redacted
    assert draft["outcome"]["by"] == "office-1" and draft["outcome"]["at"].endswith("+08:00")
    assert draft["outcome"]["items"] == [
        {"comment_id": cid, "decision": "partly_adopted", "reason": "部分采纳", "opinion": None},
        {"comment_id": None, "decision": "not_adopted", "reason": "不符合上位法",
         "opinion": "多人建议删除第三条"}]


def test_outcome_items_must_name_approved_comments_of_the_topic(api, topics, clock):
    other = approved_comment(api, "taxi")
    _, pending = comment(api, "draft")
    clock.at = topics["draft"].closes
    api.login_all()                          # the tokens of the morning have expired
    cases = [
        ({"comment_id": other, "decision": "adopted", "reason": "r"},
         "items[0].comment_id", "unknown_comment"),
        ({"comment_id": "nope", "decision": "adopted", "reason": "r"},
         "items[0].comment_id", "unknown_comment"),
        ({"comment_id": pending["id"], "decision": "adopted", "reason": "r"},
         "items[0].comment_id", "not_approved"),
        ({"comment_id": None, "decision": "maybe", "reason": "r", "opinion": "o"},
         "items[0].decision", "invalid_choice"),
        ({"comment_id": None, "decision": "adopted", "reason": "", "opinion": "o"},
         "items[0].reason", "empty"),
        ({"comment_id": None, "decision": "adopted", "reason": "r", "opinion": ["o"]},
         "items[0].opinion", "wrong_type"),
        ({"comment_id": None, "decision": "adopted", "reason": "r"},
         "items[0].opinion", "required"),
    ]
    for item, field, code in cases:
        status, body = api.call("POST", "/api/staff/topics/draft/outcome",
                                {"summary": "s", "items": [item]}, as_user="office-1")
        assert status == 400, (item, body)
        assert (body["error"]["field"], body["error"]["code"]) == (field, code)
    # the second item's missing reason is named as the second item's (the editor marks its row)
    status, body = api.call("POST", "/api/staff/topics/draft/outcome", {"summary": "s", "items": [
        {"comment_id": None, "decision": "adopted", "reason": "r", "opinion": "o"},
        {"comment_id": None, "decision": "not_adopted", "opinion": "p"}]}, as_user="office-1")
    assert (status, body["error"]["field"]) == (400, "items[1].reason")
    assert body["error"]["message"] == "第 2 条：请填写理由"
    status, body = api.call("POST", "/api/staff/topics/draft/outcome", {"items": []},
                            as_user="office-1")
    assert body["error"]["field"] == "summary"
    assert api.call("POST", "/api/staff/topics/draft/outcome", {"summary": "s"},
                    as_user="clerk-t")[0] == 403
    assert api.call("POST", "/api/staff/topics/nope/outcome", {"summary": "s"},
                    as_user="office-1")[0] == 404


# --- tallies, citizen text, personal data --------------------------------------------------------

def test_tallies_through_the_api_by_hand_and_by_recomputation(api, topics, store, edge):
    ids = [comment(api, "taxi", f"意见 {i}", stance=s, headers=edge(f"192.0.2.{i}"))[1]["id"]
           for i, s in enumerate(["support", "support", "oppose", "neutral", None, "oppose"])]
    for cid in ids[:5]:
        staff(api, "approve", cid)
    staff(api, "reject", ids[4], reason="重复")
    staff(api, "reject", ids[5], reason="重复")
    for i, answers in enumerate([{"mode": "bus", "problems": ["freq"]},
                                 {"mode": "bus", "problems": ["freq", "time"]},
                                 {"mode": "metro"}]):
        respond(api, answers=answers, headers=edge(f"192.0.2.{i}"))
    assert store.topic_tallies("taxi") == {
        "comments": 6, "status:approved": 4, "status:rejected": 2, "stance:support": 2,
        "stance:oppose": 1, "stance:neutral": 1}
    view = topic_services.public_topic(store, "taxi")
    assert view["figures"]["stance"] == {"support": 2, "oppose": 1, "neutral": 1, "none": 0}
    survey = topic_services.public_topic(store, "survey")
    mode, problems, _ = survey["questions"]
    assert [(c["count"], c["share"]) for c in mode["choices"]] == [
        (2, 0.6667), (1, 0.3333), (0, 0.0)]
    assert [(c["count"], c["share"]) for c in problems["choices"]] == [
        (2, 1.0), (1, 0.5), (0, 0.0)]
    for topic_id in topics:
        assert store.topic_tallies(topic_id) == C.recompute(store.topic_comments(topic_id),
                                                            store.topic_responses(topic_id))


EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_script_in_every_text_field_is_kept_as_text(api, topics, store, clock):
    _, c = comment(api, "draft", EVIL, name=EVIL[:40], paragraph=1)
    _, q = comment(api, "live", EVIL, name=EVIL[:40])
    _, r = respond(api, answers={"mode": "bus", "idea": EVIL})
    text_id = store.topic_responses("survey")[0].texts["idea"]
    _, rejected = comment(api, "taxi", EVIL)
    staff(api, "approve", c["id"])
    staff(api, "approve", text_id)
    staff(api, "answer", q["id"], body=EVIL)
    _, body = staff(api, "reject", rejected["id"], reason=EVIL)
    assert body["reason"] == EVIL
    clock.at = topics["draft"].closes
    api.login_all()                          # the tokens of the morning have expired
    status, _ = api.call("POST", "/api/staff/topics/draft/outcome", {"summary": EVIL, "items": [
        {"comment_id": c["id"], "decision": "adopted", "reason": EVIL},
        {"comment_id": None, "decision": "adopted", "reason": EVIL, "opinion": EVIL}]},
        as_user="office-1")
    assert status == 200
    assert store.get_comment(c["id"]).body == EVIL and store.get_comment(c["id"]).name == EVIL[:40]
    _, queue = api.call("GET", "/api/staff/comments?topic=live", as_user="office-1")
    assert queue[0]["body"] == EVIL and queue[0]["answer"]["body"] == EVIL
    draft = topic_services.public_topic(store, "draft")
    assert draft["comments"][0]["body"] == EVIL            # JSON text; pages escape it
    assert draft["outcome"]["summary"] == EVIL and draft["outcome"]["items"][1]["opinion"] == EVIL
    live = topic_services.public_topic(store, "live")
    assert live["transcript"][0]["answer"]["body"] == EVIL
    survey = topic_services.public_topic(store, "survey")
    assert survey["questions"][2]["answers"][0]["body"] == EVIL


def test_personal_data_is_redacted_in_the_public_view(api, topics, store):
    private = ("我是张三丰，手机 13812345678，身份证 110101199003074512，"
               "邮箱 zhang@example.com，QQ 12345678")
    cid = approved_comment(api, "taxi", private, name="张三丰", stance="oppose")
    _, q = comment(api, "live", private, name="张三丰")
    staff(api, "answer", q["id"], body="请张三丰拨打 0731-84567890 联系我们")
    published = repr([topic_services.public_topic(store, t) for t in ("taxi", "live")])
    for secret in ("13812345678", "110101199003074512", "zhang@example.com", "12345678",
                   "张三丰", "84567890"):
        assert secret not in published, secret
    view = topic_services.public_topic(store, "taxi")
    assert view["comments"][0]["name"] == "张**" and view["comments"][0]["id"] == cid
    assert store.get_comment(cid).body == private            # the record keeps what was written
