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

# files other engineers are rewriting (issue 12): their raise sites still carry inline text,
# each of which must already have its catalogue entry, so converting them is a mechanical edit
NOT_YET_CONVERTED = {"services/letters.py", "services/topics.py", "services/supervision.py",
                     "api/letters.py", "api/topics.py"}


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
    """A key is used when the code names it, or (until those files are converted) when a raise
    site in a file another engineer owns carries its very text."""
    source = _sources()
    pending = {site.key for site in catalogue_check.inline_sites()}
    unused = [key for key in MESSAGES
              if f'"{key}"' not in source and f"'{key}'" not in source and key not in pending]
    assert not unused


def test_every_inline_message_has_an_entry():
    missing = [f"{s.path.relative_to(ROOT)}:{s.line}" for s in catalogue_check.inline_sites()
               if s.key is None]
    assert not missing


def test_converted_files_carry_no_inline_text():
    left = [f"{s.path.relative_to(PACKAGE)}:{s.line}" for s in catalogue_check.inline_sites()
            if str(s.path.relative_to(PACKAGE)) not in NOT_YET_CONVERTED]
    assert not left


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


def test_the_inline_form_still_works():
    err = errors.Invalid("请填写理由", "A reason is required", field="reason", code="empty")
    assert (err.code, err.message, err.message_en, err.key) == (
        "empty", "请填写理由", "A reason is required", None)
