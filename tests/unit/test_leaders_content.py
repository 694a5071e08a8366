"""content/leaders.yaml (domain/leaders.py, adapters/content_leaders.py): the shipped file
loads, and every bad entry is a ContentError naming the file and the field; the escalation's
wording in notifications.yaml is checked the same way."""
from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.adapters.content import load_content
from chalicelib.adapters.content_files import ContentError
from chalicelib.adapters.content_leaders import load_leaders
from chalicelib.adapters.content_limits import load_notify_file
from chalicelib.domain import leaders
from chalicelib.domain.letters import Letter, LetterType, Status
from fakes import NOTIFY, cst

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_leaders_load_a_mayor_and_three_vice_mayors():
    content = load_content(REPO / "content")
    assert [x.id for x in content.leaders][0] == "mayor"
    assert len(content.leaders) == 4
    assert content.leaders_by_id["mayor"].title == "市长"
    assert all(x.title_en and x.name_en for x in content.leaders)
    assert set(content.notify.escalated) == set(leaders.ESCALATION_WORDING)


def test_no_file_is_no_leaders(tmp_path):
    assert load_leaders(tmp_path) == ()


def _write(tmp_path, text: str) -> Path:
    (tmp_path / "leaders.yaml").write_text(text, encoding="utf-8")
    return tmp_path


ENTRY = "  - {id: mayor, name: 林, name_en: Lin, title: 市长, title_en: Mayor"


@pytest.mark.parametrize("text, field", [
    ("leaders: 5\n", "leaders"),
    ("leaders:\n  - 5\n", "leaders[0]"),
    ("leaders:\n  - {id: mayor}\n", "leaders[0].name"),
    (f"leaders:\n{ENTRY}, id: Mayor!}}\n", "leaders[0].id"),
    (f"leaders:\n{ENTRY}}}\n{ENTRY}}}\n", "leaders[1].id"),
    (f"leaders:\n{ENTRY}, order: first}}\n", "leaders[0].order"),
    (f"leaders:\n{ENTRY}, email: not-an-address}}\n", "leaders[0].email"),
    (f"leaders:\n{ENTRY}, phone: call me}}\n", "leaders[0].phone"),
    (f"leaders:\n{ENTRY}, colour: red}}\n", "leaders[0].colour"),
    ("boards: []\n", "boards"),
])
def test_a_bad_leaders_file_names_the_field(tmp_path, text, field):
    with pytest.raises(ContentError) as err:
        load_leaders(_write(tmp_path, text))
    assert err.value.field == field and err.value.file.endswith("leaders.yaml")


def test_leaders_are_in_board_order(tmp_path):
    text = (f"leaders:\n{ENTRY.replace('mayor', 'b')}, order: 2}}\n"
            f"{ENTRY.replace('mayor', 'a')}, order: 1}}\n")
    assert [x.id for x in load_leaders(_write(tmp_path, text))] == ["a", "b"]


@pytest.mark.parametrize("text, field", [
    ("escalated: 5\n", "escalated"),
    ("escalated:\n  colour: red\n", "escalated.colour"),
    ("escalated:\n  subject: \"{nobody}\"\n", "escalated.subject"),
    ("escalated:\n  sms: \"\"\n", "escalated.sms"),
])
def test_bad_escalation_wording_names_the_field(tmp_path, text, field):
    (tmp_path / "notifications.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_notify_file(tmp_path)
    assert err.value.field == field


def _letter() -> Letter:
    at = cst(2026, 11, 23, 9, 0)
    letter = Letter(id="l1", tracking_code="WZ00000001", secret_hash="x", type=LetterType.help,
                    subject="路灯不亮" * 20, body="小区路灯坏了。", public=True, submitted_at=at,
                    name="王小明", phone="13812345678", email="wang@example.com")
    letter.record_submission(at)
    return letter


def test_escalation_states_and_repeats():
    at = cst(2026, 11, 23, 10, 0)
    letter = _letter()
    leaders.escalate(letter, "mayor", "请阅", "office-1", at)
    assert leaders.leaders_of(letter) == ["mayor"]
    with pytest.raises(leaders.Conflict):
        leaders.escalate(letter, "mayor", "again", "office-1", at)
    for status in (Status.published, Status.closed, Status.rejected):
        letter.status = status
        with pytest.raises(leaders.InvalidTransition):
            leaders.escalate(letter, "vice", "", "office-1", at)
        with pytest.raises(leaders.InvalidTransition):
            leaders.record_instruction(letter, "mayor", "好", "office-1", at)


def test_the_escalation_message_quotes_a_short_subject_and_no_writer_data():
    at = cst(2026, 11, 23, 10, 0)
    letter = _letter()
    leaders.escalate(letter, "mayor", "请阅", "office-1", at)
    mayor = leaders.Leader("mayor", "林远舟", "Lin Yuanzhou", "市长", "Mayor",
                           phone="138 0000 0001", email="mayor@city.example")
    notes = leaders.escalation_messages(letter, mayor, letter.history[-1].seq, at, NOTIFY)
    assert [str(n.channel) for n in notes] == ["email", "sms"]
    assert notes[1].to == "+8613800000001"
    for n in notes:
        assert n.letter_id == "l1" and "https://wenzheng.test/staff/#/letters/l1" in n.body
        assert "王小明" not in n.body and "13812345678" not in n.body
        assert "wang@example.com" not in n.body
    assert "请阅" in notes[0].body and "Mayor Lin Yuanzhou" in notes[0].body
    assert len(notes[0].subject) < 60
