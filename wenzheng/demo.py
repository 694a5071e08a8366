"""The demo city (江城市): a year of letters in every state, replies, ratings and two staff
accounts, and participation in its consultations.

Letters come from a 30-row excerpt of real public citizen messages (data/SOURCE.md), re-dated
into the twelve months before `now` and driven through the same use cases the API calls (their
commands made by the API's own parser, `chalicelib.api.parse`), with a clock that steps
forward, so the history, the statistics and the site are what real use makes.
Deterministic for a given `now`.

Consultations (`seed_consultations`) are the topics registered from content/ (an open hearing,
an open solicitation, an open survey, a past interview, a closed solicitation): comments,
moderation, survey responses, answered interview questions and the closed solicitation's outcome
from data/demo_consultations.yaml, each dated inside its topic's window and never after `now`.
"""
from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.domain import weekly
from chalicelib.domain.consultations import Kind, Topic
from chalicelib.domain.errors import DomainError
from chalicelib.services import auth, casework
from chalicelib.services import letters as services
from chalicelib.services import topics as topic_services
from chalicelib.services.context import Actor, Context

from . import demo_channels
from .demo_drive import seed_drive
from .demo_interviews import seed_interviews
from .demo_leaders import seed_leaders
from .demo_oversight import seed_oversight
from .demo_privacy import seed_privacy
from .demo_rates import resolution_for

DATA = Path(__file__).parent / "data" / "demo_letters.csv"
CONSULTATIONS = Path(__file__).parent / "data" / "demo_consultations.yaml"
DEMO_PASSWORD = "demo"

# Words that point a letter to one of the seven categories of the source data.
KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    ("交通运输", ("交通", "驾", "车", "公路", "高速", "道路", "标线", "出行", "收费站")),
    ("教育文体", ("学校", "学生", "教育", "幼儿园", "学区", "图书馆", "文体", "中专")),
    ("劳动和社会保障", ("社保", "户口", "员工", "工资", "社工", "养老")),
    ("环境保护", ("垃圾", "污染", "噪音", "茶林", "环境", "排放")),
    ("卫生计生", ("医院", "医疗", "卫生", "疫苗", "计生")),
    ("商贸旅游", ("餐饮", "旅游", "市场", "商户", "经营", "食坊")),
    ("城乡建设", ("物业", "小区", "开发商", "规划", "拆", "土地", "饮水", "工程", "煤气")),
]


def category_of(text: str) -> str:
    for category, words in KEYWORDS:
        if any(w in text for w in words):
            return category
    return "城乡建设"


def department_for(ctx: Context, category: str, fallback: str | None = None, turn: int = 0) -> str:
    """A department handling the category; `turn` rotates among several that do."""
    candidates = [d.id for d in ctx.departments.values() if category in d.categories]
    if not candidates:
        return fallback or next(iter(ctx.departments))
    return candidates[turn % len(candidates)]


