"""The demo city's letters from the hotline's other channels (issue 15, item 1): the demo
operator (`demo-operator`) takes down letters that came by phone, SMS, e-mail and fax, spread
over the year, and the office and the departments handle them as any letter, so that
`/data/channels-*.json` and the /data/ page's channel table show real counts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.services import casework, channels
from chalicelib.services import letters as services
from chalicelib.services.context import Actor, Context

OPERATOR = Actor("demo-operator", "operator")

# (channel, type, subject, body, final state, rating)
LETTERS: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("phone", "help", "老旧小区楼道灯坏了一个月没人修",
     "来电反映：幸福里小区 3 栋楼道灯坏了一个多月，晚上上下楼很不安全，希望尽快维修。",
     "published", "satisfied"),
    ("sms", "consultation", "咨询新生儿医保参保办理流程",
     "短信咨询：孩子刚出生，想了解新生儿医保在哪里办理、需要带哪些材料。", "published",
     "satisfied"),
    ("email", "suggestion", "建议在公交枢纽增设自行车停放点",
     "电子邮件来信：北站公交枢纽周边自行车乱停，建议增设规范的停放点并设置指示牌。",
     "published", "basically_satisfied"),
    ("fax", "complaint", "反映企业开办登记材料被多次退回",
     "传真来信：我公司申请登记时材料被退回三次，每次提出的要求都不一样，希望一次性告知。",
     "closed", "unsatisfied"),
    ("phone", "complaint", "夜间渣土车超速行驶噪音扰民",
     "来电反映：每天夜里十二点后渣土车在滨江路超速行驶，噪音很大，请加强管理。",
     "published", "basically_satisfied"),
    ("sms", "help", "小区门口积水严重请求疏通",
     "短信反映：下雨后翠湖小区门口积水没过脚踝，雨水口被堵，请安排疏通。", "published",
     "satisfied"),
    ("email", "consultation", "咨询公租房申请条件",
     "电子邮件来信：外地户籍在本市工作满三年，想了解能否申请公租房，需要哪些条件。",
     "published", None),
    ("phone", "help", "路口红绿灯时间太短老人过不去",
     "来电反映：人民路与解放路路口行人绿灯只有 15 秒，老人走不过去，希望延长。",
     "published", "satisfied"),
    ("fax", "suggestion", "建议公布农贸市场摊位租金标准",
     "传真来信：建议市场管理方公开摊位租金标准和收费依据，接受商户监督。", "closed", None),
    ("phone", "complaint", "供暖不热多次报修无人处理",
     "来电反映：锦绣家园 5 栋室温只有 14 度，多次向供暖公司报修无人上门。", "replied", None),
    ("sms", "help", "公交站牌信息过期", "短信反映：12 路公交改线后，文化宫站站牌仍是旧线路。",
     "dispatched", None),
    ("email", "complaint", "反映施工围挡占用人行道",
     "电子邮件来信：东湖路施工围挡把人行道全部占用，行人只能走机动车道，十分危险。",
     "submitted", None),
)


STEPS = ("submitted", "dispatched", "signed", "replied", "closed")


def _handle(ctx: Context, lid: str, final: str, office: Actor, clerk: Actor,
            wait: Callable[[str], None]) -> None:
    """The office and the clerk move the letter on to `final` (published: approved for the
    site; closed: approved without publishing), as any letter."""
    last = STEPS.index("closed" if final == "published" else final)
    steps = (
        lambda: casework.dispatch_letter(ctx, office, lid, parse.dispatch_letter(
            {"department": clerk.department})),
        lambda: casework.sign_letter(ctx, clerk, lid, parse.sign_letter({})),
        lambda: casework.reply_to_letter(ctx, clerk, lid, parse.reply_to_letter(
            {"body": "您反映的问题已转相关单位核实处理，处理结果已电话告知。"})),
        lambda: casework.approve_reply(ctx, office, lid, parse.approve_reply(
            {"publish": final == "published"})),
    )
    for n, step in enumerate(steps[:last], 1):
        wait(STEPS[n])
        step()


def seed_channels(ctx: Context, now: datetime) -> int:
    """Take the demo city's letters from the other channels, oldest first over the last 330
    days, and move each to its final state; returns how many were taken."""

    clock = ManualClock(now)
    demo = replace(ctx, clock=clock)
    office = Actor("demo-office", "office")
    depts = list(ctx.departments)
    n = len(LETTERS)
    for i, (channel, kind, subject, body, final, rating) in enumerate(LETTERS):
        clock.at = now - timedelta(days=330 * (n - 1 - i) / (n - 1) + 1, hours=i % 5)
        recent = i >= n - 3
        answer = channels.take_letter(demo, OPERATOR, parse.take_letter({
            "type": kind, "subject": subject, "body": body, "department": None,
            "name": ["赵先生", "孙女士", None][i % 3],
            # contacts on the newest letters only: the older ones' notices would all fall due
            # at the demo's first tick, beyond one tick's batch of deliveries
            "phone": f"1380000{i:04d}" if channel in ("phone", "sms") and recent else None,
            "email": f"writer{i}@example.com" if channel == "email" and recent else None,
            "public": i % 4 != 3, "channel": channel,
            "received_at": (clock.at - timedelta(minutes=20 + i)).isoformat(),
            "idempotency_key": f"demo-channel-{i}"}, ctx.departments)).body

        def later(step: str) -> None:
            clock.at = clock.at + timedelta(hours=3)
        dept = depts[i % len(depts)]
        clerk = Actor("demo-clerk" if dept == depts[0] else f"clerk-{dept}", "clerk", dept)
        _handle(demo, answer["id"], final, office, clerk, later)
        if rating and final in ("published", "closed"):
            clock.at = clock.at + timedelta(days=1)
            services.rate_reply(demo, answer["tracking_code"], answer["secret"],
                                parse.rate_reply({"score": rating}))
    clock.at = now
    return n
