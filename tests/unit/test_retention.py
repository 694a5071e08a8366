"""domain/retention.py and content/retention.yaml: when a letter is finished, what a purge
removes (never the public version; a private letter's text redacted) and how it is recorded."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib.adapters.content_files import ContentError
from chalicelib.adapters.content_retention import load_retention
from chalicelib.domain import retention
from chalicelib.domain.errors import InvalidTransition
from chalicelib.domain.letters import Letter, LetterType, Limits, Publication
from fakes import FakeCalendar, cst

T0 = cst(2026, 11, 23, 9, 0)
H = timedelta(hours=1)
CONTENT = Path(__file__).resolve().parents[2] / "content"


def letter(public: bool = True, body: str = "道路破损，电话 13900001111，我是王小明。") -> Letter:
    x = Letter(id="l1", tracking_code="WZ1", secret_hash="0" * 64, type=LetterType.complaint,
               subject="道路破损", body=body, public=public, submitted_at=T0, name="王小明",
               phone="13812345678", email="wang@example.com")
    x.record_submission(T0)
    return x


def finished(public: bool = True) -> Letter:
    x = letter(public)
    cal = FakeCalendar()
    x.dispatch("housing", "office-1", T0 + H, cal, Limits())
    x.sign("clerk", T0 + 2 * H)
    reply = x.reply("已修复。", "clerk", T0 + 3 * H, cal)
    pub = Publication(subject=x.subject, body=["道路破损"], reply=[reply.body],
                      reply_department="housing", reply_at=reply.at, name="王**",
                      category=None, approved_at=T0 + 4 * H, first_published_at=T0 + 4 * H)
    x.approve("office-1", T0 + 4 * H, publish=public, category=None,
              public_version=pub if public else None)
    return x


def test_a_letter_is_finished_when_published_closed_or_rejected():
    assert retention.finished_at(letter()) is None
    assert retention.finished_at(finished()) == T0 + 4 * H
    assert retention.finished_at(finished(public=False)) == T0 + 4 * H
    rejected = letter()
    rejected.reject("无效", "office-1", T0 + H)
    assert retention.finished_at(rejected) == T0 + H


def test_past_retention_after_the_period():
    policy = retention.Retention(contact_days=30)
    x = finished()
    assert not retention.past_retention(x, policy, T0 + timedelta(days=30))
    assert retention.past_retention(x, policy, T0 + 4 * H + timedelta(days=30, seconds=1))
    assert not retention.past_retention(letter(), policy, T0 + timedelta(days=999))


def test_a_purge_keeps_the_public_version_and_records_what_went():
    x = finished()
    public_version, body = x.publication, x.body
    event = retention.purge(x, "system", T0 + timedelta(days=2000), why="retention")
    assert (x.name, x.phone, x.email) == (None, None, None)
    assert x.publication == public_version and x.body == body      # public: text kept as is
    assert event.action == retention.PURGED and event.to_status is None
    assert event.data == {"why": "retention", "fields": ["name", "phone", "email"]}
    assert "13812345678" not in str(event.to_dict())
    assert not retention.holds_personal_data(x)


def test_a_private_letters_text_loses_its_personal_data():
    x = finished(public=False)
    retention.purge(x, "system", T0 + timedelta(days=2000), why="retention")
    assert "13900001111" not in x.body and "王小明" not in x.body and "道路破损" in x.body
    assert x.history[-1].data["fields"] == ["name", "phone", "email", "text"]
    kept = finished(public=False)
    retention.purge(kept, "system", T0, why="retention",
                    policy=retention.Retention(redact_private_text=False))
    assert "13900001111" in kept.body


def test_an_erasure_of_nothing_is_refused():
    x = letter()
    retention.purge(x, "office-1", T0, why="erasure", reason="来电要求")
    with pytest.raises(InvalidTransition) as err:
        retention.purge(x, "office-1", T0, why="erasure", reason="再次")
    assert err.value.code == "already_erased"


def test_the_content_file_loads():
    policy = load_retention(CONTENT)
    assert policy.contact_days == 3 * 365 and policy.redact_private_text
    assert load_retention(Path("/nonexistent")) == retention.Retention()


@pytest.mark.parametrize("text, key", [
    ("contact_years: 0\n", "contact_years"), ("contact_years: three\n", "contact_years"),
    ("redact_private_text: 1\n", "redact_private_text"), ("keep_forever: true\n", "keep_forever"),
    ("per_run: -5\n", "per_run")])
def test_a_bad_content_file_names_the_key(tmp_path, text, key):
    (tmp_path / "retention.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=key):
        load_retention(tmp_path)


def _note(kind, to="wang@example.com", status="sent", subject="【黄灯提醒】王小明反映道路破损",
          body="王小明（13900001111）反映：道路破损。"):
    from chalicelib.domain.notifications import Channel, Delivery, Kind, Notification
    at = cst(2026, 11, 23, 9)
    return Notification(id=f"a1.3.{kind}", kind=Kind(kind), channel=Channel.email, to=to,
                        subject=subject, body=body, created_at=at, not_after=at + timedelta(days=3),
                        letter_id="a1", status=Delivery(status))


@pytest.mark.parametrize("kind", ["receipt", "new_secret", "reply_released", "rating_followup"])
def test_a_message_to_the_writer_keeps_neither_their_address_nor_its_words(kind):
    from chalicelib.domain import notifications as N
    sent = _note(kind)
    assert sent.forget_writer(["王小明"]) is True
    assert (sent.to, sent.body, sent.status) == (N.ADDRESS_FORGOTTEN, N.WRITER_FORGOTTEN,
                                                 N.Delivery.sent)
    assert "王小明" not in sent.subject
    assert sent.forget_writer(["王小明"]) is False                      # once is enough
    pending = _note(kind, status="pending")
    assert pending.forget_writer([]) is True
    assert pending.status == N.Delivery.expired and not pending.is_due(pending.created_at)


def test_a_message_to_an_office_keeps_its_address_and_loses_the_writers_name():
    from chalicelib.domain import notifications as N
    note = _note("light_yellow", to="housing@city.example")
    assert note.forget_writer(["王小明"]) is True
    assert note.to == "housing@city.example" and note.status == N.Delivery.sent
    for text in (note.subject, note.body):
        assert "王小明" not in text and "13900001111" not in text
    assert "道路破损" in note.body                                      # the case, still told
    plain = _note("digest", to="office@city.example", subject="每日督办", body="今日 3 件。")
    assert plain.forget_writer([]) is False                            # nothing of the writer
