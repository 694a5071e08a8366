"""The demo city's interview programme: held sessions with classified questions (one demand
made a letter, published and linked both ways) and two evaluators' scores of each."""
from __future__ import annotations

from dataclasses import replace

from chalicelib import bootstrap
from chalicelib.adapters.clock import ManualClock
from chalicelib.domain.consultations import Kind
from fakes import cst
from wenzheng.cli import register_topics
from wenzheng.demo import seed_demo

SECRET = "a-test-token-secret-that-is-long-enough-0123456789"


def test_the_demo_city_holds_interviews_with_classified_questions_and_scores(tmp_path):
    settings = bootstrap.Settings(stage="local", data_dir=tmp_path, token_secret=SECRET)
    now = cst(2026, 12, 7, 9)
    composed = bootstrap.build(settings, clock=ManualClock(now))
    ctx = replace(composed.ctx, clock=ManualClock(now))
    register_topics(ctx, settings)
    counts = seed_demo(ctx, now, letters=14)["interviews"]
    assert counts["letters"] == 1 and counts["classified"] >= 5
    store = ctx.store
    held = [t for t in store.list_topics() if t.kind == Kind.interview and t.closes <= now]
    assert len(held) >= 3
    assert counts["evaluations"] == 2 * len(held)
    for topic in held:
        assert sorted(topic.evaluations) == ["demo-deputy", "demo-expert"]
    made = [c for t in held for c in store.topic_comments(t.id) if c.letter_id]
    assert len(made) == 1
    letter = store.get_letter(made[0].letter_id)
    assert letter.publication is not None
    assert any(e.action == "from_interview" and e.data["comment"] == made[0].id
               for e in letter.history)
    kinds = {c.classification["kind"] for t in held for c in store.topic_comments(t.id)
             if c.classification}
    assert kinds == {"consultation", "suggestion", "demand"}
    assert store.get_account("demo-deputy").department == "deputy"
