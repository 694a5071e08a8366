"""The site's two languages: zh-CN (the default, at `/`) and English (the same paths under `/en/`).

Every page template is rendered once per language from the same data; the template picks its
words with `t(zh, en)` and the helpers below, which are deterministic (no locale, no gettext):
English dates stay ISO (`2026-11-23`), months are spelt out from a fixed table. Labels of
states, types and scores come from `chalicelib.domain.letters.LABELS`; department names from
`content/departments.yaml` (`name_en`). What citizens and departments wrote is never translated:
English pages show it as written, marked `lang="zh-CN"`.
"""
from __future__ import annotations

LANGS: tuple[str, ...] = ("zh", "en")          # zh first: the default language of the site
HTML_LANG: dict[str, str] = {"zh": "zh-CN", "en": "en"}
PREFIX: dict[str, str] = {"zh": "", "en": "/en"}
LANG_NAMES: dict[str, str] = {"zh": "中文", "en": "English"}

# (path, zh, en, section): the main navigation
NAV: tuple[tuple[str, str, str, str], ...] = (
    ("/", "首页", "Home", "home"),
    ("/letters/", "来信选登", "Letters", "letters"),
    ("/write/", "写信", "Write", "write"),
    ("/track/", "查询", "Track", "track"),
    ("/consultations/", "征集", "Consultations", "consultations"),
    ("/league/", "排行榜", "League table", "league"),
    ("/exposure/", "曝光台", "Exposure board", "exposure"),
    ("/departments/", "部门", "Departments", "departments"),
    ("/leaders/", "领导信箱", "Leaders", "leaders"),
    ("/notices/", "公告", "Notices", "notices"),
)

MONTHS_EN: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July",
                              "August", "September", "October", "November", "December")

# The seven top-level categories of the letter data (publisher.content.CATEGORIES) in English.
CATEGORIES_EN: dict[str, str] = {
    "城乡建设": "Urban and rural development",
    "劳动和社会保障": "Labour and social security",
    "教育文体": "Education, culture and sport",
    "商贸旅游": "Commerce and tourism",
    "环境保护": "Environmental protection",
    "卫生计生": "Health and family planning",
    "交通运输": "Transport",
}

# (name zh, formula zh, name en, formula en): the rates printed under every league table; the
# score's formula follows them there, with the weights of content/site.yaml
FORMULAS: tuple[tuple[str, str, str, str], ...] = (
    ("有效件数", "受理件数 − 不予受理件数（无效来信和重复件）；"
                 "重复件：作为另一封来信的重复件不予受理的件数",
     "Valid letters", "letters received − letters not accepted (invalid and duplicate letters); "
                      "duplicates: letters not accepted as a repeat of another letter"),
    ("答复率", "已答复件数 ÷ 办理件数（受理件数 − 退回转办件数 − 不予受理件数）",
     "Reply rate", "letters replied to ÷ letters handled (received − sent back for "
                   "re-dispatch − not accepted)"),
    ("按时答复率", "在期限内答复的件数 ÷ 已答复件数",
     "On-time reply rate", "letters replied to within the deadline ÷ letters replied to"),
    ("按时签收率", "在期限内签收的件数 ÷ 已签收件数",
     "On-time signing rate", "letters signed for within the deadline ÷ letters signed for"),
    ("延期申请率", "申请延期次数 ÷ 办理件数",
     "Extension rate", "extension requests ÷ letters handled"),
    ("退回率（误签收）", "退回重新转办件数 ÷ 受理件数",
     "Sent-back rate (wrong sign-ins)", "letters sent back for re-dispatch ÷ letters received"),
    ("重办率（误办结）", "被要求重办次数 ÷ 已答复件数",
     "Re-do rate (wrongly closed)", "re-dos ordered ÷ letters replied to"),
    ("满意率", "(满意 + 基本满意) ÷ 评价件数",
     "Satisfaction rate", "(satisfied + basically satisfied) ÷ ratings"),
    ("完全满意率（实质性办结）", "满意 ÷ 评价件数",
     "Fully satisfied rate (real resolution)", "satisfied ÷ ratings"),
    ("不满意率（对答复的投诉）", "不满意 ÷ 评价件数",
     "Unsatisfied rate (complaints about replies)", "unsatisfied ÷ ratings"),
)


def t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def url(path: str, lang: str) -> str:
    """A site path ("/letters/x/") in a language ("/en/letters/x/")."""
    return PREFIX[lang] + path if isinstance(path, str) and path.startswith("/") else path


def out_path(path: str, lang: str) -> str:
    """A file of the site ("letters/x/index.html") in a language ("en/letters/x/index.html")."""
    return "en/" + path if lang == "en" else path


def other(lang: str) -> str:
    return "zh" if lang == "en" else "en"


def month_label(month: str, lang: str = "zh") -> str:
    year, mm = month.split("-")
    if lang == "en":
        return f"{MONTHS_EN[int(mm) - 1]} {year}"
    return f"{year}年{int(mm)}月"


def period_label(period: str, lang: str = "zh") -> str:
    """`all`, `2026`, `2026-Q4` or `2026-11` as people say it."""
    if period == "all":
        return t(lang, "累计", "All time")
    if len(period) == 4:
        return t(lang, f"{period}年", period)
    year, part = period.split("-")
    if part.startswith("Q"):
        return t(lang, f"{year}年第{part[1]}季度", f"Q{part[1]} {year}")
    return month_label(period, lang)


def category_en(category: str | None) -> str | None:
    """The English name of a known letter category, else None (shown in Chinese)."""
    return CATEGORIES_EN.get(category or "")
