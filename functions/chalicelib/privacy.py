"""The public version of citizen text: contact details out, the writer's name masked.

Invariant 2 of DESIGN.md ("nothing private is published") rests on this module. The rule comes
from 《中华人民共和国个人信息保护法》(2021): an ID-card number or a bank account identifies a
person and financial accounts are sensitive personal information (第二十八条), so they may not
be made public without separate consent; and from the message boards' "分类选登" practice: the
office selects and publishes letters and replies, but the writer's contact details are never
published and the writer's name appears masked (王**).

What is redacted, anywhere in a subject, body or reply:

- mobile numbers (1[3-9]x, 11 digits; +86/0086/86 prefix; spaces or dashes inside),
- landlines with an area code (0731-84567890, (0731)84567890, 010 8765 4321, extension
  allowed) and 7–8 digit local numbers written after 电话/座机/联系方式/Tel…,
- ID-card numbers (18 digits, last may be X; old 15-digit numbers with a valid birth date),
- bank-card numbers (16–19 digits, also in groups of four),
- e-mail addresses, and QQ / WeChat ids written after their keyword (contact details too),
- the names passed in (the writer's own), replaced by their masked form.

Department hotlines in replies are redacted as well: telling a public number from a private
one is not something a pattern can do, and the site shows the department instead.

Clearly non-personal numbers stay: dates (2019-12-05, 20191205), amounts, document numbers
(〔2019〕12号), house numbers (12栋3单元), postcodes, the organisers' masks (0000-00000000).
Full-width digits and punctuation (１３８…, ＠, －) are matched as their ASCII forms; the
replacement keeps the rest of the text exactly as written.

The placeholders contain no digits, so redaction is idempotent, and `find_personal_data` of a
redacted text is empty (the site-wide scan test relies on both).
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator

ANONYMOUS = "匿名"

PLACEHOLDERS = {
    "phone": "[电话已隐去]",
    "id_number": "[身份证号已隐去]",
    "email": "[邮箱已隐去]",
    "bank_card": "[卡号已隐去]",
    "contact": "[联系方式已隐去]",
}

# One character in, one character out, so a match in the normalised text has the same span in
# the original: full-width ASCII (U+FF01–FF5E), the ideographic and no-break spaces, and the
# dashes people type between digit groups.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x202F: 0x20})
_FOLD.update({cp: ord("-") for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212)})

_SEP = r"(?:\s?-\s?|\s)?"  # between digit groups: "138 1234", "138-1234", "0736- 7898402"
_NOT_MONEY = r"(?!\s?(?:元|块|万|亿|美元|人民币|RMB|rmb))"
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"

# Order is priority: an e-mail like 13812345678@139.com is one e-mail, an ID is not a card.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # Possessive and anchored at the start of a run, so a long run without "@" costs linear time.
    ("email", re.compile(
        r"(?<![A-Za-z0-9*._%+-])[A-Za-z0-9*._%+-]++@(?:[A-Za-z0-9-]++\.)++[A-Za-z]{2,}")),
    ("id_number", re.compile(
        rf"(?<!\d)[1-9]\d{{5}}{_SEP}(?:18|19|20)\d{{2}}{_DATE}{_SEP}\d{{3}}[\dXx](?![\dXx])"
        r"|(?<!\d)\d{17}[Xx](?![\dXx])"
        rf"|(?<![\d.])[1-9]\d{{7}}{_DATE}\d{{3}}(?![\d.])")),  # 15 digits: 6 region, YYMMDD, 3
    ("bank_card", re.compile(
        rf"(?<![\d.])\d{{16,19}}(?![\d.]){_NOT_MONEY}"
        # in groups of four, but not one of a row of four-digit figures ("1867 2041 1648 …")
        rf"|(?<![\d.])(?<!\d[ -])\d{{4}}(?:[ -]\d{{4}}){{3}}(?:[ -]?\d{{1,3}})?(?![ -]?[\d.])"
        rf"{_NOT_MONEY}")),
    ("phone", re.compile(
        # mobile, optionally with country code
        rf"(?<![\d.¥￥$])(?:\(?(?:\+|00)?86\)?{_SEP})?1[3-9]\d{_SEP}\d{{4}}{_SEP}\d{{4}}(?!\d)"
        rf"{_NOT_MONEY}"
        # landline with area code: 0731-84567890, (0731)84567890, +86 731 84567890, ext.
        rf"|(?<![\d.¥￥$])(?:\(?(?:\+|00)86\)?{_SEP}\(?0?|\(0|0)[1-9]\d{{1,2}}\)?{_SEP}"
        rf"[2-9]\d{{2,3}}{_SEP}\d{{4}}(?:\s?(?:-|转|ext\.?)\s?\d{{1,5}})?(?!\d){_NOT_MONEY}")),
]

# Local numbers (no area code) are only taken where the text says they are a phone number:
# a bare 8-digit number is as likely a date or an amount.
_PHONE_WORDS = re.compile(
    r"(?:电话|座机|手机|联系方式|联系号码|致电|拨打|tel|phone)[\s:：是为即号码（(]{0,6}",
    re.IGNORECASE)
_LOCAL_RUN = re.compile(
    r"(?<!\d)[2-9]\d{2,3}-?\d{4}(?!\d)"
    r"(?:\s?(?:或者|[、,，/或和及;；])\s?[2-9]\d{2,3}-?\d{4}(?!\d))*")  # "电话：8805667、8805670"
_LOCAL_ONE = re.compile(r"[2-9]\d{2,3}-?\d{4}")

_CONTACT = re.compile(
    r"(?:QQ|扣扣)(?:号码?)?[\s:：是为]{0,4}(?P<qq>[1-9]\d{4,11})(?!\d)"
    r"|(?:微信|wechat|weixin)(?:号)?[\s:：是为]{0,4}(?P<wx>[A-Za-z][A-Za-z0-9_-]{5,19})(?![A-Za-z0-9_-])",
    re.IGNORECASE)

_CJK = re.compile(r"[\u2E80-\u9FFF\uF900-\uFAFF\U00020000-\U0003FFFF]")


def mask_name(name: str | None) -> str:
    """The writer's name as published: 王小明 → 王**, John Smith → J***, nothing → 匿名.

    A Chinese name keeps its first character (usually the surname) and shows one * per
    remaining character; a one-character name becomes 王* so the public form never equals
    the full name. Other names keep the first letter and a fixed *** (the length of a Latin
    name says more than its character count). An empty name is published as 匿名 rather than
    "" so every public letter shows who wrote it in the same place.
    """
    if name is None:
        return ANONYMOUS
    name = unicodedata.normalize("NFC", " ".join(name.split()))
    if not name:
        return ANONYMOUS
    if _CJK.match(name):
        compact = name.replace(" ", "")
        return compact[0] + "*" * max(len(compact) - 1, 1)
    return name[0] + "***"


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """Every (kind, text as written) a publication must not contain, in order of position."""
    return [(kind, text[start:end]) for start, end, kind, _ in _find(text.translate(_FOLD))]


def redact(text: str, *, names: Iterable[str] = ()) -> str:
    """The public version of `text`: personal data replaced by placeholders, `names` masked."""
    folded = text.translate(_FOLD)
    found = _find(folded)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        if len(name) < 2:  # one character would mask every 王 in the letter
            continue
        masked = mask_name(name)
        for m in _name_pattern(name.translate(_FOLD)).finditer(folded):
            found.add(m.start(), m.end(), "name", masked)
    pieces: list[str] = []
    at = 0
    for start, end, _, replacement in found:
        pieces += [text[at:start], replacement]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


class _Spans:
    """Sorted, non-overlapping (start, end, kind, replacement); the first added for a place wins."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._items: list[tuple[int, int, str, str]] = []

    def add(self, start: int, end: int, kind: str, replacement: str = "") -> None:
        i = bisect.bisect_right(self._starts, start)
        if i > 0 and self._items[i - 1][1] > start:
            return
        if i < len(self._items) and self._items[i][0] < end:
            return
        self._starts.insert(i, start)
        self._items.insert(i, (start, end, kind, replacement or PLACEHOLDERS[kind]))

    def __iter__(self) -> Iterator[tuple[int, int, str, str]]:
        return iter(self._items)


def _find(folded: str) -> _Spans:
    """Personal data in the folded text; earlier patterns win overlaps."""
    found = _Spans()
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            found.add(m.start(), m.end(), kind)
    for m in _CONTACT.finditer(folded):
        group = "qq" if m.group("qq") else "wx"
        found.add(m.start(group), m.end(group), "contact")
    for word in _PHONE_WORDS.finditer(folded):
        run = _LOCAL_RUN.match(folded, word.end())
        if run:
            for one in _LOCAL_ONE.finditer(folded, run.start(), run.end()):
                found.add(one.start(), one.end(), "phone")
    return found


def _name_pattern(name: str) -> re.Pattern[str]:
    if _CJK.match(name):
        return re.compile(re.escape(name))  # Chinese has no word boundaries to respect
    words = r"\s+".join(map(re.escape, name.split()))
    return re.compile(rf"(?<![A-Za-z]){words}(?![A-Za-z])", re.IGNORECASE)
