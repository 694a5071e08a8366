"""The senders behind ports.Sender: SES and SNS (moto at the AWS boundary), the local outbox folder
of `wenzheng serve`, and one sender per channel; vendor errors become SendError."""
from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from chalicelib.adapters.senders import CompositeSender, LocalOutboxSender, SesSender, SnsSender
from chalicelib.api import parse
from chalicelib.domain.errors import SendError
from chalicelib.domain.notifications import Channel, Kind, Notification
from chalicelib.services import casework, supervision
from chalicelib.services import letters as services
from chalicelib.services.commands import ApproveReply, DispatchLetter, ReplyToLetter, SignLetter
from fakes import HOUSING_CLERK, OFFICE, FakeSender, cst, letter_payload, receipts_sent

REGION = "us-east-1"
AT = cst(2026, 11, 23, 9, 0)


def note(channel: Channel = Channel.email, to: str = "wang@example.com", **over) -> Notification:
    fields = dict(id=f"abc.5.{channel}", kind=Kind.reply_released, channel=channel, to=to,
                  subject="您的来信已有答复：小区门口道路破损",
                  body="您好：\n\n请查看答复并评价：https://wenzheng.test/track/?code=WZABC",
                  created_at=AT, not_after=AT + timedelta(days=3), letter_id="abc")
    fields.update(over)
    return Notification(**fields)


@pytest.fixture
def aws():
    with mock_aws():
        yield


def test_ses_sends_from_the_verified_address(aws):
    boto3.client("ses", region_name=REGION).verify_email_identity(
        EmailAddress="noreply@city.example")
    message_id = SesSender("noreply@city.example").send(note())
    (sent,) = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert message_id == sent.id
    assert sent.source == "noreply@city.example"
    assert sent.destinations["ToAddresses"] == ["wang@example.com"]
    assert sent.subject == "您的来信已有答复：小区门口道路破损"
    assert "/track/?code=WZABC" in sent.body


def test_ses_refusing_an_unverified_sender_is_a_send_error(aws):
    with pytest.raises(SendError, match="SES SendEmail failed") as info:
        SesSender("nobody@city.example").send(note())
    assert info.value.__cause__ is not None           # the vendor error is kept as the cause
    assert ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages == []


def test_sns_sends_an_sms_to_the_phone_number(aws):
    sms = note(Channel.sms, "+8613812345678", body="【问政】您的来信已有答复")
    message_id = SnsSender().send(sms)
    messages = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages
    assert messages[message_id] == ("+8613812345678", "【问政】您的来信已有答复")


def test_sns_refusing_a_bad_number_is_a_send_error(aws):
    with pytest.raises(SendError, match="SNS Publish failed"):
        SnsSender().send(note(Channel.sms, "not-a-number"))


def test_a_sender_for_the_wrong_channel_refuses():
    with pytest.raises(SendError):
        SesSender("noreply@city.example", client=object()).send(note(Channel.sms, "+86138"))
    with pytest.raises(SendError):
        SnsSender(client=object()).send(note())


def test_the_composite_sender_routes_by_channel():
    mail, sms = FakeSender(), FakeSender()
    both = CompositeSender({"email": mail, "sms": sms})
    both.send(note())
    both.send(note(Channel.sms, "+8613812345678"))
    assert mail.ids == ["abc.5.email"] and sms.ids == ["abc.5.sms"]
    with pytest.raises(SendError, match="no sender for channel sms"):
        CompositeSender({"email": mail}).send(note(Channel.sms, "+8613812345678"))


def test_nothing_connects_when_a_sender_is_built():
    assert SesSender("noreply@city.example")._client is None
    assert SnsSender()._client is None


