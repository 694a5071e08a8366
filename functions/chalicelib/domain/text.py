"""Citizen text in, plain text stored: invariant 3 of DESIGN.md ("citizen text is inert").

We never turn a submission into markup. A letter is stored as plain text and every template
escapes it on output (Jinja autoescape in the site and the console), so this module does not
strip or sanitise HTML: "<script>alert(1)</script>" is kept as those literal characters and is
shown as text. Removing tags here would alter what the citizen wrote (a "<A市新图>" quotation,
"a<b") and still leave the output layer as the one place that makes text safe.

What cleaning does remove is what a reader cannot see but a browser or a terminal acts on:
control characters, zero-width characters and bidirectional overrides (the "Trojan Source"
trick that shows a reply or a name in a different order from the stored one), plus lone
surrogates, which cannot be encoded as UTF-8 and would fail the page that shows them.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .errors import Invalid

ELLIPSIS = "…"

# Zero-width and bidi characters (U+200B–200F, U+202A–202E, U+2066–2069, U+FEFF), plus the
# word joiner and invisible operators (U+2060–2064) and the Arabic letter mark (U+061C), which
# do the same job.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c]")
_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029\x0b\x0c]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")
_WHITESPACE = re.compile(r"\s+")


def is_choice(value: object, choices: Iterable[str]) -> bool:
    """Whether a client's value is one of `choices` (an enum's names): text, and listed. An
    object or an array where a choice is expected is simply not one (never a TypeError)."""
    return isinstance(value, str) and value in choices


def clean(text: str, *, max_len: int, field: str, label: str | None = None) -> str:
    """Multi-line citizen text as stored: normalised, invisible characters removed, checked.
    Errors name the field by `label` (its Chinese name, e.g. "主题") and by `field` in English."""
    text = _normalise(text)
    text = _TRAILING_SPACE.sub("", text)
    # Three or more line breaks (two or more blank lines) become one blank line: the
    # paragraph break, which is all the structure a letter keeps.
    text = _BLANK_RUN.sub("\n\n", text).strip()
    return _checked(text, max_len=max_len, field=field, label=label)


def clean_line(text: str, *, max_len: int, field: str, label: str | None = None) -> str:
    """A one-line field (subject, name): as `clean`, with all whitespace runs made one space."""
    text = _WHITESPACE.sub(" ", _normalise(text)).strip()
    return _checked(text, max_len=max_len, field=field, label=label)


def paragraphs(text: str) -> list[str]:
    """Paragraphs split on blank lines; a single line break stays inside as "\\n" (rendered
    <br>)."""
    result: list[str] = []
    lines: list[str] = []
    for line in _LINE_BREAKS.sub("\n", text).split("\n"):
        if line.strip():
            lines.append(line.rstrip())
        elif lines:
            result.append("\n".join(lines).strip())
            lines = []
    if lines:
        result.append("\n".join(lines).strip())
    return result


def excerpt(text: str, n: int) -> str:
    """The first `n` characters on one line, with "…" if anything was cut (lists and feeds).

    Line breaks and whitespace runs become one space. The cut never splits a base character
    from its combining marks, an emoji from its modifier or joiner, or a flag's two halves.
    """
    if n < 1:
        raise ValueError("excerpt length must be at least 1")
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= n:
        return text
    cut = n
    while cut > 0 and _joins_previous(text, cut):
        cut -= 1
    if cut == 0:  # one cluster longer than n: cut after it rather than return nothing
        cut = n
        while cut < len(text) and _joins_previous(text, cut):
            cut += 1
    return text[:cut].rstrip() + ELLIPSIS


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    text = _INVISIBLE.sub("", text)
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs"))


def _checked(text: str, *, max_len: int, field: str, label: str | None) -> str:
    zh = label or field
    if not text:
        raise Invalid("text_empty", field=field, label=zh)
    if len(text) > max_len:
        raise Invalid("text_too_long", field=field, label=zh, max_len=max_len, length=len(text))
    return text


def _joins_previous(text: str, i: int) -> bool:
    """Whether cutting before text[i] would split a user-perceived character."""
    ch, prev = text[i], text[i - 1]
    if unicodedata.category(ch) in ("Mn", "Mc", "Me"):
        return True
    cp = ord(ch)
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x1F3FB <= cp <= 0x1F3FF:
        return True  # variation selectors, skin-tone modifiers
    if ch == "\u200d" or prev == "\u200d" or 0xE0020 <= cp <= 0xE007F:
        return True  # zero-width joiner sequences, tag sequences (subdivision flags)
    if _regional(ch) and _regional(prev):
        run = 0
        j = i - 1
        while j >= 0 and _regional(text[j]):
            run += 1
            j -= 1
        return run % 2 == 1  # an odd number before i means text[i] completes a flag
    return False


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF
