"""Bad input on every route that takes a body: always a 4xx in API.md's error shape, never a 5xx
and never Chalice's own error format (invariant 6 of DESIGN.md).

The table crosses every field of every route with values of the wrong kind (objects and arrays
where text or a choice is expected, booleans, huge integers, NaN, lone surrogates, NUL), and every
route with bodies that are wrong as a whole (not JSON, not UTF-8, not an object, nested 30,000
deep, too large), wrong methods and wrong content types. The embedded server's own bad requests
(Content-Length, methods, bodies it must drain) are in tests/integration/test_server_input.py.
"""
from __future__ import annotations

import dataclasses
import json

import pytest

from chalicelib.services import topics as topic_services
from fakes import letter_payload, topic

UA = {"User-Agent": "pytest/1.0"}
BIG = "__BIG_INT__"
DEEP_A = "__DEEP_ARRAY__"
DEEP_O = "__DEEP_OBJECT__"

# values of the wrong kind for any field; each is sent in place of one field of a valid body
WRONG = {
    "object": {},
    "array": [],
    "array of objects": [{"a": 1}],
    "true": True,
    "lone surrogate": "\ud800",
    "surrogate pair reversed": "\udc00\ud800",
    "nul": "a\x00b",
    "5000-digit integer": BIG,
    "nan": float("nan"),
    "negative": -1,
    "float": 1.5,
    "deep array": DEEP_A,
    "deep object": DEEP_O,
}

# whole bodies that are wrong as a whole
RAW = {
    "not json": b"{subject: 1",
    "not utf-8": b'{"subject": "\xff\xfe"}',
    "array": b"[]",
    "string": b'"letter"',
    "number": b"42",
    "null": b"null",
    "nested arrays 30000": b"[" * 30000 + b"]" * 30000,
    "nested objects 30000": b'{"a":' * 30000 + b"1" + b"}" * 30000,
    "5000-digit integer": b"9" * 5000,
    "infinity": b'{"a": Infinity}',
    "1e999": b'{"a": 1e999}',
    "lone surrogate key": b'{"\\ud800": 1}',
    "too large": b'{"body": "' + b"x" * (70 * 1024) + b'"}',
}


def encode(body: dict) -> bytes:
    text = json.dumps(body)
    text = text.replace(f'"{BIG}"', "9" * 5000)
    text = text.replace(f'"{DEEP_A}"', "[" * 30000 + "]" * 30000)
    text = text.replace(f'"{DEEP_O}"', '{"a":' * 30000 + "1" + "}" * 30000)
    return text.encode()


@pytest.fixture
def world(api, ctx, clock):
    """Letters in every state a body-taking route needs, topics, a pending comment (from one
    client, so the letter limit is lifted)."""
    ctx.abuse = dataclasses.replace(ctx.abuse, letters_per_hour=10_000, letters_per_day=10_000)
    def submit(**over):
        status, body = api.call("POST", "/api/letters", letter_payload(**over))
        assert status == 201, body
        return body

    def office(lid, action, body):
        status, out = api.call("POST", f"/api/staff/letters/{lid}/{action}", body,
                               as_user="office-1")
        assert status == 200, out

    def clerk(lid, action, body):
        status, out = api.call("POST", f"/api/staff/letters/{lid}/{action}", body,
                               as_user="clerk-h")
        assert status == 200, out

    letters = {}
    letters["submitted"] = submit()
    letters["dispatched"] = submit(subject="已分派")
    office(letters["dispatched"]["id"], "dispatch", {"department": "housing"})
    letters["signed"] = submit(subject="已签收")
    office(letters["signed"]["id"], "dispatch", {"department": "housing"})
    clerk(letters["signed"]["id"], "sign", {})
    letters["replied"] = submit(subject="已答复")
    office(letters["replied"]["id"], "dispatch", {"department": "housing"})
    clerk(letters["replied"]["id"], "sign", {})
    clerk(letters["replied"]["id"], "reply", {"body": "已处理。"})
    letters["extension"] = submit(subject="申请延期")
    office(letters["extension"]["id"], "dispatch", {"department": "housing"})
    clerk(letters["extension"]["id"], "sign", {})
    clerk(letters["extension"]["id"], "extension", {"working_days": 3, "reason": "需要现场勘查"})
    letters["published"] = submit(subject="已公开")
    office(letters["published"]["id"], "dispatch", {"department": "housing"})
    clerk(letters["published"]["id"], "sign", {})
    clerk(letters["published"]["id"], "reply", {"body": "已修复。"})
    office(letters["published"]["id"], "approve", {"publish": True})

    topic_services.register_topics(ctx, [
        topic("hearing", "taxi"), topic("survey", "survey"),
        topic("interview", "live", departments=("transport", "housing")),
        topic("hearing", "over", opens="2026-10-01", closes="2026-11-20")])
    status, out = api.call("POST", "/api/topics/taxi/comments", {"body": "我的意见"}, headers=UA)
    assert status == 202, out
    return {"letters": letters, "comment": out["id"]}


