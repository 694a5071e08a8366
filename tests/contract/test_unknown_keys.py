"""Keys a client makes up (path parameters, tracking codes, usernames) are looked up safely on
both stores: a key of any length or alphabet is simply not found. DynamoDB refuses keys over
2,048 bytes with a ValidationException, which must not become a 500 or a 503."""
from __future__ import annotations

import pytest

ODD_KEYS = ["x" * 5000, "字" * 1000, "a/b#c", " ", "WZ" + "9" * 3000, "\u00e9\u0301"]


@pytest.mark.parametrize("key", ODD_KEYS, ids=range(len(ODD_KEYS)))
def test_made_up_keys_are_not_found(store, key):
    assert store.get_letter(key) is None
    assert store.get_account(key) is None
    assert store.get_topic(key) is None
    assert store.get_comment(key) is None
    with store.unit_of_work() as uow:
        assert uow.get_letter(key) is None
        assert uow.get_letter_by_code(key) is None
        assert uow.idempotent_answer("letters", key) is None
