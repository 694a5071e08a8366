"""League tables of a hand-built city against figures computed by hand: the score (site.yaml's
weights), the rank and its change against the previous period, the 95 % Wilson intervals, the
not-ranked rule, the inline SVG chart and the CSV/JSON downloads."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import pytest
from fake_store import FakeStore
from sitecheck import diff_trees, html_errors

from chalicelib.services.ports import Change
from fakes import cst
from publisher import pages as P
from publisher.build import full_build, publish_changes
from publisher.render import DATA_COLUMNS, Renderer
from publisher.sinks import MemorySink

API_COLUMNS = ["department", "received", "replied", "reply_rate", "replied_on_time", "overdue",
               "rated", "satisfied", "basically_satisfied", "unsatisfied", "satisfaction_rate",
               "score", "rank"]

# the columns before the assessment of issue 4: programs read them, so they never move
OLD_COLUMNS = ["rank", "department", "department_name", "received", "replied", "reply_rate",
               "replied_on_time", "on_time_rate", "overdue", "rated", "satisfied",
               "basically_satisfied", "unsatisfied", "satisfaction_rate", "score", "ranked",
               "handled", "transferred", "rejected", "signed", "signed_on_time",
               "sign_on_time_rate", "avg_working_days", "extensions", "redos", "published"]

OCTOBER = {
    # efficiency 1, quality 1 -> 100.0, rank 1
    "housing": {"received": 6, "signed": 6, "signed_on_time": 6, "replied": 6,
                "replied_on_time": 6, "rated": 4, "satisfied": 4},
    # efficiency 0.25 * 4/5 + 0.35 * 3/5 + 0.2 * 5/5 + 0.2 * 1 = 0.81
    # quality 0.2 * 1 + 0.2 * 1 + 0.3 * (1 - 1/3) + 0.3 * 1/3 = 0.7
    # score 100 * (0.6 * 0.81 + 0.4 * 0.7) = 76.6, rank 2
    "transport": {"received": 5, "signed": 5, "signed_on_time": 4, "replied": 5,
                  "replied_on_time": 3, "rated": 3, "satisfied": 1, "basically_satisfied": 1,
                  "unsatisfied": 1},
}
NOVEMBER = {
    # as in tests/integration/test_statistics.py: efficiency 0.820833, quality 0.775, 80.25 -> 80.3
    "housing": {"received": 10, "transferred": 1, "signed": 10, "signed_on_time": 9,
                "replied": 8, "replied_on_time": 6, "extensions": 2, "redos": 1, "rated": 5,
                "satisfied": 3, "basically_satisfied": 1, "unsatisfied": 1,
                "reply_wd_x100": 2400, "overdue": 2},
    # everything on time, all satisfied -> 100.0
    "transport": {"received": 5, "signed": 5, "signed_on_time": 5, "replied": 5,
                  "replied_on_time": 5, "rated": 3, "satisfied": 3},
    # efficiency 0.25 + 0.35 * 4/5 + 0.2 + 0.2 = 0.93, quality 1 -> 100 * (0.558 + 0.4) = 95.8
    "public-security": {"received": 5, "signed": 5, "signed_on_time": 5, "replied": 5,
                        "replied_on_time": 4, "rated": 3, "satisfied": 3},
    # listed, not ranked: 4 letters (< min_received 5) ...
    "education": {"received": 4, "signed": 4, "signed_on_time": 4, "replied": 4,
                  "replied_on_time": 4, "rated": 4, "satisfied": 4},
    # ... and 2 ratings (< min_rated 3)
    "commerce": {"received": 6, "signed": 6, "signed_on_time": 6, "replied": 6,
                 "replied_on_time": 6, "rated": 2, "satisfied": 2},
}


def summed(*months: dict) -> dict:
    out: dict[str, Counter] = {}
    for month in months:
        for dept, counters in month.items():
            out.setdefault(dept, Counter()).update(counters)
    return {d: dict(c) for d, c in out.items()}


@pytest.fixture
def city() -> FakeStore:
    store = FakeStore()
    store.stats_rows = {"2026-10": OCTOBER, "2026-11": NOVEMBER}
    for period in ("2026-Q4", "2026", "all"):
        store.stats_rows[period] = summed(OCTOBER, NOVEMBER)
    return store


def rows_of(page: str) -> dict[str, list[str]]:
    """The league table's body rows by department name: the cells' texts."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        texts = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        out[texts[1]] = texts
    return out


