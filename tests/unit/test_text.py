"""Citizen text cleaning (invariant 3): invisible characters out, markup kept as plain text."""
from __future__ import annotations

import pytest

from chalicelib.domain.errors import Invalid
from chalicelib.domain.text import clean, clean_line, excerpt, paragraphs

# A real subject and body opening from shared/data/citizen-letters/sample_messages.csv (id 185979).
REAL_SUBJECT = "A市楚府东路没有地下通道或斑马线，过马路危险"
REAL_BODY = "你好，我是住在楚府东路二段的，这边住户很多，可这边没有可以过马路的地方"


def c(text: str, max_len: int = 1000) -> str:
    return clean(text, max_len=max_len, field="body")


def cl(text: str, max_len: int = 100) -> str:
    return clean_line(text, max_len=max_len, field="subject")


# --- clean ----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    (REAL_BODY, REAL_BODY),
    ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
    ("a\tb", "a b"),
    ("响\x00铃\x07退\x08格\x1b[31m红\x7f\x9b", "响铃退格[31m红"),           # C0, DEL, C1
    ("行尾空格   \n下一行\u3000", "行尾空格\n下一行"),
    ("　　首行缩进\n　　第二段缩进", "首行缩进\n　　第二段缩进"),             # leading kept inside
    ("一\n\n\n\n\n二", "一\n\n二"),
    ("一\n \n\t\n  \n二", "一\n\n二"),                                     # whitespace-only lines
    ("一\n\n二", "一\n\n二"),
    ("\n\n  正文  \n\n", "正文"),
    ("零\u200b宽\u200c字\u200d符\ufeff", "零宽字符"),
    ("\u202eevil\u202c and \u2066iso\u2069 \u200emark\u200f", "evil and iso mark"),
    ("\u2060joiner\u061c", "joiner"),
    ("e\u0301", "\u00e9"),                                                  # NFC
    ("行\u2028分\u2029段", "行\n分\n段"),
    ("bad\ud800surrogate", "badsurrogate"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),           # escaped at output
    ("<A市新图> & \"引号\" 'x' a<b", "<A市新图> & \"引号\" 'x' a<b"),
    ("**不是** [Markdown](javascript:alert(1))", "**不是** [Markdown](javascript:alert(1))"),
    ("表情😀👍🏽", "表情😀👍🏽"),
])
def test_clean(raw, cleaned):
    assert c(raw) == cleaned


@pytest.mark.parametrize("raw", ["", "   ", "\n\n\t", "\u200b\u200d\ufeff", "\x00\x01",
                                 "\u3000\u202e"])
def test_text_that_is_empty_after_cleaning_is_invalid(raw):
    with pytest.raises(Invalid) as err:
        clean(raw, max_len=10, field="body")
    assert (err.value.code, err.value.field, err.value.status) == ("empty", "body", 400)


def test_too_long_text_is_invalid_and_names_field_and_limit():
    with pytest.raises(Invalid) as err:
        clean("字" * 11, max_len=10, field="body")
    assert (err.value.code, err.value.field) == ("too_long", "body")
    assert "10" in err.value.message and "10" in err.value.message_en


@pytest.mark.parametrize("raw", [
    "字" * 10,
    "字" * 10 + "\u200b" * 50,           # invisible characters do not count
    "  " + "字" * 10 + "\n\n\n",
])
def test_the_limit_counts_cleaned_characters(raw):
    assert c(raw, max_len=10) == "字" * 10


def test_clean_is_idempotent():
    raw = "　　一\r\n\r\n\r\n二\u202e  \t\n三\x00"
    assert c(c(raw)) == c(raw)


# --- clean_line -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, cleaned", [
    (REAL_SUBJECT, REAL_SUBJECT),
    ("  多行\n主题\r\n标题 ", "多行 主题 标题"),
    ("a \t\u3000  b", "a b"),
    ("王\u200b小明", "王小明"),
    ("\u202e名字", "名字"),
    ("<b>主题</b>", "<b>主题</b>"),
])
def test_clean_line(raw, cleaned):
    assert cl(raw) == cleaned


@pytest.mark.parametrize("raw, max_len, code", [
    ("", 10, "empty"),
    ("\n \n", 10, "empty"),
    ("\u200b", 10, "empty"),
    ("一二三四五六", 5, "too_long"),
])
def test_clean_line_errors_carry_code_and_field(raw, max_len, code):
    with pytest.raises(Invalid) as err:
        clean_line(raw, max_len=max_len, field="subject")
    assert (err.value.code, err.value.field) == (code, "subject")


# --- paragraphs -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("", []),
    ("\n\n", []),
    ("一段", ["一段"]),
    ("第一段\n\n第二段", ["第一段", "第二段"]),
    ("第一行\n第二行\n\n第二段", ["第一行\n第二行", "第二段"]),
    ("一\n\n\n\n二", ["一", "二"]),
    ("一\n   \n二", ["一", "二"]),
    ("一\r\n\r\n二", ["一", "二"]),
    ("　　一段  \n\n　　二段", ["一段", "二段"]),
    ("<script>x</script>\n\n&amp;", ["<script>x</script>", "&amp;"]),  # no HTML made or removed
])
def test_paragraphs(text, expected):
    assert paragraphs(text) == expected


def test_paragraphs_of_cleaned_text_rejoin_to_it():
    text = c("甲\n乙\n\n\n丙\n\n丁")
    assert "\n\n".join(paragraphs(text)) == text


# --- excerpt --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, n, expected", [
    ("短文本", 10, "短文本"),
    ("正好五个字", 5, "正好五个字"),
    ("六个字的文本", 5, "六个字的文…"),
    ("第一行\n第二行", 20, "第一行 第二行"),
    ("abc   def ghi", 4, "abc…"),                              # no space before the ellipsis
    ("ab😀cd", 3, "ab😀…"),
    ("abe\u0301cd", 3, "ab…"),                          # NFD: e + combining acute kept whole
    ("ab👍🏽cd", 3, "ab…"),                                      # skin-tone modifier kept whole
    ("ab🇨🇳🇭🇰", 3, "ab…"),                                     # never half a flag
    ("ab🇨🇳🇭🇰", 4, "ab🇨🇳…"),
    ("ab🇨🇳🇭🇰", 5, "ab🇨🇳…"),
    ("ab👨\u200d👩\u200d👧xyz", 4, "ab…"),                      # joiner sequence kept whole
    ("👍🏽xyz", 1, "👍🏽…"),                                      # one cluster longer than n
    (REAL_BODY, 10, REAL_BODY[:10] + "…"),
])
def test_excerpt(text, n, expected):
    assert excerpt(text, n) == expected


def test_excerpt_needs_a_positive_length():
    with pytest.raises(ValueError):
        excerpt("文本", 0)
