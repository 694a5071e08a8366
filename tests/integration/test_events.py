"""The function's event handlers: a DynamoDB stream batch publishes the pages its change records
touch (JSON fixture of a real stream event), and the schedule runs the tick."""
from __future__ import annotations

import json
from pathlib import Path

from chalicelib.api import parse
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.commands import ApproveReply, DispatchLetter, ReplyToLetter, SignLetter
from fakes import HOUSING_CLERK, OFFICE, letter_payload, receipts_sent

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "stream_event.json"


class LambdaContext:
    function_name = "wenzheng-dev-publish_changes"
    aws_request_id = "test"


def stream_event_for(change) -> dict:
    raw = FIXTURE.read_text(encoding="utf-8")
    raw = raw.replace("__CHANGE_ID__", change.id)
    raw = raw.replace('"__CHANGE_DOC__"', json.dumps(json.dumps(change.to_dict())))
    return json.loads(raw)


def test_stream_batch_publishes_the_letter_and_clears_pending(function_module, composed, ctx, store,
                                                              tmp_path):
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    receipts_sent(ctx, a['id'])
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    casework.sign_letter(ctx, HOUSING_CLERK, a["id"], SignLetter())
    casework.reply_to_letter(ctx, HOUSING_CLERK, a["id"], ReplyToLetter(body="已修复"))
    casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
    change = store.pending_changes(100)[-1]
    assert change.published == [a["id"]]

    function_module.publish_changes(stream_event_for(change), LambdaContext())

    page = tmp_path / "site" / "letters" / a["id"] / "index.html"
    assert page.is_file()
    html = page.read_text(encoding="utf-8")
    assert "已修复" in html and "13812345678" not in html and "王小明" not in html
    assert change.id not in {c.id for c in store.pending_changes(100)}


def test_records_that_are_not_change_inserts_are_ignored(function_module, composed, tmp_path):
    event = json.loads(FIXTURE.read_text(encoding="utf-8"))
    event["Records"] = event["Records"][1:]            # only the MODIFY of a letter item
    function_module.publish_changes(event, LambdaContext())
    assert not (tmp_path / "site").exists()


def test_schedule_runs_the_tick_and_delivers(function_module, composed, ctx, store, clock,
                                              tmp_path):
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    receipts_sent(ctx, a['id'])
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    clock.advance(days=3)
    function_module.tick({"version": "0", "id": "e1", "detail-type": "Scheduled Event",
                          "source": "aws.events", "account": "000000000000",
                          "time": "2026-11-26T01:00:00Z", "region": "us-east-1",
                          "resources": [], "detail": {}}, LambdaContext())
    # three days late: yellow and red are both recorded, in order, and the department is told
    lights = [e.data["to"] for e in store.get_letter(a["id"]).history if e.action == "light"]
    assert lights == ["yellow", "red"]
    sent = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert [name for name in sent if name.startswith(a["id"])] == [
        f"{a['id']}.3.email.eml", f"{a['id']}.4.email.eml"]
