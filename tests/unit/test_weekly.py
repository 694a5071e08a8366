"""The weekly record's pure parts: the week that ended last, the window, week names, figures."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.domain import weekly
from chalicelib.domain.letters import Letter, LetterType, Publication
from fakes import cst

MON = cst(2026, 11, 30)          # Monday of 2026-W49


def letter(n: int, at, *, source="web", kind=LetterType.complaint, published=False, votes=0,
           subject="五矿万境小区夜间施工噪音扰民") -> Letter:
    x = Letter(id=f"l{n:03d}", tracking_code=f"WZ{n:08d}", secret_hash="5e" * 32, type=kind,
               subject=subject, body="夜间施工噪音很大，影响休息。", public=True, submitted_at=at,
               name="王小明", phone="13812345678", source=source)
    x.record_submission(at)
    x.department = "housing"
    x.votes_up = votes
    if published:
        x.publication = Publication(subject=f"公开{n}", body=["正文"], reply=["答复"],
                                    reply_department="housing", reply_at=at, name="王**",
                                    category="城乡建设", approved_at=at, first_published_at=at)
    return x


def test_the_last_ended_week_starts_on_monday_china_time():
    assert weekly.last_ended_week(cst(2026, 12, 7, 0, 0)) == "2026-W49"
    assert weekly.last_ended_week(cst(2026, 12, 6, 23, 59)) == "2026-W48"
    since, before = weekly.week_window("2026-W49")
    assert (since, before) == (MON, MON + timedelta(days=7))


def test_week_names_are_checked():
    assert weekly.valid_week("2026-W49") and weekly.valid_week("2026-W53")
    assert not any(weekly.valid_week(w) for w in ("2026-49", "2026-W54", "2025-W53", "x", "",
                                                   "2026-W4a", "2026-w49"))


def test_figures_count_the_week_by_channel_type_and_category():
    letters = [letter(1, MON - timedelta(hours=1)),                 # the week before
               letter(2, MON, source="phone"),
               letter(3, MON + timedelta(days=1), published=True, votes=3),
               letter(4, MON + timedelta(days=2), kind=LetterType.suggestion, published=True),
               letter(5, MON + timedelta(days=7))]                 # the week after
    got = weekly.figures("2026-W49", letters, {"green": 4, "red": 1},
                         [{"department": "housing", "red": 1}])
    assert got["received"] == {"total": 3, "by_channel": {"phone": 1, "web": 2},
                               "by_type": {"complaint": 2, "suggestion": 1},
                               "by_category": {"": 1, "城乡建设": 2}}
    assert got["lights"] == {"green": 4, "yellow": 0, "red": 1}
    assert got["late_departments"] == [{"department": "housing", "red": 1}]
    assert [n["id"] for n in got["notable"]] == ["l003", "l004"]      # most voted first
    assert got["notable"][0] == {"id": "l003", "subject": "公开3", "department": "housing",
                                 "votes": 3, "url": "/letters/l003/"}
    assert (got["redos"], got["unsatisfied"]) == (0, 0)


def test_the_record_holds_the_hot_topics_and_never_a_private_letters_id():
    letters = [letter(i, MON + timedelta(hours=i), published=i % 2 == 0) for i in range(1, 8)]
    others = ["公交12路末班车提前", "学校门口交通拥堵", "社保卡补办流程", "菜市场占道经营",
              "路灯损坏不亮", "医保报销比例咨询"]
    letters += [letter(20 + i, MON + timedelta(days=1, hours=i), subject=s)
                for i, s in enumerate(others)]
    rec = weekly.record("2026-W49", MON + timedelta(days=7), letters, {}, [])
    assert rec["week"] == "2026-W49" and rec["formula"] == weekly.FORMULA
    (topic,) = rec["topics"]
    assert topic["letters"] == 7 and topic["departments"] == [["housing", 7]]
    assert topic["published"] == ["l002", "l004", "l006"]
