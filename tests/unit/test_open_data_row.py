"""The open-data row of one letter (`chalicelib.domain.open_data`): its stints fold the history
as the statistics do, and it holds nothing private."""
from __future__ import annotations

from chalicelib.domain import open_data
from chalicelib.domain.letters import Letter, LetterType, Limits
from chalicelib.domain.statistics import contributions
from fakes import FakeCalendar, cst


def _letter(source: str = "web") -> Letter:
    at = cst(2026, 11, 2, 9, 0)
    letter = Letter(id="k3x9", tracking_code="WZ12345678", secret_hash="5e" * 32,
                    type=LetterType.complaint, subject="小区门口道路破损", body="电话 13812345678",
                    public=False, submitted_at=at, name="王小明", phone="13812345678",
                    email="wang@example.com", source=source)
    letter.record_submission(at)
    return letter


def test_a_transferred_letter_has_a_stint_per_department_as_the_league_counts_it():
    cal, limits = FakeCalendar(), Limits()
    letter = _letter()
    letter.dispatch("transport", "office", cst(2026, 11, 2, 10), cal, limits)
    letter.request_transfer("不属于本部门", "clerk", cst(2026, 11, 2, 11))
    letter.dispatch("housing", "office", cst(2026, 12, 1, 10), cal, limits)
    letter.sign("clerk", cst(2026, 12, 1, 11))
    letter.reply("已修复。", "clerk", cst(2026, 12, 2, 11), cal)
    row = open_data.row(letter, 1, None)
    assert list(row) == list(open_data.COLUMNS)
    assert [s["department"] for s in row["stints"]] == ["transport", "housing"]
    assert [s["transferred"] for s in row["stints"]] == [True, False]
    assert (row["department"], row["transferred"], row["url"]) == ("housing", 1, None)
    assert row["dispatched_at"] == "2026-12-01T10:00:00+08:00"
    assert set(contributions(letter.history)) == {("transport", "2026-11"), ("housing", "2026-12")}


def test_a_row_holds_no_id_text_or_contact():
    row = open_data.row(_letter(), 1, None)
    text = repr(row)
    for private in ("k3x9", "WZ12345678", "小区门口道路破损", "13812345678", "王小明",
                    "wang@example.com"):
        assert private not in text


def test_channel_is_the_letters_channel_and_web_for_an_import():
    assert open_data.row(_letter("web"), 1, None)["channel"] == "web"
    assert open_data.row(_letter("import"), 1, None)["channel"] == "web"
    assert open_data.row(_letter("phone"), 1, None)["channel"] == "phone"
