"""No lost or duplicated submissions; concurrent changes to one letter cannot both win."""
from __future__ import annotations

import threading

from chalicelib.api import parse
from chalicelib.domain.errors import ConcurrentUpdate, InvalidTransition
from chalicelib.services import casework
from chalicelib.services import letters as services
from chalicelib.services.commands import DispatchLetter
from fakes import OFFICE, letter_payload


def run_together(n, fn):
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        barrier.wait()
        try:
            results[i] = ("ok", fn(i))
        except Exception as exc:   # noqa: BLE001 - the test inspects what each thread got
            results[i] = ("err", exc)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_submissions_with_one_key_make_one_letter(ctx, store):
    results = run_together(8, lambda i: services.submit_letter(
        ctx, parse.submit_letter(letter_payload(idempotency_key="same-key"))))
    answers = [r[1] for r in results]
    assert all(kind == "ok" for kind, _ in results), results
    assert len({a.body["id"] for a in answers}) == 1
    assert [a.replayed for a in answers].count(False) == 1      # the others are replays
    assert len(store.list_letters()) == 1


def test_concurrent_submissions_without_key_are_all_kept(ctx, store):
    results = run_together(8, lambda i: services.submit_letter(
        ctx, parse.submit_letter(letter_payload(subject=f"第{i}封"))))
    assert all(kind == "ok" for kind, _ in results)
    assert len(store.list_letters()) == 8


def test_two_offices_dispatching_one_letter_cannot_both_win(ctx, store):
    answer = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    results = run_together(6, lambda i: casework.dispatch_letter(
        ctx, OFFICE, answer["id"], DispatchLetter(department="housing" if i % 2 else "transport")))
    wins = [r for r in results if r[0] == "ok"]
    losses = [r[1] for r in results if r[0] == "err"]
    assert len(wins) == 1
    assert all(isinstance(e, (ConcurrentUpdate, InvalidTransition)) for e in losses)
    letter = store.get_letter(answer["id"])
    assert [e.action for e in letter.history] == ["submit", "dispatch"]
    assert letter.department == wins[0][1]["department"]


def test_stale_write_is_refused_and_leaves_no_trace(ctx, store):
    answer = services.submit_letter(ctx, parse.submit_letter(letter_payload())).body
    casework.dispatch_letter(ctx, OFFICE, answer["id"], DispatchLetter(department="housing"))
    changes_before = len(store.pending_changes(1000))
    uow_a, uow_b = store.unit_of_work(), store.unit_of_work()
    a, b = uow_a.get_letter(answer["id"]), uow_b.get_letter(answer["id"])
    a.sign("clerk-h", ctx.clock())
    uow_a.save_letter(a)
    uow_a.commit()
    b.request_transfer("不属于本部门", "clerk-h", ctx.clock())
    uow_b.save_letter(b)
    try:
        uow_b.commit()
        raise AssertionError("the stale commit must fail")
    except ConcurrentUpdate:
        pass
    letter = store.get_letter(answer["id"])
    assert letter.status == "signed"
    assert [e.action for e in letter.history] == ["submit", "dispatch", "sign"]
    assert len(store.pending_changes(1000)) == changes_before + 1


# --- consultations -----------------------------------------------------------------------------

def test_concurrent_comments_with_one_key_make_one_comment(ctx, store):
    from chalicelib.domain import consultations
    from chalicelib.services import topics as topic_services
    from fakes import topic
    topic_services.register_topics(ctx, [topic(), topic("survey", "s")])
    results = run_together(8, lambda i: topic_services.add_comment(
        ctx, "hearing-1",
        parse.add_comment({"body": "意见", "stance": "support", "idempotency_key": "k"}),
        client=f"c{i}"))
    assert all(kind == "ok" for kind, _ in results), results
    assert len({r[1].body["id"] for r in results}) == 1
    assert [r[1].replayed for r in results].count(False) == 1
    responses = run_together(8, lambda i: topic_services.add_response(
        ctx, "s",
        parse.add_response({"answers": {"mode": "bus", "idea": "加密班次"},
                            "idempotency_key": "k"})))
    assert all(kind == "ok" for kind, _ in responses), responses
    assert len(store.topic_comments("hearing-1")) == 1 and len(store.topic_responses("s")) == 1
    assert store.topic_tallies("s") == consultations.recompute(store.topic_comments("s"),
                                                               store.topic_responses("s"))


def test_racing_moderators_cannot_both_win(ctx, store):
    from chalicelib.domain import consultations
    from chalicelib.domain.errors import Conflict
    from chalicelib.services import topics as topic_services
    from fakes import topic
    topic_services.register_topics(ctx, [topic()])
    c = topic_services.add_comment(
        ctx, "hearing-1", parse.add_comment({"body": "意见", "stance": "oppose"})).body
    results = run_together(6, lambda i: (
        topic_services.approve_comment(ctx, OFFICE, c["id"]) if i % 2 else
        topic_services.reject_comment(ctx, OFFICE, c["id"],
                                      parse.reject_comment({"reason": "重复"}))))
    wins = [r[1] for r in results if r[0] == "ok"]
    assert all(isinstance(r[1], Conflict) for r in results if r[0] == "err")
    # pending → approved → rejected is the longest legal sequence: at most two steps win, each
    # recorded once, and the tallies follow the final state
    assert 1 <= len(wins) <= 2
    stored = store.get_comment(c["id"])
    assert len(stored.history) == 1 + len(wins)
    assert stored.status == stored.history[-1]["to"]
    assert store.topic_tallies("hearing-1") == consultations.recompute(
        store.topic_comments("hearing-1"), [])