def test_the_period_page_ranks_by_hand_with_rank_changes(city, content):
    (path, data), (en_path, en_data) = Renderer(city, content).render(("league_period", "2026-11"))
    assert path == "league/2026-11/index.html" and en_path == "en/" + path
    page = data.decode()
    rows = rows_of(page)
    # rank, department, score, change
    # the ranked first; then the others by department id, each saying why it is not ranked
    assert [r[:4] for r in rows.values()][:4] == [
        ["1", "市交通运输局", "100.0", "↑ 上升 1"],
        ["2", "市公安局", "95.8", "新进排名"],
        ["3", "市住房和城乡建设局", "80.3", "↓ 下降 2"],
        ["— 评价不足 3 件", "市商务局", "100.0", "—"],
    ]
    assert rows["市教育局"][:4] == ["— 受理不足 5 件", "市教育局", "100.0", "—"]
    assert rows["市水务局"][:5] == ["— 受理不足 5 件", "市水务局", "—", "—", "0"]   # no letters
    assert len(rows) == len(content.departments)
    # arrows are decoration; the words carry the meaning
    assert '<td class="mv down"><span aria-hidden="true">↓</span> 下降 2</td>' in page
    assert '<td class="mv up"><span aria-hidden="true">↑</span> 上升 1</td>' in page
    housing = rows["市住房和城乡建设局"]
    # received, valid (received − rejected), duplicates, signed on time, on-time signing
    # rate (9/10: Wilson [59.6%, 98.2%]), replied,
    # reply rate (8/9: [56.5%, 98.0%]), on-time reply rate (6/8: [40.9%, 92.9%]), average working
    # days 24/8 = 3.0, overdue, extensions, sent back, redone, rated, 满意, 基本满意, 不满意,
    # satisfaction rate (4/5: [37.6%, 96.4%]), conduct complaints about it (效能投诉)
    assert housing[4:] == [
        "10", "10", "0", "9", "90.0% ，95% 置信区间 59.6%–98.2%", "8",
        "88.9% ，95% 置信区间 56.5%–98.0%",
        "75.0% ，95% 置信区间 40.9%–92.9%", "3.0", "2", "2", "1", "1", "5", "3", "1", "1",
        "80.0% ，95% 置信区间 37.6%–96.4%", "0"]
    assert "“较上期”与2026年10月的名次相比。" in page
    assert "当期受理不足 5 件或评价不足 3 件时" in page
    assert not html_errors(page)


def test_the_english_page_says_the_same_in_english(city, content):
    (_, _), (_, data) = Renderer(city, content).render(("league_period", "2026-11"))
    page = data.decode()
    rows = rows_of(page)
    assert [r[:4] for r in rows.values()][:4] == [
        ["1", "Transport Bureau", "100.0", "↑ up 1"],
        ["2", "Public Security Bureau", "95.8", "new"],
        ["3", "Housing and Urban-Rural Development Bureau", "80.3", "↓ down 2"],
        ["— fewer than 3 ratings", "Commerce Bureau", "100.0", "—"],
    ]
    assert rows["Education Bureau"][0] == "— fewer than 5 letters"
    assert "“Change” compares each rank with October 2026." in page
    assert "88.9% , 95% interval 56.5%–98.0%" in rows["Housing and Urban-Rural Development Bureau"]


def test_the_chart_is_inline_svg_with_a_text_alternative(city, content):
    (_, data), _en = Renderer(city, content).render(("league_period", "2026-11"))
    page = data.decode()
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-2026-11"' in svg
    title = re.search(r'<title id="chart-2026-11">(.*?)</title>', svg).group(1)
    assert title.startswith("2026年11月各部门考核得分：市交通运输局 100.0；市公安局 95.8；")
    assert 'width="300.0"' in svg and 'width="240.9"' in svg      # 100.0 and 80.3, 3 px a point
    assert 'class="u"' in svg                                      # not ranked: lighter bars
    assert "数据同上表" in page and "<script" not in page.split("<main", 1)[1].split("</main>")[0]


def test_the_league_page_shows_month_quarter_year_and_all_time(city, content):
    (_, data), _en = Renderer(city, content).render(("league",))
    page = data.decode()
    for caption in ("2026年11月排行榜", "2026年第4季度排行榜", "2026年排行榜", "累计排行榜"):
        assert f"<caption>{caption}</caption>" in page
    assert "没有上一期的数据，无名次变化。" in page              # Q4 and 2026 have no period before
    assert "100 × (0.6 × 办理效率 + 0.4 × 办理质量)" in page
    assert "25% × 按时签收率 + 35% × 按时答复率 + 20% × 答复率 + 20% × (1 − 延期申请率)" in page
    assert ("20% × (1 − 退回率) + 20% × (1 − 重办率) + 30% × (1 − 不满意率)"
            " + 30% × 完全满意率") in page
    assert "Wilson" in page
    # every table scrolls in its own labelled region: the four league tables and the size
    # classes' tables of the three rates (_rates.html)
    tables = page.count('<table class="league')
    assert page.count('<table class="league">') == 4 and tables > 4
    assert page.count('role="region"') == tables and page.count('tabindex="0"') == tables
    assert not html_errors(page)


