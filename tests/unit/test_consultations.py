"""The consultations domain: topic definitions, survey answers, comment moderation, tallies and
the public view (pure: no store, no HTTP)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import consultations as C
from chalicelib.domain.consultations import (
    Answer,
    Comment,
    CommentStatus,
    Decision,
    Outcome,
    OutcomeItem,
    Response,
    Stance,
    TopicError,
    parse_topic,
)
from chalicelib.domain.errors import Gone, Invalid, InvalidTransition
from fakes import DEPARTMENTS, cst, topic

NOW = cst(2026, 11, 23, 9)


def comment(n: int, topic_id: str = "hearing-1", *, stance=None, paragraph=None, status="approved",
            name=None, body=None, department=None, question=None, answered=False) -> Comment:
    c = Comment(id=f"c{n:03d}", topic_id=topic_id, body=body or f"意见 {n}",
                created_at=NOW + timedelta(minutes=n), stance=Stance(stance) if stance else None,
                paragraph=paragraph, name=name, department=department, question=question,
                status=CommentStatus(status))
    if answered:
        c.answer = Answer("答复", "clerk-t", department or "transport", NOW + timedelta(hours=n))
    return c


# --- topic definitions -------------------------------------------------------------------------

class TestTopicDefinition:
    def test_status_follows_opens_and_closes(self):
        t = topic(opens="2026-11-01T09:00", closes="2026-11-30")
        assert t.status(cst(2026, 11, 1, 8, 59)) == "upcoming"
        assert t.status(cst(2026, 11, 1, 9, 0)) == "open"
        assert t.status(cst(2026, 11, 30, 23, 59)) == "open"       # a date closes at its end
        assert t.status(cst(2026, 12, 1, 0, 0)) == "closed"

    def test_check_open_is_410_with_the_reason(self):
        t = topic(opens="2026-12-01", closes="2026-12-31")
        with pytest.raises(Gone) as early:
            t.check_open(NOW)
        assert early.value.code == "topic_not_open" and early.value.status == 410
        with pytest.raises(Gone) as late:
            t.check_open(cst(2027, 1, 1, 0, 0))
        assert late.value.code == "topic_closed"
        topic().check_open(NOW)

    def test_times_without_offset_are_china_time(self):
        t = topic(opens="2026-11-01T09:00", closes="2026-11-02T00:00:00Z")
        assert t.opens.utcoffset() == timedelta(hours=8)
        assert t.closes == cst(2026, 11, 2, 8, 0)

    def test_solicitation_paragraphs_are_numbered_from_one(self):
        t = topic("solicitation")
        assert [(p.n, p.text) for p in t.paragraphs] == [
            (1, "第一条 目的。"), (2, "第二条 适用范围。"), (3, "第三条 主管部门。")]

    def test_multiple_choice_max_defaults_to_the_number_of_choices(self):
        t = topic("survey", questions=[{"id": "q", "kind": "multiple", "text": "?", "choices": [
            {"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}])
        assert t.questions[0].max == 2 and t.questions[0].required is False

    def test_definition_round_trips_through_the_stored_form(self):
        for kind in C.Kind:
            t = topic(str(kind))
            t.outcome = Outcome("总结", (OutcomeItem(None, Decision.adopted, "理由", "意见"),),
                                "office-1", NOW, 2)
            t.version = 3
            assert C.Topic.from_dict(t.to_dict()) == t

    BAD = [
        ("id", {"id": "Not A Slug"}),
        ("title", {"title": ""}),
        ("departments", {"departments": []}),
        ("departments[1]", {"departments": ["transport", "nowhere"]}),
        ("departments", {"departments": ["transport", "transport"]}),
        ("opens", {"opens": "2026-13-01"}),
        ("opens", {"opens": None}),
        ("closes", {"closes": "2026-10-01"}),
        ("summary", {"summary": 12}),
        ("draft", {"draft": "not a list"}),
        ("colour", {"colour": "red"}),
    ]

    @pytest.mark.parametrize("field,change", BAD, ids=[f for f, _ in BAD])
    def test_a_wrong_field_is_named(self, field, change):
        with pytest.raises(TopicError) as err:
            topic("hearing", **change)
        assert err.value.field == field

    SURVEY_BAD = [
        ("questions", []),
        ("questions[0].choices", [{"id": "q", "kind": "single", "text": "?"}]),
        ("questions[0].choices", [{"id": "q", "kind": "single", "text": "?",
                                   "choices": [{"id": "a", "label": "A"}]}]),
        ("questions[0].max", [{"id": "q", "kind": "multiple", "text": "?", "max": 3,
                               "choices": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}]),
        ("questions[0].max", [{"id": "q", "kind": "single", "text": "?", "max": 1,
                               "choices": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}]),
        ("questions[0].choices", [{"id": "q", "kind": "text", "text": "?",
                                   "choices": [{"id": "a", "label": "A"}]}]),
        ("questions[0].kind", [{"id": "q", "kind": "ranking", "text": "?"}]),
        ("questions[0].text", [{"id": "q", "kind": "text"}]),
        ("questions[0].required", [{"id": "q", "kind": "text", "text": "?", "required": "yes"}]),
        ("questions[1].id", [{"id": "q", "kind": "text", "text": "?"},
                             {"id": "q", "kind": "text", "text": "?"}]),
        ("questions[0].choices[1].id", [{"id": "q", "kind": "single", "text": "?", "choices": [
            {"id": "a", "label": "A"}, {"id": "a", "label": "B"}]}]),
        ("questions[0].choices[0].label", [{"id": "q", "kind": "single", "text": "?", "choices": [
            {"id": "a", "label": ""}, {"id": "b", "label": "B"}]}]),
    ]

    @pytest.mark.parametrize("field,questions", SURVEY_BAD,
                             ids=[f"{f}-{i}" for i, (f, _) in enumerate(SURVEY_BAD)])
    def test_a_wrong_survey_question_is_named(self, field, questions):
        with pytest.raises(TopicError) as err:
            topic("survey", questions=questions)
        assert err.value.field == field

    INTERVIEW_BAD = [
        ("ends", {"ends": "2026-11-25T09:00"}),
        ("starts", {"starts": "2026-10-25T09:30"}),
        ("closes", {"closes": "2026-11-25T10:00"}),
        ("guests", {"guests": []}),
        ("guests[0].department", {"guests": [{"department": "education", "name": "甲",
                                              "title": "局长"}]}),
        ("guests[0].title", {"guests": [{"department": "transport", "name": "甲"}]}),
    ]

    @pytest.mark.parametrize("field,change", INTERVIEW_BAD, ids=[f for f, _ in INTERVIEW_BAD])
    def test_a_wrong_interview_field_is_named(self, field, change):
        with pytest.raises(TopicError) as err:
            topic("interview", **change)
        assert err.value.field == field

    def test_fields_of_another_kind_are_refused(self):
        with pytest.raises(TopicError) as err:
            topic("hearing", draft=["x"])
        assert err.value.field == "draft"
        with pytest.raises(TopicError) as err:
            parse_topic("petition", {}, departments=DEPARTMENTS)
        assert err.value.field == "kind"


# --- survey answers ------------------------------------------------------------------------------

SURVEY = topic("survey")

ANSWERS_BAD = [
    # (answers, field, code)
    ("not an object", "answers", "wrong_type"),
    ({}, "answers.mode", "required"),
    ({"problems": ["freq"]}, "answers.mode", "required"),
    ({"mode": "car"}, "answers.mode", "invalid_choice"),
    ({"mode": ["bus"]}, "answers.mode", "invalid_choice"),
    ({"mode": "bus", "problems": "freq"}, "answers.problems", "wrong_type"),
    ({"mode": "bus", "problems": ["freq", "freq"]}, "answers.problems", "duplicate_choice"),
    ({"mode": "bus", "problems": ["freq", "time", "crowd"]}, "answers.problems",
     "too_many_choices"),
    ({"mode": "bus", "problems": ["nope"]}, "answers.problems", "invalid_choice"),
    ({"mode": "bus", "idea": 42}, "answers.idea", "wrong_type"),
    ({"mode": "bus", "idea": "长" * 2001}, "answers.idea", "too_long"),
    ({"mode": "bus", "extra": "x"}, "answers.extra", "unknown_question"),
]


@pytest.mark.parametrize("answers,field,code", ANSWERS_BAD,
                         ids=[f"{f}:{c}" for _, f, c in ANSWERS_BAD])
def test_survey_answers_are_checked_against_the_questions(answers, field, code):
    with pytest.raises(Invalid) as err:
        C.validate_answers(SURVEY, answers)
    assert (err.value.field, err.value.code) == (field, code)


ANSWERS_GOOD = [
    ({"mode": "bus"}, {"mode": "bus"}),
    ({"mode": "metro", "problems": ["crowd", "freq"], "idea": " 加密班次 "},
     {"mode": "metro", "problems": ["freq", "crowd"], "idea": "加密班次"}),  # choice order
    ({"mode": "bike", "problems": [], "idea": "  "}, {"mode": "bike"}),       # blank = unanswered
    ({"mode": "bus", "problems": None, "idea": None}, {"mode": "bus"}),
]


@pytest.mark.parametrize("answers,expected", ANSWERS_GOOD)
def test_valid_survey_answers_are_normalised(answers, expected):
    assert C.validate_answers(SURVEY, answers) == expected


def test_an_empty_response_to_a_survey_without_required_questions_is_refused():
    optional = topic("survey", questions=[{"id": "idea", "kind": "text", "text": "?"}])
    with pytest.raises(Invalid) as err:
        C.validate_answers(optional, {"idea": ""})
    assert (err.value.field, err.value.code) == ("answers", "empty")


# --- moderation ----------------------------------------------------------------------------------

class TestModeration:
    def test_approve_and_reject_are_recorded(self):
        c = comment(1, status="pending")
        c.approve("office-1", NOW)
        assert c.status == "approved" and c.moderated_by == "office-1"
        c.reject("含有广告", "office-1", NOW + timedelta(hours=1))
        assert c.status == "rejected" and c.reason == "含有广告" and not c.public
        assert [(h["action"], h["from"], h["to"]) for h in c.history] == [
            ("approve", "pending", "approved"), ("reject", "approved", "rejected")]

    def test_a_rejected_comment_cannot_be_approved_or_answered(self):
        c = comment(1, status="rejected", department="transport")
        with pytest.raises(InvalidTransition):
            c.approve("office-1", NOW)
        with pytest.raises(InvalidTransition):
            c.answer_with("答", "office-1", "transport", NOW)

    def test_reject_needs_a_reason(self):
        with pytest.raises(Invalid) as err:
            comment(1, status="pending").reject(" ", "office-1", NOW)
        assert err.value.field == "reason"

    def test_answering_publishes_the_question_once_for_the_answering_department(self):
        c = comment(1, status="pending", department="transport")
        c.answer_with("已安排。", "clerk-h", "housing", NOW)
        assert c.status == "approved" and c.department == "housing"
        assert c.answer == Answer("已安排。", "clerk-h", "housing", NOW)
        with pytest.raises(InvalidTransition) as err:
            c.answer_with("再答", "clerk-h", "housing", NOW)
        assert err.value.code == "already_answered"

    def test_comment_and_response_round_trip(self):
        c = comment(1, stance="support", name="王小明", department=None, answered=True)
        c.history.append({"at": NOW.isoformat(), "action": "submit"})
        assert Comment.from_dict(c.to_dict()) == c
        r = Response("r1", "survey-1", {"mode": "bus", "problems": ["freq"]}, NOW,
                     texts={"idea": "c9"}, client="abc")
        assert Response.from_dict(r.to_dict()) == r


# --- tallies -------------------------------------------------------------------------------------

def test_tallies_of_a_hearing_by_hand():
    comments = [comment(1, stance="support"), comment(2, stance="support"),
                comment(3, stance="oppose"), comment(4),                       # no stance
                comment(5, stance="neutral", status="pending"),
                comment(6, stance="oppose", status="rejected")]
    assert C.recompute(comments, []) == {
        "comments": 6, "status:approved": 4, "status:pending": 1, "status:rejected": 1,
        "stance:support": 2, "stance:oppose": 1, "stance:none": 1}


def test_tallies_of_a_survey_by_hand():
    responses = [Response("r1", "s", {"mode": "bus", "problems": ["freq", "time"]}, NOW),
                 Response("r2", "s", {"mode": "bus"}, NOW, texts={"idea": "c1"}),
                 Response("r3", "s", {"mode": "metro", "problems": ["time"]}, NOW,
                          texts={"idea": "c2"})]
    texts = [comment(1, "s", question="idea"), comment(2, "s", question="idea", status="pending")]
    assert C.recompute(texts, responses) == {
        "responses": 3, "question:mode": 3, "choice:mode:bus": 2, "choice:mode:metro": 1,
        "question:problems": 2, "choice:problems:freq": 1, "choice:problems:time": 2,
        "question:idea": 2, "text:idea": 1,
        "comments": 2, "status:approved": 1, "status:pending": 1}


def test_tallies_of_an_interview_by_hand():
    qs = [comment(1, department="transport", answered=True),
          comment(2, department="transport", status="pending"),
          comment(3, department="housing", answered=True),
          comment(4, department="housing", status="rejected")]
    assert C.recompute(qs, []) == {
        "comments": 4, "status:approved": 2, "status:pending": 1, "status:rejected": 1,
        "asked:transport": 2, "answered:transport": 1, "asked:housing": 1,
        "answered:housing": 1}


def test_difference_is_what_the_store_adds():
    before = C.comment_counts(comment(1, stance="support", status="pending"))
    after = C.comment_counts(comment(1, stance="support", status="approved"))
    assert C.difference(before, after) == {"stance:support": 1, "status:approved": 1,
                                           "status:pending": -1}


# --- the public view -----------------------------------------------------------------------------

def test_public_view_shows_approved_comments_only_redacted_and_masked():
    t = topic("solicitation", "draft-1")
    comments = [
        comment(1, "draft-1", stance="support", paragraph=2, name="王小明",
                body="我是王小明，电话 13812345678，邮箱 wang@example.com"),
        comment(2, "draft-1", paragraph=None, stance="oppose"),
        comment(3, "draft-1", paragraph=2, status="pending", body="待审核"),
        comment(4, "draft-1", paragraph=2, status="rejected", body="已驳回的留言"),
        comment(5, "other-topic", paragraph=2, body="别的议题"),
    ]
    tallies = C.recompute(comments[:4], [])
    view = C.public_view(t, comments, tallies, now=NOW)
    published = repr(view)
    for hidden in ("13812345678", "wang@example.com", "王小明", "待审核", "已驳回", "别的议题"):
        assert hidden not in published
    assert [c["id"] for c in view["comments"]] == ["c001", "c002"]
    first = view["comments"][0]
    assert first["name"] == "王**" and "[手机号已隐去]" in first["body"]
    assert [(p["n"], p["comment_count"], [c["id"] for c in p["comments"]])
            for p in view["paragraphs"]] == [(1, 0, []), (2, 1, ["c001"]), (3, 0, [])]
    assert [c["id"] for c in view["general_comments"]] == ["c002"]
    assert view["figures"] == {"comments": 2, "responses": 0, "stance": {
        "support": 1, "oppose": 1, "neutral": 0, "none": 0}}
    assert view["status"] == "open" and view["url"] == "/consultations/draft-1/"


PUBLIC_KEYS = {"id", "kind", "kind_label", "kind_label_en", "title", "title_en", "summary",
               "summary_en", "url", "data_url", "department", "departments", "opens", "closes",
               "starts", "ends", "status", "background", "guests", "figures", "comments",
               "paragraphs", "general_comments", "questions", "interview", "transcript",
               "waiting", "outcome", "drive"}
COMMENT_KEYS = {"id", "name", "body", "paragraphs", "stance", "paragraph", "question",
                "department", "created_at", "answer", "votes"}


@pytest.mark.parametrize("kind", list(C.Kind))
def test_public_view_has_the_same_keys_for_every_kind(kind):
    view = C.public_view(topic(str(kind)), [], {})
    assert set(view) == PUBLIC_KEYS
    assert view["status"] is None           # without `now`, nothing depends on the clock


def test_public_view_of_a_survey_counts_and_shares():
    t = topic("survey", "s")
    tallies = {"responses": 4, "question:mode": 4, "choice:mode:bus": 3, "choice:mode:metro": 1,
               "question:problems": 2, "choice:problems:freq": 2, "choice:problems:time": 1,
               "question:idea": 2, "text:idea": 1}
    texts = [comment(1, "s", question="idea", body="多开夜班车"),
             comment(2, "s", question="idea", status="pending", body="未审核的建议")]
    view = C.public_view(t, texts, tallies)
    mode, problems, idea = view["questions"]
    assert mode["respondents"] == 4
    assert [(c["id"], c["count"], c["share"]) for c in mode["choices"]] == [
        ("bus", 3, 0.75), ("metro", 1, 0.25), ("bike", 0, 0.0)]
    assert [(c["id"], c["count"], c["share"]) for c in problems["choices"]] == [
        ("freq", 2, 1.0), ("time", 1, 0.5), ("crowd", 0, 0.0)]
    assert [a["body"] for a in idea["answers"]] == ["多开夜班车"] and idea["answer_count"] == 1
    assert view["comments"] == [] and view["figures"]["responses"] == 4


def test_public_view_of_an_interview_transcript_and_answer_rates():
    t = topic("interview", "iv")
    qs = [comment(1, "iv", department="transport", answered=True),
          comment(2, "iv", department="transport"),
          comment(3, "iv", department="housing", answered=True),
          comment(4, "iv", department="transport", status="pending")]
    qs[0].answer.at = NOW + timedelta(hours=5)            # answered after question 3
    view = C.public_view(t, qs, C.recompute(qs, []))
    assert [c["id"] for c in view["transcript"]] == ["c003", "c001"]
    assert [c["id"] for c in view["waiting"]] == ["c002"]
    assert view["transcript"][0]["answer"]["department"] == "housing"
    assert view["interview"] == {"asked": 4, "answered": 2, "answer_rate": 0.5, "departments": [
        {"department": "transport", "asked": 3, "answered": 1, "answer_rate": 0.3333},
        {"department": "housing", "asked": 1, "answered": 1, "answer_rate": 1.0}]}


def test_public_view_of_the_outcome():
    t = topic("solicitation", "draft-1")
    c1 = comment(1, "draft-1", paragraph=1, name="李娜")
    t.outcome = Outcome("修改了第一条。联系 0731-84567890", (
        OutcomeItem("c001", Decision.adopted, "已采纳"),
        OutcomeItem("c002", Decision.not_adopted, "不采纳"),          # since rejected: no text
        OutcomeItem(None, Decision.partly_adopted, "部分采纳", "多人建议延后施行")),
        "office-1", NOW)
    view = C.public_view(t, [c1], {})
    out = view["outcome"]
    assert out["counts"] == {"adopted": 1, "partly_adopted": 1, "not_adopted": 1}
    assert out["items"][0]["comment"]["name"] == "李*"
    assert out["items"][1]["comment"] is None
    assert out["items"][2]["opinion"] == "多人建议延后施行"
    assert "84567890" not in out["summary"]
