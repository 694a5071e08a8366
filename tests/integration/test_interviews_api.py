"""The interview programme through the HTTP API (API.md "Interview programme and evaluators"):
classifying questions asked live (a demand becomes exactly one letter, linked both ways),
third-party evaluations (criteria, window, one per evaluator, revisions), and who may do what.
"""
from __future__ import annotations

import threading

import pytest

from chalicelib.api import parse
from chalicelib.domain.errors import Conflict, Gone
from chalicelib.domain.interviews import Criterion, Programme
from chalicelib.services import auth
from chalicelib.services import interviews as iv
from chalicelib.services import topics as topic_services
from chalicelib.services.context import Actor
from fakes import cst, topic

UA = {"User-Agent": "pytest-browser/1.0"}
CRITERIA = (Criterion("preparation", "准备充分", "Preparation"),
            Criterion("responsiveness", "答复针对性", "Responsiveness"))
SCORES = {"preparation": 4, "responsiveness": 5}


@pytest.fixture
def topics(ctx):
    ctx.interviews = Programme(criteria=CRITERIA, window_days=7)
    defined = [topic("interview", "live", departments=("transport", "education")),
               topic("hearing", "taxi")]
    topic_services.register_topics(ctx, defined)
    return {t.id: t for t in defined}


@pytest.fixture
def evaluators(api, ctx, clock):
    for username, kind in (("deputy-1", "deputy"), ("expert-1", "expert")):
        ctx.store.put_account(auth.new_account(username, "correct horse", "evaluator", kind,
                                               clock()))
        status, body = api.call("POST", "/api/staff/login",
                                {"username": username, "password": "correct horse"})
        assert status == 200, body
        api.tokens[username] = body["token"]
    return api


def ask(api, topic_id="live", body="小区门口的路灯坏了两个月，请尽快修", **fields):
    status, answer = api.call("POST", f"/api/topics/{topic_id}/comments",
                              {"body": body, "name": "王小明", **fields}, headers=UA)
    assert status == 202, answer
    return answer["id"]


def classify(api, comment_id, user="office-1", **body):
    return api.call("POST", f"/api/staff/comments/{comment_id}/classify", body, as_user=user)


def evaluate(api, topic_id="live", user="deputy-1", **body):
    return api.call("POST", f"/api/staff/topics/{topic_id}/evaluation", body, as_user=user)


# --- classifying -----------------------------------------------------------------------------

@pytest.mark.parametrize("body,field", [
    ({"kind": "suggestion", "verdict": None, "letter": False}, "verdict"),
    ({"kind": "suggestion"}, "verdict"),
    ({"kind": "consultation", "verdict": "adopted"}, "verdict"),
    ({"kind": "demand", "verdict": "typical", "letter": True}, "verdict"),
    ({"kind": "consultation", "letter": True}, "letter"),
    ({"kind": "suggestion", "verdict": "adopted", "letter": True}, "letter"),
    ({"kind": "question"}, "kind"),
    ({}, "kind"),
    ({"kind": "suggestion", "verdict": "maybe"}, "verdict"),
    ({"kind": "demand", "letter": "yes"}, "letter"),
    ({"kind": "demand", "extra": 1}, "extra"),
])
def test_a_bad_classification_is_400_naming_the_field(evaluators, topics, body, field):
    status, answer = classify(evaluators, ask(evaluators), **body)
    assert status == 400, answer
    assert answer["error"]["field"] == field
    assert answer["error"]["message"] and answer["error"]["message_en"]


def test_a_suggestion_is_judged_and_may_be_judged_again(api, topics, store):
    cid = ask(api)
    status, body = classify(api, cid, kind="suggestion", verdict="typical", letter=False)
    assert status == 200 and body["classification"]["verdict"] == "typical"
    status, body = classify(api, cid, user="clerk-t", kind="suggestion", verdict="adopted")
    assert status == 200 and body["classification"]["verdict"] == "adopted"
    assert body["letter_id"] is None
    assert store.pending_changes(10_000)[-1].topics == ["live"]
    assert [h["action"] for h in store.get_comment(cid).history] == [
        "submit", "classify", "classify"]


