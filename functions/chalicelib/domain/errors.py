"""Domain errors: each carries a stable snake_case code, a field and a message in Chinese and
English.

An error is built from a key of the message catalogue (`messages.py`), which gives its code and
both texts: `NotFound("topic_not_found")`, `Invalid("text_empty", field="body", label="内容")`
(`field` is also a placeholder: "{field} must not be empty"). No raise site carries its text
inline (`scripts/dev/catalogue_check.py --strict`, run by tests/unit/test_messages.py). A refusal
about one part of a larger body is `prefixed` with a catalogued prefix ("第 3 条：…").

The HTTP layer maps the class to a status (API.md) and builds the error body in one place
(`error_body`); nothing else formats errors.
"""
from __future__ import annotations

from typing import Any, TypeVar

from .messages import message as _message


class DomainError(Exception):
    """Base of every error a client can cause; never a 5xx."""

    status = 400
    code = "invalid"

    def __init__(self, key: str, *, field: str | None = None, **params: Any) -> None:
        """The catalogue's message `key` (its code and both texts), placeholders in `params`."""
        code, message, message_en = _message(key, field=field, **params)
        super().__init__(message_en)
        #: the catalogue key the error was built from
        self.key = key
        self.message = message
        self.message_en = message_en
        self.field = field
        self.code = code


class Invalid(DomainError):
    status = 400
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "not_logged_in"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ConcurrentUpdate(Conflict):
    """Another change to the same record committed first (version or condition check failed)."""

    code = "concurrent_update"

    def __init__(self, key: str = "record_changed", *, field: str | None = None,
                 **params: Any) -> None:
        super().__init__(key, field=field, **params)


class Gone(DomainError):
    status = 410
    code = "topic_closed"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


E = TypeVar("E", bound=DomainError)


def prefixed(err: E, key: str, *, field: str, **params: Any) -> E:
    """The same refusal (class, code, key) about one part of a larger body: its texts put into
    the catalogue's prefix template `key` (which places `{message}` and `{message_en}`) and its
    field replaced by `field`, so an editor can point at the row ("第 3 条：请填写理由")."""
    _, zh, en = _message(key, message=err.message, message_en=err.message_en, **params)
    again = type(err).__new__(type(err), en)      # not __init__: the texts are already made
    again.__dict__.update(vars(err))
    again.message, again.message_en, again.field = zh, en, field
    return again


class StoreError(RuntimeError):
    """The store itself failed (locked, unreachable, throttled): not the client's fault, a 503."""


class SendError(RuntimeError):
    """A sender could not deliver a notification (the delivery job records it and retries)."""


def error_body(code: str, message: str, message_en: str = "", field: str | None = None
               ) -> dict[str, Any]:
    """The one error shape of API.md, extended with an English message."""
    return {"error": {"code": code, "message": message, "message_en": message_en or message,
                      "field": field}}


def body_for(err: DomainError) -> dict[str, Any]:
    return error_body(err.code, err.message, err.message_en, err.field)


def body_of(key: str, field: str | None = None, **params: Any) -> dict[str, Any]:
    """The error body of a catalogued message that no exception carries (Chalice's own
    answers, a 500, a 503)."""
    return error_body(*_message(key, field=field, **params), field)
