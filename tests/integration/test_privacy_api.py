"""Personal data over time through the API and the scheduled job (services/privacy.py,
services/erasure.py): the office's erasure of a writer's data, the admin's list of who read a
letter's private fields (a role x route matrix), and the retention purge of the tick and of
`wenzheng privacy purge`."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from chalicelib.domain import retention
from chalicelib.services import privacy, supervision
from fakes import letter_payload

ROLES = ("office-1", "clerk-h", "clerk-t", "admin-1")


def submit(api, **over) -> str:
    status, body = api.call("POST", "/api/letters", letter_payload(**over))
    assert status == 201, body
    return str(body["id"])


def answered(api, clock, **over) -> str:
    """A letter dispatched to housing, replied, published and rated: finished."""
    lid = submit(api, **over)
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                    as_user="office-1")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "已修复。"},
                    as_user="clerk-h")[0] == 200
    status, body = api.call("POST", f"/api/staff/letters/{lid}/approve",
                            {"publish": True, "category": "城乡建设"}, as_user="office-1")
    assert status == 200, body
    return lid


def code(body) -> str:
    return str(body["error"]["code"])


class TestErase:
    def test_only_the_office_erases(self, api):
        lid = submit(api)
        api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                 as_user="office-1")
        path = f"/api/staff/letters/{lid}/erase"
        status, body = api.call("POST", path, {"reason": "来信人来电要求删除"})
        assert status == 401
        for user in ("clerk-h", "clerk-t", "admin-1"):
            status, body = api.call("POST", path, {"reason": "来信人来电要求删除"}, as_user=user)
            assert status == 403, (user, body)
        status, body = api.call("POST", path, {"reason": "来信人来电要求删除"},
                                as_user="office-1")
        assert status == 200, body
        assert (body["name"], body["phone"], body["email"]) == (None, None, None)
        last = body["history"][-1]
        assert last["action"] == retention.PURGED and last["reason"] == "来信人来电要求删除"
        assert last["data"] == {"why": "erasure", "fields": ["name", "phone", "email"]}
        assert body["status"] == "dispatched"            # the case goes on, without them
        status, body = api.call("POST", path, {"reason": "再次"}, as_user="office-1")
        assert status == 409 and code(body) == "already_erased"

    @pytest.mark.parametrize("payload, expected", [
        ({}, "required"), ({"reason": ""}, "empty"), ({"reason": "x" * 501}, "too_long"),
        ({"reason": 3}, "wrong_type"), ({"reason": "好", "extra": 1}, "unknown_field")])
    def test_bad_bodies_are_400(self, api, payload, expected):
        lid = submit(api)
        status, body = api.call("POST", f"/api/staff/letters/{lid}/erase", payload,
                                as_user="office-1")
        assert status == 400 and code(body) == expected, body

    def test_an_unknown_letter_is_404(self, api):
        status, body = api.call("POST", "/api/staff/letters/nope/erase", {"reason": "好"},
                                as_user="office-1")
        assert status == 404


class TestAccessRecords:
    def test_every_read_of_the_private_fields_is_recorded(self, api, clock):
        lid = submit(api)
        api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                 as_user="office-1")
        clock.advance(minutes=1)
        assert api.call("GET", f"/api/staff/letters/{lid}", as_user="clerk-h")[0] == 200
        clock.advance(minutes=1)
        assert api.call("GET", f"/api/staff/letters/{lid}/preview", as_user="office-1")[0] == 200
        clock.advance(minutes=1)
        assert api.call("GET", f"/api/staff/letters/{lid}", as_user="clerk-t")[0] == 403
        status, body = api.call("GET", f"/api/staff/letters/{lid}/access", as_user="admin-1")
        assert status == 200, body
        assert [(r["who"], r["what"]) for r in body["records"]] == [
            ("office-1", "action"),              # the dispatch's answer shows them too
            ("clerk-h", "letter"), ("office-1", "preview")]      # a refused read read nothing
        assert body["records"][1]["at"] == (clock() - timedelta(minutes=2)).astimezone(
            UTC).isoformat()

    def test_only_the_admin_reads_them(self, api):
        lid = submit(api)
        path = f"/api/staff/letters/{lid}/access"
        assert api.call("GET", path)[0] == 401
        for user in ("office-1", "clerk-h", "clerk-t"):
            status, body = api.call("GET", path, as_user=user)
            assert status == 403, (user, body)
        assert api.call("GET", "/api/staff/letters/nope/access", as_user="admin-1")[0] == 404


class TestRetentionPurge:
    def test_the_tick_purges_past_the_period_and_keeps_the_rest(self, api, ctx, clock):
        old = answered(api, clock)
        private = answered(api, clock, public=False, body="请联系我 13900001111 王小明")
        clock.advance(days=400)
        api.login_all()                       # tokens last 8 hours
        recent = answered(api, clock)
        # nobody rated: the writers were asked (the tick), then the letters wait no more
        supervision.tick(ctx, clock() + timedelta(days=30))
        before = ctx.store.get_letter(old)
        stats_before = {p: ctx.store.stats(p) for p in ctx.store.stats_periods()}
        at = before.submitted_at + timedelta(days=3 * 365 + 2)
        dry = privacy.purge_past_retention(ctx, at, dry_run=True)
        assert sorted(dry["due"]) == sorted([old, private]) and dry["purged"] == []
        assert ctx.store.get_letter(old).phone == "13812345678"
        result = supervision.tick(ctx, at)
        assert sorted(result["personal_data_purged"]) == sorted([old, private])
        got = ctx.store.get_letter(old)
        assert (got.name, got.phone, got.email) == (None, None, None)
        assert got.publication == before.publication                 # the public version
        assert got.history[-1].action == retention.PURGED and got.history[-1].actor == "system"
        hidden = ctx.store.get_letter(private)
        assert "13900001111" not in hidden.body and "王小明" not in hidden.body
        assert "text" in hidden.history[-1].data["fields"]
        assert ctx.store.get_letter(recent).phone == "13812345678"   # not yet
        assert supervision.tick(ctx, at)["personal_data_purged"] == []     # once
        assert {p: ctx.store.stats(p) for p in ctx.store.stats_periods()} == stats_before


class TestNotificationsForgetTheWriter:
    """What was sent keeps no address or personal data of a writer whose data went, by an
    erasure or by the retention purge; a message still pending is given up."""

    @staticmethod
    def _left(ctx, lid: str) -> str:
        import json
        return json.dumps([n.to_dict() for n in ctx.store.list_notifications(lid)],
                          ensure_ascii=False)

    def test_an_erasure_takes_the_address_out_of_what_was_sent(self, api, ctx, clock, sender):
        from chalicelib.domain.notifications import ADDRESS_FORGOTTEN, WRITER_KINDS, Delivery
        lid = answered(api, clock)
        supervision.deliver_notifications(ctx, sender, clock())
        notes = ctx.store.list_notifications(lid)
        assert {n.kind for n in notes} & WRITER_KINDS                 # the receipt, the reply
        assert "wang@example.com" in self._left(ctx, lid)
        clock.advance(days=1)
        api.login_all()
        status, body = api.call("POST", f"/api/staff/letters/{lid}/erase",
                                {"reason": "来信人来电要求删除"}, as_user="office-1")
        assert status == 200, body
        left = self._left(ctx, lid)
        for private in ("wang@example.com", "13812345678", "+8613812345678", "王小明"):
            assert private not in left, private
        for note in ctx.store.list_notifications(lid):
            if note.kind in WRITER_KINDS:
                assert note.to == ADDRESS_FORGOTTEN and note.status != Delivery.pending
        # the second erasure is refused and changes nothing
        assert api.call("POST", f"/api/staff/letters/{lid}/erase", {"reason": "再次"},
                        as_user="office-1")[0] == 409
        assert self._left(ctx, lid) == left

    def test_the_purge_gives_up_a_pending_message_and_forgets_the_sent(self, api, ctx, clock,
                                                                       sender):
        from chalicelib.domain.notifications import Delivery
        lid = answered(api, clock)
        supervision.deliver_notifications(ctx, sender, clock())
        supervision.tick(ctx, clock() + timedelta(days=30))           # the rating follow-up
        assert any(n.status == Delivery.pending for n in ctx.store.list_notifications(lid))
        at = ctx.store.get_letter(lid).submitted_at + timedelta(days=3 * 365 + 40)
        assert privacy.purge_past_retention(ctx, at)["purged"] == [lid]
        left = self._left(ctx, lid)
        assert "wang@example.com" not in left and "13812345678" not in left
        assert not any(n.status == Delivery.pending for n in ctx.store.list_notifications(lid))
        sent_before = len(sender.sent)
        supervision.deliver_notifications(ctx, sender, at)
        assert len(sender.sent) == sent_before                        # nothing goes out
