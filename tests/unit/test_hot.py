"""Hot topics (domain/hot.py): letters on one matter in a week make a topic, named by the runs
they share; fewer than five make none; nothing of one letter alone (a name, a phone) leaves;
the hot index is the formula the page states."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from chalicelib.domain import hot
from chalicelib.domain.hot import HotLetter, hot_index, iso_week, week_start, week_topics

MONDAY = datetime(2026, 11, 16, 9, 0)          # ISO week 2026-W47

NOISE = ["咨询社保卡补办流程", "建议增加公交夜班线路", "反映路灯不亮的问题", "询问幼儿园报名时间",
         "投诉超市售卖过期食品", "咨询公积金提取条件", "反映小区电梯经常故障", "建议公园增加座椅"]


def letter(n: int, subject: str, body: str, day: int = 0, **kw) -> HotLetter:
    return HotLetter(id=f"l{n:03d}", subject=subject, body=body,
                     submitted_at=MONDAY + timedelta(days=day, hours=n % 8), **kw)


def week(matter: int, *, votes: int = 0, extra: str = "") -> list[HotLetter]:
    same = [letter(i, f"丽发新城小区旁搅拌站噪音扰民{extra}",
                   f"丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘污染严重，请尽快处理。第{i}封。",
                   day=i % 5, votes=votes, department="environment", published=i % 2 == 0)
            for i in range(matter)]
    other = [letter(100 + i, s, s + "，请相关部门回复。", day=i % 7, department="housing")
             for i, s in enumerate(NOISE)]
    return same + other


def test_letters_on_one_matter_make_a_topic_named_by_what_they_share():
    topics = week_topics("2026-W47", week(6))
    assert len(topics) == 1
    topic = topics[0]
    assert topic.letters == 6
    assert "丽发新城" in topic.name and "搅拌站" in topic.name
    assert "丽发新城小区旁搅拌站噪音扰民" in topic.terms or any("搅拌站" in t for t in topic.terms)
    assert topic.departments == [("environment", 6)]
    # only the published letters are linked
    assert topic.published == ["l000", "l002", "l004"]


def test_fewer_than_five_letters_are_not_a_topic():
    assert week_topics("2026-W47", week(4)) == []
    assert len(week_topics("2026-W47", week(5))) == 1


def test_letters_outside_the_week_do_not_count_in_it():
    later = [HotLetter(id=f"x{i}", subject="丽发新城小区旁搅拌站噪音扰民", body="搅拌站噪音",
                       submitted_at=MONDAY + timedelta(days=7 + i)) for i in range(6)]
    topics = week_topics("2026-W47", week(5) + later)
    assert [t.letters for t in topics] == [5]
    assert week_topics("2026-W46", week(6)) == []


def test_nothing_one_letter_alone_wrote_is_in_a_topic():
    letters = week(6)
    private = ("13812345678", "zhang.san@example.com", "王小明")
    letters[0] = HotLetter(
        id="l000", subject=letters[0].subject, published=True, department="environment",
        submitted_at=letters[0].submitted_at,
        body=f"{letters[0].body} 联系人：王小明，电话 13812345678，邮箱 zhang.san@example.com")
    (topic,) = week_topics("2026-W47", letters)
    shown = " ".join([topic.name, *topic.terms])
    assert not any(p in shown for p in private)
    # every term is shared by at least three of the topic's letters
    texts = [hot._text(lt) for lt in letters[:6]]
    for term in topic.terms:
        assert sum(term in t for t in texts) >= hot.MIN_SHARED, term


def test_a_matter_growing_against_the_weeks_before_is_hotter():
    steady = week(6) + [HotLetter(id=f"p{i}", subject="丽发新城小区旁搅拌站噪音扰民",
                                  body="丽发新城小区旁边的搅拌站噪音和粉尘污染严重。",
                                  submitted_at=MONDAY - timedelta(days=1 + i))
                        for i in range(24)]
    (grown,) = week_topics("2026-W47", week(6))
    (same,) = week_topics("2026-W47", steady)
    assert grown.previous_weekly == 0 and grown.growth == 3.0     # clipped at 3
    assert same.previous_weekly == 6.0 and same.growth == 0
    assert grown.hot > same.hot


def test_the_hot_index_is_the_stated_formula():
    assert hot_index(10, 0, 0) == (3.0, 40.0)
    assert hot_index(10, 5, 0) == (1.0, 20.0)
    assert hot_index(10, 20, 0) == (0.0, 10.0)
    growth, h = hot_index(6, 2, 99)
    assert growth == 2.0 and h == round(6 * 3 + math.log(100), 2)
    (voted,) = week_topics("2026-W47", week(6, votes=10))
    assert voted.votes == 60 and voted.hot == round(6 * 4 + math.log(61), 2)


def test_topics_are_the_same_whatever_order_the_letters_come_in():
    letters = week(7)
    assert week_topics("2026-W47", letters) == week_topics("2026-W47", letters[::-1])


def test_iso_weeks():
    assert iso_week(MONDAY.date()) == "2026-W47"
    assert week_start("2026-W47") == MONDAY.date()
    assert iso_week(datetime(2027, 1, 1).date()) == "2026-W53"
