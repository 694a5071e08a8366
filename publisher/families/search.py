"""The search page (`/search/`, `/en/search/`): a form, filters and a results list that
`js/search.js` fills from the static search index (`/search/shards.json` and its Pagefind
shards, built by `publisher.search`), and, for a browser without JavaScript, the ways to
browse instead (the archive by month, departments, notices, consultations, the boards by type
and by category).

What it reads: content/ only (department names, the categories the departments handle) and
the fixed labels of the letter types. The years a citizen can filter by come from the index's
manifest in the browser, so no store change makes the page stale (a redeploy runs a full
build). The results never pass through this page: it holds no letter.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.letters import LetterType, label

from .. import i18n
from ..content import Content
from ..keys import BOARD_TYPES, CATEGORY_SLUGS, PageKey
from .family import Family, reads_nothing

if TYPE_CHECKING:
    from ..render import Output, Renderer

KINDS: tuple[tuple[str, str, str], ...] = (
    ("letter", "来信", "Letter"),
    ("notice", "公告", "Notice"),
    ("consultation", "征集", "Consultation"),
)


def categories(content: Content) -> list[str]:
    """The categories the departments handle, in file order, each once."""
    seen: dict[str, None] = {}
    for d in content.departments:
        for c in d.categories:
            seen.setdefault(c, None)
    return list(seen)


def search_context(content: Content) -> dict[str, Any]:
    """What the page offers to filter by, with labels in both languages; `labels` is what the
    script needs to show a result (a department id becomes its name), per language."""
    departments = [{"id": d.id, "name": d.name, "name_en": d.name_en or d.name}
                   for d in content.departments]
    types = [{"code": t, "zh": label(t), "en": label(t, "en")} for t in BOARD_TYPES]
    # a category's board, when it has one, is at its slug (keys.CATEGORY_SLUGS)
    cats = [{"code": c, "zh": c, "en": i18n.category_en(c), "slug": CATEGORY_SLUGS.get(c)}
            for c in categories(content)]
    kinds = [{"code": k, "zh": zh, "en": en} for k, zh, en in KINDS]

    def labels(lang: str) -> dict[str, dict[str, str]]:
        def pick(zh: str, en: str | None) -> str:
            return (en or zh) if lang == "en" else zh

        return {"dept": {d.id: pick(d.name, d.name_en) for d in content.departments},
                "type": {str(t): label(str(t), lang) for t in LetterType},
                "category": {c: pick(c, i18n.category_en(c)) for c in categories(content)},
                "kind": {k: pick(zh, en) for k, zh, en in KINDS}}

    return {"departments": departments, "letter_types": types, "categories": cats,
            "kinds": kinds, "labels": {lang: labels(lang) for lang in i18n.LANGS}}


def search_page(r: Renderer) -> Output:
    return r.html("search/index.html", "search.html", "search", **search_context(r.content))


PAGES: tuple[PageKey, ...] = (("search_page",),)

FAMILY = Family(
    name="search",
    renderers={"search_page": search_page},
    pages=lambda snap, content: list(PAGES),
    reads=reads_nothing,
)
