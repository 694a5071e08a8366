"""The three rates (响应率、解决率、满意率) and the size classes (分档) on the published site: the
league pages and data files of a hand-built city (figures by hand), the department pages, and
a letter's page with the writer's own resolution answer, in both languages; and a resolution
answer published incrementally equals the full build."""
from __future__ import annotations

import csv
import io
import json

import pytest
from fake_store import FakeStore
from opendata_check import open_data_problems
from publisher_city import make_city
from sitecheck import diff_trees, html_errors

from publisher.build import full_build
from publisher.render import Renderer
from publisher.sinks import MemorySink

NOVEMBER = {
    # 100+ letters: responded 110 of 120; answers 40 yes, 20 partly, 20 no -> (40 + 10) / 80
    "housing": {"received": 120, "signed": 118, "signed_on_time": 110, "replied": 115,
                "replied_on_time": 100, "rated": 90, "satisfied": 60,
                "basically_satisfied": 20, "unsatisfied": 10, "resolved": 40,
                "partly_resolved": 20, "unresolved": 20},
    # 20-99: everything on time and satisfied, 3 yes 1 partly of 4 -> 3.5 / 4
    "transport": {"received": 30, "signed": 30, "signed_on_time": 30, "replied": 30,
                  "replied_on_time": 30, "rated": 10, "satisfied": 10, "resolved": 3,
                  "partly_resolved": 1},
    # 20-99, a weaker score
    "public-security": {"received": 25, "signed": 25, "signed_on_time": 20, "replied": 20,
                        "replied_on_time": 15, "rated": 10, "satisfied": 5,
                        "unsatisfied": 5, "unresolved": 2},
    # 1-19: a small department, ranked first in its class
    "education": {"received": 6, "signed": 6, "signed_on_time": 6, "replied": 6,
                  "replied_on_time": 6, "rated": 4, "satisfied": 4, "resolved": 1},
}


@pytest.fixture
def city() -> FakeStore:
    store = FakeStore()
    store.stats_rows = {p: NOVEMBER for p in ("2026-11", "2026-Q4", "2026", "all")}
    return store


def _rows(city, content, period="2026-11") -> dict[str, dict]:
    files = dict(Renderer(city, content).render(("league_data", period)))
    doc = json.loads(files[f"data/league-{period}.json"])
    return {r["department"]: r for r in doc["rows"]}, doc, files


def test_league_files_hold_the_three_rates_and_the_class_ranks(city, content):
    rows, doc, files = _rows(city, content)
    h = rows["housing"]
    assert (h["responded"], h["response_rate"]) == (110, round(110 / 120, 4))
    assert (h["resolved"], h["partly_resolved"], h["unresolved"], h["resolution_answers"]) \
        == (40, 20, 20, 80)
    assert h["resolution_rate"] == 0.625                       # (40 + 20 / 2) / 80
    assert h["resolution_rate_low"] < 0.625 < h["resolution_rate_high"]
    assert rows["transport"]["resolution_rate"] == 0.875       # (3 + 1 / 2) / 4
    assert rows["public-security"]["resolution_rate"] == 0.0
    assert rows["commerce"]["resolution_rate"] is None         # no letters, no answers
    assert [(d, rows[d]["size_class"], rows[d]["class_rank"]) for d in
            ("housing", "transport", "public-security", "education", "commerce")] == [
        ("housing", "100+", 1), ("transport", "20-99", 1), ("public-security", "20-99", 2),
        ("education", "1-19", 1), ("commerce", None, None)]
    # a small unit ranks first in its class whatever its overall rank
    assert rows["education"]["rank"] > 1 and rows["education"]["class_rank"] == 1
    assert doc["weights"]["size_classes"] == [20, 100]
    for name in ("response_rate", "resolution_rate", "size_class", "class_rank"):
        assert name in doc["formulas"] and name in doc["columns"]
    assert "partly_resolved / 2" in doc["formulas"]["resolution_rate"]
    assert "1-19, 20-99, 100+" in doc["formulas"]["size_class"]
    table = list(csv.DictReader(io.StringIO(files["data/league-2026-11.csv"].decode())))
    by_dept = {r["department"]: r for r in table}
    assert by_dept["housing"]["resolution_rate"] == "0.625"
    assert by_dept["education"]["size_class"] == "1-19"
    assert by_dept["commerce"]["size_class"] == "" and by_dept["commerce"]["class_rank"] == ""


