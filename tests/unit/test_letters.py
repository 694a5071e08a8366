"""The letter state machine: every action from every state, history, side paths."""
from __future__ import annotations

import pytest

from chalicelib.domain.deadlines import Light
from chalicelib.domain.errors import Invalid, InvalidTransition
from chalicelib.domain.letters import TRANSITIONS, Letter, LetterType, Limits, Publication, Status
from fakes import FakeCalendar, cst

CAL = FakeCalendar()
AT = cst(2026, 11, 23, 10, 0)


def new_letter(status: Status = Status.submitted, **over) -> Letter:
    letter = Letter(id="abc", tracking_code="WZTEST", secret_hash="x", type=LetterType.complaint,
                    subject="s", body="b", public=True, submitted_at=AT, name="王小明", **over)
    letter.record_submission(AT)
    if status != Status.submitted:
        letter.status = status
        letter.department = "housing"
        letter.clock_start = AT
        letter.sign_due = letter.reply_due = None
    return letter


def publication() -> Publication:
    return Publication(subject="s", body=["b"], reply=["r"], reply_department="housing",
                       reply_at=AT, name="王**", category=None, approved_at=AT,
                       first_published_at=AT)


ACTIONS = {
    "dispatch": lambda l: l.dispatch("housing", "office", AT, CAL, Limits()),
    "reject": lambda l: l.reject("duplicate", "office", AT),
    "sign": lambda l: l.sign("clerk", AT),
    "transfer": lambda l: l.request_transfer("not ours", "clerk", AT),
    "request_extension": lambda l: l.request_extension(3, "site visit", "clerk", AT),
    "approve_extension": lambda l: l.approve_extension("office", AT, CAL),
    "deny_extension": lambda l: l.deny_extension("no", "office", AT),
    "reply": lambda l: l.reply("答复", "clerk", AT, CAL),
    "approve": lambda l: l.approve("office", AT, publish=True, category=None,
                                   public_version=publication()),
    "redo": lambda l: l.order_redo("poor", "office", AT, CAL, Limits()),
}


def prepared(status: Status) -> Letter:
    letter = new_letter(status)
    if status == Status.extension_requested:
        letter.pending_extension = {"working_days": 2, "reason": "r", "back_to": "signed"}
    if status in (Status.replied, Status.published, Status.closed):
        letter.replies.append(__import__("chalicelib.domain.letters", fromlist=["Reply"]).Reply(
            n=1, body="r", by="c", department="housing", at=AT, on_time=True))
    return letter


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("status", list(Status))
def test_every_action_from_every_state(action: str, status: Status) -> None:
    allowed, _ = TRANSITIONS[action]
    letter = prepared(status)
    before = len(letter.history)
    if status in allowed:
        ACTIONS[action](letter)
        assert len(letter.history) == before + 1
        event = letter.history[-1]
        assert event.action == action and event.from_status == status
        assert event.to_status == letter.status
    else:
        with pytest.raises(InvalidTransition):
            ACTIONS[action](letter)
        assert letter.status == status, "a refused action changes nothing"
        assert len(letter.history) == before


def test_full_loop_records_who_when_from_to_why() -> None:
    letter = new_letter()
    letter.dispatch("housing", "office-1", cst(2026, 11, 23, 10), CAL, Limits())
    letter.sign("clerk-1", cst(2026, 11, 23, 15))
    letter.reply("已处理", "clerk-1", cst(2026, 11, 25, 9), CAL)
    letter.approve("office-1", cst(2026, 11, 25, 11), publish=True, category="城乡建设",
                   public_version=publication())
    assert letter.status == Status.published
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in letter.history] == [
        ("submit", "citizen", None, "submitted"),
        ("dispatch", "office-1", "submitted", "dispatched"),
        ("sign", "clerk-1", "dispatched", "signed"),
        ("reply", "clerk-1", "signed", "replied"),
        ("approve", "office-1", "replied", "published"),
    ]
    assert [e.seq for e in letter.history] == [1, 2, 3, 4, 5]
    assert letter.history[2].data["on_time"] is True
    assert letter.history[3].data["on_time"] is True


def test_dispatch_sets_sign_and_reply_due_in_working_days() -> None:
    letter = new_letter()
    letter.dispatch("housing", "office", cst(2026, 11, 27, 15), CAL, Limits())   # a Friday
    assert letter.sign_due.date.isoformat() == "2026-11-30"                      # Monday
    assert letter.reply_due.date.isoformat() == "2026-12-04"                     # 5 working days
    assert letter.light == Light.green


def test_approve_without_citizen_consent_closes_and_publishes_nothing() -> None:
    letter = prepared(Status.replied)
    letter.public = False
    assert letter.approve("office", AT, publish=True, category=None,
                          public_version=publication()) == Status.closed
    assert letter.publication is None


