"""The pinyin readings of Chinese characters (pypinyin), for the domain's masking of names:
`privacy` asks for `romanize("王小明")` and gets each character's readings, so it can also mask
Wang Xiaoming / wangxiaoming. The composition root installs it (`privacy.use_romanizer`).

pypinyin is imported on first use (~0.4 s): a dependency of the function, never optional —
without it the pinyin forms of a name would be published.
"""
from __future__ import annotations


def romanize(chars: str) -> list[list[str]]:
    """Each character's readings without tones (heteronyms too); a character with no reading
    gives no entry."""
    from pypinyin import Style, pinyin

    return pinyin(chars, style=Style.NORMAL, heteronym=True, errors="ignore")
