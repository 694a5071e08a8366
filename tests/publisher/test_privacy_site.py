"""Invariant 2 on a whole site: letters and survey answers carrying every class of personal data
in the corpus (tests/unit/test_privacy_corpus.py), in the subject, the body and the reply,
published through the real use cases; then no published file, built incrementally or in full,
holds any of it as written, nor anything the site-wide scan finds."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from publisher_city import make_city
from sitecheck import diff_trees, personal_data_on_site, readable_text

from chalicelib.api import parse
from chalicelib.domain.open_data import COLUMNS as OPEN_DATA_COLUMNS
from chalicelib.services import topics as ts
from chalicelib.services.topics import register_topics
from fakes import OFFICE, cst, topic
from publisher.build import full_build
from publisher.search import build_index, drain
from publisher.search.inspect import holds_words, index_texts
from publisher.sinks import MemorySink

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from test_privacy_corpus import CORPUS, WRITER  # noqa: E402

SURVEY = "privacy-survey"
OPEN = dict(opens="2026-11-02T09:00", closes="2026-11-30")
SURVEY_ANSWERS = [
    "我叫李四海，建议多开夜班车，电话138.1234.5678",
    "姓名：张三丰 住在幸福小区3栋1802，QQ号：123456789",
    "建议加密班次。微信号：zhang_san88，邮箱 zhang at qq dot com",
    "本人刘桂楚，车牌湘A·D12345，护照号E12345678",
]
SURVEY_WRITTEN = ["李四海", "138.1234.5678", "张三丰", "3栋1802", "123456789", "zhang_san88",
                  "zhang at qq dot com", "刘桂楚", "湘A·D12345", "E12345678"]


def _written() -> list[str]:
    return sorted({datum for cases in CORPUS.values() for _, datum, _ in cases} | {WRITER})


@pytest.fixture(scope="module")
def site(tmp_path_factory, content):
    city = make_city(tmp_path_factory.mktemp("privacy"), content, at=cst(2026, 11, 2, 9, 0))
    register_topics(city.ctx, [topic("survey", SURVEY, **OPEN)])
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    city.ctx.store.mark_changes_done([c.id for c in city.ctx.store.pending_changes(1000)])
    city.clock.at = cst(2026, 11, 3, 10, 0)
    for cases in CORPUS.values():
        texts = [text for text, _, _ in cases]
        city.full_cycle(subject=f"反映问题：{texts[0]}"[:40], body="；\n".join(texts),
                        reply=f"网友“{WRITER}”：您好！来信收悉。您反映的“{texts[-1]}”已核实。"
                              + "；".join(texts[: len(texts) // 2]))
    # a letter whose writer refused publication, carrying the whole corpus: in the open data it
    # is a row of dates and counts only
    private = city.full_cycle(subject=f"不公开：{WRITER}", body="；\n".join(
        text for cases in CORPUS.values() for text, _, _ in cases), public=False,
        rate="unsatisfied", reply=f"网友“{WRITER}”：您好！")
    for answer in SURVEY_ANSWERS:
        city.step(ts.add_response, SURVEY,
                  parse.add_response({"answers": {"mode": "bus", "idea": answer}}))
    for c in ts.list_staff_comments(city.ctx, OFFICE, {"topic": SURVEY, "status": "pending"}):
        city.step(ts.approve_comment, OFFICE, c["id"], parse.approve_comment({}))
    drain(city.ctx.store, content, city.sink)      # the background indexer's round
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    build_index(city.ctx.store, content, full)
    return {"incremental": city.sink.files, "full": full.files, "city": city,
            "private": private}


def test_the_letters_and_answers_were_published(site):
    files = site["incremental"]
    letters = [p for p in files if p.startswith("letters/") and p.endswith("/index.html")
               and p.count("/") == 2]
    assert len(letters) >= len(CORPUS)
    page = readable_text("x.html", files[f"consultations/{SURVEY}/index.html"])
    assert "建议多开夜班车" in page and "[手机号已隐去]" in page and "李**" in page
    assert "[QQ号已隐去]" in page and "[住址已隐去]" in page and "[车牌号已隐去]" in page
    every = "\n".join(readable_text(p, d) for p, d in files.items() if p.endswith(".html"))
    for stand_in in {s for cases in CORPUS.values() for _, _, s in cases if s.startswith("[")}:
        assert stand_in in every, stand_in
    assert "网友“王**”：您好" in every


def test_the_boards_by_type_and_category_are_among_the_scanned_files(site):
    """The scan below reads every file: the boards (分类选登), their monthly pages and feeds
    list the corpus letters too, so they are scanned like the archive."""
    files = site["incremental"]
    letters = [p for p in files if p.startswith("letters/") and p.endswith("/index.html")
               and p.count("/") == 2 and p != "letters/archive/index.html"]
    board_pages = [p for p in files if p.startswith(("letters/types/", "letters/categories/",
                                                     "en/letters/types/", "feeds/types/",
                                                     "feeds/categories/"))]
    listed = "\n".join(files[p].decode() for p in board_pages)
    assert all(f'/{p.removesuffix("index.html")}' in listed for p in letters)
    assert "letters/categories/urban-rural/2026/11/index.html" in board_pages


@pytest.mark.parametrize("build", ["incremental", "full"])
def test_no_personal_data_as_written_on_any_published_file(site, build):
    assert personal_data_on_site(site[build], names=[WRITER],
                                 written=_written() + SURVEY_WRITTEN) == []


def test_incremental_equals_full(site):
    assert diff_trees(site["incremental"], site["full"]) == []


@pytest.mark.parametrize("build", ["incremental", "full"])
def test_no_personal_data_in_the_search_index(site, build):
    """The index's data files hold every published letter (so the scan is not vacuous) and
    none of the corpus's personal data: not as written, not as what the site-wide scan finds,
    and not as indexed words in a row (a name is indexed as pairs: 王五 → 王五 五)."""
    texts = list(index_texts(site[build]))
    assert sum(p.endswith(".pf_fragment#content") for p, _ in texts) >= len(CORPUS)
    as_files = {p + ".txt": t.encode() for p, t in texts if not p.endswith("#content")}
    assert personal_data_on_site(as_files, names=[WRITER],
                                 written=_written() + SURVEY_WRITTEN) == []
    written = [w for w in _written() if len(w) > 1]
    leaks = [(p, w) for p, t in texts if p.endswith("#content")
             for w in written if holds_words(t, w)]
    assert leaks == []


@pytest.mark.parametrize("build", ["incremental", "full"])
def test_the_letter_open_data_holds_no_personal_data(site, build):
    """data/letters-*.json and .csv list every letter (the private one too) with none of the
    corpus's personal data, no tracking code, and no id, url or text of the private letter."""
    files = {p: d for p, d in site[build].items() if p.startswith("data/letters-")}
    assert {"data/letters-2026-11.json", "data/letters-2026-11.csv"} <= set(files)
    rows = json.loads(files["data/letters-2026-11.json"])["rows"]
    assert len(rows) == len(CORPUS) + 1
    assert personal_data_on_site(files, names=[WRITER],
                                 written=_written() + SURVEY_WRITTEN) == []
    raw = "\n".join(d.decode() for d in files.values())
    store = site["city"].ctx.store
    for letter in store.iter_letters():
        assert letter.tracking_code not in raw
        assert letter.subject not in raw
    private = site["private"]
    assert private["id"] not in raw
    (row,) = [r for r in rows if r["url"] is None]
    assert row["status"] == "closed" and row["rating"] == "unsatisfied"
    assert set(row) == set(OPEN_DATA_COLUMNS)       # no id, no text: dates, codes and counts
