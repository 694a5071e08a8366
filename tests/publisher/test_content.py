"""content/: the site settings, departments and notices, with errors that name file and field."""
from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest

from publisher.content import CATEGORIES, ContentError, load_content

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(REPO / "content", root)
    return root


def test_the_repository_content_loads(content):
    assert content.site.name == "问政·江城市"
    assert content.site.language == "zh-CN"
    assert not content.site.base_url.endswith("/")
    assert 10 <= len(content.departments) <= 15
    assert len(content.notices) >= 2
    # every category of the citizen-letter data has a department to go to
    for category in CATEGORIES:
        assert content.department_for_category(category) is not None
    assert content.department_for_category("交通运输").id == "transport"


@pytest.mark.parametrize("file, text, field", [
    ("site.yaml", "name: x\n", "base_url"),
    ("site.yaml", "name: x\nbase_url: ftp://x\n", "base_url"),
    ("site.yaml", "base_url: https://x\n", "name"),
    ("site.yaml", "name: x\nbase_url: https://x\nleague: {efficiency: 0.5, quality: 0.4}\n",
     "league"),
    ("site.yaml", "name: x\nbase_url: https://x\nleague: {size_classes: [100, 20]}\n",
     "league.size_classes"),
    ("site.yaml", "name: x\nbase_url: https://x\nleague: {size_classes: 20}\n",
     "league.size_classes"),
    ("departments.yaml", "departments:\n  - {id: Bad Id, name: x, name_en: y}\n",
     "departments[0].id"),
    ("departments.yaml", "departments:\n  - {id: a, name: x, name_en: y}\n"
                         "  - {id: a, name: z, name_en: w}\n", "departments[1].id"),
    ("departments.yaml", "departments:\n  - {id: a, name: x, name_en: y, categories: [天文]}\n",
     "departments[0].categories[0]"),
    ("departments.yaml", "departments:\n  - {id: a, name_en: y}\n", "departments[0].name"),
    ("notices/bad.md", "---\ntitle: t\n---\nbody\n", "date"),
    ("notices/bad.md", "---\ntitle: t\ndate: 2026-13-01\n---\nbody\n", "date"),
    ("notices/bad.md", "---\ndate: 2026-11-01\n---\nbody\n", "title"),
    ("notices/bad.md", "---\ntitle: t\ndate: 2026-11-01\nslug: Bad Slug\n---\nbody\n", "slug"),
    ("notices/bad.md", "---\ntitle: t\ndate: 2026-11-01\nslug: privacy\n---\nbody\n", "slug"),
])
def test_bad_content_names_the_file_and_field(tree, file, text, field):
    (tree / file).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_content(tree)
    assert info.value.field == field
    assert Path(info.value.file).name == Path(file).name
    assert field in str(info.value) and Path(file).name in str(info.value)


def test_notice_without_front_matter_is_an_error(tree):
    (tree / "notices/plain.md").write_text("# 标题\n正文\n", encoding="utf-8")
    with pytest.raises(ContentError, match="front matter"):
        load_content(tree)


def test_notice_slug_defaults_to_the_file_name(tree):
    (tree / "notices/2026-12-01-winter.md").write_text(
        "---\ntitle: 冬季供暖\ndate: 2026-12-01\n---\n正文\n", encoding="utf-8")
    content = load_content(tree)
    assert content.notices[0].slug == "2026-12-01-winter"
    assert str(content.notices[0].html) == "<p>正文</p>"


def test_loading_content_imports_no_pelican_or_jinja():
    source = (REPO / "publisher" / "content.py").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    # chalicelib: the pure domain's `statistics.Weights`, the league settings' one definition
    allowed = set(sys.stdlib_module_names) | {"yaml", "markdown", "markupsafe", "chalicelib"}
    assert imported <= allowed, imported - allowed


def test_cached_content_reloads_only_when_a_file_changes(tree):
    from publisher.content import cached_content

    first = cached_content(tree)
    assert cached_content(tree) is first
    notice = tree / "notices" / "2026-11-02-league-rules.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n补充说明。\n", encoding="utf-8")
    second = cached_content(tree)
    assert second is not first and "补充说明" in str(second.notice("league-rules").html)


def test_english_versions_are_optional_front_matter_and_settings(tree):
    (tree / "notices" / "2026-12-01-en.md").write_text(
        "---\ntitle: 通知\ntitle_en: A notice\ndate: 2026-12-01\nsummary_en: In short\n"
        "body_en: |\n  First **paragraph**.\n\n  Second.\n---\n正文\n", encoding="utf-8")
    (tree / "notices" / "2026-12-02-zh.md").write_text(
        "---\ntitle: 只有中文\ndate: 2026-12-02\n---\n正文\n", encoding="utf-8")
    loaded = load_content(tree)
    english = loaded.notice("2026-12-01-en")
    assert english.title_en == "A notice" and english.summary_en == "In short"
    assert english.html_en == "<p>First <strong>paragraph</strong>.</p>\n<p>Second.</p>"
    chinese_only = loaded.notice("2026-12-02-zh")
    assert chinese_only.title_en is None and chinese_only.html_en is None
    assert loaded.site.office_en and loaded.site.description_en     # the demo city has them


def test_markdown_drops_line_breaks_inside_chinese_text_only():
    """The source files wrap Chinese paragraphs at ~100 columns; a browser would show each break
    as a space in the middle of a sentence. Breaks next to Latin text, and code, stay."""
    from publisher.content import markdown_html
    html = str(markdown_html("## 说明\n\n部分内容已不适应\n实际需要，“问政”\n平台。"
                             "\n\nsee the\nnote 见\n附件"
                             "\n\n    第一行\n    第二行\n", demote=1))
    assert "<h3>说明</h3>" in html
    assert "<p>部分内容已不适应实际需要，“问政”平台。</p>" in html
    assert "see the\nnote 见附件" in html
    assert "第一行\n第二行" in html                          # inside <pre>, untouched
    assert "<h2>" in str(markdown_html("## 说明"))              # not demoted unless asked
