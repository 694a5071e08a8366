"""Invariant 1 (incremental equals full), 2 (nothing private is published) and 3 (citizen text
is inert), pinned on a whole site: a city's letters go through their lives while every commit is
published incrementally; then a full build must give the same files, byte for byte."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from xml.etree import ElementTree

import pytest
from channels_check import channel_problems
from interview_story import live_interview, publish_letter
from opendata_check import open_data_problems
from publisher_city import make_city
from sitecheck import diff_trees, html_errors, personal_data_on_site

from chalicelib.api import parse
from chalicelib.api.parse_oversight import supervise_letter as supervise_command
from chalicelib.domain.departments import Department
from chalicelib.domain.retention import Retention
from chalicelib.services import (
    casework,
    comment_votes,
    erasure,
    leaders,
    oversight_actions,
    privacy,
    supervision,
)
from chalicelib.services import topics as topic_services
from chalicelib.services.commands import (
    EscalateLetter,
    RecordInstruction,
    RejectLetter,
    ReplyToLetter,
    SignLetter,
    TransferLetter,
)
from chalicelib.services.context import Actor
from chalicelib.services.erasure import EraseLetter
from fakes import OFFICE, cst, topic
from publisher.build import full_build
from publisher.sinks import MemorySink

SCRIPT = "<script>alert(1)</script>"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)", re.I)
SCRIPT_SRC = re.compile(r"<script[^>]*\bsrc=\"([^\"?]+)", re.I)
PRIVATE_BODY = ("小区门口道路破损，我叫王小明，电话 13812345678，邮箱 wang@example.com，"
                "身份证 110101199003071234。")


@pytest.fixture(scope="module")
def city(tmp_path_factory, content):
    return make_city(tmp_path_factory.mktemp("city"), content)


@pytest.fixture(scope="module")
def store(city):
    return city.ctx.store


@pytest.fixture(scope="module")
def lived(city, content):
    """A month and a half of letters, published incrementally after every commit, on a site
    that starts as the full build of an empty store (the first deploy)."""
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    events = {}

    a = city.submit(subject="小区门口道路破损", body=PRIVATE_BODY)
    city.dispatch(a, "housing")
    city.sign(a, "housing")
    city.reply(a, "housing", "王小明您好：经核查，已安排修复。如有疑问请拨打 13812345678。")
    city.approve(a)
    city.rate(a, "unsatisfied", "no")
    events["a"] = a

    # a hostile letter: markup in every citizen field
    x = city.full_cycle(subject=f"{SCRIPT}路灯不亮", body=f"晚上很黑{SCRIPT}\n第二行",
                        name="<b onmouseover=alert(2)>李四</b>", reply=f"已修复{SCRIPT}")
    events["x"] = x

    # enough letters to fill the first monthly page and start a second one
    for i in range(50):
        city.full_cycle(dept="transport" if i % 3 else "housing",
                        subject=f"第{i}号来信：公交站台", rate="satisfied" if i % 4 == 0 else None,
                        resolved=(None, "yes", "partly")[i % 3])
    city.vote(a, "voter-1")
    city.vote(a, "voter-2", "down")
    events.update(_drive_and_comment_votes(city))

    # the redo of a published reply and its re-approval (same place in the archive) under
    # another category: it moves from the 城乡建设 board to the 交通运输 one
    city.redo(a)
    city.reply(a, "housing", "补充答复：道路已于本周修复完毕。")
    city.approve(a, category="交通运输")
    city.rate(a, "satisfied", "yes")

    # a letter the citizen did not allow to be published: only the counts change
    before = dict(city.sink.files)
    private = city.full_cycle(subject="不公开的来信主题", body="不公开的来信内容", public=False,
                              rate="basically_satisfied", resolved="partly")
    events["private"] = private
    events["changed_by_private"] = sorted(p for p in city.sink.files
                                          if before.get(p) != city.sink.files[p])

    # a second month
    city.clock.at = cst(2026, 12, 7, 10, 0)
    b = city.full_cycle(dept="transport", subject="十二月的来信", rate="basically_satisfied")
    events["b"] = b
    # letters to the leaders' boards (领导信箱): one published and rated, one private (counted
    # only), and one to a vice mayor the office escalates to the mayor, whose instruction
    # (批示) is recorded: escalations and instructions are never published
    m = city.full_cycle(subject="写给市长的来信：修缮老旧小区", leader="mayor", rate="satisfied",
                        body=PRIVATE_BODY)
    events["mayor"] = m
    events["mayor_private"] = city.full_cycle(subject="写给市长的不公开来信", leader="mayor",
                                              public=False, rate="unsatisfied")
    up = city.submit(subject="呈报市长的来信", leader="vice-mayor-he")
    city.dispatch(up, "housing")
    lctx = replace(city.ctx, leaders=content.leaders_by_id)
    city.step(lambda _, *a: leaders.escalate_letter(lctx, *a), OFFICE, up["id"],
              EscalateLetter("mayor", "群众反映强烈，请阅示。"))
    city.step(lambda _, *a: leaders.record_instruction(lctx, *a), OFFICE, up["id"],
              RecordInstruction("请住建局三日内现场核查并答复。", "mayor"))
    city.sign(up, "housing")
    city.reply(up, "housing")
    city.approve(up)
    events["escalated"] = up
    # a transfer and re-dispatch, then publication
    t = city.submit(subject="转办的来信")
    city.dispatch(t, "transport")
    casework.transfer_letter(city.ctx, Actor("clerk-t", "clerk", "transport"), t["id"],
                             TransferLetter(reason="不属于本部门"))
    city.publish()
    city.dispatch(t, "housing")
    city.sign(t, "housing")
    city.reply(t, "housing")
    city.approve(t)
    events["t"] = t
    # letters from the hotline's other channels (issue 15): a phone letter handled to the
    # end, and an SMS received in November but taken down in December (it counts in November)
    before = dict(city.sink.files)
    sms = city.take("sms", cst(2026, 11, 28, 20, 0), subject="短信反映的路灯问题",
                    email=None)
    events["sms"] = sms
    events["changed_by_sms"] = sorted(p for p in city.sink.files
                                      if before.get(p) != city.sink.files[p])
    phone = city.take("phone", cst(2026, 12, 7, 9, 30), subject="电话反映的噪音问题")
    city.dispatch(phone, "transport")
    city.sign(phone, "transport")
    city.reply(phone, "transport")
    city.approve(phone)
    city.rate(phone, "satisfied")
    events["phone"] = phone
    # a letter left waiting, and one rejected
    w = city.submit(subject="还在办理的来信")
    city.dispatch(w, "housing")
    casework.reject_letter(city.ctx, Actor("office-1", "office"),
                           city.submit(subject="无效来信")["id"], RejectLetter(reason="内容不完整"))
    city.publish()
    events["w"] = w

    # listed supervision (挂牌督办) and a conduct complaint (效能投诉): oversight_story
    events.update(oversight_story(city))

    # the scheduled job a week later: the waiting letter's light turns red (sign due Tue 8
    # December), and only the incremental publish of that change puts it on the exposure board
    before = dict(city.sink.files)
    city.clock.at = cst(2026, 12, 16, 10, 0)
    ticked = supervision.tick(city.ctx, city.clock.at)
    events["lights"], events["listings_overdue"] = ticked["lights_changed"], \
        ticked["listings_overdue"]
    city.publish()
    events["changed_by_tick"] = sorted(p for p in city.sink.files
                                       if before.get(p) != city.sink.files[p])
    # an interview session the same day: questions classified (a demand becomes a letter,
    # then published), two evaluators' scores, the session closed by the scheduled job
    events["interview"] = live_interview(city, content)
    publish_letter(city, events["interview"]["letter_id"])
    events.update(personal_data_story(city))
    return events


def personal_data_story(city) -> dict:
    """Personal data over time (services/privacy.py, erasure.py): the office erases one
    writer's data on request, then the retention purge (a period of one day, so that the
    story's letters are past it) takes every finished letter's; each is a change record
    published incrementally, and nothing published may change."""
    before = dict(city.sink.files)
    answered = [x for x in city.ctx.store.list_letters(limit=10_000)
                if x.status in ("published", "closed") and x.phone]
    city.step(erasure.erase_letter, OFFICE, answered[0].id, EraseLetter("来信人来电要求删除"))
    city.clock.advance(days=2)
    short = replace(city.ctx, retention=Retention(contact_days=1))
    purged = privacy.purge_past_retention(short, city.clock.at)["purged"]
    city.publish()
    return {"erased": answered[0].id, "purged": purged,
            "changed_by_purge": sorted(p for p in city.sink.files
                                       if before.get(p) != city.sink.files[p])}


def _drive_and_comment_votes(city) -> dict:
    """Issue 15 items 8 and 9: a hearing's comment voted up and down, a suggestion drive with a
    published adopted suggestion, a private one (counts only) and one still open."""
    office = Actor("office-1", "office")
    topic_services.register_topics(city.ctx, [topic("hearing", "fares"),
                                              topic("drive", "ideas")])
    city.publish()
    cid = topic_services.add_comment(city.ctx, "fares", parse.add_comment(
        {"body": "支持调整", "stance": "support"})).body["id"]
    city.publish()
    topic_services.approve_comment(city.ctx, office, cid)
    city.publish()
    for voter, direction in (("v1", "up"), ("v2", "up"), ("v3", "down"), ("v1", "down")):
        comment_votes.vote_comment(city.ctx, cid, parse.vote({"direction": direction}), voter)
        city.publish()
    adopted = city.submit(type="suggestion", subject="建议增开夜班公交", campaign="ideas")
    city.dispatch(adopted, "transport")
    city.sign(adopted, "transport")
    city.reply(adopted, "transport", "感谢建议，下月起开通。")
    city.approve(adopted, adopted=True)
    # private and not dispatched yet (the story's one private closed letter and one red
    # light come later)
    private = city.submit(type="suggestion", subject="不公开的建议", public=False,
                          campaign="ideas")
    waiting = city.submit(type="suggestion", subject="建议增设自行车道", campaign="ideas")
    return {"drive_adopted": adopted, "drive_private": private, "drive_waiting": waiting,
            "voted_comment": cid}


CONDUCT_OFFICE = Department("efficiency-office", "市纪委监委效能办",
                            "Efficiency Supervision Office", supervises_conduct=True)
CONDUCT_CLERK = Actor("clerk-e", "clerk", "efficiency-office")


def oversight_story(city) -> dict:
    """A letter listed while still waiting for dispatch (its office date passes before the
    tick of 16 December), one listed and answered within its date, then published, and a
    conduct complaint about the housing bureau handled by the supervising office."""
    city.ctx.departments = {**city.ctx.departments, CONDUCT_OFFICE.id: CONDUCT_OFFICE}
    out = {}
    listed = city.submit(subject="挂牌督办的来信", body="小区停水三天，电话 13812345678。")
    city.step(oversight_actions.supervise_letter, OFFICE, listed["id"],
              supervise_command({"reason": "群众反映强烈，联系人 13812345678",
                                 "due": "2026-12-09"}))
    out["listed"] = listed
    kept = city.submit(subject="按期办结的督办件")
    city.dispatch(kept, "housing")
    city.step(oversight_actions.supervise_letter, OFFICE, kept["id"],
              supervise_command({"reason": "重点督办", "due": None}))
    city.sign(kept, "housing")
    city.reply(kept, "housing")
    city.approve(kept)
    out["kept"] = kept
    conduct = city.submit(type="efficiency", subject="窗口工作人员态度恶劣", public=True,
                          about={"department": "housing", "person": "窗口张三丰"})
    city.dispatch(conduct, CONDUCT_OFFICE.id)
    city.step(casework.sign_letter, CONDUCT_CLERK, conduct["id"], SignLetter())
    city.step(casework.reply_to_letter, CONDUCT_CLERK, conduct["id"],
              ReplyToLetter(body="已核实并批评教育。"))
    city.approve(conduct)          # publish=True, but a conduct complaint stays private
    out["conduct"] = conduct
    return out


def test_incremental_build_equals_full_build(lived, city, store, content):
    assert city.ctx.store.pending_changes() == []
    full = MemorySink()
    full_build(store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:20])
    # the site really has what the story made
    files = full.files
    assert f"letters/{lived['a']['id']}/index.html" in files
    assert "letters/2026/11/page/2/index.html" in files
    assert "letters/2026/12/index.html" in files
    assert "sitemaps/letters-2026-11-2.xml" in files
    assert "data/league-2026-Q4.json" in files and "data/league-all.csv" in files
    # ... in English too: the comparison above covers every file under en/
    assert f"en/letters/{lived['a']['id']}/index.html" in files
    assert "en/letters/2026/11/page/2/index.html" in files
    assert "en/letters/2026/12/index.html" in files and "en/league/2026-Q4/index.html" in files
    assert "en/index.html" in files and "en/404.html" in files
    # the hot topics of the week the tick of 16 December wrote (change record of kind "week")
    assert "hot/index.html" in files and "en/hot/2026-W50/index.html" in files
    assert "data/hot-2026-W50.json" in files
    # the interview programme (publisher/families/interviews.py) and the session's page
    assert "interviews/index.html" in files and "en/interviews/index.html" in files
    assert f"consultations/{lived['interview']['topic']}/index.html" in files
    # the boards by type and by category, their stable monthly pages, feeds and sitemaps
    for lang in ("", "en/"):
        assert f"{lang}letters/types/complaint/index.html" in files
        assert f"{lang}letters/types/complaint/2026/11/page/2/index.html" in files
        assert f"{lang}letters/categories/urban-rural/2026/12/index.html" in files
        assert f"{lang}letters/categories/transport/2026/11/index.html" in files
    assert "feeds/categories/urban-rural.atom.xml" in files
    assert "sitemaps/types-complaint.xml" in files
    moved = files["letters/categories/transport/2026/11/index.html"].decode()
    assert f'href="/letters/{lived["a"]["id"]}/"' in moved
    assert f'/letters/{lived["a"]["id"]}/"' not in files[
        "letters/categories/urban-rural/2026/11/index.html"].decode()


def test_the_leaders_boards_list_their_published_letters_and_count_the_private(lived, city):
    files = city.sink.files
    for lang in ("", "en/"):
        assert f"{lang}leaders/index.html" in files
        assert f"{lang}leaders/mayor/index.html" in files
    board = files["leaders/mayor/index.html"].decode()
    assert "写给市长的来信：修缮老旧小区" in board
    assert "写给市长的不公开来信" not in board            # private: counted only
    assert "<dt>受理</dt><dd>2</dd>" in board and "<dt>答复</dt><dd>2</dd>" in board
    assert "<dt>满意率</dt><dd>50.0%" in board or "<dt>满意率</dt><dd>50%" in board
    # the escalated letter is on its own board (the vice mayor's), never the mayor's
    assert "呈报市长的来信" not in board
    assert "呈报市长的来信" in files["leaders/vice-mayor-he/index.html"].decode()
    page = files[f"letters/{lived['mayor']['id']}/index.html"].decode()
    assert "<dt>写给</dt>" in page and 'href="/leaders/mayor/"' in page
    assert 'href="/en/leaders/mayor/"' in files[
        f"en/letters/{lived['mayor']['id']}/index.html"].decode()
    assert "/leaders/mayor/" in files["sitemaps/pages.xml"].decode()


def test_the_leaders_pages_hold_no_personal_data(lived, city):
    pages = {p: d for p, d in city.sink.files.items() if p.startswith(("leaders/", "en/leaders/"))}
    assert len(pages) == 10
    assert personal_data_on_site(pages, names=["王小明"], written=[
        "13812345678", "wang@example.com", "110101199003071234"]) == []
    page = city.sink.files[f"letters/{lived['mayor']['id']}/index.html"]
    assert personal_data_on_site({"letter.html": page}, names=["王小明"],
                                 written=["13812345678", "110101199003071234"]) == []


def test_no_instruction_escalation_or_leader_contact_is_published(lived, city, content):
    mayor = content.leaders_by_id["mayor"]
    for path, data in city.sink.files.items():
        text = data.decode("utf-8", "replace")
        assert "请住建局三日内现场核查并答复。" not in text, path     # the instruction
        assert "群众反映强烈，请阅示。" not in text, path             # the escalation's note
        assert mayor.phone not in text and mayor.email not in text, path


def test_a_tick_that_turns_a_light_red_changes_the_exposure_board(lived, city):
    assert lived["lights"] == [lived["w"]["id"]]
    changed = lived["changed_by_tick"]
    assert "exposure/index.html" in changed and "en/exposure/index.html" in changed
    # a red light is late work in the statistics: the figures move too, letters' pages do not
    assert not any(p.startswith(("letters/", "en/letters/")) for p in changed), changed
    board = city.sink.files["exposure/index.html"].decode()
    assert '情况截至 <time datetime="2026-12-16T10:00:00+08:00">' in board
    assert "还在办理的来信" in board            # public: its (redacted) subject is shown
    assert lived["w"]["id"] not in board       # never its id or tracking code


def test_every_league_figure_is_recomputed_from_the_letter_open_data(lived, city):
    """Both months, the transfer (two departments), the re-done reply rated twice, the red
    light and the rejection, from data/letters-*.json alone."""
    files = city.sink.files
    assert {"data/letters-2026-11.json", "data/letters-2026-12.csv"} <= set(files)
    assert open_data_problems(files, {lived["private"]["id"]}) == []
    rows = json.loads(files["data/letters-2026-12.json"])["rows"]
    (moved,) = [r for r in rows if r["transferred"]]
    assert [s["department"] for s in moved["stints"]] == ["transport", "housing"]
    private = [r for r in json.loads(files["data/letters-2026-11.json"])["rows"]
               if r["url"] is None and r["status"] == "closed"]
    assert len(private) == 1 and private[0]["rating"] == "basically_satisfied"


def test_the_channel_files_are_recomputed_from_the_letter_open_data(lived, city):
    files = city.sink.files
    for period in ("all", "2026", "2026-Q4", "2026-11", "2026-12"):
        assert f"data/channels-{period}.json" in files and f"data/channels-{period}.csv" in files
    assert channel_problems(files) == []
    december = json.loads(files["data/channels-2026-12.json"])
    phone = {(r["channel"], r["department"]): r for r in december["rows"]}[
        ("phone", "transport")]
    assert (phone["received"], phone["replied"], phone["rated"], phone["satisfied"]) == (1, 1, 1, 1)
    november = json.loads(files["data/channels-2026-11.json"])
    assert {c["channel"]: c["received"] for c in november["channels"]}["sms"] == 1
    # the backdated SMS moved November's files, and the /data/ page's channel table
    changed = lived["changed_by_sms"]
    assert {"data/channels-2026-11.json", "data/channels-2026-Q4.json", "data/channels-all.json",
            "data/letters-2026-11.json", "data/index.html", "en/data/index.html"} <= set(changed)
    assert "data/channels-2026-12.json" not in changed
    page = files["data/index.html"].decode()
    assert 'id="channels-h"' in page and "/data/channels-2026-Q4.csv" in page and "短信" in page
    assert "SMS" in files["en/data/index.html"].decode()


def test_a_purge_or_an_erasure_changes_nothing_published(lived, city):
    assert len(lived["purged"]) > 10
    assert lived["changed_by_purge"] == []
    for letter_id in [lived["erased"], *lived["purged"]]:
        letter = city.ctx.store.get_letter(letter_id)
        assert (letter.name, letter.phone, letter.email) == (None, None, None)
        assert letter.history[-1].action == "personal_data_purged"


def test_full_build_twice_gives_the_same_bytes(lived, store, content):
    one, two = MemorySink(), MemorySink()
    full_build(store, content, one)
    full_build(store, content, two)
    assert one.files == two.files


def test_redone_letter_keeps_its_place_and_shows_the_new_reply(lived, city):
    page = city.sink.files[f"letters/{lived['a']['id']}/index.html"].decode()
    assert "补充答复：道路已于本周修复完毕。" in page
    assert "经核查，已安排修复" not in page
    assert "第 1 次答复的评价：<strong>不满意" in page
    assert "第 2 次答复的评价：<strong>满意" in page
    assert 'data-count="up">1<' in page and 'data-count="down">1<' in page
    english = city.sink.files[f"en/letters/{lived['a']['id']}/index.html"].decode()
    assert '<p lang="zh-CN">补充答复：道路已于本周修复完毕。</p>' in english
    assert "The writer&#39;s rating of reply 1: <strong>Unsatisfied" in english
    assert "The writer&#39;s rating of reply 2: <strong>Satisfied" in english
    month = city.sink.files["letters/2026/11/index.html"].decode()
    assert month.index("小区门口道路破损") < month.index("第0号来信")


def test_private_letter_changes_only_counts(lived, city):
    private = lived["private"]
    changed = lived["changed_by_private"]
    assert changed, "the figures should have moved"
    assert not any(private["id"] in p for p in changed)
    assert not any(p.startswith(("letters/", "en/letters/", "feeds/", "sitemaps/"))
                   for p in changed), changed
    assert "en/index.html" in changed and "en/league/index.html" in changed   # the figures
    for path, data in city.sink.files.items():
        text = data.decode("utf-8", "replace")
        assert "不公开的来信" not in text, path
        assert private["id"] not in text, path


def test_no_contact_details_anywhere(lived, city):
    forbidden = ["13812345678", "wang@example.com", "王小明", "110101199003071234",
                 "13900001111"]
    for letter in city.letters.values():
        forbidden += [letter["tracking_code"], letter["secret"]]
    assert any(p.startswith("en/letters/") for p in city.sink.files)   # English pages scanned too
    for path, data in city.sink.files.items():
        text = data.decode("utf-8", "replace")
        for item in forbidden:
            assert item not in text, f"{item!r} published in {path}"


def test_citizen_markup_is_only_ever_escaped(lived, city):
    x = lived["x"]
    for path, data in city.sink.files.items():
        text = data.decode("utf-8", "replace")
        assert "alert(1)</script>" not in text, path
        assert "<b onmouseover" not in text, path
        if path.removeprefix("en/").startswith(("letters/", "departments/", "index.html",
                                                 "feeds/")):
            # reading needs no JavaScript; the only script is the theme's vote widget
            assert INLINE_SCRIPT.search(text) is None, path
            assert set(SCRIPT_SRC.findall(text)) <= {"/theme/js/votes.js"}, path
    page = city.sink.files[f"letters/{x['id']}/index.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮" in page
    assert "晚上很黑&lt;script&gt;" in page and "已修复&lt;script&gt;" in page
    month = city.sink.files["letters/2026/11/index.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮</a>" in month
    english = city.sink.files[f"en/letters/{x['id']}/index.html"].decode()
    assert '<h1 lang="zh-CN">&lt;script&gt;alert(1)&lt;/script&gt;路灯不亮</h1>' in english


def test_pages_are_balanced_html(lived, city):
    files = city.sink.files
    samples = ["index.html", "letters/index.html", "letters/archive/index.html",
               "letters/2026/11/index.html", "letters/2026/11/page/2/index.html",
               f"letters/{lived['a']['id']}/index.html", f"letters/{lived['x']['id']}/index.html",
               "departments/index.html", "departments/housing/index.html", "league/index.html",
               "league/2026-11/index.html", "league/2026-12/index.html", "exposure/index.html",
               "notices/index.html", "write/index.html", "data/index.html",
               "track/index.html", "staff/index.html", "404.html"]
    samples += ["en/" + path for path in samples]
    for path in samples:
        errors = html_errors(files[path].decode())
        assert not errors, f"{path}: {errors[:5]}"


def test_xml_and_json_files_parse(lived, city):
    roots: dict[str, str] = {}
    parsed_json = {}
    for path, data in city.sink.files.items():
        if path.endswith(".xml"):
            roots[path] = ElementTree.fromstring(data).tag
        elif path.endswith(".json"):
            parsed_json[path] = json.loads(data)
    atom, sitemap = "{http://www.w3.org/2005/Atom}feed", "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    assert roots["feeds/all.atom.xml"] == atom
    assert roots["feeds/departments/housing.atom.xml"] == atom
    assert roots["sitemap.xml"] in (sitemap + "urlset", sitemap + "sitemapindex")
    assert sum(1 for tag in roots.values() if tag == atom) >= 2
    league = parsed_json["data/league-all.json"]
    rows = league if isinstance(league, list) else league.get("rows", league.get("departments"))
    assert rows and all("department" in row and "rank" in row for row in rows)
    assert len(parsed_json) >= 5


def test_letters_waiting_or_rejected_have_no_page(lived, city):
    published = {p.split("/")[1] for p in city.sink.files
                 if p.startswith("letters/") and p.count("/") == 2 and p.endswith("index.html")}
    for letter in city.letters.values():
        detail = casework.get_staff_letter(city.ctx, Actor("office-1", "office"),
                                           letter["id"])
        assert (letter["id"] in published) == (detail["published_url"] is not None)
        assert (f"en/letters/{letter['id']}/index.html" in city.sink.files) == (
            detail["published_url"] is not None)


def test_the_drive_page_shows_its_tally_and_only_public_suggestions(lived, city):
    files = city.sink.files
    page = files["consultations/ideas/index.html"].decode()
    assert "建议增开夜班公交" in page and "不公开的建议" not in page
    assert "已采纳" in page and 'id="write-form"' in page and 'data-campaign="ideas"' in page
    assert "en/consultations/ideas/index.html" in files
    data = json.loads(files["data/topics/ideas.json"])
    d = data["drive"]
    assert (d["received"], d["answered"], d["adopted"]) == (3, 1, 1)
    assert [row["id"] for row in d["published"]] == [lived["drive_adopted"]["id"]]
    assert "/consultations/ideas/" in files["sitemap.xml"].decode() or any(
        b"/consultations/ideas/" in body for path, body in files.items()
        if path.startswith("sitemap"))


def test_comment_votes_are_on_the_topic_page_and_in_its_data(lived, city):
    files = city.sink.files
    data = json.loads(files["data/topics/fares.json"])
    assert data["comments"][0]["votes"] == {"up": 2, "down": 1}
    page = files["consultations/fares/index.html"].decode()
    assert f'data-comment="{lived["voted_comment"]}"' in page
    assert "js/comment-votes.js" in page


def test_listed_letters_on_the_exposure_board_until_answered(lived, city):
    assert lived["listings_overdue"] == [lived["listed"]["id"]]
    assert "exposure/index.html" in lived["changed_by_tick"]
    for path in ("exposure/index.html", "en/exposure/index.html"):
        board = city.sink.files[path].decode()
        section = board[board.index('id="listed-h"'):board.index('id="late-h"')]
        assert "挂牌督办的来信" in section                      # public: its subject, redacted
        assert "13812345678" not in board                       # ...in the reason too
        assert '<time datetime="2026-12-09">' in section
        assert ("已逾期" if not path.startswith("en/") else "Yes, overdue") in section
        assert "按期办结的督办件" not in section                # answered: off the list
    page = city.sink.files[f"letters/{lived['kept']['id']}/index.html"].decode()
    assert "挂牌督办" in page and "（在督办期限内）" in page
    assert "Listed for supervision" in city.sink.files[
        f"en/letters/{lived['kept']['id']}/index.html"].decode()


def test_a_conduct_complaint_is_never_published_and_counts_for_the_named_department(lived,
                                                                                   city):
    conduct = lived["conduct"]
    for path, data in city.sink.files.items():
        text = data.decode("utf-8", "replace")
        assert "窗口张三丰" not in text, path
        assert "窗口工作人员态度恶劣" not in text, path
        assert conduct["id"] not in text, path
    rows = {r["department"]: r for r in json.loads(
        city.sink.files["data/league-2026-12.json"])["rows"]}
    assert rows["housing"]["conduct_complaints"] == 1
    assert rows["efficiency-office"]["received"] == 1
    assert rows["efficiency-office"]["conduct_complaints"] == 0
    month = json.loads(city.sink.files["data/letters-2026-12.json"])
    row = next(r for r in month["rows"] if r["type"] == "efficiency")
    assert "about" not in row and row["department"] == "efficiency-office"
