"""The demo city's listed supervision (挂牌督办) and conduct complaints (效能投诉): two letters
the office listed (one past the office's date, as the first tick records it; one not yet), and
two conduct complaints about a department, handled by the supervising office of
content/departments.yaml (one answered and closed, one waiting to be dispatched), with a demo
clerk of that office (`demo-conduct`) who sees them and the named department's clerk, who never
does. `seed_oversight(ctx, now)` runs at the end of `demo.seed_demo`, on its stepping clock.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.adapters.clock import ManualClock
from chalicelib.api import parse
from chalicelib.api.parse_oversight import supervise_letter as supervise_command
from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.departments import conduct_office
from chalicelib.services import auth, casework, oversight, oversight_actions
from chalicelib.services import letters as services
from chalicelib.services.context import Actor, Context

DEMO_PASSWORD = "demo"
LISTED = (
    # (subject, body, days ago it was written, the office's date in days from now)
    ("老旧小区加装电梯审批拖了半年没有结果",
     "我们小区 2 号楼 2026 年 5 月就递交了加装电梯申请，材料齐全，至今没有审批结果，"
     "楼里多位老人行动不便，希望尽快办理。", 8, -2),
    ("学校门口上下学时段交通拥堵严重",
     "每天早上七点半到八点，实验小学门口车辆乱停，孩子过马路很危险，希望增设护学岗和"
     "临时停车区。", 2, 6),
)
CONDUCT = (
    ("窗口工作人员办事推诿、态度生硬",
     "上周三到政务服务中心办理不动产登记，窗口工作人员称材料不全让我回去，却说不清缺什么，"
     "来回跑了三趟。", "窗口工号 A12", True),
    ("工作人员上班时间长时间离岗", "连续两天上午十点去办事，窗口都没有人，等了一个多小时。",
     None, False),
)


def seed_oversight(ctx: Context, now: datetime) -> int:
    """Add the listed letters and the conduct complaints; returns how many letters."""
    clock = ctx.clock
    assert isinstance(clock, ManualClock), "seed_demo's stepping clock"
    office = Actor("demo-office", "office")
    first = next(iter(ctx.departments))
    clerk = Actor("demo-clerk", "clerk", first)
    n = 0
    for i, (subject, body, days, due_in) in enumerate(LISTED):
        clock.at = now - timedelta(days=days, hours=-9)
        answer = services.submit_letter(ctx, parse.submit_letter({
            "type": "help", "subject": subject, "body": body, "department": None,
            "name": "赵敏", "phone": None, "email": None, "public": True,
            "idempotency_key": f"demo-listed-{i}"}))
        lid = answer.body["id"]
        clock.at += timedelta(hours=1)
        casework.dispatch_letter(ctx, office, lid, parse.dispatch_letter({"department": first}))
        clock.at += timedelta(hours=2)
        casework.sign_letter(ctx, clerk, lid, parse.sign_letter({}))
        clock.at += timedelta(hours=1)
        due = (now + timedelta(days=due_in)).astimezone(CHINA_TZ).date()
        oversight_actions.supervise_letter(ctx, office, lid, supervise_command(
            {"reason": "群众反映强烈、久拖未决，市长公开电话办公室挂牌督办。",
             "due": due.isoformat()}))
        n += 1
    office_id = conduct_office(ctx.departments)
    if office_id is None:
        return n
    if ctx.store.get_account("demo-conduct") is None:
        ctx.store.put_account(auth.new_account("demo-conduct", DEMO_PASSWORD, "clerk",
                                               office_id, now, demo=True))
    conduct_clerk = Actor("demo-conduct", "clerk", office_id)
    for i, (subject, body, person, handled) in enumerate(CONDUCT):
        clock.at = now - timedelta(days=4 - 3 * i, hours=-10)
        answer = services.submit_letter(ctx, parse.submit_letter({
            "type": "efficiency", "subject": subject, "body": body, "department": None,
            "about": {"department": first, "person": person}, "name": "钱进",
            "phone": "13900009999", "email": None, "public": False,
            "idempotency_key": f"demo-conduct-{i}"}))
        n += 1
        if not handled:
            continue
        lid = answer.body["id"]
        for step in ("dispatch", "sign", "reply", "approve"):
            clock.at += timedelta(hours=2)
            if step == "dispatch":
                casework.dispatch_letter(ctx, office, lid,
                                         parse.dispatch_letter({"department": office_id}))
            elif step == "sign":
                casework.sign_letter(ctx, conduct_clerk, lid, parse.sign_letter({}))
            elif step == "reply":
                casework.reply_to_letter(ctx, conduct_clerk, lid, parse.reply_to_letter(
                    {"body": "经核查，反映情况属实，已对当事工作人员批评教育，"
                             "并责成窗口一次性告知所需材料。"}))
            else:
                casework.approve_reply(ctx, office, lid, parse.approve_reply({"publish": False}))
    clock.at = now
    oversight.record_listings_overdue(ctx, now)     # as the first tick would
    return n
