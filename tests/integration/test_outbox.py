"""Every committed change writes one outbox record that says what the publisher must redo."""
from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidTransition
from chalicelib.services import letters as services
from fakes import HOUSING_CLERK, OFFICE, letter_payload


def last_change(store):
    return store.pending_changes(10_000)[-1]


def test_each_step_writes_one_change_naming_what_it_touched(ctx, store, clock):
    _, a = services.submit_letter(ctx, letter_payload())
    lid = a["id"]
    assert len(store.pending_changes()) == 1
    change = last_change(store)
    assert change.letters == [lid] and change.public is False and change.periods == []

    services.dispatch_letter(ctx, OFFICE, lid, {"department": "housing"})
    change = last_change(store)
    assert change.departments == ["housing"]
    assert change.periods == ["2026", "2026-11", "2026-Q4", "all"]   # 'received' moved
    assert change.public is False

    services.sign_letter(ctx, HOUSING_CLERK, lid, {})
    services.reply_to_letter(ctx, HOUSING_CLERK, lid, {"body": "已办"})
    services.approve_reply(ctx, OFFICE, lid, {"publish": True})
    change = last_change(store)
    assert change.public is True and change.published == [lid] and change.months == ["2026-11"]

    services.order_redo(ctx, OFFICE, lid, {"reason": "不具体"})
    assert last_change(store).published == [] and last_change(store).public is True
    services.reply_to_letter(ctx, HOUSING_CLERK, lid, {"body": "补充"})
    services.approve_reply(ctx, OFFICE, lid, {"publish": False})
    change = last_change(store)
    assert change.withdrawn == [lid] and change.months == ["2026-11"]
    assert store.get_letter(lid).publication is None
    assert len(store.pending_changes(10_000)) == 8


def test_a_refused_change_writes_no_record(ctx, store):
    _, a = services.submit_letter(ctx, letter_payload())
    before = len(store.pending_changes())
    with pytest.raises(InvalidTransition):
        services.approve_reply(ctx, OFFICE, a["id"], {"publish": True})
    assert len(store.pending_changes()) == before
