"""Screening in the figures (重复件): the league counts received, valid and duplicate letters
separately (valid = received − rejected, the rejected being invalid and duplicate letters), each
month file says the month's received, valid, duplicate and invalid letters, every figure is
recomputed from the month files alone, and incremental publishing still equals a full build."""
from __future__ import annotations

import json

from opendata_check import open_data_problems
from publisher_city import make_city
from sitecheck import diff_trees

from fakes import cst
from publisher.build import full_build
from publisher.sinks import MemorySink


def _lived(tmp_path, content):
    """November: a letter handled by housing; its writer's repeat rejected before dispatch; a
    third dispatched to housing, then rejected there as a duplicate; an invalid letter."""
    city = make_city(tmp_path, content, at=cst(2026, 11, 2, 9, 0))
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    first = city.full_cycle(dept="housing")
    repeat = city.submit()
    city.reject(repeat, "重复来信", duplicate_of=first)
    late = city.submit(name="赵六", phone="13700001111")
    city.dispatch(late, "housing")
    city.reject(late, "与此前来信同一事项", duplicate_of=first)
    invalid = city.submit(name="钱七", phone="13700002222")
    city.reject(invalid, "内容无法辨认")
    return city


def test_the_league_counts_received_valid_and_duplicate_letters(tmp_path, content):
    city = _lived(tmp_path, content)
    files = city.sink.files
    league = json.loads(files["data/league-2026-11.json"])
    housing = next(r for r in league["rows"] if r["department"] == "housing")
    assert (housing["received"], housing["rejected"], housing["duplicates"],
            housing["valid"]) == (2, 1, 1, 1)
    assert "valid" in league["formulas"]
    month = json.loads(files["data/letters-2026-11.json"])
    assert (month["received"], month["valid"], month["duplicate"], month["invalid"]) == \
        (4, 1, 2, 1)
    assert [r["duplicate"] for r in month["rows"]] == [False, True, True, False]
    for page, words in (("league/2026-11/index.html", ("有效", "重复件")),
                        ("en/league/2026-11/index.html", ("Valid", "Duplicates"))):
        html = files[page].decode()
        assert all(w in html for w in words)


def test_the_figures_are_recomputed_from_the_month_files_and_incremental_equals_full(
        tmp_path, content):
    city = _lived(tmp_path, content)
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    assert diff_trees(city.sink.files, full.files) == []
    private = {l.id for l in city.ctx.store.iter_letters() if l.publication is None}
    assert open_data_problems(full.files, private) == []


def test_the_league_page_says_how_valid_letters_are_counted(tmp_path, content):
    city = _lived(tmp_path, content)
    data = city.sink.files["data/index.html"].decode()
    data_en = city.sink.files["en/data/index.html"].decode()
    assert "有效件数 = 收到件数 − 无效来信 − 重复件" in data
    assert "valid = received − invalid − duplicate" in data_en
    zh = city.sink.files["league/index.html"].decode()
    en = city.sink.files["en/league/index.html"].decode()
    assert "有效件数" in zh and "受理件数 − 不予受理件数（无效来信和重复件）" in zh
    assert "Valid letters" in en and "invalid and duplicate letters" in en
