"""The demo city's leaders' boards (领导信箱) and key letters (呈报, 批示): letters written to the
mayor's and the vice mayors' boards, some answered and published, one private, and one key
letter the office sent up to the mayor, whose instruction the mayor's account recorded and
the housing clerk sees at the top of the letter. The leaders are content/leaders.yaml's
(invented); the demo account `demo-mayor` (password `demo`) is the mayor's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.services import casework, leaders
from chalicelib.services import letters as services
from chalicelib.services.commands import EscalateLetter, RecordInstruction
from chalicelib.services.context import Actor, Context

# (leader, subject, body, department, final state, public, rating)
BOARD_LETTERS = (
    ("mayor", "建议在老城区增设社区养老服务站",
     "老城区老人多，白天子女上班，老人吃饭、看病都不方便。建议在各社区增设养老服务站，提供助餐和日间照料。",
     "social-security", "published", True, "satisfied"),
    ("mayor", "江城大道与滨江路口早高峰拥堵严重",
     "每天早上七点半到九点，江城大道与滨江路口排队超过一公里，希望优化信号灯配时并增加交警疏导。",
     None, "published", True, "basically_satisfied"),
    ("mayor", "反映家中老人医保报销遇到的问题",
     "老人异地住院后回来报销，窗口说材料不全，来回跑了三次还没办好，希望简化流程。",
     "social-security", "closed", False, "unsatisfied"),
    ("vice-mayor-he", "希望尽快修复东湖路人行道破损路面",
     "东湖路人行道多处地砖松动，下雨天踩上去溅水，老人容易摔倒。",
     "housing", "published", True, None),
    ("vice-mayor-song", "咨询小学入学登记的时间和材料",
     "孩子明年上小学，想了解入学登记什么时候开始，需要准备哪些材料。",
     "education", "published", True, "satisfied"),
    ("vice-mayor-zhou", "建议公布市级财政专项资金使用情况",
     "希望政府网站定期公布各项专项资金的使用明细，方便市民监督。",
     None, "signed", True, None),
)
REPLY = "您好！来信收悉。经研究，已安排相关处室落实，具体进展将在网站公开。"
KEY_LETTER = ("幸福里小区电梯停运两个月无人维修",
              "幸福里小区3号楼电梯停运已经两个月，楼里有二十多位老人，上下楼非常困难。多次找物业和维保单位都在推诿，"
              "希望政府出面协调尽快修复。")


def _move(ctx: Context, lid: str, to: str, office: Actor, clerk: Actor, dept: str,
          wait: Callable[[], None]) -> None:
    """Dispatch, sign, reply and approve as far as `to` (signed, published or closed)."""
    wait()
    casework.dispatch_letter(ctx, office, lid, parse.dispatch_letter({"department": dept}))
    wait()
    casework.sign_letter(ctx, clerk, lid, parse.sign_letter({}))
    if to == "signed":
        return
    wait()
    casework.reply_to_letter(ctx, clerk, lid, parse.reply_to_letter({"body": REPLY}))
    wait()
    casework.approve_reply(ctx, office, lid, parse.approve_reply({"publish": to == "published"}))


def seed_leaders(ctx: Context, now: datetime) -> int:
    """Seed the leaders' letters (a few days before `now`); returns how many. Nothing when
    content/leaders.yaml lists no leaders, or the mayor's board is already seeded."""
    if "mayor" not in ctx.leaders or ctx.store.count_leader_letters("staff#mayor"):
        return 0
    clock = ManualClock(now - timedelta(days=12))
    demo = replace(ctx, clock=clock)
    office = Actor("demo-office", "office")
    first = next(iter(ctx.departments))

    def later() -> None:
        clock.at = clock.at + timedelta(hours=3)

    n = 0
    for i, (leader, subject, body, dept, to, public, rating) in enumerate(BOARD_LETTERS):
        if leader not in ctx.leaders:
            continue
        handling = dept if dept in ctx.departments and dept else first
        clock.at = now - timedelta(days=12 - i, hours=2)
        answer = services.submit_letter(demo, parse.submit_letter({
            "type": "suggestion" if subject.startswith("建议") else "help",
            "subject": subject, "body": body, "department": None, "leader": leader,
            "name": ["赵敏", "钱立", "孙晓", "周宁", "吴迪", None][i % 6],
            "phone": None, "email": None, "public": public,   # (no receipts to send)
            "idempotency_key": f"demo-leader-{i}"}, leaders=ctx.leaders))
        lid = answer.body["id"]
        clerk = Actor("demo-clerk" if handling == first else f"clerk-{handling}", "clerk",
                      handling)
        _move(demo, lid, to, office, clerk, handling, later)
        if rating:
            later()
            letter = ctx.store.get_letter(lid)
            if letter is not None and letter.released_reply is not None:
                services.rate_reply(demo, letter.tracking_code, answer.body["secret"],
                                    parse.rate_reply({"score": rating}))
        n += 1
    # the key letter: to the housing department, sent up to the mayor, the mayor's instruction
    clock.at = now - timedelta(days=3)
    key_dept = "housing" if "housing" in ctx.departments else first
    answer = services.submit_letter(demo, parse.submit_letter({
        "type": "help", "subject": KEY_LETTER[0], "body": KEY_LETTER[1], "department": None,
        "name": "李桂芳", "phone": None, "email": None, "public": True,
        "idempotency_key": "demo-leader-key"}))
    lid = answer.body["id"]
    clerk = Actor("demo-clerk" if key_dept == first else f"clerk-{key_dept}", "clerk", key_dept)
    _move(demo, lid, "signed", office, clerk, key_dept, later)
    later()
    leaders.escalate_letter(demo, office, lid, EscalateLetter(
        "mayor", "涉及二十多位老人出行，物业与维保单位相互推诿，建议市领导督促。"))
    later()
    leaders.record_instruction(demo, Actor("demo-mayor", "leader", "mayor"), lid,
                               RecordInstruction("请市住建局牵头，会同街道三日内协调维保单位修复电梯，"
                                                 "并将处理结果答复群众。"))
    return n + 1
