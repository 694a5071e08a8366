"""The exposure board (曝光台): overdue letters and late work by department, measured as of the
latest red light the scheduled job recorded, rebuilt incrementally by the changes that touch it,
and never showing more of a private letter than its department and how late it is."""
from __future__ import annotations

import re

import pytest
from publisher_city import make_city
from sitecheck import diff_trees, html_errors

from chalicelib.domain import exposure
from chalicelib.services import casework, supervision
from chalicelib.services.commands import ApproveReply, ReplyToLetter
from fakes import HOUSING_CLERK, OFFICE, cst
from publisher import pages as P
from publisher.build import full_build
from publisher.sinks import MemorySink

PUBLIC_SUBJECT = "路灯不亮，联系电话 13812345678"
PRIVATE_SUBJECT = "不愿公开的来信主题"


def cells(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with this caption, as lists of cell texts."""
    table = page[page.index(f"<caption>{caption}"):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    return [[re.sub(r"<[^>]+>", "", c).strip()
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


@pytest.fixture(scope="module")
def story(tmp_path_factory, content):
    """Three letters dispatched on Monday 2 November 2026 (sign by Tue 3, reply by Mon 9):
    one public and signed but never answered, one private never signed, one answered on time.
    The scheduled job runs on Wed 11 November at 10:00; the public letter is answered on Thu 12
    at 10:00. Every commit is published incrementally."""
    city = make_city(tmp_path_factory.mktemp("exposure"), content)
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    seen = {}
    late = city.submit(subject=PUBLIC_SUBJECT)
    city.dispatch(late, "housing")
    city.sign(late, "housing")
    hidden = city.submit(subject=PRIVATE_SUBJECT, public=False)
    city.dispatch(hidden, "transport")
    city.full_cycle(dept="housing", subject="按时答复的来信")
    seen["before_tick"] = city.sink.files["exposure/index.html"].decode()

    city.clock.at = cst(2026, 11, 11, 10, 0)
    before = dict(city.sink.files)
    result = supervision.tick(city.ctx, city.clock.at)
    changes = city.ctx.store.pending_changes()
    seen["tick_keys"] = P.affected_by_all(changes, city.ctx.store, content)
    city.publish()
    seen["tick_changed"] = sorted(p for p in city.sink.files if before.get(p) != city.sink.files[p])
    seen["lights"] = result["lights_changed"]
    seen["after_tick"] = city.sink.files["exposure/index.html"].decode()
    seen["after_tick_en"] = city.sink.files["en/exposure/index.html"].decode()

    city.clock.at = cst(2026, 11, 12, 10, 0)
    casework.reply_to_letter(city.ctx, HOUSING_CLERK, late["id"], ReplyToLetter(body="已修复。"))
    city.publish()
    seen["after_reply"] = city.sink.files["exposure/index.html"].decode()
    seen.update(city=city, late=late, hidden=hidden)
    return seen


def test_the_board_is_empty_until_the_job_records_a_red_light(story):
    page = story["before_tick"]
    assert "目前没有超期未办结的来信。" in page and "尚无超期记录。" in page
    assert "情况截至" not in page


def test_a_tick_that_turns_lights_red_rebuilds_the_board_incrementally(story):
    assert set(story["lights"]) >= {story["late"]["id"], story["hidden"]["id"]}
    assert ("exposure",) in story["tick_keys"]
    assert "exposure/index.html" in story["tick_changed"]
    assert "en/exposure/index.html" in story["tick_changed"]


def test_overdue_letters_with_how_late_by_hand(story):
    page = story["after_tick"]
    assert '情况截至 <time datetime="2026-11-11T10:00:00+08:00">2026-11-11 10:00</time>' in page
    rows = cells(page, "超期未办结的来信（超期最久的在前）")
    # private: sign due Tue 3 Nov, overdue from Wed 4 00:00 to Wed 11 10:00 = Wed 4, Thu 5,
    # Fri 6, Mon 9, Tue 10 (5 working days) + 10 h = 5.42 working days; 8 calendar days
    # public: reply due Mon 9 Nov, overdue from Tue 10 00:00 to Wed 11 10:00 = 1 day + 10 h
    # = 1.42 working days; 2 calendar days
    assert rows == [
        ["市交通运输局", "5.4", "签收", "—", "8", "—",
         "（来信人未同意公开：仅公布部门和超期时长）"],
        ["市住房和城乡建设局", "1.4", "答复", "2026-11-09", "2", "投诉",
         "路灯不亮，联系电话 [手机号已隐去]"],
    ]
    assert cells(page, "各部门超期未办结件数") == [["市交通运输局", "1", "5.4"],
                                                 ["市住房和城乡建设局", "1", "1.4"]]
    # the tick's red lights are late work of November (the month of dispatch); equal rows go by
    # department id
    assert cells(page, "各部门超期情况，2025年12月至2026年11月") == [
        ["市住房和城乡建设局", "1", "0", "—", "0"], ["市交通运输局", "1", "0", "—", "0"]]


def test_a_private_letter_shows_its_department_and_lateness_only(story):
    hidden = story["hidden"]
    for path, data in story["city"].sink.files.items():
        text = data.decode("utf-8", "replace")
        assert PRIVATE_SUBJECT not in text, path
        assert hidden["id"] not in text and hidden["tracking_code"] not in text, path
    assert "13812345678" not in story["after_tick"]
    english = story["after_tick_en"]
    assert "(the writer did not allow publication: department and lateness only)" in english
    assert '<span lang="zh-CN">路灯不亮，联系电话 [手机号已隐去]</span>' in english


def test_an_answer_takes_the_letter_off_the_board_and_counts_as_a_late_reply(story):
    page = story["after_reply"]
    rows = cells(page, "超期未办结的来信（超期最久的在前）")
    assert [r[0] for r in rows] == ["市交通运输局"]
    # still as of the private letter's red light: the board is never measured by a build clock
    assert '<time datetime="2026-11-11T10:00:00+08:00">' in page
    # replied Thu 12 November, due Mon 9: one late reply, 3 calendar days late
    assert cells(page, "各部门超期情况，2025年12月至2026年11月") == [
        ["市住房和城乡建设局", "1", "1", "3.0", "0"], ["市交通运输局", "1", "0", "—", "0"]]


def test_incremental_board_equals_full_build(story, content):
    city = story["city"]
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:10])
    for path in ("exposure/index.html", "en/exposure/index.html"):
        assert not html_errors(full.files[path].decode()), path


def test_only_changes_to_letters_that_went_red_or_were_late_touch_the_board(story, content):
    store = story["city"].ctx.store
    late, hidden = store.get_letter(story["late"]["id"]), store.get_letter(story["hidden"]["id"])
    assert exposure.touches_board(late) and exposure.touches_board(hidden)
    on_time = next(l for l in store.iter_letters() if l.subject == "按时答复的来信")
    assert not exposure.touches_board(on_time)
    from chalicelib.services.ports import Change
    keys = P.affected_pages(Change(id="c", at=cst(2026, 11, 30), letters=[on_time.id],
                                   departments=["housing"], periods=["2026-11"]),
                            store, content)
    assert ("exposure",) not in keys


def test_board_entries_by_hand(story):
    """The domain's board over the stored letters, without the page."""
    store = story["city"].ctx.store
    from publisher.render import content_calendar
    letters = store.overdue_letters(cst(2030, 1, 1))
    board = exposure.board(letters, content_calendar(story["city"].content))
    assert board.as_of == cst(2026, 11, 11, 10, 0)
    (entry,) = board.entries                      # the public letter was answered meanwhile
    assert (entry.letter_id, entry.clock, entry.late_working_days, entry.late_days) == (
        story["hidden"]["id"], "sign", 5.42, 8)
    assert exposure.board([], content_calendar(story["city"].content)).as_of is None


def test_the_board_is_in_the_nav_and_the_sitemap_in_both_languages(story):
    files = story["city"].sink.files
    home = files["index.html"].decode()
    assert '<a href="/exposure/">曝光台</a>' in home
    assert '<a href="/en/exposure/">Exposure board</a>' in files["en/index.html"].decode()
    pages = files["sitemaps/pages.xml"].decode()
    assert "/exposure/</loc>" in pages and "/en/exposure/</loc>" in pages


def test_the_english_board_marks_chinese_text_and_links_english_pages(story):
    from test_languages import LangText
    parser = LangText()
    parser.feed(story["after_tick_en"])
    assert parser.unmarked == []
    main = story["after_tick_en"].split("<main", 1)[1].split("</main>", 1)[0]
    links = re.findall(r'href="(/[^"]*)"', main)
    assert links and all(h.startswith("/en/") for h in links)


def test_a_statistics_correction_republishes_what_reads_the_totals(tmp_path, content):
    """`supervision.recompute_statistics` corrects drift with a change record of its own: the
    league, department and exposure pages follow it incrementally, equal to a full build."""
    city = make_city(tmp_path, content)
    city.sink = MemorySink()
    city.full_cycle(dept="housing", subject="按时答复的来信")
    full_build(city.ctx.store, content, city.sink)
    store = city.ctx.store
    store.mark_changes_done([c.id for c in store.pending_changes(1000)])
    month = next(p for p in store.stats_periods() if P.MONTH.match(p))
    assert "各部门超期情况" not in city.sink.files["exposure/index.html"].decode()

    with store.unit_of_work() as uow:      # drift: a late reply counted by an older rule
        uow.correct_stats({(month, "housing"): {"late_replies": 1, "late_reply_days": 4}})
        uow.commit()
    [change] = store.pending_changes()
    keys = P.affected_pages(change, store, content)
    assert {("exposure",), ("league",), ("department", "housing")} <= keys
    city.publish()
    drifted = city.sink.files["exposure/index.html"].decode()
    assert "市住房和城乡建设局" in drifted and "4.0" in drifted

    corrections = supervision.recompute_statistics(city.ctx)
    assert corrections == {(p, "housing"): {"late_replies": -1, "late_reply_days": -4}
                           for p in [month]}
    city.publish()
    assert supervision.recompute_statistics(city.ctx, apply=False) == {}
    assert "各部门超期情况" not in city.sink.files["exposure/index.html"].decode()
    full = MemorySink()
    full_build(store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:10])


