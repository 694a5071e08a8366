"""The leader index (adapters/leader_index.py) on every adapter: the letters addressed or
escalated to a leader for the leader's console (`staff#`), those addressed to a board for its
figures (`to#`), and the published ones on the board (`board#`), newest first and paged, from an
index (never a scan); a withdrawn letter leaves the board, never the console."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import leaders
from chalicelib.domain.letters import Letter

H = timedelta(hours=1)


def ids(letters: list[Letter]) -> list[str]:
    return [x.id for x in letters]


def addressed(make_letter, n: int, at, leader: str | None, **kw) -> Letter:
    letter = make_letter(n, at, **kw)
    letter.leader = leader
    return letter


class TestLeaderIndex:
    def test_a_board_lists_its_published_letters_newest_first_and_counts_all(
            self, store, desk, make_letter, t0):
        desk.handle(addressed(make_letter, 1, t0, "mayor"), "housing", t0 + 5 * H)
        desk.handle(addressed(make_letter, 2, t0 + H, "mayor"), "housing", t0 + 6 * H)
        desk.handle(addressed(make_letter, 3, t0 + 2 * H, "mayor", public=False), "housing",
                    t0 + 7 * H, publish=False)
        desk.handle(addressed(make_letter, 4, t0 + 3 * H, "vice"), "housing", t0 + 8 * H)
        desk.add(addressed(make_letter, 5, t0 + 4 * H, None))
        assert ids(store.leader_letters("board#mayor")) == ["l0002", "l0001"]
        assert store.count_leader_letters("board#mayor") == 2
        assert ids(store.leader_letters("to#mayor")) == ["l0003", "l0002", "l0001"]
        assert store.count_leader_letters("to#mayor") == 3
        assert ids(store.leader_letters("board#vice")) == ["l0004"]
        assert ids(store.leader_letters("to#mayor", offset=1, limit=1)) == ["l0002"]
        assert store.leader_letters("to#nobody") == []
        assert store.count_leader_letters("to#nobody") == 0
        # the figures read the letters whole (their history says what was released)
        figures = leaders.board_figures(store.leader_letters("to#mayor"))
        assert figures["received"] == 3 and figures["replied"] == 3

    def test_the_console_lists_letters_addressed_or_escalated(self, store, desk, make_letter,
                                                              t0):
        desk.add(addressed(make_letter, 1, t0, "mayor"))
        desk.add(addressed(make_letter, 2, t0 + H, None))
        desk.add(addressed(make_letter, 3, t0 + 2 * H, "vice"))
        desk.act("l0002", lambda x: leaders.escalate(x, "mayor", "请阅", "office-1", t0 + 3 * H))
        desk.act("l0003", lambda x: leaders.escalate(x, "mayor", "", "office-1", t0 + 3 * H))
        assert ids(store.leader_letters("staff#mayor")) == ["l0003", "l0002", "l0001"]
        assert store.count_leader_letters("staff#mayor") == 3
        assert ids(store.leader_letters("staff#vice")) == ["l0003"]
        # an escalation puts no letter on the board it was not written to
        assert store.count_leader_letters("to#mayor") == 1
        # an instruction rewrites the entries, and changes none of them
        desk.act("l0002", lambda x: leaders.record_instruction(x, "mayor", "请办理", "mayor-1",
                                                               t0 + 4 * H))
        assert ids(store.leader_letters("staff#mayor")) == ["l0003", "l0002", "l0001"]

    def test_a_withdrawn_letter_leaves_the_board_not_the_console(self, store, desk, make_letter,
                                                                 t0, cal):
        desk.handle(addressed(make_letter, 1, t0, "mayor"), "housing", t0 + 5 * H)
        assert ids(store.leader_letters("board#mayor")) == ["l0001"]
        desk.act("l0001", lambda x: x.order_redo("不完整", "office-1", t0 + 6 * H, cal,
                                                 desk.limits))
        desk.reply("l0001", t0 + 7 * H, "补充答复")
        desk.approve("l0001", t0 + 8 * H, publish=False)      # withdrawn from the site
        assert store.leader_letters("board#mayor") == []
        assert store.count_leader_letters("board#mayor") == 0
        assert ids(store.leader_letters("staff#mayor")) == ["l0001"]
        assert ids(store.leader_letters("to#mayor")) == ["l0001"]

    def test_a_letter_without_a_leader_has_no_entry(self, store, desk, make_letter, t0):
        desk.handle(addressed(make_letter, 1, t0, None), "housing", t0 + 5 * H)
        assert store.count_leader_letters("board#mayor") == 0
        assert store.get_letter("l0001").leader is None
