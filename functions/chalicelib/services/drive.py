"""Suggestion drives (市民月·献计策): the checks a letter sent to a drive passes, and the
office's decision whether a drive's suggestion was adopted (domain/drive.py has the counters).

A drive is a topic of kind `drive` defined by commit (content/drives/); its suggestions are
ordinary letters of type `suggestion` with `campaign` set, dispatched by the office and answered
by departments as usual. "Adopted" is the office's decision, made when it approves the reply
(`POST /api/staff/letters/{id}/approve` with `adopted`), recorded in the approve event.
"""
from __future__ import annotations

from datetime import datetime

from ..domain import drive
from ..domain.consultations import Kind
from ..domain.errors import Invalid
from ..domain.letters import Letter, LetterType
from .ports import UnitOfWork


def check_campaign(uow: UnitOfWork, campaign: str | None, letter_type: LetterType,
                   now: datetime) -> None:
    """A letter may name a drive that exists (400 `unknown_campaign`), only as a suggestion
    (400), and only while the drive is open (410 `topic_not_open` / `topic_closed`)."""
    if campaign is None:
        return
    topic = uow.get_topic(campaign)
    if topic is None or topic.kind != Kind.drive:
        raise Invalid("unknown_campaign", field="campaign")
    if not drive.campaign_allowed(letter_type):
        raise Invalid("campaign_suggestion_only", field="type")
    topic.check_open(now)


def mark_adopted(letter: Letter, adopted: bool | None) -> None:
    """Called after `letter.approve`: the office's verdict on a drive's suggestion, recorded in
    the approve event just written (None leaves an earlier verdict as it is)."""
    if adopted is None:
        return
    if not letter.campaign:
        raise Invalid("adopted_campaign_only", field="adopted")
    letter.adopted = adopted
    event = letter.history[-1]
    event.data["adopted"] = adopted
