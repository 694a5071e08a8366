"""Domain errors: each carries a stable snake_case code, a field and a message in Chinese and
English.

An error is built from a key of the message catalogue (`messages.py`), which gives its code and
both texts: `NotFound("topic_not_found")`, `Invalid("text_empty", field="body", label="内容")`
(`field` is also a placeholder: "{field} must not be empty").
The older form with the texts inline, `Invalid("…", "…", code=…)`, still works while the last
raise sites move to keys (`scripts/dev/catalogue_check.py` lists them).

The HTTP layer maps the class to a status (API.md) and builds the error body in one place
(`error_body`); nothing else formats errors.
"""
from __future__ import annotations

from typing import Any

from .messages import message as _message


class DomainError(Exception):
    """Base of every error a client can cause; never a 5xx."""

    status = 400
    code = "invalid"

    #: the catalogue key the error was built from (None: inline texts)
    key: str | None = None

    def __init__(self, message: str, message_en: str | None = None, *,
                 field: str | None = None, code: str | None = None, **params: Any) -> None:
        if message_en is None:          # a catalogue key, its placeholders in `params`
            if code is not None:
                raise TypeError("a catalogued message carries its own code")
            self.key = message
            code, message, message_en = _message(message, field=field, **params)
        elif params:
            raise TypeError(f"unexpected arguments {sorted(params)}")
        super().__init__(message_en or message)
        self.message = message
        self.message_en = message_en or message
        self.field = field
        if code:
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

    def __init__(self, message: str = "record_changed", message_en: str | None = None,
                 **kw: Any) -> None:
        super().__init__(message, message_en, **kw)


class Gone(DomainError):
    status = 410
    code = "topic_closed"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


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
