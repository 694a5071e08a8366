"""Static guards for the citizen forms and the staff console (invariant 3: citizen text is inert).

The console shows letters that may contain `<script>` or `<img onerror>`; the pages' JavaScript
must insert API data only as text. These tests read the theme's JavaScript without a browser and
fail on any HTML-string sink or code-from-string call, and check that the templates load their
scripts from files (no inline script or handler, so a strict CSP can forbid inline code).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

THEME = Path(__file__).resolve().parents[2] / "site" / "theme"
TEMPLATES = ("write.html", "track.html", "staff.html", "topic.html")
JS_DIR = THEME / "static" / "js"

# sinks that parse a string as HTML or run a string as code
FORBIDDEN = {
    "innerHTML": re.compile(r"\binnerHTML\b"),
    "outerHTML": re.compile(r"\bouterHTML\b"),
    "insertAdjacentHTML": re.compile(r"\binsertAdjacentHTML\b"),
    "document.write": re.compile(r"\bdocument\s*\.\s*write(ln)?\b"),
    "eval": re.compile(r"\beval\b"),
    "new Function": re.compile(r"\bnew\s+Function\b|\bFunction\s*\("),
    "createContextualFragment": re.compile(r"\bcreateContextualFragment\b"),
    "setHTMLUnsafe": re.compile(r"\bsetHTMLUnsafe\b|\bparseHTMLUnsafe\b"),
    "string timer": re.compile(r"\bset(Timeout|Interval)\s*\(\s*[\"'`]"),
}


def strip_comments(source: str) -> str:
    """JavaScript without its comments, strings kept, so a comment that names a forbidden sink
    is not a failure but any use in code (even as `el["innerHTML"]`) is. Regex literals are not
    parsed: keep quotes and `//` out of them in the theme's scripts."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c in "\"'`":
            j = i + 1
            while j < n and source[j] != c:
                j += 2 if source[j] == "\\" else 1
            out.append(source[i:j + 1])
            i = j + 1
        elif source.startswith("//", i):
            j = source.find("\n", i)
            i = n if j < 0 else j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            out.append(" ")
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def forbidden_uses(source: str) -> list[str]:
    code = strip_comments(source)
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(code)]


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.srcs: list[str] = []
        self.inline: list[str] = []
        self.handlers: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.handlers += [f"{tag} {k}" for k, v in attrs if k.startswith("on")]
        self.handlers += [f"{tag} {k}" for k, v in attrs
                          if v and v.strip().lower().startswith("javascript:")]
        if tag == "script":
            self._in_script = True
            if names.get("src"):
                self.srcs.append(names["src"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data.strip()[:60])


def template_scripts(name: str) -> _Scripts:
    parser = _Scripts()
    parser.feed((THEME / "templates" / name).read_text(encoding="utf-8"))
    return parser


def scripts_of(name: str) -> list[Path]:
    """The theme files behind `<script src="{{ asset('js/x.js') }}">` (or a plain path)."""
    found = [re.search(r"js/([\w.-]+\.js)", src) for src in template_scripts(name).srcs]
    assert all(found), template_scripts(name).srcs
    return [JS_DIR / m.group(1) for m in found if m]


def all_js() -> list[Path]:
    return sorted(JS_DIR.glob("*.js"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_loads_its_scripts_from_theme_files(template):
    scripts = scripts_of(template)
    assert scripts, f"{template} loads no script"
    assert [p for p in scripts if not p.is_file()] == []


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_has_no_inline_script_or_handler(template):
    parsed = template_scripts(template)
    assert parsed.inline == []
    assert parsed.handlers == []


@pytest.mark.parametrize("template", TEMPLATES)
def test_scripts_of_forms_never_parse_text_as_html(template):
    found = {p.name: forbidden_uses(p.read_text(encoding="utf-8")) for p in scripts_of(template)}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("path", all_js(), ids=lambda p: p.name)
def test_no_theme_script_parses_text_as_html(path):
    assert forbidden_uses(path.read_text(encoding="utf-8")) == []


def test_staff_console_warns_about_citizen_markup_at_the_top():
    head = (JS_DIR / "staff.js").read_text(encoding="utf-8")[:800]
    assert "SECURITY" in head and "textContent" in head


@pytest.mark.parametrize("snippet, expected", [
    ("el.innerHTML = letter.body;", ["innerHTML"]),
    ("el['outerHTML'] = x;", ["outerHTML"]),
    ("node.insertAdjacentHTML('beforeend', s);", ["insertAdjacentHTML"]),
    ("document.write(s);", ["document.write"]),
    ("eval(code);", ["eval"]),
    ("var f = new Function('return 1');", ["new Function"]),
    ("setTimeout('run()', 10);", ["string timer"]),
    ("// never use innerHTML here\nel.textContent = s;", []),
    ("/* no outerHTML, no eval */ el.textContent = s;", []),
    ("var url = 'https://example.org/'; el.textContent = url; // innerHTML", []),
    ("el.textContent = s; setTimeout(run, 10);", []),
])
def test_guard_finds_sinks_in_code_but_not_in_comments(snippet, expected):
    assert forbidden_uses(snippet) == expected


def _js_table(name: str) -> dict[str, str]:
    source = (JS_DIR / "api.js").read_text(encoding="utf-8")
    block = source.split(f"var {name} = {{", 1)[1].split("};", 1)[0]
    return dict(re.findall(r"(\w+):\s*\"([^\"]*)\"", block))


def test_console_labels_match_the_domain_labels():
    letters = pytest.importorskip("chalicelib.domain.letters")
    assert _js_table("LABELS") == {code: zh for code, (zh, _en) in letters.LABELS.items()}


def test_english_console_labels_match_the_domain_labels():
    letters = pytest.importorskip("chalicelib.domain.letters")
    assert _js_table("LABELS_EN") == {code: en for code, (_zh, en) in letters.LABELS.items()}


@pytest.mark.parametrize("table, column", [("TOPIC_LABELS", 0), ("TOPIC_LABELS_EN", 1)])
def test_console_consultation_labels_match_the_domain_labels(table, column):
    consultations = pytest.importorskip("chalicelib.domain.consultations")
    assert _js_table(table) == {code: pair[column]
                                for code, pair in consultations.LABELS.items()}


def test_every_history_action_has_a_label_in_both_languages():
    assert set(_js_table("ACTIONS")) == set(_js_table("ACTIONS_EN"))


def test_scripts_follow_the_page_language():
    """Forms and console read <html lang> (zh-CN, or en under /en/) and show the API's English
    error message on English pages."""
    api = strip_comments((JS_DIR / "api.js").read_text(encoding="utf-8"))
    assert "document.documentElement.lang" in api and "message_en" in api
    votes = strip_comments((JS_DIR / "votes.js").read_text(encoding="utf-8"))
    assert "document.documentElement.lang" in votes and "message_en" in votes
    for name in ("write.js", "track.js", "staff.js", "topic.js", "interviews.js"):
        code = strip_comments((JS_DIR / name).read_text(encoding="utf-8"))
        # every Chinese message in code comes with its English one through WZ.t / T
        for line in code.splitlines():
            if re.search(r"[\u4e00-\u9fff]", line):
                assert re.search(r"\b(WZ\.t|T)\(", line), f"{name}: {line.strip()}"


def _rendered(template_key: str, lang: str) -> str:
    pytest.importorskip("jinja2")
    from publisher.content import load_content
    from publisher.render import Renderer

    class NoStore:    # the form pages read only content/ and the theme
        pass

    content = load_content(THEME.parents[1] / "content")
    files = dict(Renderer(NoStore(), content).render((template_key,)))
    path = f"{template_key}/index.html"
    return files[path if lang == "zh" else "en/" + path].decode("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_status_filter_offers_every_state_with_its_label(lang):
    letters = pytest.importorskip("chalicelib.domain.letters")
    html = _rendered("staff", lang)
    select = html.split('id="f-status"', 1)[1].split("</select>", 1)[0]
    options = dict(re.findall(r'<option value="(\w+)">([^<]+)</option>', select))
    column = 0 if lang == "zh" else 1
    assert options == {str(s): letters.LABELS[str(s)][column] for s in letters.Status}


@pytest.mark.parametrize("template_key", ["write", "track", "staff"])
def test_form_pages_say_their_language_for_the_scripts(template_key):
    assert _rendered(template_key, "zh").startswith('<!doctype html>\n<html lang="zh-CN">')
    assert _rendered(template_key, "en").startswith('<!doctype html>\n<html lang="en">')
