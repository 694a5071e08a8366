"""An interview session lived through the use cases, publishing every commit incrementally:
questions asked, answered and classified (one demand becomes a letter, later published), two
evaluators' scores (one revised), the session closing by the scheduled job. The publisher
tests run it on a city (`publisher_city.City`) and compare the incremental site with a full
build."""
from __future__ import annotations

from datetime import datetime

from chalicelib.api import parse
from chalicelib.domain.interviews import QuestionKind, Verdict
from chalicelib.services import interviews as iv
from chalicelib.services import topics as topic_services
from chalicelib.services.context import Actor
from fakes import OFFICE, TRANSPORT_CLERK, cst, topic

DEPUTY = Actor("deputy-1", "evaluator", "deputy")
EXPERT = Actor("expert-1", "evaluator", "expert")
SCORES = {"preparation": 4, "responsiveness": 5, "follow_up": 3, "clarity": 4}
PRIVATE_QUESTION = "我家住人民路 8 号，电话 13812345678，小区门口积水严重，请派人处理。"


def live_interview(city, content, day: datetime | None = None) -> dict:
    """The session on `day` (China time; a Wednesday of the demo year by default): returns the
    topic id, the question ids and the letter made of the demand."""
    day = day or cst(2026, 12, 16)
    ctx = city.ctx
    ctx.interviews = content.interviews
    d = day.strftime("%Y-%m-%d")
    session = topic("interview", f"session-{d}", departments=("transport", "housing"),
                    opens=(day.replace(hour=0)).strftime("%Y-%m-%d"),
                    starts=f"{d}T14:00", ends=f"{d}T16:00", closes=f"{d}T16:00")
    city.clock.at = day.replace(hour=10)
    topic_services.register_topics(ctx, [session])
    city.publish()

    def ask(body: str, dept: str) -> str:
        answer = topic_services.add_comment(ctx, session.id, parse.add_comment(
            {"body": body, "name": "王小明", "department": dept}))
        city.publish()
        city.clock.advance(minutes=5)
        return str(answer.body["id"])

    asked = {"consultation": ask("公交 5 路末班车几点？", "transport"),
             "suggestion": ask("建议在江滨大道增设公交专用道。", "transport"),
             "demand": ask(PRIVATE_QUESTION, "housing")}
    city.clock.at = day.replace(hour=14, minute=10)
    topic_services.answer_comment(ctx, TRANSPORT_CLERK, asked["consultation"],
                                  parse.answer_comment({"body": "末班车 22:30 发车。"}))
    city.publish()
    topic_services.approve_comment(ctx, OFFICE, asked["suggestion"])
    topic_services.approve_comment(ctx, OFFICE, asked["demand"])
    city.publish()
    classify = [(asked["consultation"], iv.ClassifyQuestion(QuestionKind.consultation, None,
                                                            False)),
                (asked["suggestion"], iv.ClassifyQuestion(QuestionKind.suggestion,
                                                          Verdict.typical, False)),
                (asked["suggestion"], iv.ClassifyQuestion(QuestionKind.suggestion,
                                                          Verdict.adopted, False)),
                (asked["demand"], iv.ClassifyQuestion(QuestionKind.demand, None, True)),
                (asked["demand"], iv.ClassifyQuestion(QuestionKind.demand, None, True))]
    letter_id = None
    for cid, command in classify:
        answer = iv.classify_question(ctx, OFFICE, cid, command)
        letter_id = answer["letter_id"] or letter_id
        city.publish()
        city.clock.advance(minutes=2)
    iv.evaluate_session(ctx, DEPUTY, session.id, iv.EvaluateSession(dict(SCORES), "很好"))
    city.publish()
    iv.evaluate_session(ctx, EXPERT, session.id, iv.EvaluateSession(
        {**SCORES, "clarity": 2}, None))
    city.publish()
    iv.evaluate_session(ctx, DEPUTY, session.id, iv.EvaluateSession(
        {**SCORES, "preparation": 5}, "修改后"))
    city.publish()
    # the session closes: the scheduled job records the phase
    city.clock.at = day.replace(hour=17)
    topic_services.record_topic_phases(ctx, city.clock.at)
    city.publish()
    return {"topic": session.id, "asked": asked, "letter_id": letter_id}


def publish_letter(city, letter_id: str) -> None:
    """The demand's letter signed, answered and approved for publication by housing."""
    letter = {"id": letter_id}
    city.sign(letter, "housing")
    city.reply(letter, "housing", "已安排排水疏通。")
    city.approve(letter)
