"""The demo city's suggestion drives (content/drives/): the closed July drive (市民月·献计策)
gets suggestions, most answered, some adopted and published, a few private; the open winter
drive a few new ones. Through the same use cases the API calls, dated inside each drive's window
and never after `now`; and a few 顶/踩 on published consultation comments. Deterministic for a
given `now`; a drive that already has letters is left alone."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.domain.consultations import CommentStatus, Kind
from chalicelib.services import casework, comment_votes
from chalicelib.services import letters as services
from chalicelib.services.context import Actor, Context

OFFICE = Actor("demo-office", "office")

# (subject, body, department, public, fate): fate is how far the letter goes; "adopted" and
# "not_adopted" are published with the office's verdict, "closed" answered but not published
SUGGESTIONS: dict[str, list[tuple[str, str, str, bool, str]]] = {
    "citizen-month-2026-07": [
        ("建议在江城大道增设公交专用道",
         "早高峰江城大道公交车与社会车辆混行，准点率低，建议设置 7:00-9:00 公交专用道。",
         "transport", True, "adopted"),
        ("建议整治滨江河道沿岸垃圾",
         "滨江河道东段沿岸常有生活垃圾堆积，建议增加保洁频次并设置分类垃圾桶。",
         "environment", True, "adopted"),
        ("建议学校周边设置限时停车位",
         "放学时段接送车辆乱停乱放，建议在学校周边划定 15 分钟限时停车位。",
         "urban-management", True, "not_adopted"),
        ("建议延长社区图书馆开放时间",
         "社区图书馆晚上六点就关门，上班族无法使用，建议周末和晚间延长开放。",
         "education", True, "adopted"),
        ("建议增加夜间公交线路",
         "城东片区晚上十点后没有公交，建议开通夜间线路。",
         "transport", False, "adopted"),
        ("建议在老旧小区加装电梯",
         "老旧小区老人上下楼困难，建议简化加装电梯审批流程。",
         "urban-management", True, "closed"),
        ("建议规范共享单车停放",
         "地铁口共享单车堆积影响通行，建议划定停放区并加强调度。",
         "urban-management", True, "replied"),
        ("建议公园增设健身器材",
         "人民公园健身器材老旧，建议更新并增加适合老年人的器材。",
         "environment", True, "signed"),
    ],
    "winter-services-2026": [
        ("建议提前公布道路除冰作业路线",
         "下雪时不知道哪些道路已除冰，建议在网上公布除冰作业路线和进度。",
         "urban-management", True, "submitted"),
        ("建议供暖投诉电话延长受理时间",
         "供暖问题晚上打电话没人接，建议延长受理时间。",
         "housing", False, "dispatched"),
    ],
}


def seed_drive(ctx: Context, now: datetime) -> dict[str, dict[str, int]]:
    """Suggestions in each registered drive that has none yet; a few votes on comments."""
    clock = ManualClock(now)
    demo = replace(ctx, clock=clock)
    added: dict[str, dict[str, int]] = {}
    for topic in sorted(ctx.store.list_topics(), key=lambda t: t.id):
        items = SUGGESTIONS.get(topic.id)
        if topic.kind != Kind.drive or not items or now <= topic.opens:
            continue
        if ctx.store.topic_tallies(topic.id):
            continue
        counts: dict[str, int] = {}
        end = min(topic.closes, now) - timedelta(hours=2)
        step = (end - topic.opens) / (len(items) + 1)
        for n, (subject, body, dept, public, fate) in enumerate(items):
            clock.at = (topic.opens + step * (n + 1)).replace(second=0, microsecond=0)
            answer = services.submit_letter(demo, parse.submit_letter({
                "type": "suggestion", "subject": subject, "body": body, "department": dept,
                "name": ["赵敏", "孙强", None][n % 3], "public": public,
                "campaign": topic.id, "idempotency_key": f"demo-drive-{topic.id}-{n}"}))
            _handle(demo, clock, answer.body["id"], dept, fate, now)
            counts[fate] = counts.get(fate, 0) + 1
        added[topic.id] = counts
    clock.at = now
    _seed_votes(demo, clock, now)
    return added


def _handle(ctx: Context, clock: ManualClock, lid: str, dept: str, fate: str,
            now: datetime) -> None:
    clerk = Actor(f"clerk-{dept}", "clerk", dept)
    steps = ("dispatched", "signed", "replied", "approved")
    last = {"submitted": -1, "dispatched": 0, "signed": 1, "replied": 2}.get(fate, 3)
    for i, step in enumerate(steps[:last + 1]):
        clock.at = min(clock.at + timedelta(hours=20), now - timedelta(minutes=30 - i))
        if step == "dispatched":
            casework.dispatch_letter(ctx, OFFICE, lid, parse.dispatch_letter({"department": dept}))
        elif step == "signed":
            casework.sign_letter(ctx, clerk, lid, parse.sign_letter({}))
        elif step == "replied":
            casework.reply_to_letter(ctx, clerk, lid, parse.reply_to_letter({"body": (
                "感谢您的建议。我们已组织研究，" + ("将纳入今年的工作计划并抓紧落实。"
                                          if fate == "adopted" else "将结合实际统筹考虑。"))}))
        else:
            casework.approve_reply(ctx, OFFICE, lid, parse.approve_reply({
                "publish": fate != "closed", "adopted": fate == "adopted"}))


def _seed_votes(ctx: Context, clock: ManualClock, now: datetime) -> None:
    """A few 顶/踩 from different (made-up) networks on the first published comments."""
    for topic in sorted(ctx.store.list_topics(), key=lambda t: t.id):
        if topic.kind == Kind.drive:
            continue
        comments = ctx.store.topic_comments(topic.id, CommentStatus.approved)[:3]
        for i, comment in enumerate(comments):
            for voter in range(5 - i):
                direction = "down" if voter == 3 else "up"
                comment_votes.vote_comment(ctx, comment.id, parse.vote({"direction": direction}),
                                           f"demo-voter-{voter}")
