"""The hot-topic pages (`/hot/`, `/hot/{week}/`, `/data/hot-{week}.json`): made from the weekly
record the scheduled job writes; incremental equals full; no personal data even when every
letter of a topic carries the same name, phone, e-mail and ID number; no private letter linked."""
from __future__ import annotations

import json

import pytest
from publisher_city import make_city
from sitecheck import diff_trees, html_errors, personal_data_on_site

from chalicelib.services import supervision
from fakes import cst
from publisher.build import full_build
from publisher.sinks import MemorySink

NAME, PHONE, EMAIL, ID_NUMBER = "张伟明", "13912345678", "zhangwm@example.com", "110101199003071234"
BODY = (f"我是{NAME}，五矿万境小区旁工地夜间施工噪音扰民，凌晨还在打桩，严重影响休息。"
        f"电话{PHONE}，邮箱{EMAIL}，身份证{ID_NUMBER}。")
OTHERS = ["公交12路末班车提前", "学校门口交通拥堵", "社保卡补办流程", "菜市场占道经营",
          "路灯损坏不亮", "医保报销比例咨询"]


@pytest.fixture(scope="module")
def city(tmp_path_factory, content):
    return make_city(tmp_path_factory.mktemp("hot"), content, at=cst(2026, 11, 30, 9, 0))


@pytest.fixture(scope="module")
def story(city, content):
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    noise, private = [], []
    for i in range(7):
        noise.append(city.full_cycle(subject=f"五矿万境小区工地夜间施工噪音扰民{i}", body=BODY,
                                     name=NAME, phone=PHONE, email=EMAIL))
    for _ in range(3):                      # the same matter, not to be published
        private.append(city.full_cycle(subject="五矿万境小区工地夜间施工噪音扰民", body=BODY,
                                       name=NAME, phone=PHONE, email=EMAIL, public=False))
    for s in OTHERS:
        city.full_cycle(dept="transport", subject=s, body=f"{s}，请处理。")
    city.vote(noise[0], "v1")
    city.clock.at = cst(2026, 12, 7, 0, 30)          # Monday: W49 has ended
    result = supervision.tick(city.ctx, city.clock.at)
    city.publish()
    return {"noise": noise, "private": private, "weekly": result["weekly"]}


def test_the_week_is_published_and_incremental_equals_full(story, city, content):
    assert story["weekly"] == "2026-W49"
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    problems = diff_trees(city.sink.files, full.files)
    assert not problems, "\n".join(problems[:20])
    for path in ("hot/index.html", "en/hot/index.html", "hot/2026-W49/index.html",
                 "en/hot/2026-W49/index.html", "data/hot-2026-W49.json"):
        assert path in full.files, path
    for path in ("hot/index.html", "en/hot/2026-W49/index.html"):
        assert html_errors(full.files[path].decode()) == [], path


def test_the_json_has_the_topic_and_links_published_letters_only(story, city):
    doc = json.loads(city.sink.files["data/hot-2026-W49.json"])
    assert doc["week"] == "2026-W49" and doc["formula"] == "H = n × (1 + g) + ln(1 + v)"
    top = doc["topics"][0]
    assert top["letters"] >= 7 and all(t["letters"] >= 5 for t in doc["topics"])
    assert set(top) >= {"name", "terms", "letters", "previous_weekly", "growth", "votes", "hot",
                        "departments", "letter_urls"}
    assert top["departments"][0]["id"] == "housing"
    assert sorted(top["letter_urls"]) == sorted(f"/letters/{x['id']}/" for x in story["noise"])
    assert top["votes"] == 1
    assert "五矿万境" in top["name"] + "".join(top["terms"])


def test_the_pages_say_the_formula_in_both_languages_and_are_linked(story, city):
    files = city.sink.files
    zh, en = files["hot/index.html"].decode(), files["en/hot/index.html"].decode()
    assert "H = n × (1 + g) + ln(1 + v)" in zh and "H = n × (1 + g) + ln(1 + v)" in en
    assert "热度怎么算" in zh and "How the hot index is calculated" in en
    assert 'href="/hot/2026-W49/"' in zh and 'href="/en/hot/2026-W49/"' in en
    assert "/data/hot-2026-W49.json" in files["data/index.html"].decode()
    assert 'href="/hot/"' in files["index.html"].decode()         # the footer
    assert "/hot/2026-W49/" in files["sitemaps/pages.xml"].decode()


def test_every_page_title_is_plain_text(story, city):
    """A section pasted into a template's title block shows as markup in the browser's tab
    (the /data/ page's hot-topic list once did): no title holds a tag."""
    import re
    for path, body in city.sink.files.items():
        if path.endswith(".html"):
            title = re.search(r"<title>(.*?)</title>", body.decode(), re.S)
            assert title and "<" not in title.group(1) and "&lt;" not in title.group(1), path
    data = city.sink.files["data/index.html"].decode()
    assert data.count('id="hot-h"') == 1 and data.index('id="hot-h"') > data.index("<h1")


def test_no_personal_data_and_no_private_letter_on_the_hot_pages(story, city):
    hot = {p: d for p, d in city.sink.files.items()
           if p.startswith(("hot/", "en/hot/", "data/hot-"))}
    assert len(hot) == 5
    assert personal_data_on_site(hot, names=[NAME],
                                 written=[NAME, PHONE, EMAIL, ID_NUMBER]) == []
    for path, data in hot.items():
        text = data.decode()
        for x in story["private"]:
            assert x["id"] not in text and x["tracking_code"] not in text, path