def test_the_local_outbox_writes_eml_and_txt_files(tmp_path):
    outbox = LocalOutboxSender(tmp_path / "outbox", "noreply@city.example")
    path = outbox.send(note())
    outbox.send(note(Channel.sms, "+8613812345678", body="【问政】短信"))
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["abc.5.email.eml",
                                                                       "abc.5.sms.txt"]
    msg = email.message_from_bytes((tmp_path / "outbox" / "abc.5.email.eml").read_bytes(),
                                   policy=policy.default)
    assert path.endswith("abc.5.email.eml")
    assert (msg["From"], msg["To"]) == ("noreply@city.example", "wang@example.com")
    assert msg["Subject"] == "您的来信已有答复：小区门口道路破损"
    assert msg["X-Wenzheng-Notification"] == "abc.5.email"
    assert "https://wenzheng.test/track/?code=WZABC" in msg.get_content()
    sms = (tmp_path / "outbox" / "abc.5.sms.txt").read_text(encoding="utf-8")
    assert sms.startswith("To: +8613812345678\n") and "【问政】短信" in sms


def test_a_folder_that_cannot_be_written_is_a_send_error(tmp_path):
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(SendError):
        LocalOutboxSender(blocker).send(note())


def test_the_writer_gets_the_link_and_never_the_secret(ctx, store, clock, tmp_path):
    """The whole path: a reply released through the use cases, delivered to the local outbox."""
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    receipts_sent(ctx, a['id'])
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    casework.sign_letter(ctx, HOUSING_CLERK, a["id"], SignLetter())
    casework.reply_to_letter(ctx, HOUSING_CLERK, a["id"], ReplyToLetter(body="已修复。"))
    casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
    outbox = LocalOutboxSender(tmp_path / "outbox", ctx.notify.mail_from)
    sent = supervision.deliver_notifications(ctx, outbox, clock())["sent"]
    assert sorted(sent) == [f"{a['id']}.5.email", f"{a['id']}.5.sms"]
    files = {p.name: p.read_bytes() for p in (tmp_path / "outbox").iterdir()}
    assert sorted(files) == [f"{a['id']}.5.email.eml", f"{a['id']}.5.sms.txt"]
    link = f"https://wenzheng.test/track/?code={a['tracking_code']}"
    msg = email.message_from_bytes(files[f"{a['id']}.5.email.eml"], policy=policy.default)
    body = msg.get_content()
    assert msg["To"] == "wang@example.com" and link in body and "小区门口道路破损" in body
    sms = files[f"{a['id']}.5.sms.txt"].decode("utf-8")
    assert "To: +8613812345678" in sms and link in sms
    # the decoded texts (the .eml body is transfer-encoded): no secret, no hash of it
    secret_hash = store.get_letter(a["id"]).secret_hash
    for text in (body, str(msg["Subject"]), sms):
        assert a["secret"] not in text and secret_hash not in text


def test_the_delivery_job_through_ses_and_sns(aws, ctx, store, clock):
    boto3.client("ses", region_name=REGION).verify_email_identity(
        EmailAddress=ctx.notify.mail_from)
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    receipts_sent(ctx, a['id'])
    casework.dispatch_letter(ctx, OFFICE, a["id"], DispatchLetter(department="housing"))
    casework.sign_letter(ctx, HOUSING_CLERK, a["id"], SignLetter())
    casework.reply_to_letter(ctx, HOUSING_CLERK, a["id"], ReplyToLetter(body="已修复。"))
    casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=False))
    aws_sender = CompositeSender({"email": SesSender(ctx.notify.mail_from), "sms": SnsSender()})
    assert sorted(supervision.deliver_notifications(ctx, aws_sender, clock())["sent"]) == [
        f"{a['id']}.5.email", f"{a['id']}.5.sms"]
    (mail,) = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert mail.destinations["ToAddresses"] == ["wang@example.com"]
    assert f"/track/?code={a['tracking_code']}" in mail.body and a["secret"] not in mail.body
    ((phone, text),) = sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
    assert phone == "+8613812345678" and a["tracking_code"] in text
    note = store.get_notification(f"{a['id']}.5.email")
    assert note.message_id == mail.id and note.sent_at == clock()
