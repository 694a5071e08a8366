"""The rules of listed supervision (挂牌督办) and conduct complaints (效能投诉), pure:
`domain/oversight.py`, the `supervises_conduct` flag of departments.yaml and the
`conduct_complaints` counter."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain import oversight, statistics
from chalicelib.domain.departments import DepartmentError, conduct_office, parse_departments
from chalicelib.domain.errors import Invalid, InvalidTransition
from chalicelib.domain.letters import Letter, LetterType, Limits, Status
from chalicelib.domain.oversight import About
from fakes import FakeCalendar, cst

CAL = FakeCalendar()
AT = cst(2026, 11, 23, 10, 0)


def letter(status: Status = Status.submitted, **over) -> Letter:
    over.setdefault("type", LetterType.complaint)
    x = Letter(id="abc", tracking_code="WZTEST", secret_hash="x", subject="s", body="b",
               public=True, submitted_at=AT, **over)
    x.record_submission(AT)
    x.status = status
    return x


@pytest.mark.parametrize("status", sorted(Status))
def test_only_a_letter_not_yet_answered_may_be_listed(status):
    x = letter(status)
    if str(status) in oversight.LISTABLE:
        oversight.supervise(x, "重点", None, "office-1", AT)
        assert x.history[-1].action == "supervised" and oversight.is_listed(x)
    else:
        with pytest.raises(InvalidTransition):
            oversight.supervise(x, "重点", None, "office-1", AT)
        assert x.listing is None and x.history[-1].action == "submit"


def test_a_date_in_the_past_or_no_reason_is_refused():
    x = letter()
    with pytest.raises(Invalid):
        oversight.supervise(x, "重点", date(2026, 11, 22), "office-1", AT)
    with pytest.raises(Invalid):
        oversight.supervise(x, " ", None, "office-1", AT)
    oversight.supervise(x, "重点", date(2026, 11, 23), "office-1", AT)    # today will do


def test_the_listing_ends_with_the_reply_and_is_not_listed_twice():
    x = letter(Status.signed, department="housing")
    x.clock_start = AT
    oversight.supervise(x, "重点", date(2026, 11, 25), "office-1", AT)
    with pytest.raises(InvalidTransition) as err:
        oversight.supervise(x, "再次", None, "office-1", AT)
    assert err.value.code == "already_listed"
    assert oversight.listing_key(x) == "2026-11-25#abc"
    x.reply("已办理。", "clerk", cst(2026, 11, 25, 16, 0), CAL)
    assert not oversight.is_listed(x) and oversight.listing_key(x) is None
    assert oversight.listing_ended_at(x) == cst(2026, 11, 25, 16, 0)
    assert oversight.answered_on_time(x) is True
    assert oversight.public_listing(x)["on_time"] is True


def test_the_office_date_passing_is_recorded_once():
    x = letter(Status.dispatched, department="housing")
    oversight.supervise(x, "重点", date(2026, 11, 24), "office-1", AT)
    assert not oversight.record_overdue(x, cst(2026, 11, 24, 23, 59))
    assert oversight.record_overdue(x, cst(2026, 11, 25, 0, 0))
    assert not oversight.record_overdue(x, cst(2026, 11, 26, 0, 0))
    assert [e.action for e in x.history].count("supervision_overdue") == 1


def test_listing_changed_says_when_the_list_moves():
    x = letter(Status.signed, department="housing")
    assert not oversight.listing_changed(x, [{"action": "reply"}])
    oversight.supervise(x, "重点", None, "office-1", AT)
    assert oversight.listing_changed(x, [{"action": "supervised"}])
    assert not oversight.listing_changed(x, [{"action": "light"}])
    assert oversight.listing_changed(x, [{"action": "reply"}])


def test_a_conduct_complaint_is_hidden_from_every_clerk_but_the_handling_office():
    x = letter(type=LetterType.efficiency, about=About("housing", "张三"))
    assert oversight.hidden_from(x, "clerk", "efficiency-office")        # not dispatched yet
    x.department = "efficiency-office"
    assert oversight.hidden_from(x, "clerk", "housing")
    assert not oversight.hidden_from(x, "clerk", "efficiency-office")
    assert not oversight.hidden_from(x, "office", None)
    assert not oversight.hidden_from(letter(department="transport"), "clerk", "housing")


def test_it_counts_as_a_conduct_complaint_of_the_named_department_only():
    x = letter(type=LetterType.efficiency, about=About("housing", "张三"))
    x.history.clear()
    x.record_submission(AT)
    assert "张三" not in str(x.history[-1].to_dict())
    x.dispatch("efficiency-office", "office-1", AT, CAL, Limits())
    got = statistics.contributions(x.history)
    assert got[("housing", "2026-11")]["conduct_complaints"] == 1
    assert got[("efficiency-office", "2026-11")]["received"] == 1
    assert got[("efficiency-office", "2026-11")]["conduct_complaints"] == 0


def test_departments_name_one_supervising_office():
    base = [{"id": "housing", "name": "住建局", "name_en": "Housing"},
            {"id": "efficiency-office", "name": "效能办", "name_en": "Efficiency",
             "supervises_conduct": True}]
    parsed = parse_departments(base)
    assert conduct_office({d.id: d for d in parsed}) == "efficiency-office"
    with pytest.raises(DepartmentError, match="only one"):
        parse_departments(base + [{"id": "other", "name": "另", "name_en": "Other",
                                   "supervises_conduct": True}])
    with pytest.raises(DepartmentError, match="true or false"):
        parse_departments([{**base[0], "supervises_conduct": "yes"}])


def test_conduct_complaints_never_make_a_hot_topic():
    from chalicelib.domain import weekly
    since, _ = weekly.week_window("2026-W48")

    others = ["小区门口道路破损严重", "公交站台缺少遮雨棚", "学校周边交通拥堵",
              "夜间施工噪音扰民", "菜市场占道经营"]

    def many(kind):
        out = []
        for i in range(6):
            x = letter(type=kind)
            x.id, x.submitted_at = f"w{i}", since + timedelta(hours=10 + i)
            x.subject = f"反映政务服务中心窗口李大为态度恶劣（第{i}次）"
            x.body = (f"第{i}次去政务服务中心办事，窗口工作人员李大为态度恶劣，推诿扯皮，"
                      f"让群众来回跑了{i + 2}趟。")
            out.append(x)
        for i, subject in enumerate(others):
            x = letter()
            x.id, x.submitted_at = f"o{i}", since + timedelta(days=1, hours=i)
            x.subject, x.body = subject, subject + "，请有关部门尽快处理。"
            out.append(x)
        return out

    now = since + timedelta(days=8)
    assert weekly.record("2026-W48", now, many(LetterType.complaint), {}, [])["topics"]
    conduct = weekly.record("2026-W48", now, many(LetterType.efficiency), {}, [])
    assert conduct["topics"] == [] and "李大为" not in str(conduct)