def test_a_demand_becomes_one_letter_linked_both_ways(api, topics, store, clock):
    cid = ask(api, department="education")
    status, body = classify(api, cid, kind="demand", verdict=None, letter=True)
    assert status == 200, body
    letter = store.get_letter(body["letter_id"])
    assert letter.department == "education" and letter.status == "dispatched"
    assert letter.sign_due is not None and letter.reply_due is not None     # usual deadlines
    assert letter.type == "help" and letter.source == "web" and letter.body == \
        "小区门口的路灯坏了两个月，请尽快修"
    origin = [e for e in letter.history if e.action == "from_interview"]
    assert origin and origin[0].data == {"topic": "live", "comment": cid}
    assert store.get_comment(cid).letter_id == letter.id
    # the same again is the same letter; another kind is refused now a letter exists
    status, again = classify(api, cid, kind="demand", letter=True)
    assert status == 200 and again["letter_id"] == letter.id
    status, refused = classify(api, cid, kind="consultation")
    assert status == 409 and refused["error"]["code"] == "question_became_letter"
    status, refused = classify(api, cid, kind="demand", letter=False)
    assert status == 409
    assert len(store.list_letters()) == 1


def test_a_demand_classified_twice_at_once_makes_exactly_one_letter(ctx, topics, store):
    answer = topic_services.add_comment(ctx, "live",
                                        parse.add_comment({"body": "诉求：楼道灯不亮"}))
    cid = answer.body["id"]
    barrier = threading.Barrier(6)
    results: list = [None] * 6

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = iv.classify_question(
                ctx, Actor("office-1", "office"), cid,
                iv.ClassifyQuestion(iv.I.QuestionKind.demand, None, True))["letter_id"]
        except Exception as exc:    # noqa: BLE001 - the test looks at what each thread got
            results[i] = exc
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = {r for r in results if isinstance(r, str)}
    assert len(store.list_letters()) == 1
    assert ids == {store.list_letters()[0].id}
    assert store.get_comment(cid).letter_id in ids


def test_only_interview_questions_are_classified(api, topics):
    status, c = api.call("POST", "/api/topics/taxi/comments", {"body": "意见"}, headers=UA)
    status, body = classify(api, c["id"], kind="consultation")
    assert status == 409 and body["error"]["code"] == "not_an_interview"
    assert classify(api, "nope", kind="consultation")[0] == 404


@pytest.mark.parametrize("user,status", [
    (None, 401), ("admin-1", 403), ("clerk-h", 403), ("deputy-1", 403),
    ("clerk-t", 200), ("office-1", 200)])
def test_who_classifies(evaluators, topics, user, status):
    cid = ask(evaluators)
    code, body = evaluators.call("POST", f"/api/staff/comments/{cid}/classify",
                                 {"kind": "consultation"}, as_user=user)
    assert code == status, body


# --- evaluations -----------------------------------------------------------------------------

def test_an_interview_lists_its_criteria(api, topics):
    _, live = api.call("GET", "/api/topics/live")
    assert live["criteria"] == [
        {"id": "preparation", "label": "准备充分", "label_en": "Preparation"},
        {"id": "responsiveness", "label": "答复针对性", "label_en": "Responsiveness"}]
    assert "criteria" not in api.call("GET", "/api/topics/taxi")[1]


def test_one_evaluation_per_evaluator_revised_while_open(evaluators, topics, store):
    status, first = evaluate(evaluators, scores=SCORES, comment="准备充分")
    assert status == 201 and first["revision"] == 1
    assert store.pending_changes(10_000)[-1].topics == ["live"]
    status, second = evaluate(evaluators, scores={"preparation": 2, "responsiveness": 3})
    assert status == 200 and second["revision"] == 2
    status, other = evaluate(evaluators, user="expert-1", scores=SCORES)
    assert status == 201
    stored = store.get_topic("live").evaluations
    assert sorted(stored) == ["deputy-1", "expert-1"]
    assert stored["deputy-1"]["scores"] == {"preparation": 2, "responsiveness": 3}
    assert [e["scores"] for e in stored["deputy-1"]["earlier"]] == [SCORES]   # kept
    assert stored["deputy-1"]["earlier"][0]["comment"] == "准备充分"
    assert stored["expert-1"]["kind"] == "expert"
    assert other["averages"] == {"count": 2, "kinds": {"deputy": 1, "member": 0, "expert": 1},
                                 "criteria": {"preparation": 3.0, "responsiveness": 4.0},
                                 "overall": 3.5}


