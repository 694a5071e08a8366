"""The letter-level open data (`/data/letters-{YYYY-MM}.json` and `.csv`): every league figure
recomputed from these files alone (opendata_check.py), on the demo city and on a small city
lived incrementally; a change re-renders only its letter's month file; a dropped or wrong field
is caught; a private letter shows no id, text or url.

(The randomized histories of test_incremental_random.py run the same recomputation on both
stores after every comparison with a full build.)"""
from __future__ import annotations

import json

import pytest
from opendata_check import league_problems, open_data_problems, rows_problems
from publisher_city import make_city
from sitecheck import diff_trees, personal_data_on_site

from chalicelib import bootstrap
from chalicelib.domain.deadlines import CHINA_TZ
from fakes import cst
from publisher import pages as P
from publisher.build import full_build
from publisher.sinks import MemorySink
from wenzheng.demo import seed_demo

NAMES = ["王建国", "李娜", "张伟", "刘芳", "陈静"]     # the demo city's writers


@pytest.fixture(scope="module")
def demo(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("demo")
    composed = bootstrap.build(bootstrap.Settings(stage="local", data_dir=folder,
                                                  token_secret="x" * 40))
    seed_demo(composed.ctx, cst(2026, 11, 23, 9))
    sink = MemorySink()
    full_build(composed.ctx.store, content, sink)
    return {"files": sink.files, "store": composed.ctx.store}


def test_the_demo_city_has_a_file_for_every_month_with_letters(demo):
    months = {l.submitted_at.astimezone(CHINA_TZ).strftime("%Y-%m")
              for l in demo["store"].iter_letters()}
    assert len(months) >= 12
    for month in months:
        assert f"data/letters-{month}.json" in demo["files"]
        assert f"data/letters-{month}.csv" in demo["files"]
    rows = sum(len(json.loads(demo["files"][f"data/letters-{m}.json"])["rows"]) for m in months)
    assert rows == len(list(demo["store"].iter_letters()))


def test_every_league_figure_of_the_demo_city_is_recomputed_from_the_letter_files(demo):
    private = {l.id for l in demo["store"].iter_letters() if l.publication is None}
    assert open_data_problems(demo["files"], private) == []
    # not vacuous: transfers, re-dos rated twice, red lights and every period kind are there
    leagues = [p for p in demo["files"] if p.startswith("data/league-")]
    assert {"data/league-all.json", "data/league-2026.json"} <= set(leagues)
    assert any("-Q" in p for p in leagues) and len(leagues) >= 2 * 17
    rows = [r for p, d in demo["files"].items() if p.startswith("data/letters-")
            and p.endswith(".json") for r in json.loads(d)["rows"]]
    assert any(r["transferred"] for r in rows) and any(r["redos"] for r in rows)
    assert any(len([x for s in r["stints"] for x in s["ratings"]]) > 1 for r in rows)
    assert any(s["overdue"] for r in rows for s in r["stints"])
    assert any(r["url"] is None and r["status"] in ("published", "closed") for r in rows)


@pytest.mark.parametrize("damage", [
    "drop_field", "drop_stint_field", "wrong_department", "wrong_dispatch_month",
    "drop_rating", "wrong_sign_on_time", "drop_stint", "wrong_working_days", "wrong_redos"])
def test_a_dropped_or_wrong_field_fails_the_recomputation(demo, damage):
    files = dict(demo["files"])
    # the fullest month with a letter with a rated, replied and signed stint
    def fit(doc):
        return [r for r in doc["rows"] if r["stints"] and r["stints"][-1]["ratings"]
                and r["stints"][-1]["signed_at"] and r["redos"] == 0]
    path = max((p for p in files if p.startswith("data/letters-") and p.endswith(".json")
                and fit(json.loads(files[p]))),
               key=lambda p: len(json.loads(files[p])["rows"]))
    doc = json.loads(files[path])
    row = fit(doc)[0]
    s = row["stints"][-1]
    if damage == "drop_field":
        del row["category"]
    elif damage == "drop_stint_field":
        del s["kept"]
    elif damage == "wrong_department":
        s["department"] = "transport" if s["department"] != "transport" else "housing"
    elif damage == "wrong_dispatch_month":
        s["dispatched_at"] = "2020-01-15T09:00:00+08:00"
    elif damage == "drop_rating":
        s["ratings"] = s["ratings"][:-1]
    elif damage == "wrong_sign_on_time":
        s["sign_on_time"] = not s["sign_on_time"]
    elif damage == "drop_stint":
        row["stints"] = row["stints"][:-1]
    elif damage == "wrong_working_days":
        s["reply_working_days"] = (s["reply_working_days"] or 0) + 1
    elif damage == "wrong_redos":
        row["redos"] += 1
    files[path] = json.dumps(doc, ensure_ascii=False).encode()
    try:
        problems = rows_problems(files) + league_problems(files)
    except (KeyError, TypeError):
        return      # a reader's program would fail as loudly
    assert problems


def test_the_demo_city_open_data_holds_no_personal_data(demo):
    store = demo["store"]
    letters = list(store.iter_letters())
    files = {p: d for p, d in demo["files"].items() if p.startswith("data/letters-")}
    assert personal_data_on_site(files, names=NAMES) == []
    raw = b"\n".join(files.values()).decode()
    for letter in letters:
        assert letter.tracking_code not in raw
        if letter.publication is None:
            assert letter.id not in raw      # a private letter: no id, no url
        for contact in (letter.phone, letter.email, letter.name):
            assert not contact or contact not in raw
        assert letter.subject[:12] not in raw and letter.body[:12] not in raw
    private = [l for l in letters if not l.public]
    assert private, "the demo city has letters whose writers refused publication"


# --- incremental: a change re-renders its letter's month file only -----------------------

@pytest.fixture
def lived(tmp_path, content):
    city = make_city(tmp_path, content, at=cst(2026, 10, 30, 9, 0))
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    old = city.full_cycle(rate="satisfied")          # October
    city.clock.at = cst(2026, 11, 3, 9, 0)
    new = city.submit(public=False, name="赵六", phone="13700001111")
    return city, old, new


def test_a_change_re_renders_only_its_letters_month_file(lived, content):
    city, old, new = lived
    october = city.sink.files["data/letters-2026-10.json"]
    city.dispatch(new, "transport")
    city.sign(new, "transport")
    city.reply(new, "transport")
    city.approve(new, publish=True)
    assert city.sink.files["data/letters-2026-10.json"] == october
    store = city.ctx.store
    nov = json.loads(city.sink.files["data/letters-2026-11.json"])
    (row,) = nov["rows"]
    assert row["url"] is None and row["status"] == "closed"      # the writer said private
    assert "赵六" not in city.sink.files["data/letters-2026-11.csv"].decode()
    full = MemorySink()
    full_build(store, content, full)
    assert diff_trees(city.sink.files, full.files) == []
    assert open_data_problems(full.files, {new["id"]}) == []


def test_a_letters_change_names_only_its_month_file(lived, content):
    city, old, new = lived
    store = city.ctx.store
    city.sink = None                     # keep the change records pending
    city.dispatch(new, "housing")
    (change,) = store.pending_changes(1000)
    keys = P.affected_pages(change, store, content)
    assert {k for k in keys if k[0] == "letters_data"} == {("letters_data", "2026-11")}


def test_the_index_lists_every_month_file_in_both_languages(lived):
    city, old, new = lived
    for page in ("data/index.html", "en/data/index.html"):
        html = city.sink.files[page].decode()
        for month in ("2026-10", "2026-11"):
            assert f'href="/data/letters-{month}.json"' in html
            assert f'href="/data/letters-{month}.csv"' in html
        assert 'href="/data/league-all.csv"' in html
    sitemap = city.sink.files["sitemaps/pages.xml"].decode()
    assert "/data/</loc>" in sitemap and "/en/data/</loc>" in sitemap


def test_rows_are_numbered_in_order_of_submission_and_keep_their_numbers(lived, content):
    city, old, new = lived
    first = json.loads(city.sink.files["data/letters-2026-11.json"])["rows"][0]
    city.submit()
    city.dispatch(new, "housing")
    rows = json.loads(city.sink.files["data/letters-2026-11.json"])["rows"]
    assert [r["row"] for r in rows] == [1, 2]
    assert rows[0]["submitted_at"] == first["submitted_at"]
    assert rows[0]["department"] == "housing" and rows[1]["department"] is None


def test_the_demo_city_has_data_for_each_of_the_three_rates(demo):
    """Every demo rating answers whether it was solved (wenzheng/demo_rates.py), so the
    response, resolution and satisfaction rates all have figures, and a class rank too."""
    doc = json.loads(demo["files"]["data/league-all.json"])
    rows = [r for r in doc["rows"] if r["received"]]
    assert all(r["response_rate"] is not None for r in rows)
    assert sum(r["resolved"] for r in rows) and sum(r["partly_resolved"] for r in rows) \
        and sum(r["unresolved"] for r in rows)
    assert any(r["resolution_rate"] is not None and r["satisfaction_rate"] is not None
               for r in rows)
    assert any(r["class_rank"] == 1 for r in rows)


def test_the_demo_city_has_letters_from_the_hotlines_channels(demo):
    """The demo operator's letters (wenzheng/demo_channels.py) over the year: the channel files
    show phone, SMS, e-mail and fax beside the web, and recompute from the letter files."""
    from channels_check import channel_problems
    files = demo["files"]
    assert channel_problems(files) == []
    doc = json.loads(files["data/channels-all.json"])
    by_channel = {c["channel"]: c for c in doc["channels"]}
    assert {"web", "phone", "sms", "email", "fax"} <= set(by_channel)
    assert by_channel["phone"]["received"] >= 3 and by_channel["phone"]["rated"] >= 2
    months = {p for p in files if p.startswith("data/channels-2026-") and len(p) == 26}
    assert len(months) >= 6
    taken = [x for x in demo["store"].iter_letters() if x.source != "web"]
    assert all(x.history[0].actor == "demo-operator" for x in taken)
