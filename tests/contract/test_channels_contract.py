"""Every store keeps a taken letter's channel (its `source`) and the history that names the
operator, and its open-data row says the channel; a letter received before it was taken down
counts in the month it was received (its `submitted_at`), in the month's open rows and index."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.domain.letters import Letter, LetterType
from chalicelib.domain.open_data import stored_row


def _taken(n: int, received, taken, channel: str) -> Letter:
    letter = Letter(id=f"c{n:04d}", tracking_code=f"WZC{n:07d}", secret_hash="5e" * 32,
                    type=LetterType.help, subject=f"来电反映 {n}", body="路灯不亮，请尽快维修。",
                    public=False, submitted_at=received, phone="13812345678",
                    source=channel)
    letter.record_intake("operator-1", taken)
    return letter


def test_a_taken_letter_keeps_its_channel_operator_and_received_month(store, t0):
    received = t0 - timedelta(days=25)           # 29 October, taken down on 23 November
    with store.unit_of_work() as uow:
        for n, channel in enumerate(("phone", "sms", "fax", "wechat"), 1):
            uow.add_letter(_taken(n, received + timedelta(hours=n), t0, channel))
        uow.commit()
    got = store.get_letter("c0002")
    assert got.source == "sms" and got.submitted_at == received + timedelta(hours=2)
    first = got.history[0]
    assert (first.action, first.actor, first.data["channel"]) == ("submit", "operator-1", "sms")
    assert first.at == got.submitted_at and first.data["taken_at"] == t0.isoformat()
    rows = store.open_rows(received, received + timedelta(days=1))
    assert [r["channel"] for r in rows] == ["phone", "sms", "fax", "wechat"]
    assert rows == [stored_row(store.get_letter(f"c{n:04d}")) for n in range(1, 5)]
    assert store.open_rows(t0 - timedelta(days=1), t0 + timedelta(days=1)) == []