def read_rows(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ensure_demo_accounts(ctx: Context, now: datetime) -> None:
    first = next(iter(ctx.departments))
    for username, role, dept in (("demo-office", "office", None),
                                 ("demo-clerk", "clerk", first),
                                 ("demo-operator", "operator", None),
                                 # third-party evaluators of interviews (demo_interviews.py)
                                 ("demo-deputy", "evaluator", "deputy"),
                                 ("demo-expert", "evaluator", "expert"),
                                 *((("demo-mayor", "leader", "mayor"),)
                                   if "mayor" in ctx.leaders else ())):
        if ctx.store.get_account(username) is None:
            ctx.store.put_account(auth.new_account(username, DEMO_PASSWORD, role, dept, now,
                                                   demo=True))


def seed_demo(ctx: Context, now: datetime, *, letters: int = 96,
              progress: Callable[[int, int], None] | None = None) -> dict:
    """Seed the demo city into an empty store; returns counts by final status (and, under
    `consultations`, what `seed_consultations` added to registered topics without any)."""
    if ctx.store.list_letters(limit=1):
        seeded = seed_consultations(ctx, now)
        return {"skipped": "the store already has letters",
                **({"consultations": seeded} if seeded else {})}
    ensure_demo_accounts(ctx, now)
    rows = read_rows()
    rng = random.Random(20261123)
    clock = ManualClock(now)
    demo = replace(ctx, clock=clock)
    office = Actor("demo-office", "office")
    counts: dict[str, int] = {}
    first_dept = next(iter(ctx.departments))
    for i in range(letters):
        row = rows[i % len(rows)]
        # spread over the last 360 days, oldest first; the newest dozen are still open
        age_days = 360 * (letters - 1 - i) / (letters - 1)
        start = now - timedelta(days=age_days, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        clock.at = start
        category = category_of(row["subject"] + row["body"])
        dept = department_for(ctx, category, first_dept, turn=i)
        if i % 9 == 4:
            dept = first_dept   # the demo clerk's department always has work
        public = i % 7 != 3
        kind = ("complaint" if row["subject"].startswith("投诉") else
                "consultation" if row["subject"].startswith("咨询") else
                "suggestion" if row["subject"].startswith(("建议", "希望")) else
                "report" if row["subject"].startswith("举报") else "help")
        name = ["王建国", "李娜", "张伟", "刘芳", "陈静", None][i % 6]
        row = {**row, "demo_name": name or ""}
        answer = services.submit_letter(demo, parse.submit_letter({
            "type": kind, "subject": row["subject"][:100], "body": row["body"][:6000],
            "department": None, "name": name,
            "phone": f"1390000{i:04d}" if i % 2 else None,
            "email": f"citizen{i}@example.com" if i % 3 == 0 else None,
            "public": public, "idempotency_key": f"demo-{i}"}))
        lid = answer.body["id"]
        clerk = Actor("demo-clerk" if dept == first_dept else f"clerk-{dept}", "clerk", dept)
        open_left = letters - i            # 1 = newest
        plan = _plan(open_left, i)
        try:
            final = _drive(demo, clock, office, clerk, lid, dept, plan, row, rng, category)
        except DomainError as err:          # never expected; keep the demo going and say so
            final = f"error:{err.code}"
        counts[final] = counts.get(final, 0) + 1
        if progress:
            progress(i + 1, letters)
    _seed_hot_week(demo, clock, now, office, first_dept)
    _seed_repeats(demo, clock, now, office)
    seed_oversight(demo, now)          # 挂牌督办 and 效能投诉 (demo_oversight.py)
    clock.at = now
    seeded = seed_consultations(ctx, now)
    if seeded:
        counts["consultations"] = seeded   # type: ignore[assignment]
    counts["channels"] = demo_channels.seed_channels(ctx, now)
    counts["drives"] = seed_drive(ctx, now)   # type: ignore[assignment]
    counts["leaders"] = seed_leaders(ctx, now)
    counts["interviews"] = seed_interviews(ctx, now)  # type: ignore[assignment]
    seed_privacy(ctx, now)             # a writer's erasure request (demo_privacy.py)
    return counts


HOT_SUBJECTS = ("江城花园小区旁地铁工地夜间施工噪音扰民",
                "地铁工地夜间施工噪音太大，江城花园居民无法休息",
                "反映江城花园附近地铁施工夜间噪音扰民问题",
                "江城花园小区地铁工地凌晨施工噪音扰民",
                "请管管江城花园旁地铁工地夜间施工噪音",
                "江城花园地铁工地夜间施工噪音扰民，多次反映未解决")


def _seed_hot_week(ctx: Context, clock: ManualClock, now: datetime, office: Actor,
                   dept: str) -> int:
    """Six letters on one matter in the week that ended last, so that the weekly record the
    first tick writes (`supervision._weekly`) has a hot topic: four published, two open."""
    since, _ = weekly.week_window(weekly.last_ended_week(now))
    clerk = Actor("demo-clerk", "clerk", dept)
    for i, subject in enumerate(HOT_SUBJECTS):
        clock.at = since + timedelta(days=i, hours=9 + i)
        answer = services.submit_letter(ctx, parse.submit_letter({
            "type": "complaint", "subject": subject,
            "body": f"{subject}。工地每天晚上十一点后还在打桩和运渣土，噪音很大，老人小孩都睡不好，"
                    "希望有关部门督促施工单位遵守夜间施工规定。",
            "department": None, "name": "市民", "phone": None, "email": None,
            "public": True, "idempotency_key": f"demo-hot-{i}"}))
        if i < 4:
            def later(step: str) -> None:
                clock.at = clock.at + timedelta(hours=1)
            move_letter(ctx, answer.body["id"], "published", office=office, clerk=clerk,
                        dept=dept, reply="已督促施工单位停止夜间施工，并加强巡查。",
                        category="城乡建设", wait=later)
    return len(HOT_SUBJECTS)


def _seed_repeats(ctx: Context, clock: ManualClock, now: datetime, office: Actor) -> int:
    """Two repeats (重复件) of an open letter, from the same phone with nearly the same words:
    the office rejected the first as a duplicate (its writer's tracking page follows the
    original), the second waits in the inbox with the original among its `similar` letters."""
    original = next((lt for lt in ctx.store.list_letters(status="dispatched", limit=20)
                     if lt.phone), None)
    if original is None:
        return 0
    for n in (1, 2):
        clock.at = now - timedelta(hours=6 - 2 * n)
        answer = services.submit_letter(ctx, parse.submit_letter({
            "type": str(original.type), "subject": f"再次反映：{original.subject}"[:100],
            "body": f"{original.body}\n\n之前已经反映过，还没有解决，请尽快处理。"[:6000],
            "department": None, "name": original.name, "phone": original.phone,
            "email": None, "public": original.public, "idempotency_key": f"demo-repeat-{n}"}))
        if n == 1:
            casework.reject_letter(ctx, office, answer.body["id"], parse.reject_letter({
                "reason": "与已转办的来信反映同一事项，合并办理。",
                "duplicate_of": original.id}))
    return 2


def _plan(open_left: int, i: int) -> str:
    """What happens to a letter, by how recent it is (newest first)."""
    recent = {1: "submitted", 2: "submitted", 3: "rejected", 4: "dispatched", 5: "dispatched",
              6: "signed", 7: "extension_requested", 8: "transfer_requested", 9: "replied",
              10: "replied", 11: "signed", 12: "dispatched_late"}
    if open_left in recent:
        return recent[open_left]
    if i % 11 == 5:
        return "redo_published"
    if i % 13 == 7:
        return "rejected"
    return "answered"


STATES = ("submitted", "dispatched", "signed", "transfer_requested", "extension_requested",
          "replied", "published", "closed")


def move_letter(ctx: Context, lid: str, to: str, *, office: Actor, clerk: Actor, dept: str,
                reply: str = "已办理。", category: str | None = None,
                transfer_reason: str = "不属于本部门",
                extension: dict[str, Any] | None = None,
                wait: Callable[[str], None] = lambda step: None) -> None:
    """Drive a submitted letter through the use cases, as the office and a clerk would, to
    state `to` (one of `STATES`; "closed" is a reply approved but not published). `wait(step)`
    runs before each step ("dispatch", "sign", "reply", "approve"), to let time pass."""
    if to not in STATES:
        raise ValueError(f"cannot move a letter to {to!r}")
    if to == "submitted":
        return
    wait("dispatch")
    casework.dispatch_letter(ctx, office, lid, parse.dispatch_letter({"department": dept}))
    if to == "dispatched":
        return
    wait("sign")
    casework.sign_letter(ctx, clerk, lid, parse.sign_letter({}))
    if to == "signed":
        return
    if to == "transfer_requested":
        casework.transfer_letter(ctx, clerk, lid,
                                 parse.transfer_letter({"reason": transfer_reason}))
        return
    if to == "extension_requested":
        casework.request_extension(ctx, clerk, lid, parse.request_extension(
            extension or {"working_days": 3, "reason": "需要核查"}))
        return
    wait("reply")
    casework.reply_to_letter(ctx, clerk, lid, parse.reply_to_letter({"body": reply}))
    if to == "replied":
        return
    wait("approve")
    casework.approve_reply(ctx, office, lid, parse.approve_reply(
        {"publish": to == "published", **({"category": category} if category else {})}))


def _drive(ctx: Context, clock: ManualClock, office: Actor, clerk: Actor, lid: str, dept: str,
           plan: str, row: dict, rng: random.Random, category: str) -> str:
    def later(hours: float) -> None:
        clock.at = clock.at + timedelta(hours=hours)

    if plan == "submitted":
        return plan
    later(rng.uniform(1, 20))
    if plan == "rejected":
        casework.reject_letter(ctx, office, lid,
                               parse.reject_letter({"reason": "重复来信，已并入此前同一事项办理"}))
        return plan
    if plan == "dispatched_late":
        clock.at = clock.at - timedelta(days=9)
    reply = (row["reply"].strip()
             or "您好！您反映的问题已收悉，我们已安排专人核实处理。感谢您的来信。")
    # the old reply addresses the data set's writer by handle; the demo letter has its own name
    reply = reply.replace(row.get("user") or "\0", row.get("demo_name") or "网友")
    waits = {"sign": lambda: later(rng.uniform(2, 30)),
             "reply": lambda: later(rng.choice([20, 30, 50, 70, 100, 160, 200])),
             "approve": lambda: later(rng.uniform(2, 20))}
    to = {"dispatched_late": "dispatched", "answered": "published",
          "redo_published": "published"}.get(plan, plan)
    move_letter(ctx, lid, to, office=office, clerk=clerk, dept=dept, reply=reply,
                category=category, transfer_reason="该事项不属于本部门职责，请重新分派",
                extension={"working_days": 5, "reason": "需要现场核查，申请延期"},
                wait=lambda step: waits.get(step, lambda: None)())
    if to != "published":
        return to
    if rng.random() < 0.7 or plan == "redo_published":
        later(rng.uniform(5, 60))
        score = "unsatisfied" if plan == "redo_published" else rng.choice(
            ["satisfied", "satisfied", "satisfied", "basically_satisfied", "unsatisfied"])
        _rate(ctx, lid, score)
    if plan == "redo_published":
        later(rng.uniform(5, 30))
        casework.order_redo(ctx, office, lid, parse.order_redo(
            {"reason": "群众不满意：答复未说明具体办理时限，请补充"}))
        later(rng.uniform(20, 80))
        casework.reply_to_letter(ctx, clerk, lid, parse.reply_to_letter(
            {"body": reply + "\n\n补充答复：我们已于本周完成现场核查，"
                     "将在 30 日内整改到位，届时请您监督。"}))
        later(rng.uniform(2, 10))
        casework.approve_reply(ctx, office, lid,
                               parse.approve_reply({"publish": True, "category": category}))
        later(rng.uniform(5, 40))
        _rate(ctx, lid, "basically_satisfied")
    letter = ctx.store.get_letter(lid)
    return str(letter.status) if letter else "missing"


def _rate(ctx: Context, lid: str, score: str) -> None:
    """Rate as the writer would; the demo has no secret, so go through the unit of work."""
    with ctx.store.unit_of_work() as uow:
        letter = uow.get_letter(lid)
        assert letter is not None
        letter.rate(score, None, ctx.clock(), resolution_for(score, lid))
        uow.save_letter(letter)
        uow.commit()


# --- consultations ---------------------------------------------------------------------------

def seed_consultations(ctx: Context, now: datetime, path: Path = CONSULTATIONS) -> dict:
    """Participation in each registered topic that has none yet, through the use cases, dated
    inside the topic's window and never after `now`. Returns what was added per topic."""
    script = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    clock = ManualClock(now)
    demo = replace(ctx, clock=clock)
    added: dict[str, dict[str, int]] = {}
    for topic in sorted(ctx.store.list_topics(), key=lambda t: t.id):
        plan = script.get(topic.id)
        if not plan or ctx.store.topic_tallies(topic.id) or now <= topic.opens:
            continue
        rng = random.Random(f"{topic.id}-20261124")
        seeder = _SEEDERS[topic.kind]
        try:
            added[topic.id] = seeder(demo, clock, topic, plan, now, rng)
        except DomainError as err:     # never expected; keep the demo going and say so
            added[topic.id] = {f"error:{err.code}": 1}
    clock.at = now
    return added


OFFICE = Actor("demo-office", "office")


def _moments(topic: Topic, now: datetime, n: int, rng: random.Random,
             until: datetime | None = None) -> list[datetime]:
    """`n` sorted moments inside the topic's window (ending at `until` or its close, and before
    `now`), with an hour's margin at both ends."""
    start = topic.opens + timedelta(hours=1)
    end = min(until or topic.closes, now) - timedelta(hours=1)
    if end <= start or n == 0:
        return []
    span = (end - start).total_seconds()
    return sorted((start + timedelta(seconds=span * (i + rng.uniform(0.1, 0.9)) / n))
                  .replace(second=0, microsecond=0) for i in range(n))


def _moderate(ctx: Context, clock: ManualClock, comment_id: str, item: dict,
              at: datetime) -> None:
    clock.at = at
    if item.get("fate") == "approved":
        topic_services.approve_comment(ctx, OFFICE, comment_id, parse.approve_comment({}))
    elif item.get("fate") == "rejected":
        topic_services.reject_comment(ctx, OFFICE, comment_id,
                                      parse.reject_comment({"reason": item["reason"]}))


def _comments(ctx: Context, clock: ManualClock, topic: Topic, items: list[dict],
              now: datetime, rng: random.Random) -> tuple[dict[str, int], dict[str, str]]:
    """Post each comment at its moment, moderate it a few hours later; returns the counts by
    fate and the ids of the comments that have a `key`."""
    counts: dict[str, int] = {}
    keys: dict[str, str] = {}
    for item, at in zip(items, _moments(topic, now, len(items), rng), strict=False):
        clock.at = at
        payload: dict[str, Any] = {"body": item["body"], "stance": item.get("stance"),
                                   "name": item.get("name")}
        if topic.kind == Kind.solicitation:
            payload["paragraph"] = item.get("paragraph")
        answer = topic_services.add_comment(ctx, topic.id, parse.add_comment(payload)).body
        if item.get("key"):
            keys[item["key"]] = answer["id"]
        _moderate(ctx, clock, answer["id"], item, min(at + timedelta(hours=rng.uniform(2, 20)),
                                                      now))
        counts[item["fate"]] = counts.get(item["fate"], 0) + 1
    return counts, keys


def _seed_opinions(ctx: Context, clock: ManualClock, topic: Topic, plan: dict,
                   now: datetime, rng: random.Random) -> dict[str, int]:
    counts, keys = _comments(ctx, clock, topic, plan.get("comments", []), now, rng)
    outcome = plan.get("outcome")
    published_at = topic.closes + timedelta(days=19, hours=10)
    if outcome and published_at <= now:
        clock.at = published_at
        items = [{"comment_id": keys.get(i["key"]) if i.get("key") else None,
                  "decision": i["decision"], "reason": i["reason"],
                  "opinion": i.get("opinion")} for i in outcome["items"]]
        topic_services.publish_outcome(ctx, OFFICE, topic.id, parse.publish_outcome(
            {"summary": outcome["summary"], "items": items}))
        counts["outcome"] = 1
    return counts


def _seed_survey(ctx: Context, clock: ManualClock, topic: Topic, plan: dict,
                 now: datetime, rng: random.Random) -> dict[str, int]:
    n = int(plan.get("responses", 0))
    suggestions = list(plan.get("suggestions", []))
    # every few responses carries a suggestion, in the order of the script
    with_text = {round(i * n / max(len(suggestions), 1)) for i in range(len(suggestions))}
    counts = {"responses": 0}
    for i, at in enumerate(_moments(topic, now, n, rng)):
        clock.at = at
        answers: dict[str, Any] = {}
        text: tuple[str, dict] | None = None
        for q in topic.questions:
            ids = [c.id for c in q.choices]
            if q.kind == "single":
                answers[q.id] = rng.choices(ids, weights=range(len(ids), 0, -1))[0]
            elif q.kind == "multiple" and rng.random() < 0.85:
                answers[q.id] = rng.sample(ids, rng.randint(1, q.max or len(ids)))
            elif q.kind == "text" and i in with_text and suggestions and text is None:
                text = (q.id, suggestions.pop(0))
                answers[q.id] = text[1]["body"]
        answer = topic_services.add_response(ctx, topic.id,
                                             parse.add_response({"answers": answers})).body
        counts["responses"] += 1
        if text is not None:
            stored = next(r for r in ctx.store.topic_responses(topic.id)
                          if r.id == answer["id"])
            _moderate(ctx, clock, stored.texts[text[0]], text[1],
                      min(at + timedelta(hours=rng.uniform(2, 30)), now))
    return counts


def _seed_interview(ctx: Context, clock: ManualClock, topic: Topic, plan: dict,
                    now: datetime, rng: random.Random) -> dict[str, int]:
    assert topic.starts is not None and topic.ends is not None
    items = plan.get("questions", [])
    counts: dict[str, int] = {}
    answered = 0
    session = (topic.ends - topic.starts).total_seconds()
    answerers = [i for i in items if i.get("answer")]
    for item, at in zip(items, _moments(topic, now, len(items), rng, until=topic.starts),
                        strict=False):
        clock.at = at
        answer = topic_services.add_comment(ctx, topic.id, parse.add_comment({
            "body": item["body"], "name": item.get("name"), "department": item["to"]})).body
        if item.get("fate") != "pending":
            _moderate(ctx, clock, answer["id"], item, min(at + timedelta(hours=2), now))
        if item.get("answer"):
            # answered during the session, in the order of the script
            when = topic.starts + timedelta(
                seconds=session * (answered + 0.5) / max(len(answerers), 1))
            answered += 1
            if when <= now:
                clock.at = when
                dept = item["answer_by"]
                topic_services.answer_comment(ctx, Actor(f"clerk-{dept}", "clerk", dept),
                                              answer["id"],
                                              parse.answer_comment({"body": item["answer"]}))
                counts["answered"] = counts.get("answered", 0) + 1
        counts[item["fate"]] = counts.get(item["fate"], 0) + 1
    return counts


_SEEDERS: dict[Kind, Callable[..., dict[str, int]]] = {
    Kind.hearing: _seed_opinions, Kind.deliberation: _seed_opinions,
    Kind.solicitation: _seed_opinions, Kind.survey: _seed_survey,
    Kind.interview: _seed_interview,
}
