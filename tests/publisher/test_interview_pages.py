"""The interview programme's pages: `/interviews/` (both languages) and what an interview's
page shows of its questions' classifications and its evaluations, built incrementally through
a lived session and compared with a full build; nothing private on them; the demand's letter
linked only once it is published."""
from __future__ import annotations

import pytest
from interview_story import PRIVATE_QUESTION, live_interview, publish_letter
from publisher_city import make_city
from sitecheck import diff_trees, html_errors, personal_data_on_site

from publisher.build import full_build
from publisher.families import interviews as family
from publisher.sinks import MemorySink


@pytest.fixture(scope="module")
def lived(tmp_path_factory, content):
    city = make_city(tmp_path_factory.mktemp("interviews"), content)
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    story = live_interview(city, content)
    before_letter = dict(city.sink.files)
    publish_letter(city, story["letter_id"])
    return {"city": city, "story": story, "before_letter": before_letter}


def page(files, path: str) -> str:
    return files[path].decode("utf-8")


def test_incremental_equals_full_through_a_session(lived, content):
    city = lived["city"]
    assert city.ctx.store.pending_changes() == []
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:20])
    assert "interviews/index.html" in full.files and "en/interviews/index.html" in full.files


def test_the_programme_page_shows_plan_sessions_answers_and_scores(lived):
    files = lived["city"].sink.files
    zh, en = page(files, "interviews/index.html"), page(files, "en/interviews/index.html")
    for text in (zh, en):
        assert not html_errors(text)
    assert "每周一期" in zh and "每半年一期" in zh and "Half-yearly" in en
    assert "市交通运输局" in zh
    topic_id = lived["story"]["topic"]
    assert f'href="/consultations/{topic_id}/"' in zh
    assert f'href="/en/consultations/{topic_id}/"' in en
    # two evaluators: the deputy's revision (5,5,3,4) and the expert (4,5,3,2): overall 3.875
    assert "3.88" in zh and "2 份评议" in zh
    assert "deputy-1" not in zh and "expert-1" not in zh and "很好" not in zh
    assert '<time datetime="2026-12-16">' in zh       # planned to date: the last session held
    # the session's row: one suggestion (adopted), one demand made a letter
    row = zh[zh.index(f'href="/consultations/{topic_id}/"'):]
    row = row[:row.index("</tr>")]
    assert "1 (1)" in row
    assert "data-label=\"转为来信：\">1</td>" in row


def test_the_topic_page_shows_each_classification_and_the_averages(lived):
    files = lived["city"].sink.files
    topic_id = lived["story"]["topic"]
    zh = page(files, f"consultations/{topic_id}/index.html")
    en = page(files, f"en/consultations/{topic_id}/index.html")
    assert not html_errors(zh) and not html_errors(en)
    assert "咨询（现场答复）" in zh and "典型案例" not in zh and "采纳" in zh
    assert "已转为来信办理" in zh and "Became a letter" in en
    assert "第三方评议" in zh and "Third-party evaluation" in en
    assert "人大代表 1 位" in zh and "1 Expert" in en
    assert "deputy-1" not in zh and "很好" not in zh and "修改后" not in zh


def test_the_letter_is_linked_only_once_published(lived):
    letter_id = lived["story"]["letter_id"]
    topic_id = lived["story"]["topic"]
    path = f"consultations/{topic_id}/index.html"
    assert f"/letters/{letter_id}/" not in page(lived["before_letter"], path)
    files = lived["city"].sink.files
    assert f'href="/letters/{letter_id}/"' in page(files, path)
    assert f'href="/en/letters/{letter_id}/"' in page(files, f"en/{path}")
    assert f"letters/{letter_id}/index.html" in files


def test_nothing_private_on_the_interview_pages(lived):
    files = lived["city"].sink.files
    topic_id = lived["story"]["topic"]
    pages = {p: d for p, d in files.items()
             if p.startswith(("interviews/", "en/interviews/", f"consultations/{topic_id}/",
                              f"en/consultations/{topic_id}/", f"data/topics/{topic_id}"))}
    assert len(pages) >= 6
    assert not personal_data_on_site(pages, names=["王小明"],
                                     written=["13812345678", "人民路 8 号", "deputy-1",
                                              "expert-1", "office-1"])
    data = page(files, f"data/topics/{topic_id}.json")
    assert '"classification"' in data and lived["story"]["letter_id"] not in data
    assert PRIVATE_QUESTION not in data


def test_what_makes_the_pages_stale(lived):
    from chalicelib.services.ports import Change
    from fakes import cst
    from publisher.snapshot import snapshot
    city = lived["city"]
    snap = snapshot(city.ctx.store)
    topic_id = lived["story"]["topic"]
    at = cst(2026, 12, 17)
    assert family.reads(Change(id="x", at=at, topics=[topic_id]), snap, city.content) == {
        ("interviews",)}
    assert family.reads(Change(id="x", at=at, topics=[]), snap, city.content) == set()
    letter_id = lived["story"]["letter_id"]
    assert family.reads(Change(id="x", at=at, letters=[letter_id], published=[letter_id]),
                        snap, city.content) == {("topic", topic_id)}
