"""Rejecting a letter as a duplicate (重复件), in the domain: both histories name the other, the
rules on the original, and the figures that count it (statistics and the open-data stints)."""
from __future__ import annotations

import pytest

from chalicelib.domain import open_data, statistics
from chalicelib.domain.errors import Invalid, InvalidTransition
from chalicelib.domain.letters import Letter, LetterType, Limits, Status
from chalicelib.domain.similar import candidate, contact_keys
from fakes import FakeCalendar, cst

CAL = FakeCalendar()
AT = cst(2026, 11, 23, 10, 0)


def letter(letter_id: str, **over) -> Letter:
    x = Letter(id=letter_id, tracking_code="WZ" + letter_id.upper(), secret_hash="x",
               type=LetterType.complaint, subject="路灯不亮", body="东门路灯坏了。", public=True,
               submitted_at=AT, name="王小明", phone="13812345678", **over)
    x.record_submission(AT)
    return x


def test_a_duplicate_names_its_original_and_the_original_names_it():
    original, repeat = letter("a"), letter("b")
    repeat.reject("重复来信", "office-1", AT, duplicate_of=original)
    assert repeat.status == Status.rejected and repeat.duplicate_of == "a"
    assert repeat.history[-1].data == {"duplicate_of": "a"}
    event = original.history[-1]
    assert (event.action, event.data, event.from_status, event.to_status) == \
        ("duplicate", {"letter": "b"}, None, None)
    assert original.status == Status.submitted and original.duplicate_of is None
    assert [e.action for e in original.new_events] == ["submit", "duplicate"]


def test_a_plain_rejection_links_nothing():
    x = letter("a")
    x.reject("无效来信", "office-1", AT)
    assert x.duplicate_of is None and "duplicate_of" not in x.history[-1].data


@pytest.mark.parametrize("case", ["self", "chained"])
def test_the_original_must_be_another_letter_that_is_no_duplicate(case):
    repeat = letter("b")
    if case == "self":
        with pytest.raises(Invalid) as err:
            repeat.reject("重复", "office-1", AT, duplicate_of=repeat)
        assert err.value.code == "duplicate_of_self"
    else:
        root, middle = letter("a"), letter("m")
        middle.reject("重复", "office-1", AT, duplicate_of=root)
        with pytest.raises(InvalidTransition) as err:
            repeat.reject("重复", "office-1", AT, duplicate_of=middle)
        assert err.value.code == "duplicate_of_duplicate" and "a" in err.value.message_en
    assert repeat.status == Status.submitted and len(repeat.history) == 1


def test_a_letter_in_another_state_is_not_rejected_and_the_original_keeps_its_history():
    original, repeat = letter("a"), letter("b")
    repeat.reject("无效", "office-1", AT)
    with pytest.raises(InvalidTransition):
        repeat.reject("重复", "office-1", AT, duplicate_of=original)
    assert [e.action for e in original.history] == ["submit"]


def test_the_figures_count_a_duplicate_rejected_by_a_department_separately():
    original, repeat = letter("a"), letter("b")
    repeat.dispatch("housing", "office-1", AT, CAL, Limits())
    repeat.reject("重复", "office-1", AT, duplicate_of=original)
    counters = statistics.contributions(repeat.history)[("housing", "2026-11")]
    assert (counters["received"], counters["rejected"], counters["duplicates"]) == (1, 1, 1)
    f = statistics.figures(counters)
    assert (f["valid"], f["duplicates"]) == (0, 1)
    (stint,) = open_data.stints(repeat.history)
    assert stint["rejected"] and stint["duplicate"]
    row = open_data.row(repeat, 1, None)
    assert row["duplicate"] is True and list(row) == list(open_data.COLUMNS)
    assert statistics.contributions(original.history) == {}


def test_a_month_counts_received_valid_duplicate_and_invalid_letters():
    rows = [{"status": "rejected", "duplicate": True}, {"status": "rejected", "duplicate": False},
            {"status": "published", "duplicate": False}, {"status": "submitted"}]
    assert open_data.month_counts(rows) == {"received": 4, "valid": 2, "duplicate": 1,
                                            "invalid": 1}


def test_the_candidate_and_the_contact_keys_of_a_letter():
    x = letter("a", email="Wang@Example.com")
    c = candidate(x)
    assert (c.id, c.open, c.duplicate, c.status, c.department) == \
        ("a", True, False, "submitted", None)
    keys = contact_keys("+86 138-1234-5678", " wang@example.COM ")
    assert keys == contact_keys("13812345678", "wang@example.com")
    assert [k[:2] for k in keys] == ["p:", "e:"]
    assert contact_keys(None, "") == []
