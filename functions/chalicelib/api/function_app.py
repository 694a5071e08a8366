"""The Chalice app the function runs: one request's state per thread, and API.md's error shape
for the answers Chalice gives on its own (wrong method, wrong content type).

Lambda hands a container one request at a time, but the embedded server (`wenzheng serve`)
runs the same app on many threads at once. Chalice keeps the request being handled in one
attribute of the app (`app.current_request`, which every blueprint reads), so two threads would
read each other's body and headers, `Authorization` and `X-Letter-Secret` included. Here that
attribute, and the Lambda context beside it, live in thread-local storage: each thread sees only
the request it is handling.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from ..domain.errors import body_of

HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store",
           "X-Content-Type-Options": "nosniff"}

# Chalice's own error codes → our message keys (domain/messages.py)
CHALICE_ERRORS: dict[str, str] = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequest": "bad_request",
    "BadRequestError": "bad_request",
    "NotFoundError": "no_such_api_path",
}
INTERNAL = "internal"


class FunctionApp(Chalice):
    """`Chalice` with `current_request` and `lambda_context` kept per thread."""

    def __init__(self, app_name: str, **kwargs: Any) -> None:
        self._per_thread = threading.local()
        super().__init__(app_name, **kwargs)
        self.register_middleware(api_error_shape, "http")

    @property
    def current_request(self) -> Any:
        return getattr(self._per_thread, "request", None)

    @current_request.setter
    def current_request(self, value: Any) -> None:
        self._per_thread.request = value

    @property
    def lambda_context(self) -> Any:
        return getattr(self._per_thread, "context", None)

    @lambda_context.setter
    def lambda_context(self, value: Any) -> None:
        self._per_thread.context = value


def api_error_shape(request: Any, get_response: Callable[[Any], Response]) -> Response:
    """Answers Chalice makes itself ({"Code": …, "Message": …}) in the one error shape of
    API.md, keeping their status and `Allow` header."""
    response = get_response(request)
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    key = CHALICE_ERRORS.get(str(body["Code"]), INTERNAL)
    headers: dict[str, str | list[str]] = dict(HEADERS)
    headers.update({k: v for k, v in (response.headers or {}).items() if k.lower() == "allow"})
    return Response(body=json.dumps(body_of(key), ensure_ascii=False),
                    status_code=response.status_code, headers=headers)
