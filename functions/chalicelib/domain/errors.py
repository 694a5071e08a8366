"""Domain errors: each carries a stable snake_case code, a field and a message in Chinese and
English.

The HTTP layer maps the class to a status (API.md) and builds the error body in one place
(`error_body`); nothing else formats errors.
"""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a client can cause; never a 5xx."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, message_en: str = "", *, field: str | None = None,
                 code: str | None = None) -> None:
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

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重试",
                 message_en: str = "The record was changed by someone else; reload and retry",
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
