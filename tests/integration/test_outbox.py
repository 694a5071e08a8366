"""Every committed change writes one outbox record that says what the publisher must redo."""
from __future__ import annotations

import pytest

from chalicelib.api import parse
from chalicelib.domain.errors import InvalidTransition
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.commands import (
    ApproveReply,
    DispatchLetter,
    OrderRedo,
    ReplyToLetter,
    SignLetter,
)
from fakes import HOUSING_CLERK, OFFICE, letter_payload


def last_change(store):
    return store.pending_changes(10_000)[-1]


def test_each_step_writes_one_change_naming_what_it_touched(ctx, store, clock):
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    lid = a["id"]
    assert len(store.pending_changes()) == 1
    change = last_change(store)
    assert change.letters == [lid] and change.public is False and change.periods == []

    casework.dispatch_letter(ctx, OFFICE, lid, DispatchLetter(department="housing"))
    change = last_change(store)
    assert change.departments == ["housing"]
    assert change.periods == ["2026", "2026-11", "2026-Q4", "all"]   # 'received' moved
    assert change.public is False

    casework.sign_letter(ctx, HOUSING_CLERK, lid, SignLetter())
    casework.reply_to_letter(ctx, HOUSING_CLERK, lid, ReplyToLetter(body="已办"))
    casework.approve_reply(ctx, OFFICE, lid, ApproveReply(publish=True))
    change = last_change(store)
    assert change.public is True and change.published == [lid] and change.months == ["2026-11"]

    casework.order_redo(ctx, OFFICE, lid, OrderRedo(reason="不具体"))
    assert last_change(store).published == [] and last_change(store).public is True
    casework.reply_to_letter(ctx, HOUSING_CLERK, lid, ReplyToLetter(body="补充"))
    casework.approve_reply(ctx, OFFICE, lid, ApproveReply(publish=False))
    change = last_change(store)
    assert change.withdrawn == [lid] and change.months == ["2026-11"]
    assert store.get_letter(lid).publication is None
    assert len(store.pending_changes(10_000)) == 8


def test_a_refused_change_writes_no_record(ctx, store):
    a = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    before = len(store.pending_changes())
    with pytest.raises(InvalidTransition):
        casework.approve_reply(ctx, OFFICE, a["id"], ApproveReply(publish=True))
    assert len(store.pending_changes()) == before