def test_the_league_page_shows_each_class_and_the_formulas_in_both_languages(city, content):
    (_, zh), (_, en) = Renderer(city, content).render(("league_period", "2026-11"))
    zh, en = zh.decode(), en.decode()
    for page in (zh, en):
        assert not html_errors(page)
    assert "<caption>分档：受理 100 件及以上</caption>" in zh
    assert "<caption>分档：受理 20–99 件</caption>" in zh
    assert "<caption>分档：受理 1–19 件</caption>" in zh
    assert "<caption>Size class: 20–99 letters</caption>" in en
    assert "<caption>Size class: 100 letters or more</caption>" in en
    # the classes in order, largest first; in each, the class rank first
    assert zh.index("受理 100 件及以上</caption>") < zh.index("受理 20–99 件</caption>") \
        < zh.index("受理 1–19 件</caption>")
    assert "(已解决 + ½ × 部分解决) ÷ 回答件数" in zh
    assert "(resolved + ½ × partly resolved) ÷ answers" in en
    assert "在期限内签收的件数 ÷ 受理件数" in zh
    assert "letters signed for within the deadline ÷ letters received" in en
    assert "Wilson" in zh and "Wilson" in en
    assert "受理 1–19 件；受理 20–99 件；受理 100 件及以上" in zh
    assert "1–19 letters; 20–99 letters; 100 letters or more" in en
    assert "87.5%" in zh                                       # transport's resolution rate


def test_department_pages_show_the_three_rates(city, content):
    (_, zh), (_, en) = Renderer(city, content).render(("department", "housing"))
    zh, en = zh.decode(), en.decode()
    assert "响应率" in zh and "解决率" in zh and "满意率" in zh
    assert "Response rate" in en and "Resolution rate" in en and "Satisfaction rate" in en
    assert "<td>40 / 20 / 20</td>" in zh
    assert "62.5%" in zh and "62.5%" in en
    assert not html_errors(zh) and not html_errors(en)


@pytest.fixture(scope="module")
def rated(tmp_path_factory, content):
    """A small city published incrementally after every commit: letters rated with each
    resolution answer and one without."""
    city = make_city(tmp_path_factory.mktemp("rates"), content)
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    letters = {}
    for answer in ("yes", "partly", "no", None):
        letters[answer] = city.full_cycle(rate="satisfied" if answer != "no" else "unsatisfied",
                                          resolved=answer)
    letters["private"] = city.full_cycle(public=False, rate="satisfied", resolved="yes")
    return city, letters


def test_a_letter_page_shows_the_writers_answer_beside_the_rating(rated):
    city, letters = rated
    files = city.sink.files
    zh = files[f"letters/{letters['partly']['id']}/index.html"].decode()
    en = files[f"en/letters/{letters['partly']['id']}/index.html"].decode()
    assert "<strong>满意</strong>；问题<strong>部分解决</strong>" in zh
    assert "<strong>Satisfied</strong>; the problem: <strong>partly resolved</strong>" in en
    unanswered = files[f"letters/{letters[None]['id']}/index.html"].decode()
    assert "<strong>满意</strong></li>" in unanswered and "解决</strong>" not in unanswered


def test_resolution_answers_published_incrementally_equal_the_full_build(rated, content):
    city, letters = rated
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    assert diff_trees(city.sink.files, full.files) == []
    # the private letter counts (its answer is in the league files), and the open data gives
    # every figure again
    assert open_data_problems(full.files, {letters["private"]["id"]}) == []
    month = json.loads(full.files["data/league-2026-11.json"])
    (housing,) = [r for r in month["rows"] if r["department"] == "housing"]
    assert (housing["resolved"], housing["partly_resolved"], housing["unresolved"]) == (2, 1, 1)
    assert housing["resolution_rate"] == round(2.5 / 4, 4)