def routes(world) -> list[tuple[str, str, dict, dict, str | None]]:
    """(name, path, headers, a valid body, who) for every route that takes a body."""
    L = world["letters"]
    secret = {"X-Letter-Secret": L["published"]["secret"], **UA}
    comment = world["comment"]
    return [
        ("submit", "/api/letters", UA, letter_payload(idempotency_key="k-1"), None),
        ("rating", f"/api/letters/{L['published']['tracking_code']}/rating", secret,
         {"score": "satisfied", "comment": "很好"}, None),
        ("vote", f"/api/letters/{L['published']['id']}/votes", UA, {"direction": "up"}, None),
        ("comment", "/api/topics/taxi/comments", UA,
         {"body": "意见", "stance": "support", "paragraph": None, "name": "李四",
          "idempotency_key": "c-1"}, None),
        ("survey", "/api/surveys/survey/responses", UA,
         {"answers": {"mode": "bus", "problems": ["freq"], "idea": "多开班次"},
          "idempotency_key": "s-1"}, None),
        ("login", "/api/staff/login", UA, {"username": "office-1", "password": "x"}, None),
        ("dispatch", f"/api/staff/letters/{L['submitted']['id']}/dispatch", {},
         {"department": "housing"}, "office-1"),
        ("reject", f"/api/staff/letters/{L['submitted']['id']}/reject", {},
         {"reason": "重复来信"}, "office-1"),
        ("sign", f"/api/staff/letters/{L['dispatched']['id']}/sign", {}, {}, "clerk-h"),
        ("transfer", f"/api/staff/letters/{L['signed']['id']}/transfer", {},
         {"reason": "不属本部门"}, "clerk-h"),
        ("extension", f"/api/staff/letters/{L['signed']['id']}/extension", {},
         {"working_days": 2, "reason": "需要勘查"}, "clerk-h"),
        ("reply", f"/api/staff/letters/{L['signed']['id']}/reply", {}, {"body": "答复"},
         "clerk-h"),
        ("approve", f"/api/staff/letters/{L['replied']['id']}/approve", {},
         {"publish": True, "category": "城乡建设", "public_subject": "主题",
          "public_body": "内容", "public_reply": "答复"}, "office-1"),
        ("preview", f"/api/staff/letters/{L['replied']['id']}/preview", {},
         {"public_subject": "主题", "public_body": "内容", "public_reply": "答复"}, "office-1"),
        ("keep", f"/api/staff/letters/{L['published']['id']}/keep", {}, {"reason": "已答复"},
         "office-1"),
        ("new secret", f"/api/letters/{L['published']['tracking_code']}/secret", UA,
         {"contact": "13812345678"}, None),
        ("redo", f"/api/staff/letters/{L['published']['id']}/redo", {}, {"reason": "未解决"},
         "office-1"),
        ("extension approve", f"/api/staff/letters/{L['extension']['id']}/extension/approve",
         {}, {}, "office-1"),
        ("extension deny", f"/api/staff/letters/{L['extension']['id']}/extension/deny", {},
         {"reason": "理由不足"}, "office-1"),
        ("comment approve", f"/api/staff/comments/{comment}/approve", {}, {}, "office-1"),
        ("comment reject", f"/api/staff/comments/{comment}/reject", {}, {"reason": "无关"},
         "office-1"),
        ("comment answer", f"/api/staff/comments/{comment}/answer", {}, {"body": "回答"},
         "office-1"),
        ("outcome", "/api/staff/topics/over/outcome", {},
         {"summary": "说明", "items": [{"comment_id": None, "decision": "adopted",
                                         "reason": "采纳", "opinion": "意见"}]}, "office-1"),
    ]


