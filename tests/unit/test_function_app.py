"""The function's app keeps the request it handles per thread: two threads in the middle of two
requests each read their own (the embedded server runs the app on many threads at once)."""
from __future__ import annotations

import threading

from chalicelib.api.function_app import FunctionApp, api_error_shape


def test_each_thread_sees_only_its_own_request():
    app = FunctionApp("t")
    both_set = threading.Barrier(2)
    seen: dict[str, object] = {}

    def handle(name: str) -> None:
        app.current_request = name
        app.lambda_context = f"context of {name}"
        both_set.wait()               # the other thread has set its request by now
        seen[name] = (app.current_request, app.lambda_context)

    threads = [threading.Thread(target=handle, args=(n,)) for n in ("citizen", "office")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"citizen": ("citizen", "context of citizen"),
                    "office": ("office", "context of office")}
    assert app.current_request is None         # and the main thread has none


def test_chalices_own_errors_are_reshaped_with_their_status_and_allow_header():
    from chalice import Response
    answer = api_error_shape(None, lambda _: Response(
        body={"Code": "MethodNotAllowedError", "Message": "Unsupported method: GET"},
        status_code=405, headers={"Allow": "POST"}))
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"
    assert '"code": "method_not_allowed"' in answer.body
    untouched = Response(body={"error": {"code": "x"}}, status_code=400)
    assert api_error_shape(None, lambda _: untouched) is untouched
