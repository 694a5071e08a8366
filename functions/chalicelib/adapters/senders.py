"""Senders: the adapters behind `ports.Sender` that deliver a notification.

- `SesSender`: e-mail through Amazon SES (`SendEmail`, from a verified identity);
- `SnsSender`: SMS through Amazon SNS (`Publish` to a phone number, transactional);
- `LocalOutboxSender`: `.eml` (e-mail) and `.txt` (SMS) files in a folder, for `wenzheng serve`
  and tests (read them with any mail program, or `cat`);
- `CompositeSender`: one sender per channel.

Vendor errors become `SendError` (`raise ... from exc`); the delivery job records them and
retries. Clients are created on first use, so building a sender connects to nothing.
"""
from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..domain.errors import SendError
from ..domain.notifications import Channel, Notification
from ..services.ports import Sender


def email_message(n: Notification, mail_from: str) -> EmailMessage:
    """The notification as an RFC 5322 message (UTF-8 plain text)."""
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = n.to
    msg["Subject"] = n.subject
    msg["Date"] = format_datetime(n.created_at)
    msg["Message-ID"] = make_msgid(idstring=n.id.replace(".", "-"),
                                   domain=mail_from.rpartition("@")[2] or "localhost")
    msg["X-Wenzheng-Notification"] = n.id
    msg.set_content(n.body, charset="utf-8")
    return msg


class _LazyClient:
    def __init__(self, service: str, client: Any = None) -> None:
        self._service = service
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config
                    self._client = boto3.client(self._service, config=Config(
                        retries={"mode": "standard", "max_attempts": 3}))
        return self._client


class SesSender(_LazyClient):
    """E-mail through SES; `mail_from` must be a verified identity of the account."""

    def __init__(self, mail_from: str, client: Any = None) -> None:
        super().__init__("ses", client)
        self.mail_from = mail_from

    def send(self, notification: Notification) -> str:
        if notification.channel != Channel.email:
            raise SendError(f"SES sends e-mail, not {notification.channel}")
        try:
            answer = self.client.send_email(
                Source=self.mail_from, Destination={"ToAddresses": [notification.to]},
                Message={"Subject": {"Data": notification.subject, "Charset": "UTF-8"},
                         "Body": {"Text": {"Data": notification.body, "Charset": "UTF-8"}}},
                Tags=[{"Name": "kind", "Value": str(notification.kind)}])
        except (ClientError, BotoCoreError) as exc:
            raise SendError(f"SES SendEmail failed: {exc}") from exc
        return str(answer["MessageId"])


class SnsSender(_LazyClient):
    """SMS through SNS (`Publish` with a phone number in E.164), marked transactional."""

    def __init__(self, client: Any = None, sender_id: str | None = None) -> None:
        super().__init__("sns", client)
        self.sender_id = sender_id

    def send(self, notification: Notification) -> str:
        if notification.channel != Channel.sms:
            raise SendError(f"SNS sends SMS, not {notification.channel}")
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String",
                                              "StringValue": "Transactional"}}
        if self.sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String",
                                                  "StringValue": self.sender_id}
        try:
            answer = self.client.publish(PhoneNumber=notification.to, Message=notification.body,
                                         MessageAttributes=attributes)
        except (ClientError, BotoCoreError) as exc:
            raise SendError(f"SNS Publish failed: {exc}") from exc
        return str(answer["MessageId"])


class LocalOutboxSender:
    """Writes each notification as a file: `{id}.eml` for e-mail, `{id}.txt` for SMS."""

    def __init__(self, folder: str | Path, mail_from: str = "noreply@localhost") -> None:
        self.folder = Path(folder)
        self.mail_from = mail_from

    def send(self, notification: Notification) -> str:
        if notification.channel == Channel.email:
            name = f"{notification.id}.eml"
            data = email_message(notification, self.mail_from).as_bytes()
        else:
            name = f"{notification.id}.txt"
            data = (f"To: {notification.to}\nDate: {notification.created_at.isoformat()}\n\n"
                    f"{notification.body}\n").encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # write then rename, so a reader never sees half a message
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.folder / name)
        except OSError as exc:
            raise SendError(f"cannot write {self.folder / name}: {exc}") from exc
        return str(self.folder / name)


class CompositeSender:
    """One sender per channel (e-mail by SES, SMS by SNS)."""

    def __init__(self, by_channel: Mapping[str, Sender]) -> None:
        self.by_channel = dict(by_channel)

    def send(self, notification: Notification) -> str:
        sender = self.by_channel.get(str(notification.channel))
        if sender is None:
            raise SendError(f"no sender for channel {notification.channel}")
        return sender.send(notification)
