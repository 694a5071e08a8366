"""Consultation pages on a whole site: a hearing, a solicitation, a survey and an interview go
through their lives (registration, opening, comments and moderation, responses, answers in the
session, closing, the outcome) while every commit is published incrementally; then a full build
must give the same files (invariant 1), with the tallies the story adds up to by hand, nothing a
moderator did not approve, no personal data (2) and citizen markup only ever escaped (3)."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from publisher_city import make_city
from sitecheck import diff_trees, html_errors
from test_languages import LangText

from chalicelib.api import parse
from chalicelib.services import supervision
from chalicelib.services import topics as ts
from chalicelib.services.topics import register_topics
from fakes import OFFICE, TRANSPORT_CLERK, cst, topic
from publisher import pages as P
from publisher.build import full_build
from publisher.render import Renderer
from publisher.sinks import MemorySink

SCRIPT = "<script>alert(1)</script>"
IDS = ("bus-fares", "parking-rules", "bus-survey", "traffic-talk")
OPEN = dict(opens="2026-11-03T09:00", closes="2026-11-20")


def _topics():
    return [
        topic("hearing", "bus-fares", departments=("transport", "housing"), title_en="Bus fares",
              summary="公交票价调整听证。", summary_en="Bus fares hearing.", **OPEN),
        topic("solicitation", "parking-rules", departments=("housing",), **OPEN),
        topic("survey", "bus-survey", **OPEN),
        topic("interview", "traffic-talk", opens="2026-11-03T09:00",
              starts="2026-11-10T09:30", ends="2026-11-10T11:30", closes="2026-11-10T11:30"),
    ]


def changed_since(before: dict, sink: MemorySink) -> list[str]:
    return sorted(p for p in sink.files if before.get(p) != sink.files[p])


@pytest.fixture(scope="module")
def story(tmp_path_factory, content):
    """The consultations' lives, published after every commit, on a site that starts as the
    full build of the store the topics were just registered in."""
    city = make_city(tmp_path_factory.mktemp("topics"), content, at=cst(2026, 11, 2, 9, 0))
    ctx, clock = city.ctx, city.clock
    register_topics(ctx, _topics())
    city.sink = MemorySink()
    full_build(ctx.store, content, city.sink)
    ctx.store.mark_changes_done([c.id for c in ctx.store.pending_changes(1000)])
    ev: dict = {"upcoming": dict(city.sink.files)}

    def comment(topic_id, body, **extra):
        answer = city.step(ts.add_comment, topic_id,
                           parse.add_comment({"body": body, **extra})).body
        return answer["id"]

    def approve(cid):
        city.step(ts.approve_comment, OFFICE, cid, parse.approve_comment({}))

    def reject(cid, reason="不文明用语"):
        city.step(ts.reject_comment, OFFICE, cid, parse.reject_comment({"reason": reason}))

    # the scheduled job records the opening: the pages get the status and the forms
    clock.at = cst(2026, 11, 3, 10, 0)
    supervision.tick(ctx, clock.at)
    city.publish()

    # the hearing: 3 support, 1 oppose, 1 neutral approved; one rejected, one pending
    for body in ("支持调整，班次多了。", f"支持{SCRIPT}票价合理。", "支持，但要保障老人优惠。"):
        approve(comment("bus-fares", body, stance="support"))
    ev["private"] = comment("bus-fares", "反对。我叫王小明，电话 13812345678，"
                            "邮箱 wang@example.com，"
                            "身份证 110101199003071234。", stance="oppose", name="王小明")
    approve(ev["private"])
    approve(comment("bus-fares", "中立，希望公开成本。", stance="neutral"))
    reject(comment("bus-fares", "被驳回的留言REJECTEDX", stance="oppose"))
    before = dict(city.sink.files)
    comment("bus-fares", "待审核的留言PENDINGX", stance="neutral")
    ev["changed_by_pending_hearing"] = changed_since(before, city.sink)

    # the solicitation: comments on paragraphs 1 and 3 and on the whole draft
    ev["p1"] = comment("parking-rules", "第一条应写明目的。", paragraph=1, stance="support")
    approve(ev["p1"])
    approve(comment("parking-rules", "第一条再补充一句。", paragraph=1))
    approve(comment("parking-rules", "第三条主管部门不清楚。", paragraph=3, stance="oppose"))
    approve(comment("parking-rules", "整体支持。"))
    comment("parking-rules", "待审核的条文意见PENDINGX", paragraph=2)

    # the survey: four responses (one free-text answer approved, one left pending)
    for answers in ({"mode": "bus", "problems": ["freq", "time"], "idea": "多开夜班车"},
                    {"mode": "bus", "problems": ["freq"]},
                    {"mode": "metro"},
                    {"mode": "bike", "problems": ["time", "crowd"],
                     "idea": f"待审核{SCRIPT}PENDINGX"}):
        city.step(ts.add_response, "bus-survey", parse.add_response({"answers": answers}))
    texts = ts.list_staff_comments(ctx, OFFICE, {"topic": "bus-survey", "status": "pending"})
    approve(next(c["id"] for c in texts if c["body"] == "多开夜班车"))

    # the interview: questions before the session, answers during it
    clock.at = cst(2026, 11, 5, 10, 0)
    q1 = comment("traffic-talk", "人民路什么时候不堵？", department="transport", name="李四")
    approve(q1)
    q2 = comment("traffic-talk", "小区停车难怎么办？", department="housing")
    q3 = comment("traffic-talk", "待审核的提问PENDINGX", department="transport")
    q4 = comment("traffic-talk", "物业费怎么定？", department="housing")
    approve(q4)
    reject(comment("traffic-talk", "被驳回的提问REJECTEDX", department="transport"))
    clock.at = cst(2026, 11, 10, 9, 45)
    city.step(ts.answer_comment, TRANSPORT_CLERK, q1,
              parse.answer_comment({"body": "信号灯配时本月优化。"}))
    before = dict(city.sink.files)
    city.step(ts.answer_comment, OFFICE, q2, parse.answer_comment({"body": "新建停车场两处。"}))
    ev["changed_by_answer"] = changed_since(before, city.sink)
    ev["q"] = {"q1": q1, "q2": q2, "q3": q3, "q4": q4}
    before = dict(city.sink.files)
    comment("traffic-talk", "又一个待审核的提问PENDINGX", department="housing")
    ev["changed_by_pending_question"] = changed_since(before, city.sink)

    # past closing time, before the scheduled job: the pages keep the recorded status
    clock.at = cst(2026, 11, 21, 9, 0)
    ev["before_tick"] = dict(city.sink.files)
    supervision.tick(ctx, clock.at)
    city.publish()
    ev["after_tick"] = changed_since(ev["before_tick"], city.sink)

    # the outcomes (反馈)
    clock.at = cst(2026, 11, 25, 10, 0)
    approved = ts.list_staff_comments(ctx, OFFICE, {"topic": "bus-fares", "status": "approved"})
    city.step(ts.publish_outcome, OFFICE, "bus-fares", parse.publish_outcome({
        "summary": "采纳了保障老人优惠的意见。\n\n票价方案维持不变。",
        "items": [{"comment_id": next(c["id"] for c in approved if "老人" in c["body"]),
                   "decision": "adopted", "reason": "老年人继续免费乘车。"},
                  {"comment_id": ev["private"], "decision": "not_adopted",
                   "reason": "成本测算已公开，联系 13900001111。"},
                  {"comment_id": None, "decision": "partly_adopted", "opinion": "希望增加班次。",
                   "reason": "高峰加密两条线路。"}]}))
    city.step(ts.publish_outcome, OFFICE, "parking-rules", parse.publish_outcome({
        "summary": "第一条已修改。", "items": [{"comment_id": ev["p1"], "decision": "adopted",
                                                "reason": "已写明目的。"}]}))
    return city, ev


@pytest.fixture(scope="module")
def site(story):
    return story[0].sink.files


def page(site, path: str) -> str:
    return site[path].decode("utf-8")


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


# --- invariant 1 --------------------------------------------------------------------------------

def test_incremental_build_equals_full_build_with_topic_changes(story, content):
    city, _ = story
    assert city.ctx.store.pending_changes() == []
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:20])
    for topic_id in IDS:
        for path in (f"consultations/{topic_id}/index.html",
                     f"en/consultations/{topic_id}/index.html",
                     f"data/topics/{topic_id}.json", f"data/topics/{topic_id}.csv"):
            assert path in full.files, path
    assert "consultations/index.html" in full.files
    assert "en/consultations/index.html" in full.files


def test_all_pages_lists_the_topic_pages(story, content):
    keys = set(P.all_pages(story[0].ctx.store, content))
    assert ("consultations",) in keys
    for topic_id in IDS:
        assert {("topic", topic_id), ("topic_data", topic_id)} <= keys


def test_a_pending_comment_changes_no_public_figure(story):
    _, ev = story
    assert ev["changed_by_pending_hearing"] == []


def test_a_pending_interview_question_changes_only_the_interview(story):
    _, ev = story
    changed = ev["changed_by_pending_question"]
    assert "data/topics/traffic-talk.json" in changed       # "asked" counts it
    assert set(changed) <= {"consultations/traffic-talk/index.html",
                            "en/consultations/traffic-talk/index.html",
                            "data/topics/traffic-talk.json", "data/topics/traffic-talk.csv",
                            # the programme's page counts questions asked per department
                            "interviews/index.html", "en/interviews/index.html"}


def test_an_answer_republishes_the_transcript_at_once(story):
    _, ev = story
    changed = ev["changed_by_answer"]
    assert "consultations/traffic-talk/index.html" in changed
    assert "en/consultations/traffic-talk/index.html" in changed
    assert "data/topics/traffic-talk.json" in changed
    assert "consultations/index.html" in changed        # "2 questions answered"


def test_status_is_the_recorded_phase_not_the_clock(story):
    _, ev = story
    before = ev["before_tick"]["consultations/bus-fares/index.html"].decode()
    # after `closes`, before the scheduled job recorded it: still open, form still there (its
    # script hides it by the reader's clock)
    assert 'status-open">进行中' in before and 'id="comment-form"' in before
    assert "consultations/bus-fares/index.html" in ev["after_tick"]
    assert "consultations/index.html" in ev["after_tick"]


def test_upcoming_topics_show_their_status_and_form(story):
    _, ev = story
    first = ev["upcoming"]["consultations/bus-fares/index.html"].decode()
    assert 'status-upcoming">即将开始' in first
    assert 'data-opens="2026-11-03T09:00:00+08:00"' in first


# --- what the pages show ------------------------------------------------------------------------

def test_hearing_tallies_equal_hand_computed_figures(site):
    html = page(site, "consultations/bus-fares/index.html")
    # approved: 3 support, 1 oppose, 1 neutral of 5
    assert '<th scope="row" class="l">支持</th><td>3</td><td>60.0%</td>' in html
    assert '<th scope="row" class="l">反对</th><td>1</td><td>20.0%</td>' in html
    assert '<th scope="row" class="l">中立</th><td>1</td><td>20.0%</td>' in html
    assert "公开意见的立场（共 5 条）" in html
    assert '<rect x="0" y="0" width="60.0" height="10"/>' in html       # the bar
    doc = json.loads(site["data/topics/bus-fares.json"])
    assert doc["figures"]["stance"] == {"support": 3, "oppose": 1, "neutral": 1, "none": 0}
    assert doc["figures"]["comments"] == 5 and len(doc["comments"]) == 5
    assert doc["status"] == "closed" and "background" not in doc
    rows = list(csv.DictReader(io.StringIO(site["data/topics/bus-fares.csv"].decode())))
    assert [(r["item"], r["count"], r["share"]) for r in rows if r["table"] == "stance"] == [
        ("support", "3", "0.6"), ("oppose", "1", "0.2"), ("neutral", "1", "0.2"),
        ("none", "0", "0.0")]


def test_survey_tallies_equal_hand_computed_figures(site):
    html = page(site, "consultations/bus-survey/index.html")
    # mode: 4 answered, bus 2, metro 1, bike 1; problems: 3 answered, freq 2, time 2, crowd 1
    for label, n, share in (("公交", 2, "50.0%"), ("地铁", 1, "25.0%"), ("自行车", 1, "25.0%"),
                            ("班次", 2, "66.7%"), ("准点", 2, "66.7%"), ("拥挤", 1, "33.3%")):
        assert f"<span>{label}</span></th><td>{n}</td><td>{share}</td>" in html, label
    assert "共收到答卷 4 份" in html and "回答人数 3" in html
    assert "多开夜班车" in html                               # the approved free-text answer
    doc = json.loads(site["data/topics/bus-survey.json"])
    mode, problems, idea = doc["questions"]
    assert (mode["respondents"], problems["respondents"], idea["respondents"]) == (4, 3, 2)
    assert [(c["id"], c["count"], c["share"]) for c in problems["choices"]] == [
        ("freq", 2, 0.6667), ("time", 2, 0.6667), ("crowd", 1, 0.3333)]
    assert idea["answer_count"] == 1 and [a["body"] for a in idea["answers"]] == ["多开夜班车"]


def test_solicitation_shows_comments_per_paragraph_and_the_outcome(site):
    html = page(site, "consultations/parking-rules/index.html")
    draft = html.split('id="draft-h"', 1)[1]
    p1, p2, p3 = (draft.split(f'<li id="p-{n}">', 1)[1].split("</li>\n</ol>")[0][:2000]
                  for n in (1, 2, 3))
    assert "公开意见 2 条" in p1 and "第一条应写明目的。" in p1 and "第一条再补充一句。" in p1
    assert "公开意见 0 条" in p2
    assert "公开意见 1 条" in p3 and "第三条主管部门不清楚。" in p3
    general = html.split('id="general-h"', 1)[1]
    assert "整体支持。" in general
    assert "的反馈</h2>" in html and "第一条已修改。" in html and "已写明目的。" in html
    doc = json.loads(site["data/topics/parking-rules.json"])
    assert [p["comment_count"] for p in doc["paragraphs"]] == [2, 0, 1]
    assert doc["outcome"]["counts"] == {"adopted": 1, "partly_adopted": 0, "not_adopted": 0}


def test_hearing_outcome_lists_each_decision_with_its_reason(site):
    html = page(site, "consultations/bus-fares/index.html")
    outcome = html.split('id="outcome-h"', 1)[1].split("</section>", 1)[0]
    assert "采纳了保障老人优惠的意见。" in outcome and "票价方案维持不变。" in outcome
    assert outcome.count('class="decision decision-') == 3
    assert "老年人继续免费乘车。" in outcome and "希望增加班次。" in outcome
    assert "高峰加密两条线路。" in outcome
    assert 'id="comment-form"' not in html and "本议题已于 2026-11-20 24:00 截止" in html


def test_interview_transcript_and_answer_rates(site):
    html = page(site, "consultations/traffic-talk/index.html")
    transcript = html.split('id="transcript-list"', 1)[1].split("</ol>", 1)[0]
    assert transcript.index("人民路什么时候不堵？") < transcript.index("小区停车难怎么办？")
    assert "信号灯配时本月优化。" in transcript and "新建停车场两处。" in transcript
    assert "李*" in transcript
    # asked (not rejected; pending included): transport q1 q3 = 2, housing q2 q4 + 1 = 3
    assert '市交通运输局</th><td>2</td><td>1</td><td>50.0%</td>' in html
    assert '市住房和城乡建设局</th><td>3</td><td>1</td><td>33.3%</td>' in html
    assert "<td>5</td><td>2</td><td>40.0%</td>" in html
    waiting = html.split('id="waiting-h"', 1)[1]
    assert "物业费怎么定？" in waiting
    assert 'data-src="/data/topics/traffic-talk.json"' in html
    assert 'data-starts="2026-11-10T09:30:00+08:00"' in html


def test_listing_groups_topics_by_year_and_kind(site):
    html = main_of(page(site, "consultations/index.html"))
    assert '<h3 id="y-2026">2026 年</h3>' in html
    captions = re.findall(r"<caption[^>]*>([^<]+)</caption>", html)
    assert captions == ["2026 年网上听证", "2026 年意见征集", "2026 年网上调查", "2026 年在线访谈"]
    assert "公开意见 5 条" in html and "答卷 4 份" in html and "已答复 2 个问题" in html
    assert html.count('status-closed">已结束') == 4


def test_topics_are_in_the_feed_and_the_sitemap(site):
    feed = page(site, "feeds/all.atom.xml")
    for topic_id in IDS:
        assert f"/consultations/{topic_id}/</id>" in feed
    assert "【网上听证】测试议题 hearing" in feed
    sitemap = page(site, "sitemaps/pages.xml")
    assert "/consultations/</loc>" in sitemap and "/en/consultations/bus-fares/</loc>" in sitemap


def test_department_pages_list_the_topics_they_lead_or_join(site):
    transport = main_of(page(site, "departments/transport/index.html"))
    housing = main_of(page(site, "departments/housing/index.html"))
    links = lambda html: re.findall(r'<a href="/consultations/([a-z0-9-]+)/"', html)
    assert sorted(links(transport)) == ["bus-fares", "bus-survey", "traffic-talk"]
    assert sorted(links(housing)) == ["bus-fares", "parking-rules", "traffic-talk"]
    assert "牵头：" in housing.split('href="/consultations/bus-fares/"', 1)[1].split("</li>", 1)[0]
    assert "牵头：" not in transport.split('href="/consultations/bus-fares/"',
                                         1)[1].split("</li>", 1)[0]
    assert "公开意见 5 条" in transport and "已反馈" in housing
    english = main_of(page(site, "en/departments/housing/index.html"))
    assert '<a href="/en/consultations/bus-fares/">Bus fares</a>' in english
    assert "led by " in english


def test_a_department_feed_carries_its_own_topics_newest_first(site):
    feed = page(site, "feeds/departments/housing.atom.xml")
    ids = re.findall(r"<id>[^<]*/consultations/([a-z0-9-]+)/</id>", feed)
    assert sorted(ids) == ["bus-fares", "parking-rules", "traffic-talk"]
    assert "bus-survey" not in feed
    assert "<title>" in feed and "答复与征集</title>" in feed
    updated = re.findall(r"<entry>.*?<updated>([^<]+)</updated>", feed, re.S)
    assert updated and updated == sorted(updated, reverse=True)


def test_a_public_topic_change_republishes_its_departments_pages(story):
    """An outcome names the topic's departments' pages and feeds in the plan (the incremental
    build test above would then differ from the full build if they were missed)."""
    from chalicelib.services.ports import Change
    city, content = story[0], story[0].content
    keys = P.affected_pages(Change(id="x", at=cst(2026, 11, 25, 10, 0), topics=["bus-fares"],
                                   public=True), city.ctx.store, content)
    assert {("department", "transport"), ("department", "housing"),
            ("dept_feed", "transport"), ("dept_feed", "housing")} <= keys
    quiet = P.affected_pages(Change(id="y", at=cst(2026, 11, 25, 10, 0), topics=["bus-fares"],
                                    public=False), city.ctx.store, content)
    assert not any(k[0] in ("department", "dept_feed") for k in quiet)


def test_nav_links_to_consultations(site):
    assert '<a href="/consultations/" aria-current="page">征集</a>' in page(
        site, "consultations/index.html")
    assert '<a href="/en/consultations/">Consultations</a>' in page(site, "en/index.html")


# --- invariants 2 and 3 -------------------------------------------------------------------------

def test_rejected_and_pending_comments_never_appear(site):
    for path, data in site.items():
        text = data.decode("utf-8", "replace")
        assert "REJECTEDX" not in text, path        # rejected
        assert "PENDINGX" not in text, path        # awaiting moderation


def test_no_personal_data_in_any_file(site):
    for path, data in site.items():
        text = data.decode("utf-8", "replace")
        for item in ("王小明", "13812345678", "wang@example.com", "110101199003071234",
                     "13900001111"):
            assert item not in text, f"{item!r} published in {path}"
    html = page(site, "consultations/bus-fares/index.html")
    assert "<span>王**</span>" in html


def test_citizen_markup_is_only_ever_escaped(site):
    for path, data in site.items():
        assert "alert(1)</script>" not in data.decode("utf-8", "replace"), path
    assert "支持&lt;script&gt;alert(1)&lt;/script&gt;票价合理。" in page(
        site, "consultations/bus-fares/index.html")
    # the data file keeps the text, with <, > and & as JSON escapes (inert wherever it lands)
    doc = page(site, "data/topics/bus-fares.json")
    assert "支持\\u003cscript\\u003ealert(1)\\u003c/script\\u003e票价合理。" in doc
    assert any(c["body"] == f"支持{SCRIPT}票价合理。" for c in json.loads(doc)["comments"])


def test_topic_pages_load_only_theme_scripts(site):
    html = page(site, "consultations/bus-fares/index.html")
    scripts = re.findall(r"<script([^>]*)>", html)
    # api.js, topic.js and comment-votes.js (顶/踩 on the published comments)
    assert all('src="/theme/js/' in s for s in scripts) and len(scripts) == 3


# --- both languages -----------------------------------------------------------------------------

def topic_html(site) -> list[str]:
    return sorted(p for p in site if p.removeprefix("en/").startswith("consultations/"))


def test_every_consultation_page_has_its_english_counterpart(site):
    paths = topic_html(site)
    chinese = [p for p in paths if not p.startswith("en/")]
    assert len(chinese) == 1 + len(IDS)
    assert sorted("en/" + p for p in chinese) == [p for p in paths if p.startswith("en/")]


def test_english_topic_pages_mark_chinese_text(site):
    for path in topic_html(site) + ["en/index.html"]:
        if path.startswith("en/"):
            parser = LangText()
            parser.feed(page(site, path))
            assert parser.unmarked == [], path


def test_english_topic_page_speaks_english(site):
    html = page(site, "en/consultations/bus-fares/index.html")
    assert "<h1>Bus fares</h1>" in html and '<span lang="zh-CN">测试议题 hearing</span>' in html
    assert '<th scope="row" class="l">Support</th><td>3</td><td>60.0%</td>' in html
    assert "Feedback from the Transport Bureau" in html
    assert 'href="/en/consultations/"' in html


def test_consultation_pages_are_balanced_html(site):
    for path in topic_html(site):
        errors = html_errors(page(site, path))
        assert not errors, f"{path}: {errors[:5]}"


def test_a_topic_key_renders_both_languages_and_an_unknown_topic_nothing(story, content):
    store = story[0].ctx.store
    outputs = Renderer(store, content).render(("topic", "bus-fares"))
    assert [p for p, _ in outputs] == ["consultations/bus-fares/index.html",
                                       "en/consultations/bus-fares/index.html"]
    assert Renderer(store, content).render(("topic", "no-such-topic")) == []
    assert Renderer(store, content).render(("topic_data", "no-such-topic")) == []