def test_csv_and_json_keep_the_api_fields_and_add_the_new_ones(city, content):
    files = dict(Renderer(city, content).render(("league_data", "2026-11")))
    doc = json.loads(files["data/league-2026-11.json"])
    assert set(API_COLUMNS) <= set(doc["columns"])
    assert doc["columns"][:len(OLD_COLUMNS)] == OLD_COLUMNS        # old names and order kept
    assert doc["previous_period"] == "2026-10"
    assert doc["weights"]["min_rated"] == 3 and doc["weights"]["replied"] == 0.2
    by = {r["department"]: r for r in doc["rows"]}
    h = by["housing"]
    assert (h["rank"], h["previous_rank"], h["rank_change"], h["movement"]) == (3, 1, -2, "down")
    assert (h["score"], h["efficiency"], h["quality"]) == (80.3, 0.8208, 0.775)
    assert (h["reply_rate"], h["reply_rate_low"], h["reply_rate_high"]) == (0.8889, 0.565, 0.9801)
    assert h["extension_rate"] == 0.2222 and h["transfer_rate"] == 0.1 and h["redo_rate"] == 0.125
    assert by["public-security"]["movement"] == "new"
    assert by["commerce"]["unranked_reason"] == "few_rated" and by["commerce"]["rank"] is None
    assert by["education"]["unranked_reason"] == "few_received"
    table = list(csv.DictReader(io.StringIO(files["data/league-2026-11.csv"].decode())))
    assert list(table[0]) == list(DATA_COLUMNS) == doc["columns"]
    row = next(r for r in table if r["department"] == "housing")
    assert (row["rank"], row["rank_change"], row["satisfaction_rate_low"]) == ("3", "-2", "0.3755")
    assert next(r for r in table if r["department"] == "commerce")["rank"] == ""


def test_a_change_to_a_period_re_renders_the_next_periods_rank_changes(city, content):
    change = Change(id="c", at=cst(2026, 10, 30), letters=[], departments=["housing", "transport"],
                    periods=["2026-10", "2026-Q4", "2026", "all"])
    keys = P.affected_pages(change, city, content)
    assert {("league_period", "2026-11"), ("league_data", "2026-11")} <= keys
    assert not any(k[1:] in (("2027",), ("2027-Q1",)) for k in keys)   # no such pages yet
    sink = MemorySink()
    full_build(city, content, sink)
    # October again, now with transport first: housing answered only 2 of 6 on time
    # (efficiency 0.25 + 0.35 * 2/6 + 0.2 + 0.2 = 0.766667 -> 86.0) and transport all 5
    # (efficiency 0.25 * 4/5 + 0.35 + 0.2 + 0.2 = 0.95, quality 1 -> 97.0); late work unchanged
    city.stats_rows["2026-10"] = {
        "housing": {**OCTOBER["housing"], "replied_on_time": 2},
        "transport": {**OCTOBER["transport"], "replied_on_time": 5, "satisfied": 3,
                      "basically_satisfied": 0, "unsatisfied": 0}}
    publish_changes(city, content, sink, [change])
    again = MemorySink()
    full_build(city, content, again)
    assert not diff_trees(sink.files, again.files)
    november = rows_of(sink.files["league/2026-11/index.html"].decode())
    assert november["市交通运输局"][3] == "= 持平"                # first in October too
    assert november["市住房和城乡建设局"][3] == "↓ 下降 1"


def test_a_change_moving_only_counters_the_league_pages_omit_leaves_them_alone(city, content):
    """An approval that publishes moves only `published`, which the league pages do not show:
    they stay, the data files (which have every counter) and the department pages follow."""
    periods = ["2026-10", "2026-Q4", "2026", "all"]
    only_published = Change(id="c", at=cst(2026, 10, 30), departments=["housing"],
                            periods=periods, counters=["published"])
    keys = P.affected_pages(only_published, city, content)
    assert not any(k[0] in ("league", "league_period") for k in keys)
    assert {("league_data", p) for p in periods} <= keys
    assert ("department", "housing") in keys
    sink = MemorySink()
    full_build(city, content, sink)
    city.stats_rows["2026-10"] = {**city.stats_rows["2026-10"],
                                  "housing": {**OCTOBER["housing"], "published": 7}}
    publish_changes(city, content, sink, [only_published])
    again = MemorySink()
    full_build(city, content, again)
    assert not diff_trees(sink.files, again.files)      # nothing the league pages show moved
    # a moved counter they do show, or a change record that does not say, re-renders them
    for counters in (["published", "replied"], None):
        change = Change(id="d", at=cst(2026, 10, 30), departments=["housing"], periods=periods,
                        counters=counters)
        assert {("league",), ("league_period", "2026-10")} <= P.affected_pages(change, city,
                                                                               content)


def test_the_department_page_uses_the_new_figures(city, content):
    (_, data), _en = Renderer(city, content).render(("department", "housing"))
    page = data.decode()
    assert "<tr><th scope=\"row\">得分</th><td>80.3</td><td>" in page
    assert "88.9%<span class=\"ci\">" in page                     # with its interval
    trend = page[page.index("<caption>近 12 个月逐月情况</caption>"):]
    assert ('<tr><th scope="row">2026年11月</th><td data-label="受理：">10</td>'
            '<td data-label="答复：">8</td>') in trend
    assert not html_errors(page)