def post(api, path, raw: bytes, headers: dict, who: str | None, content_type="application/json"):
    h = {"Content-Type": content_type, **headers}
    if who:
        h["Authorization"] = f"Bearer {api.tokens[who]}"
    resp = api.client.http.post(path, headers=h, body=raw)
    try:
        body = json.loads(resp.body) if resp.body else None
    except ValueError:
        body = resp.body
    return resp.status_code, body, resp.headers


def problem(where: str, status: int, body, headers) -> str | None:
    """What is wrong with an answer to bad input, or None if it is a clean 4xx."""
    try:
        assert_clean_4xx(where, status, body, headers)
    except AssertionError as exc:
        return str(exc).splitlines()[0][:300]
    return None


def assert_clean_4xx(where: str, status: int, body, headers) -> str:
    assert 400 <= status < 500, f"{where}: {status} {body}"
    assert isinstance(body, dict) and set(body) == {"error"}, f"{where}: {body}"
    err = body["error"]
    assert isinstance(err["code"], str) and err["code"] and err["message"] and err["message_en"], \
        f"{where}: {body}"
    assert headers.get("Content-Type", headers.get("content-type", "")).startswith(
        "application/json"), where
    return err["code"]


def test_every_field_of_every_route_refuses_values_of_the_wrong_kind(api, world):
    checked, problems = 0, []
    for name, path, headers, valid, who in routes(world):
        nested = {"answers": "mode", "items": None}
        for field in valid:            # routes without a body (sign, approve …) ignore fields
            for kind, value in WRONG.items():
                if (kind == "true" and isinstance(valid[field], bool)) or \
                        (kind == "array" and field == "items"):       # no items: a summary only
                    continue
                body = {**valid, field: value}
                status, out, h = post(api, path, encode(body), headers, who)
                problems.append(problem(f"{name}.{field}={kind}", status, out, h))
                checked += 1
            inner = nested.get(field)
            if field in nested:
                for kind, value in WRONG.items():
                    if field == "answers":
                        body = {**valid, "answers": {**valid["answers"], inner: value}}
                    else:
                        body = {**valid, "items": [{**valid["items"][0], "decision": value}]}
                    status, out, h = post(api, path, encode(body), headers, who)
                    problems.append(problem(f"{name}.{field}.*={kind}", status, out, h))
                    checked += 1
    assert checked > 500
    bad = [p for p in problems if p]
    assert not bad, f"{len(bad)} of {checked}:\n" + "\n".join(bad)


@pytest.mark.parametrize("kind", RAW)
def test_every_route_refuses_bodies_that_are_wrong_as_a_whole(api, world, kind):
    for name, path, headers, _, who in routes(world):
        status, out, h = post(api, path, RAW[kind], headers, who)
        assert_clean_4xx(f"{name} {kind}", status, out, h)


def test_a_wrong_content_type_and_a_wrong_method_answer_in_the_api_shape(api, world):
    for name, path, headers, valid, who in routes(world):
        status, out, h = post(api, path, json.dumps(valid).encode(), headers, who,
                              content_type="application/x-www-form-urlencoded")
        assert assert_clean_4xx(f"{name} form", status, out, h) == "unsupported_media_type"
        assert status == 415
    for method, path in (("GET", "/api/letters"), ("PUT", "/api/letters"),
                         ("DELETE", "/api/letters"), ("PATCH", "/api/staff/letters/x"),
                         ("DELETE", "/api/staff/letters/x"), ("PUT", "/api/health"),
                         ("POST", "/api/topics")):
        resp = getattr(api.client.http, method.lower())(path, headers=UA, body=b"{}")
        body = json.loads(resp.body)
        assert assert_clean_4xx(f"{method} {path}", resp.status_code, body,
                                resp.headers) == "method_not_allowed"
        assert resp.status_code == 405 and resp.headers.get("Allow")


# a field no route takes, on every route that takes a body (README "Extensions to API.md"):
# (route, extra fields, the field the answer names)
UNKNOWN = [
    ("submit", {"colour": "blue"}, "colour"),
    ("submit", {"zone": 1, "agent": None}, "agent"),          # the first one, sorted
    ("rating", {"stars": 5}, "stars"),
    ("vote", {"weight": 2}, "weight"),
    ("comment", {"email": "a@b.cn"}, "email"),
    ("survey", {"note": "x"}, "note"),
    ("login", {"remember": True}, "remember"),
    ("dispatch", {"reason": "x"}, "reason"),
    ("sign", {"anything": 1}, "anything"),
    ("extension", {"days": 3}, "days"),
    ("approve", {"reason": "x"}, "reason"),
    ("preview", {"publish": True}, "publish"),
    ("new secret", {"phone": "13812345678"}, "phone"),
    ("extension approve", {"x": 1}, "x"),
    ("comment approve", {"reason": "x"}, "reason"),
    ("comment answer", {"reason": "x"}, "reason"),
    ("outcome", {"title": "x"}, "title"),
]