@pytest.mark.parametrize("scores,field,code", [
    ({"preparation": 4}, "scores.responsiveness", "required"),
    ({**SCORES, "style": 3}, "scores.style", "unknown_criterion"),
    ({**SCORES, "preparation": 0}, "scores.preparation", "invalid_score"),
    ({**SCORES, "preparation": 6}, "scores.preparation", "invalid_score"),
    ({**SCORES, "preparation": True}, "scores.preparation", "invalid_score"),
    ({**SCORES, "preparation": 4.5}, "scores.preparation", "invalid_score"),
    ({**SCORES, "preparation": "4"}, "scores.preparation", "invalid_score"),
    ([4, 5], "scores", "wrong_type"),
])
def test_bad_scores_are_400(evaluators, topics, scores, field, code):
    status, body = evaluate(evaluators, scores=scores)
    assert status == 400, body
    assert (body["error"]["field"], body["error"]["code"]) == (field, code)


def test_the_window_opens_with_the_session_and_closes_days_after(topics, ctx, clock):
    deputy = Actor("deputy-1", "evaluator", "deputy")
    command = iv.EvaluateSession(scores=SCORES, comment=None)
    clock.at = cst(2026, 10, 31, 23, 0)            # before the topic opens (2026-11-01)
    with pytest.raises(Conflict) as refused:
        iv.evaluate_session(ctx, deputy, "live", command)
    assert refused.value.code == "evaluation_not_open"
    clock.at = cst(2026, 12, 2, 11, 0)             # closes 11-25 11:30, + 7 days
    assert iv.evaluate_session(ctx, deputy, "live", command)["created"]
    clock.at = cst(2026, 12, 2, 11, 30)
    with pytest.raises(Gone) as gone:
        iv.evaluate_session(ctx, deputy, "live", command)
    assert gone.value.code == "evaluation_closed" and gone.value.status == 410
    assert ctx.store.get_topic("live").evaluations["deputy-1"]["revision"] == 1


def test_only_interviews_are_evaluated(evaluators, topics):
    assert evaluate(evaluators, "taxi", scores=SCORES)[0] == 404
    assert evaluate(evaluators, "nope", scores=SCORES)[0] == 404


@pytest.mark.parametrize("user,status", [
    (None, 401), ("admin-1", 403), ("office-1", 403), ("clerk-t", 403), ("clerk-h", 403),
    ("deputy-1", 201)])
def test_who_evaluates(evaluators, topics, user, status):
    code, body = evaluators.call("POST", "/api/staff/topics/live/evaluation",
                                 {"scores": SCORES}, as_user=user)
    assert code == status, body


@pytest.mark.parametrize("user,status", [
    (None, 401), ("admin-1", 403), ("office-1", 403), ("clerk-t", 403), ("expert-1", 200)])
def test_who_lists_the_sessions_to_evaluate(evaluators, topics, user, status):
    code, body = evaluators.call("GET", "/api/staff/evaluations", as_user=user)
    assert code == status, body
    if status == 200:
        assert [s["id"] for s in body["sessions"]] == ["live"]
        assert body["sessions"][0]["open"] and body["kind"] == "expert"
        assert [c["id"] for c in body["criteria"]] == ["preparation", "responsiveness"]


def test_an_evaluator_needs_a_kind(clock):
    from chalicelib.domain.errors import Invalid
    with pytest.raises(Invalid):
        auth.new_account("e-1", "correct horse", "evaluator", None, clock())


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/staff/letters"), ("GET", "/api/staff/letters/anyid"),
    ("GET", "/api/staff/comments?topic=live"), ("GET", "/api/staff/topics"),
    ("GET", "/api/staff/dashboard"), ("GET", "/api/staff/reports")])
def test_an_evaluator_reads_no_letters_nor_queues(evaluators, topics, method, path):
    if "anyid" in path:
        status, made = evaluators.call("POST", "/api/letters", {
            "type": "help", "subject": "路灯不亮", "body": "小区门口路灯坏了。",
            "public": True}, headers=UA)
        assert status == 201, made
        path = path.replace("anyid", made["id"])
    status, body = evaluators.call(method, path, as_user="deputy-1")
    assert status == 403, (status, body)
