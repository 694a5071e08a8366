"""A request body read as JSON the way every route needs it: bounded in size and depth, text that
can be stored, numbers that are numbers. Whatever a client sends, the answer is a value or an
`Invalid`/`TooLarge` (a 4xx), never an exception from deep inside the parser or a store.

What is refused, each with its own code:

- more than `MAX_BODY_BYTES`, or bytes that are not UTF-8 → `too_large`, `invalid_json`;
- JSON nested more than `MAX_DEPTH` arrays or objects deep (a 30,000-deep array would exhaust
  the parser's stack) → `too_deep`;
- integers of more than `MAX_INT_DIGITS` digits (Python refuses to convert 4,300+ digits, and
  no field needs more than a few), `NaN`, `Infinity` and floats too large to be finite
  → `invalid_number`;
- strings (keys included) holding a lone UTF-16 surrogate such as "\\ud800", which JSON allows
  but no UTF-8 text can hold, and NUL characters → `invalid_text`.
"""
from __future__ import annotations

import json
import math
from typing import Any

from ..domain.errors import Invalid, TooLarge

MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 20
MAX_INT_DIGITS = 30


def _int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise Invalid("number_too_long")
    return int(digits)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise Invalid("number_out_of_range")
    return value


def _constant(name: str) -> Any:
    raise Invalid("number_not_finite")


def _depth_ok(raw: str) -> bool:
    """Nesting of arrays and objects, counted outside strings, at most MAX_DEPTH."""
    depth = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _check_text(value: Any) -> None:
    """Every string in the parsed value (keys too) is storable text; walks without recursion."""
    stack = [(value, None)]
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            _storable(item, field)
        elif isinstance(item, dict):
            for key, v in item.items():
                _storable(key, None)      # a bad key cannot name the field
                stack.append((v, field or key))
        elif isinstance(item, list):
            stack.extend((v, field) for v in item)


def _storable(text: str, field: str | None) -> None:
    if "\x00" in text:
        raise Invalid("text_nul", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("text_lone_surrogate", field=field) from None


def parse(raw: bytes | str | None) -> Any:
    """The JSON value of a request body; an empty body is `{}`."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid("body_not_utf8") from None
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge("body_too_large", kb=MAX_BODY_BYTES // 1024)
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("body_not_utf8") from None
    if not _depth_ok(text):
        raise Invalid("body_too_deep", depth=MAX_DEPTH)
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise Invalid("body_not_json") from None
    _check_text(value)
    return value