def test_late_replies_and_sign_ins_are_listed_letter_by_letter(story):
    """The public letter was answered on Thu 12 November 10:00 against a reply due Mon 9: late
    from Tue 10 00:00, i.e. Tue 10 and Wed 11 (2 working days) + 10 h = 2.42 working days."""
    assert "超期签收和答复（最近的在前）" not in story["after_tick"]      # nothing done late yet
    page = story["after_reply"]
    assert cells(page, "超期签收和答复（最近的在前）") == [
        ["市住房和城乡建设局", "2.4", "答复", "2026-11-09", "2026-11-12", "3", "投诉",
         "路灯不亮，联系电话 [手机号已隐去]"]]
    assert "2025年12月以来最近的超期签收和答复，最多列出 100 次" in page


def test_a_private_letter_signed_late_is_listed_with_department_and_lateness_only(story, content):
    """Run last: it moves the story on. The private letter, due to be signed for by Tue 3
    November, is signed on Fri 13 at 9:00 (Wed 4 … Thu 12 = 7 working days + 9 h = 7.38)."""
    city = story["city"]
    city.clock.at = cst(2026, 11, 13, 9, 0)
    city.sign(story["hidden"], "transport")
    city.publish()
    page = city.sink.files["exposure/index.html"].decode()
    rows = cells(page, "超期签收和答复（最近的在前）")
    assert rows[0] == ["市交通运输局", "7.4", "签收", "—", "—", "10", "—",
                       "（来信人未同意公开：仅公布部门和超期时长）"]
    assert [r[2] for r in rows] == ["签收", "答复"]
    assert PRIVATE_SUBJECT not in page
    # publishing the late public letter: the board shows nothing a publication changes
    city.clock.at = cst(2026, 11, 13, 10, 0)
    casework.approve_reply(city.ctx, OFFICE, story["late"]["id"], ApproveReply(publish=True))
    (change,) = city.ctx.store.pending_changes()
    assert change.counters == ["published"]
    assert ("exposure",) not in P.affected_by_all([change], city.ctx.store, content)
    city.publish()
    assert city.sink.files["exposure/index.html"].decode() == page
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:10])