@pytest.mark.parametrize("name, extra, field", UNKNOWN,
                         ids=[f"{n}+{','.join(e)}" for n, e, _ in UNKNOWN])
def test_a_field_the_route_does_not_take_is_refused(api, world, name, extra, field):
    path, headers, valid, who = next((p, h, v, w) for n, p, h, v, w in routes(world)
                                     if n == name)
    status, out, _ = post(api, path, encode({**valid, **extra}), headers, who)
    assert status == 400, out
    assert out["error"] == {"code": "unknown_field", "field": field,
                            "message": f"不认识的字段：{field}",
                            "message_en": f"Unknown field: {field}"}


def test_a_made_up_field_name_is_named_shortly_not_echoed_whole(api, world):
    path, headers, valid, who = next((p, h, v, w) for n, p, h, v, w in routes(world)
                                     if n == "outcome")
    status, out, _ = post(api, path, encode({**valid, "k" * 5000: 1}), headers, who)
    assert status == 400 and out["error"]["code"] == "unknown_field"
    assert out["error"]["field"] == "k" * 64 + "…"
    assert len(out["error"]["message"]) < 100


def test_an_outcome_item_with_a_field_it_does_not_take_is_refused(api, world):
    path, headers, valid, who = next((p, h, v, w) for n, p, h, v, w in routes(world)
                                     if n == "outcome")
    body = {**valid, "items": [{**valid["items"][0], "weight": 1}]}
    status, out, _ = post(api, path, encode(body), headers, who)
    assert (status, out["error"]["code"], out["error"]["field"]) == (
        400, "unknown_field", "items[0].weight")


def test_nothing_is_half_written_by_refused_bodies(api, world, store):
    before = len(store.list_letters(limit=1000))
    for raw in RAW.values():
        post(api, "/api/letters", raw, UA, None)
    for value in WRONG.values():
        post(api, "/api/letters", encode(letter_payload(subject=value)), UA, None)
    assert len(store.list_letters(limit=1000)) == before


def test_random_json_never_gets_a_5xx(api, world):
    """Random JSON in every field of every route (Hypothesis): a 2xx or a clean 4xx, never a
    5xx — the table above, widened to values nobody thought to list."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | \
        st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
    values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                          max_leaves=12)
    table = routes(world)
    problems = []

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(range(len(table))), st.data())
    def one(i, data):
        name, path, headers, valid, who = table[i]
        fields = list(valid) or ["reason"]
        body = {**valid, **data.draw(st.dictionaries(st.sampled_from(fields), values,
                                                     max_size=3))}
        status, out, h = post(api, path, json.dumps(body).encode(), headers, who)
        if status >= 500 or (status >= 400 and problem(name, status, out, h)):
            problems.append(f"{name} {body!r}: {status} {out}")

    one()
    assert problems == []


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/letters/{long}"), ("POST", "/api/letters/{long}/rating"),
    ("POST", "/api/letters/{long}/votes"), ("GET", "/api/staff/letters/{long}"),
    ("POST", "/api/staff/letters/{long}/dispatch"), ("GET", "/api/topics/{long}"),
    ("POST", "/api/topics/{long}/comments"), ("POST", "/api/staff/comments/{long}/approve"),
    ("POST", "/api/comments/{long}/votes")])
def test_a_path_parameter_too_long_to_name_anything_is_a_404(api, method, path):
    h = {"Content-Type": "application/json", "X-Letter-Secret": "s" * 5000,
         "Authorization": f"Bearer {api.tokens['office-1']}", **UA}
    resp = getattr(api.client.http, method.lower())(path.format(long="W" * 5000), headers=h,
                                                    body=b"{}")
    body = json.loads(resp.body)
    assert assert_clean_4xx(path, resp.status_code, body, resp.headers) == "not_found"
    assert resp.status_code == 404
