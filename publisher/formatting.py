"""Formatting shared by every page family: dates in China time, numbers and rates as the pages
print them, archive addresses, and the template helpers that follow the page's language (`t`,
`u`, `label`, the league table's cells, the `date`/`pct`/… filters) which `theme.environment`
installs. Pure functions: a page's bytes must not depend on when or where it was built.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from chalicelib.domain.deadlines import CHINA_TZ
from chalicelib.domain.letters import label as state_label
from chalicelib.domain.rates import size_classes

from . import i18n
from .i18n import LANGS, month_label, period_label
from .keys import month_page_path

EMPTY_FEED_UPDATED = "1970-01-01T00:00:00Z"   # an empty feed still needs a fixed <updated>

# on English pages, the attribute that marks text left in Chinese (citizens' and departments')
ZH_LANG = Markup(' lang="zh-CN"')


def local(at: datetime) -> datetime:
    return at.astimezone(CHINA_TZ)


def fmt_date(at: datetime | date | None) -> str:
    if at is None:
        return ""
    if isinstance(at, datetime):
        at = local(at)
    return at.strftime("%Y-%m-%d")


def fmt_datetime(at: datetime | None) -> str:
    return local(at).strftime("%Y-%m-%d %H:%M") if at else ""


def fmt_iso(at: datetime | None) -> str:
    return local(at).replace(microsecond=0).isoformat() if at else ""


def fmt_pct(value: float | None) -> str:
    """0.9285 → "92.9%": half up on the decimal figure (rates are stored to 4 places), so the
    page agrees with a hand computation, not with the float nearest to it."""
    if value is None:
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def fmt_num(value: Any) -> str:
    return "—" if value is None else str(value)


def fmt_share(value: float) -> str:
    """A weight as a percentage: 0.6 → "60%", 0.125 → "12.5%"."""
    text = f"{value * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def fmt_days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def month_url(month: str, page: int = 1) -> str:
    return "/" + month_page_path(month, page).removesuffix("index.html")


def shift_month(month: str, delta: int) -> str:
    year, mm = (int(x) for x in month.split("-"))
    n = year * 12 + (mm - 1) + delta
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def paragraphs_html(items: Iterable[str]) -> dict[str, Markup]:
    """Citizens' or departments' paragraphs as HTML per page language (what the `paragraphs`
    macro of _macros.html writes), made once for both languages of a letter page."""
    html = "".join(f"<p{{}}>{str(escape(p)).replace(chr(10), '<br>')}</p>\n" for p in items)
    return {lang: Markup(html.replace("<p{}>", f"<p{ZH_LANG if lang == 'en' else ''}>"))
            for lang in LANGS}


# Template helpers that follow the page's language (`lang` in the render context; macros are
# imported `with context` so they see it too).


@pass_context
def _t(ctx: Context, zh: str, en: str) -> str:
    return en if ctx["lang"] == "en" else zh


@pass_context
def _u(ctx: Context, path: str) -> str:
    return i18n.url(path, ctx["lang"])


@pass_context
def _label(ctx: Context, code: str) -> str:
    return state_label(str(code), ctx["lang"])


# The league tables' cells, hundreds a page: one call each instead of a template macro (the
# incremental publish re-renders the league pages after most changes).
_CI = {"zh": "，95% 置信区间 ", "en": ", 95% interval "}
_MOVES = {"zh": ("上升 ", "下降 ", "持平", "新进排名"), "en": ("up ", "down ", "same", "new")}


@pass_context
def _rate_cell(ctx: Context, row: dict, name: str, label: str | None = None) -> Markup:
    """A rate's cell: the rate and, when there is one, its 95% interval in small type; with
    `label`, the cell's `data-label` (what a phone shows before it in a stacked table)."""
    cell = fmt_pct(row[name])
    low = row[name + "_low"]
    if low is not None:
        cell += (f'<span class="ci"><span class="vh">{_CI[ctx["lang"]]}</span>'
                 f'{fmt_pct(low)}–{fmt_pct(row[name + "_high"])}</span>')
    if label is not None:
        return Markup('<td data-label="%s">%s</td>') % (label, Markup(cell))
    return Markup(f"<td>{cell}</td>")


@pass_context
def _movement_cell(ctx: Context, row: dict) -> Markup:
    """The rank change against the period before: an arrow (hidden from screen readers) and
    words, so colour and symbol are never the only signal."""
    move = row.get("movement")
    up, down, same, new = _MOVES[ctx["lang"]]
    if move == "up":
        text = f'<span aria-hidden="true">↑</span> {up}{row["rank_change"]}'
    elif move == "down":
        text = f'<span aria-hidden="true">↓</span> {down}{-row["rank_change"]}'
    elif move == "same":
        text = f'<span aria-hidden="true">=</span> {same}'
    elif move == "new":
        text = new
    else:
        text = "—"
    return Markup(f'<td class="mv {escape(move or "none")}">{text}</td>')


@pass_context
def _letter_item(ctx: Context, view: dict) -> Markup:
    """One letter of a list (`letter_list` in _macros.html): its subject linked, its type, the
    department that replied and the publication date. Made once per letter and language and
    kept in the letter's view: a build lists each letter three times (its month, its type's
    board, its category's board), and the boards and the department page of a publish list
    the same ones."""
    lang = ctx["lang"]
    key = "list_item_" + lang
    html = view.get(key)
    if html is None:
        en = lang == "en"
        department = view["reply_department"]
        html = view[key] = Markup(
            '<li><a href="{}{}"{}>{}</a>\n<span class="meta"><span class="tag">{}</span> {} · '
            '<time datetime="{}">{}</time></span></li>').format(
            i18n.PREFIX[lang], view["url"], ZH_LANG if en else "", view["subject"],
            view["type_label_en"] if en else view["type_label"],
            department["name_en"] if en else department["name"],
            view["published_iso"], view["published_date"])
    return html


@pass_context
def _month_label(ctx: Context, month: str) -> str:
    return month_label(month, ctx["lang"])


@pass_context
def _period_label(ctx: Context, period: str) -> str:
    return period_label(period, ctx["lang"])


@pass_context
def _name(ctx: Context, item: dict | None) -> str:
    """A department's (or any {name, name_en} dict's) name in the page's language."""
    if not item:
        return ""
    return (item.get("name_en") or item["name"]) if ctx["lang"] == "en" else item["name"]


@pass_context
def _category(ctx: Context, category: str | None) -> Markup:
    """A letter category: in English when it is a known one, else as written (marked zh-CN)."""
    if not category:
        return Markup("")
    if ctx["lang"] == "en":
        english = i18n.category_en(category)
        return escape(english) if english else Markup('<span lang="zh-CN">%s</span>') % category
    return escape(category)



# what `theme.environment` installs: the globals and filters every template may call
TEMPLATE_GLOBALS = {"t": _t, "u": _u, "label": _label, "rate_cell": _rate_cell,
                    "movement_cell": _movement_cell, "letter_item": _letter_item}
TEMPLATE_FILTERS = {"date": fmt_date, "datetime": fmt_datetime, "iso": fmt_iso, "pct": fmt_pct,
                    "num": fmt_num, "share": fmt_share, "days": fmt_days,
                    "month_label": _month_label, "period_label": _period_label, "name": _name,
                    "category": _category, "size_class_labels": size_classes}
