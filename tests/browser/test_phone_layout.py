"""The public site on a 390 px phone: no page is wider than the screen (nothing pans sideways
into blank space), and the figures a table is for can be read without scrolling it sideways."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from browserkit import ROOT, at_server_time

WIDTH = 390

# Every element's right edge, unless an ancestor clips it (a scroll box, an SVG): then that
# ancestor is checked instead. Visually hidden text (.vh) is checked too: it is 1 px wide but an
# absolutely positioned span that escapes its box widens the page as much as a wide table does.
OVERFLOW_SCAN = """() => {
  const W = document.documentElement.clientWidth, out = [];
  // whether a box between the element and its containing blocks clips it (an absolutely
  // positioned element escapes every box up to its nearest positioned ancestor)
  const clips = el => {
    let free = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (free && s.position === 'static') continue;
      free = ['absolute', 'fixed'].includes(s.position);
      if (s.overflowX !== 'visible' || a instanceof SVGElement) return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || r.right <= W + 0.5 || clips(el)) continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className
         ? '.' + el.className.split(' ').join('.') : '');
    out.push(name + ' to ' + Math.round(r.right) + ' px');
  }
  return {scrollWidth: document.documentElement.scrollWidth, width: W, past: out.slice(0, 5)};
}"""


def topic_of_each_kind() -> list[str]:
    """One consultation page per kind the demo city has (its content/ folder of each kind)."""
    paths = []
    for folder in ("hearings", "deliberations", "solicitations", "surveys", "interviews"):
        files = sorted((ROOT / "content" / folder).glob("*.md"))
        for file in files[:1]:
            topic_id = re.search(r"^id:\s*(\S+)", file.read_text(encoding="utf-8"), re.M)
            paths.append(f"/consultations/{topic_id.group(1) if topic_id else file.stem}/")
    # the demo city's second solicitation is closed, with the office's feedback (other tables)
    paths.append("/consultations/metro-fare-adjustment/")
    return paths


def every_page_kind(site: Path) -> list[str]:
    rel = lambda p: "/" + str(p.relative_to(site)).removesuffix("index.html")
    letter = next(p for p in sorted((site / "letters").iterdir())
                  if re.fullmatch(r"[0-9a-z]{10}", p.name))
    months = sorted((site / "letters").glob("20*/*/index.html"))
    notices = sorted((site / "notices").glob("*/index.html"))
    periods = sorted((site / "league").glob("*/index.html"))
    # a league page of each length of period (month, quarter, year, all time)
    period_pages = {}
    for p in periods:
        name = p.parent.name
        kind = ("all" if name == "all" else "quarter" if "-Q" in name
                else "month" if "-" in name else "year")
        period_pages[kind] = rel(p)          # the latest of each kind
    # the boards by type and by category (分类选登) and a monthly page of one
    boards = sorted((site / "letters" / "categories").glob("*/index.html"))
    board_months = sorted((site / "letters" / "types").glob("*/20*/*/index.html"))
    pages = ["/", "/letters/", "/letters/archive/", rel(months[0]), rel(months[-1]),
             rel(boards[0]), "/letters/types/complaint/", rel(board_months[-1]),
             "/letters/types/", "/letters/categories/",
             f"/letters/{letter.name}/", "/departments/",
             # every department: their figures differ in width (long names, rates)
             *[rel(p) for p in sorted((site / "departments").glob("*/index.html"))],
             "/league/", *period_pages.values(), "/exposure/",
             "/consultations/", *topic_of_each_kind(),
             "/notices/", *[rel(p) for p in notices], "/track/", "/write/", "/search/", "/404.html",
             "/no-such-page/",
             "/hot/", *[rel(p) for p in sorted((site / "hot").glob("*/index.html"))]]
    assert len(period_pages) == 4 and len(notices) >= 1
    return pages + ["/en" + p for p in pages]


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 844}, locale="zh-CN")
    page = at_server_time(context.new_page())
    yield page
    context.close()


def test_no_page_is_wider_than_a_phone(server, phone):
    pages = every_page_kind(server.data / "site")
    assert len(pages) > 60
    too_wide = []
    for path in pages:
        response = phone.goto(server.base + path)
        assert response is not None and response.status in (200, 404), path
        got = phone.evaluate(OVERFLOW_SCAN)
        assert got["width"] == WIDTH
        if got["scrollWidth"] > WIDTH or got["past"]:
            too_wide.append(f"{path}: {got['scrollWidth']} px wide; {', '.join(got['past'])}")
    assert not too_wide, "\n".join(too_wide)


# What each table is read for, which a phone must show without scrolling the table sideways:
# a department's figures (every value, also month by month), the consultations (title,
# departments, dates) and the exposure board's entries (the subject of each late letter).
ON_SCREEN = """sel => {
  const W = document.documentElement.clientWidth, cells = [...document.querySelectorAll(sel)];
  const off = cells.filter(c => {
    const r = c.getBoundingClientRect(), box = c.closest('.scroll');
    return r.left < 0 || r.right > W || (box && box.scrollWidth > box.clientWidth);
  }).map(c => c.textContent.trim().slice(0, 30));
  const narrowest = Math.min(...cells.map(c => c.getBoundingClientRect().width));
  return {count: cells.length, off: off.slice(0, 5), narrowest: narrowest / W};
}"""


@pytest.mark.parametrize("lang", ["", "/en"])
@pytest.mark.parametrize("path, cells, share", [
    ("/departments/housing/", "table.figures td", 0),
    ("/departments/education/", "table.figures td", 0),
    ("/departments/housing/", "figure.trend + .scroll td", 0),      # month by month
    # stacked on a phone: a title, its departments and its dates get the whole line
    ("/consultations/", "table.topics th[scope=row], table.topics td.l", 0.8),
    ("/exposure/", "table.exposure td.l", 0.8),
])
def test_tables_show_what_they_are_for_on_a_phone(server, phone, lang, path, cells, share):
    phone.goto(server.base + lang + path)
    got = phone.evaluate(ON_SCREEN, cells)
    assert got["count"] >= 3
    assert got["off"] == []
    assert got["narrowest"] >= share


def test_the_league_table_keeps_its_department_column_in_view(server, phone):
    """The league table has 20 columns: it scrolls in its box, the departments stay put."""
    phone.goto(server.base + "/en/league/")
    box = phone.locator(".scroll").first
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    names = box.locator("tbody th[scope=row]")
    assert names.count() >= 5
    for i in range(names.count()):
        r = names.nth(i).bounding_box()
        assert r and r["x"] >= 0 and r["x"] + r["width"] <= WIDTH / 2
    assert box.evaluate("b => b.scrollLeft") > 0


@pytest.mark.parametrize("lang", ["", "/en"])
def test_the_write_buttons_keep_clear_of_the_privacy_note_and_the_footer(server, phone, lang):
    phone.goto(server.base + lang + "/write/")
    note = phone.locator("#w-privacy").bounding_box()
    button = phone.locator("#w-submit").bounding_box()
    footer = phone.locator(".site-footer").bounding_box()
    assert note and button and footer
    assert button["y"] - (note["y"] + note["height"]) >= 12      # not touching: a clear gap
    assert footer["y"] - (button["y"] + button["height"]) >= 16
