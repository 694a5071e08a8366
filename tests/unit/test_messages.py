"""The message catalogue (domain/messages.py): every refusal's code and wording in one table."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from chalicelib.domain import errors
from chalicelib.domain.messages import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "chalicelib"
_spec = importlib.util.spec_from_file_location("catalogue_check",
                                               ROOT / "scripts" / "dev" / "catalogue_check.py")
catalogue_check = importlib.util.module_from_spec(_spec)
sys.modules["catalogue_check"] = catalogue_check
_spec.loader.exec_module(catalogue_check)


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_chinese_and_english(key):
    entry = MESSAGES[key]
    assert entry.zh.strip() and entry.en.strip(), key
    assert re.search(r"[\u4e00-\u9fff]", entry.zh), f"{key}: zh is not Chinese"
    assert not re.search(r"[\u4e00-\u9fff]", entry.en), f"{key}: en holds Chinese"


def test_codes_and_keys_are_snake_case():
    snake = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
    for key, entry in MESSAGES.items():
        assert snake.match(key), key
        assert snake.match(entry.code), (key, entry.code)


def test_no_two_keys_share_their_text():
    seen: dict[tuple[str, str], str] = {}
    for key, entry in MESSAGES.items():
        assert (entry.zh, entry.en) not in seen, (key, seen.get((entry.zh, entry.en)))
        seen[(entry.zh, entry.en)] = key


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")
                     if p.name != "messages.py")


def test_every_key_is_used():
    """A key is used when the code names it."""
    source = _sources()
    unused = [key for key in MESSAGES if f'"{key}"' not in source and f"'{key}'" not in source]
    assert not unused


def test_no_raise_site_carries_inline_text(capsys):
    left = [f"{s.path.relative_to(PACKAGE)}:{s.line}" for s in catalogue_check.inline_sites()]
    assert not left
    assert catalogue_check.main(["--strict"]) == 0


def test_an_error_built_from_a_key_has_its_code_texts_and_field():
    err = errors.Invalid("text_too_long", field="body", label="内容", max_len=10, length=12)
    assert (err.code, err.field, err.key) == ("too_long", "body", "text_too_long")
    assert err.message == "内容不能超过 10 个字（现为 12 个字）"
    assert err.message_en == "body must be at most 10 characters (it has 12)"
    assert errors.NotFound("topic_not_found").code == "not_found"
    assert errors.ConcurrentUpdate(field="version").code == "concurrent_update"


def test_an_unknown_key_is_a_bug_not_a_message():
    with pytest.raises(KeyError):
        errors.Invalid("no_such_message_key")


def test_the_inline_form_is_gone():
    with pytest.raises(TypeError):
        errors.Invalid("请填写理由", "A reason is required", field="reason", code="empty")


def test_a_prefixed_error_keeps_its_class_code_and_key():
    err = errors.Invalid("reason_required", field="reason")
    again = errors.prefixed(err, "outcome_item_prefix", field="items[2].reason", n=3,
                            where="items[2]")
    assert type(again) is errors.Invalid
    assert (again.code, again.key, again.field) == ("empty", "reason_required", "items[2].reason")
    assert again.message == "第 3 条：请填写理由"
    assert again.message_en == "items[2]: A reason is required"
    assert (err.message, err.field) == ("请填写理由", "reason")