def test_office_may_decline_publication() -> None:
    letter = prepared(Status.replied)
    assert letter.approve("office", AT, publish=False, category=None,
                          public_version=publication()) == Status.closed
    assert letter.publication is None


def test_extension_moves_reply_due_and_returns_to_previous_state() -> None:
    letter = new_letter()
    letter.dispatch("housing", "office", cst(2026, 11, 23, 10), CAL, Limits())
    letter.sign("clerk", cst(2026, 11, 23, 11))
    due = letter.reply_due
    letter.request_extension(3, "需要现场核查", "clerk", cst(2026, 11, 24, 9))
    letter.approve_extension("office", cst(2026, 11, 24, 10), CAL)
    assert letter.status == Status.signed
    assert letter.reply_due.date.isoformat() == "2026-12-03"
    assert due.date.isoformat() == "2026-11-30"
    assert letter.pending_extension is None


@pytest.mark.parametrize("days", [0, -1, 31, "3", 2.5, True, None])
def test_extension_days_must_be_a_small_positive_integer(days) -> None:
    letter = prepared(Status.signed)
    with pytest.raises(Invalid) as err:
        letter.request_extension(days, "r", "clerk", AT)
    assert err.value.field == "working_days"
    assert letter.status == Status.signed


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_needs_a_reason(reason) -> None:
    letter = new_letter()
    with pytest.raises(Invalid):
        letter.reject(reason, "office", AT)
    assert letter.status == Status.submitted


def test_redo_gets_a_new_limit_and_is_capped() -> None:
    letter = prepared(Status.published)
    letter.order_redo("答复不具体", "office", cst(2026, 11, 26, 9), CAL, Limits(max_redos=1))
    assert letter.status == Status.redo and letter.redo_count == 1
    assert letter.reply_due.date.isoformat() == "2026-12-03"
    letter.status = Status.published
    with pytest.raises(InvalidTransition):
        letter.order_redo("again", "office", AT, CAL, Limits(max_redos=1))


def test_rating_needs_a_released_reply_and_is_once_per_reply() -> None:
    letter = prepared(Status.replied)
    with pytest.raises(InvalidTransition):
        letter.rate("satisfied", None, AT)               # replied but not approved yet
    letter.approve("office", AT, publish=True, category=None, public_version=publication())
    letter.rate("satisfied", "谢谢", AT)
    with pytest.raises(InvalidTransition) as err:
        letter.rate("unsatisfied", None, AT)
    assert err.value.code == "already_rated"
    assert [r.score for r in letter.ratings] == ["satisfied"]


def test_a_redone_reply_can_be_rated_again() -> None:
    letter = prepared(Status.replied)
    letter.approve("office", AT, publish=True, category=None, public_version=publication())
    letter.rate("unsatisfied", None, AT)
    letter.order_redo("不满意", "office", AT, CAL, Limits())
    letter.reply("补充答复", "clerk", AT, CAL)
    letter.approve("office", AT, publish=True, category=None, public_version=publication())
    letter.rate("basically_satisfied", None, AT)
    assert [(r.reply_n, r.score) for r in letter.ratings] == [(1, "unsatisfied"),
                                                              (2, "basically_satisfied")]


def test_bad_score_is_invalid() -> None:
    letter = prepared(Status.replied)
    letter.approve("office", AT, publish=True, category=None, public_version=publication())
    with pytest.raises(Invalid) as err:
        letter.rate("great", None, AT)
    assert err.value.field == "score"


def test_light_recorded_once() -> None:
    letter = prepared(Status.dispatched)
    assert letter.record_light(Light.yellow, AT) is True
    assert letter.record_light(Light.yellow, AT) is False
    assert [e.action for e in letter.history].count("light") == 1


def test_republication_keeps_first_publication_time() -> None:
    letter = prepared(Status.replied)
    first = publication()
    letter.approve("office", AT, publish=True, category=None, public_version=first)
    letter.order_redo("r", "office", AT, CAL, Limits())
    letter.reply("again", "clerk", AT, CAL)
    later = publication()
    later.first_published_at = cst(2027, 1, 5, 9)
    letter.approve("office", cst(2027, 1, 5, 9), publish=True, category=None,
                   public_version=later)
    assert letter.publication.first_published_at == AT


def test_redone_reply_not_published_withdraws_the_earlier_page() -> None:
    letter = prepared(Status.replied)
    letter.approve("office", AT, publish=True, category=None, public_version=publication())
    letter.order_redo("r", "office", AT, CAL, Limits())
    letter.reply("again", "clerk", AT, CAL)
    assert letter.approve("office", AT, publish=False, category=None,
                          public_version=publication()) == Status.closed
    assert letter.publication is None
    assert letter.history[-1].data["withdrawn"] is True
