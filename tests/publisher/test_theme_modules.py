"""A theme's macro libraries, imported `with context`, are made once per language and the names
they read (`theme.ThemeTemplate`), not once per page: the output stays exactly Jinja's, and a
page no longer leaves a cycle of macros and contexts for the garbage collector."""
from __future__ import annotations

import gc

from fake_store import FakeStore, month_of_letters

from fakes import cst
from publisher import render as R
from publisher.render import Renderer


def theme(tmp_path, files: dict[str, str]):
    (tmp_path / "templates").mkdir()
    for name, text in files.items():
        (tmp_path / "templates" / name).write_text(text, encoding="utf-8")
    return R.environment(str(tmp_path.resolve()))


def test_a_library_is_made_once_per_language_and_each_page_gets_its_own_output(tmp_path):
    env = theme(tmp_path, {
        "_lib.html": '{% macro hi(x) %}{{ t("你好", "Hello") }} {{ x }} {{ prefix }}'
                     '{{ u("/a/") }} {{ label("satisfied") }}{% endmacro %}',
        "page.html": '{% from "_lib.html" import hi with context %}{{ hi(name) }}',
    })
    page = env.get_template("page.html")
    zh = {"lang": "zh", "en": False, "prefix": ""}
    en = {"lang": "en", "en": True, "prefix": "/en"}
    assert page.render(name="甲", **zh) == "你好 甲 /a/ 满意"
    assert page.render(name="<b>", **en) == "Hello &lt;b&gt; /en/en/a/ Satisfied"
    assert page.render(name="乙", **zh) == "你好 乙 /a/ 满意"
    assert len(env.get_template("_lib.html")._modules) == 2        # zh, en: not one a page


def test_a_name_the_library_reads_from_the_page_is_part_of_its_key(tmp_path):
    env = theme(tmp_path, {
        "_lib.html": "{% macro title() %}[{{ page_title }}]{% endmacro %}",
        "page.html": '{% from "_lib.html" import title with context %}{{ title() }}',
        "local.html": '{% set page_title = "局部" %}'
                      '{% from "_lib.html" import title with context %}{{ title() }}',
    })
    page = env.get_template("page.html")
    assert page.render(lang="zh", page_title="一") == "[一]"
    assert page.render(lang="zh", page_title="二") == "[二]"
    assert page.render(lang="en", page_title="一") == "[一]"
    assert env.get_template("local.html").render(lang="zh", page_title="一") == "[局部]"
    # a value that cannot be a key: made afresh every time, as Jinja does, and still right
    kept = len(env.get_template("_lib.html")._modules)
    assert page.render(lang="zh", page_title=["x"]) == "[[&#39;x&#39;]]"
    assert page.render(lang="zh", page_title=["y"]) == "[[&#39;y&#39;]]"
    assert len(env.get_template("_lib.html")._modules) == kept


def test_the_themes_pages_leave_no_garbage_cycles(content):
    """The letter page and a monthly list (which import `_rates.html` and `_macros.html` with
    context) are freed by reference counting alone: nothing is left for the collector."""
    store = FakeStore()
    letters = month_of_letters(store, cst(2026, 11, 2, 8), 12)
    renderer = Renderer(store, content)
    renderer.render(("month", "2026-11", 1))                 # templates compiled, modules made
    renderer.render(("letter", letters[0].id))
    gc.collect()
    gc.disable()
    try:
        for letter in letters:
            assert renderer.render(("letter", letter.id))
        assert renderer.render(("month", "2026-11", 1))
        left = gc.collect()
    finally:
        gc.enable()
    assert left == 0


def test_a_dicts_keys_and_attributes_are_looked_up_as_jinja_does(tmp_path):
    """`x.name` on a plain dict reads the key in one step (`theme.ThemeEnvironment.getattr`);
    a name a dict has as an attribute still means the attribute, a missing key is still an
    error (StrictUndefined), and other objects are untouched."""
    import pytest
    from jinja2 import UndefinedError

    env = theme(tmp_path, {"p.html": "{{ d.subject }}|{{ d.items is callable }}|{{ d['items'] }}"
                                     "|{{ o.real }}"})
    out = env.get_template("p.html").render(d={"subject": "<主题>", "items": 3}, o=2)
    assert out == "&lt;主题&gt;|True|3|2"
    with pytest.raises(UndefinedError):
        env.from_string("{{ d.missing }}").render(d={})


def test_the_templates_escaping_is_markupsafes(tmp_path):
    """`fast_escape`, which compiled theme templates call for `{{ … }}`, gives markupsafe's
    `escape` result, a Markup, for every kind of value; a template's output is the same."""
    from markupsafe import Markup, escape

    from publisher.theme import fast_escape

    class Html:
        def __html__(self):
            return "<i>safe</i>"

    class Text(str):
        pass

    values = ["", "a<b>&\"c'd", "普通文本", Markup("<b>已安全</b>"), 42, 0.5, None,
              Html(), Text("<x>"), ["<y>"]]
    for value in values:
        got = fast_escape(value)
        assert got == escape(value) and type(got) is Markup, value
    env = theme(tmp_path, {"p.html": "{{ a }}|{{ b }}|{{ c }}|{{ d }}"})
    page = env.get_template("p.html")
    assert page.root_render_func.__globals__["escape"] is fast_escape
    assert page.render(a="<甲>", b=Markup("<br>"), c=3, d=Html()) == (
        "&lt;甲&gt;|<br>|3|<i>safe</i>")


def test_a_list_item_keeps_citizen_text_inert_and_is_made_once_per_language(content):
    """`letter_item` (the lists' <li>, formatting.py): a subject with markup is escaped in both
    languages, the English item is marked zh-CN and prefixed /en, and each language's item is
    made once and shared by the lists of one renderer."""
    from fake_store import published_letter

    store = FakeStore()
    letter = store.add(published_letter("x1", cst(2026, 11, 2, 8),
                                        subject='<script>alert("x")</script>'))
    renderer = Renderer(store, content)
    zh = dict(renderer.render(("month", "2026-11", 1)))["letters/2026/11/index.html"].decode()
    en = dict(renderer.render(("month", "2026-11", 1)))["en/letters/2026/11/index.html"].decode()
    for page in (zh, en):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert '<li><a href="/letters/x1/">&lt;script&gt;' in zh
    assert '<li><a href="/en/letters/x1/" lang="zh-CN">&lt;script&gt;' in en
    view = renderer.letter_view(letter)
    assert set(k for k in view if k.startswith("list_item_")) == {"list_item_zh",
                                                                   "list_item_en"}
    kept = dict(view)
    renderer.render(("month", "2026-11", 1))
    assert all(view[k] is kept[k] for k in ("list_item_zh", "list_item_en"))   # not made again
