"""The demo city's interview programme: questions in the held sessions that have none yet
(content/interviews/), answered live and classified — a consultation answered, suggestions
judged, one demand made a letter — and two evaluators' scores (demo-deputy 人大代表,
demo-expert 专家) of every held session, each dated inside its window. Through the use cases,
so every record is what the console would have made."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.domain.consultations import Kind, Topic
from chalicelib.domain.errors import DomainError
from chalicelib.domain.interviews import QuestionKind, Verdict
from chalicelib.services import casework
from chalicelib.services import interviews as iv
from chalicelib.services import topics as topic_services
from chalicelib.services.context import Actor, Context

OFFICE = Actor("demo-office", "office")
EVALUATORS = (Actor("demo-deputy", "evaluator", "deputy"),
              Actor("demo-expert", "evaluator", "expert"))
# (question, asker, kind, verdict, answer): one script per department taking part
QUESTIONS: dict[str, list[tuple[str, str, str, str | None, str | None]]] = {
    "housing": [
        ("老旧小区加装电梯，一楼住户不同意怎么办？", "李娜", "consultation", None,
         "加装电梯须经本单元三分之二以上业主同意，街道会组织协商，对一楼住户可给予适当补偿。"),
        ("建议维修资金的使用情况每季度在小区公示。", "张伟", "suggestion", "adopted",
         "这个建议很好，我们将在年内推行维修资金使用季度公示。"),
        ("建议改造时统一规划电动车充电棚。", "刘芳", "suggestion", "typical", None),
        ("幸福小区 3 栋楼顶漏水两年了，物业一直不修，请尽快处理。", "陈静", "demand", None,
         None),
    ],
    "education": [
        ("新建的江滨花园小区配套学校什么时候招生？", "王建国", "consultation", None,
         "江滨花园配套小学明年 9 月开始招生，招生范围将于明年 5 月公布。"),
        ("建议课后服务延长到 18:30，方便双职工家庭。", "李娜", "suggestion", "not_adopted",
         "课后服务目前到 17:30，延长需统筹师资，我们会继续研究。"),
    ],
}


def seed_interviews(ctx: Context, now: datetime) -> dict[str, int]:
    """Questions in each held interview without any, then the evaluations; returns counts."""
    clock = ManualClock(now)
    demo = replace(ctx, clock=clock)
    counts = {"questions": 0, "classified": 0, "letters": 0, "evaluations": 0}
    held = sorted((t for t in ctx.store.list_topics()
                   if t.kind == Kind.interview and t.starts and t.closes <= now),
                  key=lambda t: t.id)
    try:
        for topic in held:
            if not ctx.store.topic_tallies(topic.id):
                _questions(demo, clock, topic, counts)
            _evaluations(demo, clock, topic, now, counts)
    except DomainError as err:           # never expected; keep the demo going and say so
        counts[f"error:{err.code}"] = 1
    clock.at = now
    return counts


def _questions(ctx: Context, clock: ManualClock, topic: Topic, counts: dict[str, int]) -> None:
    assert topic.starts is not None
    script = [q for d in topic.departments for q in QUESTIONS.get(d, [])]
    dept_of = {q[0]: d for d in topic.departments for q in QUESTIONS.get(d, [])}
    for n, (body, name, kind, verdict, answer) in enumerate(script):
        clock.at = topic.opens + timedelta(days=1, hours=n)
        made = topic_services.add_comment(ctx, topic.id, parse.add_comment(
            {"body": body, "name": name, "department": dept_of[body]})).body
        counts["questions"] += 1
        clock.at = topic.starts + timedelta(minutes=10 + 15 * n)
        dept = dept_of[body]
        if answer:
            topic_services.answer_comment(ctx, Actor(f"clerk-{dept}", "clerk", dept),
                                          made["id"], parse.answer_comment({"body": answer}))
        else:
            topic_services.approve_comment(ctx, OFFICE, made["id"])
        clock.advance(minutes=5)
        result = iv.classify_question(ctx, OFFICE, made["id"], iv.ClassifyQuestion(
            QuestionKind(kind), Verdict(verdict) if verdict else None, kind == "demand"))
        counts["classified"] += 1
        if result["letter_id"]:
            counts["letters"] += 1
            _handle_letter(ctx, clock, result["letter_id"], dept)


def _handle_letter(ctx: Context, clock: ManualClock, letter_id: str, dept: str) -> None:
    """The demand's letter handled as any other: signed, answered, approved and published
    (so the session's page links to it)."""
    clerk = Actor(f"clerk-{dept}", "clerk", dept)
    clock.advance(hours=3)
    casework.sign_letter(ctx, clerk, letter_id, parse.sign_letter({}))
    clock.advance(days=1)
    casework.reply_to_letter(ctx, clerk, letter_id, parse.reply_to_letter(
        {"body": "经现场查看，楼顶防水层老化。已督促物业企业启用维修资金，本月内完成修缮。"}))
    clock.advance(hours=4)
    casework.approve_reply(ctx, OFFICE, letter_id, parse.approve_reply(
        {"publish": True, "category": "城乡建设"}))


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
