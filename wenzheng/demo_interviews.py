"""The demo city's interview programme: the questions of the held sessions (asked, answered
and moderated by `demo.seed_consultations` from data/demo_consultations.yaml) classified as the
script's `classify` says — consultations answered, suggestions judged, one demand made a letter
that is then answered and published — and two evaluators' scores (demo-deputy 人大代表,
demo-expert 专家) of every held session, each dated inside its window. Through the use cases,
so every record is what the console would have made."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.domain.consultations import Kind, Topic
from chalicelib.domain.errors import DomainError
from chalicelib.domain.interviews import QuestionKind, Verdict
from chalicelib.services import casework
from chalicelib.services import interviews as iv
from chalicelib.services.context import Actor, Context

SCRIPT = Path(__file__).parent / "data" / "demo_consultations.yaml"
OFFICE = Actor("demo-office", "office")
EVALUATORS = (Actor("demo-deputy", "evaluator", "deputy"),
              Actor("demo-expert", "evaluator", "expert"))


def seed_interviews(ctx: Context, now: datetime, path: Path = SCRIPT) -> dict[str, int]:
    """Classifications and evaluations of each held interview that has none; counts."""
    script = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    clock = ManualClock(now)
    demo = replace(ctx, clock=clock)
    counts = {"classified": 0, "letters": 0, "evaluations": 0}
    held = sorted((t for t in ctx.store.list_topics()
                   if t.kind == Kind.interview and t.starts and t.closes <= now),
                  key=lambda t: t.id)
    try:
        for topic in held:
            _classify(demo, clock, topic, script.get(topic.id) or {}, counts)
            _evaluations(demo, clock, topic, now, counts)
    except DomainError as err:           # never expected; keep the demo going and say so
        counts[f"error:{err.code}"] = 1
    clock.at = now
    return counts


def _classify(ctx: Context, clock: ManualClock, topic: Topic, plan: dict,
              counts: dict[str, int]) -> None:
    assert topic.starts is not None
    wanted = {q["body"]: q["classify"] for q in plan.get("questions", []) if q.get("classify")}
    comments = sorted(ctx.store.topic_comments(topic.id), key=lambda c: (c.created_at, c.id))
    for n, comment in enumerate(comments):
        how = wanted.get(comment.body)
        if not how or comment.classification or comment.status == "rejected":
            continue
        clock.at = max(topic.ends or topic.starts, comment.created_at) + timedelta(minutes=5 * n)
        kind, verdict = QuestionKind(how[0]), Verdict(how[1]) if len(how) > 1 else None
        result = iv.classify_question(ctx, OFFICE, comment.id, iv.ClassifyQuestion(
            kind, verdict, kind == QuestionKind.demand))
        counts["classified"] += 1
        if result["letter_id"]:
            counts["letters"] += 1
            _handle_letter(ctx, clock, result["letter_id"], comment.department or
                           topic.department)


def _handle_letter(ctx: Context, clock: ManualClock, letter_id: str, dept: str) -> None:
    """The demand's letter handled as any other: signed, answered, approved and published
    (so the session's page links to it)."""
    clerk = Actor(f"clerk-{dept}", "clerk", dept)
    clock.advance(hours=3)
    casework.sign_letter(ctx, clerk, letter_id, parse.sign_letter({}))
    clock.advance(days=1)
    casework.reply_to_letter(ctx, clerk, letter_id, parse.reply_to_letter(
        {"body": "经劳动保障监察大队调查核实，已责令施工企业在 10 个工作日内足额支付拖欠工资。"}))
    clock.advance(hours=4)
    casework.approve_reply(ctx, OFFICE, letter_id, parse.approve_reply(
        {"publish": True, "category": "劳动和社会保障"}))


def _evaluations(ctx: Context, clock: ManualClock, topic: Topic, now: datetime,
                 counts: dict[str, int]) -> None:
    rng = random.Random(f"{topic.id}-evaluations")
    criteria = ctx.interviews.criterion_ids()
    if not criteria:
        return
    for i, evaluator in enumerate(EVALUATORS):
        if evaluator.username in topic.evaluations:
            continue
        clock.at = min(topic.closes + timedelta(hours=20 + i * 3), now)
        scores = {c: rng.randint(3, 5) for c in criteria}
        iv.evaluate_session(ctx, evaluator, topic.id, iv.EvaluateSession(scores, None))
        counts["evaluations"] += 1
