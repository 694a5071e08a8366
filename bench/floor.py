"""The floor: the site's letter pages and listings rendered with bare Jinja2 from memory.

What any static build of these letters must at least do: fill a template per page from data
already in memory (no store reads, no planning, no Markdown) and write the bytes to a file. It
writes the files our full build spends nearly all its time on, in both languages as ours does:
every letter page (`letters/{id}/` and `en/letters/{id}/`), every monthly archive page of 50
(and its sitemap), the board (latest 50), the home page (latest 10), the archive index and one
page per department (latest 20). Templates are minimal but real HTML (a base layout, escaped
text, paragraphs); files are written with a plain `write_bytes` (no temp file and rename).
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from jinja2 import DictLoader, Environment

from bench import data

PAGE_SIZE = 50

TEMPLATES = {
    "base.html": """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · {{ site }}</title>
<link rel="stylesheet" href="/theme/css/site.css">
</head>
<body>
<header><a href="{{ prefix }}/">{{ site }}</a>
<nav><a href="{{ prefix }}/letters/">{{ "Letters" if lang == "en" else "来信选登" }}</a>
<a href="{{ prefix }}/departments/">{{ "Departments" if lang == "en" else "部门" }}</a>
<a href="{{ prefix }}/write/">{{ "Write" if lang == "en" else "我要写信" }}</a></nav></header>
<main>
{% block main %}{% endblock %}
</main>
<footer>{{ footer }}</footer>
</body>
</html>
""",
    "letter.html": """{% extends "base.html" %}
{% block title %}{{ l.subject }}{% endblock %}
{% block main %}
<article>
<h1>{{ l.subject }}</h1>
<p>{{ l.type }} · {{ l.department }} · {{ l.published }}</p>
<section><h2>{{ "Letter" if lang == "en" else "来信" }}</h2>
{% for p in l.body %}<p>{{ p }}</p>
{% endfor %}</section>
<section><h2>{{ l.department }}</h2>
{% for p in l.reply %}<p>{{ p }}</p>
{% endfor %}</section>
</article>
{% endblock %}
""",
    "list.html": """{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block main %}
<h1>{{ title }}</h1>
<ol>
{% for l in letters %}<li><a href="{{ prefix }}{{ l.url }}">{{ l.subject }}</a>
<span>{{ l.department }} · {{ l.published }}</span><p>{{ l.summary }}</p></li>
{% endfor %}</ol>
{% if prev %}<a href="{{ prefix }}{{ prev }}">prev</a>{% endif %}
{% if next %}<a href="{{ prefix }}{{ next }}">next</a>{% endif %}
{% endblock %}
""",
    "sitemap.xml": """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{% for l in letters %}<url><loc>{{ base }}{{ l.url }}</loc><lastmod>{{ l.published }}</lastmod></url>
{% endfor %}</urlset>
""",
}

LANGS = (("zh-CN", ""), ("en", "/en"))


def site_data(sources: list[data.Source], size: int) -> dict:
    """The published letters as plain dicts, grouped as the site lists them (untimed)."""
    from chalicelib.bootstrap import load_departments
    from chalicelib.domain.letters import label

    departments = load_departments(data.CONTENT_DIR)
    depts = [(d.id, tuple(d.categories)) for d in departments.values()]
    letters = []
    for spec in data.specs(sources, depts, size):
        src = spec.source
        body = list(src.public_body)
        letters.append({
            "id": spec.id, "url": f"/letters/{spec.id}/", "subject": src.public_subject,
            "body": body, "reply": list(src.public_reply),
            "type": label(str(src.kind)), "department": departments[spec.department].name,
            "department_id": spec.department,
            "published": spec.published_at.strftime("%Y-%m-%d"),
            "month": spec.published_at.strftime("%Y-%m"),
            "summary": " ".join(" ".join(body).split())[:120]})
    by_month: dict[str, list[dict]] = defaultdict(list)
    by_dept: dict[str, list[dict]] = defaultdict(list)
    for letter in letters:
        by_month[letter["month"]].append(letter)
        by_dept[letter["department_id"]].append(letter)
    return {"letters": letters, "months": dict(by_month), "departments": dict(by_dept)}


def build(site: dict, out: Path, base: str = "https://wenzheng.jiangcheng.example",
          write: bool = True) -> int:
    """Render and write every page (`write=False`: render only); returns the number of files."""
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    letter_t, list_t = env.get_template("letter.html"), env.get_template("list.html")
    sitemap_t = env.get_template("sitemap.xml")
    common = {"site": "问政·江城市", "footer": "江城市人民政府市长公开电话办公室"}
    written = 0

    def put(path: str, text: str) -> None:
        nonlocal written
        data = text.encode("utf-8")
        if write:
            file = out / path
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(data)
        written += 1

    def html(path: str, template, **ctx) -> None:
        for lang, prefix in LANGS:
            put(prefix.lstrip("/") + ("/" if prefix else "") + path,
                  template.render(lang=lang, prefix=prefix, **common, **ctx))

    for letter in site["letters"]:
        html(f"letters/{letter['id']}/index.html", letter_t, l=letter)
    for month, letters in site["months"].items():
        pages = -(-len(letters) // PAGE_SIZE)
        year, mm = month.split("-")
        for page in range(1, pages + 1):
            chunk = letters[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            url = f"/letters/{year}/{mm}/" + (f"page/{page}/" if page > 1 else "")
            html(url.lstrip("/") + "index.html", list_t, title=f"{month} ({page})",
                 letters=chunk,
                 prev=None if page == 1 else f"/letters/{year}/{mm}/" + (
                     f"page/{page - 1}/" if page > 2 else ""),
                 next=f"/letters/{year}/{mm}/page/{page + 1}/" if page < pages else None)
            put(f"sitemaps/letters-{month}-{page}.xml",
                  sitemap_t.render(base=base, letters=chunk))
    latest = site["letters"][::-1]
    html("letters/index.html", list_t, title="来信选登", letters=latest[:PAGE_SIZE])
    html("index.html", list_t, title="问政", letters=latest[:10])
    html("letters/archive/index.html", list_t, title="归档", letters=[])
    for dept, letters in site["departments"].items():
        html(f"departments/{dept}/index.html", list_t, title=dept, letters=letters[::-1][:20])
    return written
