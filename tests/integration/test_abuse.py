"""Guessing and flooding through the API: tracking-secret and password guessing limits (per
client and per account, with the window's expiry), letters per client with replays free, the
honeypot, votes keyed on the network, every refusal counted for the office, Retry-After."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.services.abuse import AbuseLimits
from fakes import letter_payload

LIMITS = AbuseLimits(guesses_per_client=3, guesses_per_account=6, guess_window_minutes=15,
                     protected_attempts_per_minute=1, letters_per_hour=2, letters_per_day=3,
                     votes_per_hour=4)


@pytest.fixture
def limited(composed, clock):
    composed.ctx.abuse = LIMITS
    clock.at = clock.at.replace(minute=1, second=0)      # a fresh 15-minute window
    return composed


def refusals(store, clock):
    return store.refusals(clock().date()).get(clock().date().isoformat(), {})


def track(api, code, secret, headers=None):
    return api.call("GET", f"/api/letters/{code}",
                    headers={"X-Letter-Secret": secret, **(headers or {})})


def login(api, username, password, headers=None):
    return api.call("POST", "/api/staff/login", {"username": username, "password": password},
                    headers=headers)


def new_letter(api, headers=None, **over):
    status, body = api.call("POST", "/api/letters", letter_payload(**over), headers=headers)
    assert status == 201, body
    return body


# --- tracking secrets ---------------------------------------------------------------------------

def test_wrong_secrets_are_limited_per_client_then_the_minute_ends(api, limited, store, clock):
    answer = new_letter(api)
    code = answer["tracking_code"]
    for i in range(3):
        status, body = track(api, code, f"wrong-{i}")
        assert status == 404 and body["error"]["code"] == "not_found"
    status, body = track(api, code, answer["secret"])       # even the right one, this minute
    assert status == 429 and body["error"]["code"] == "too_many_requests"
    assert "分钟" in body["error"]["message"] and "min" in body["error"]["message_en"]
    # the per-client limit holds for any code, and for the rating route too
    assert track(api, "WZ00000000", "x")[0] == 429
    assert api.call("POST", f"/api/letters/{code}/rating", {"score": "satisfied"},
                    headers={"X-Letter-Secret": "guess"})[0] == 429
    assert refusals(store, clock) == {"tracking": 3}
    clock.advance(minutes=1)
    status, view = track(api, code, answer["secret"])
    assert status == 200 and view["tracking_code"] == code


def test_a_429_says_when_to_come_back(api, limited, clock):
    clock.at = clock.at.replace(second=20)
    for i in range(3):
        track(api, "WZ00000000", f"x{i}")
    resp = api.client.http.get("/api/letters/WZ00000000", headers={"X-Letter-Secret": "x"})
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "40"            # the rest of the minute


def test_wrong_secrets_for_one_code_from_many_clients_protect_it(api, limited, store, clock,
                                                                  edge):
    answer = new_letter(api)
    code = answer["tracking_code"]
    # six wrong guesses from three networks: the code's budget for the window is spent
    for i in range(6):
        assert track(api, code, f"wrong-{i}", edge(f"203.0.113.{i % 3}"))[0] == 404
    # a network that failed against it is refused until the window ends, even with the secret
    status, body = track(api, code, answer["secret"], edge("203.0.113.0"))
    assert status == 429 and "14 分钟" in body["error"]["message"]
    # a network that did not may still try, one attempt a minute between them all
    assert track(api, code, "one-more-guess", edge("198.51.100.9"))[0] == 404
    assert track(api, code, answer["secret"], edge("198.51.100.10"))[0] == 429
    clock.advance(minutes=1)
    assert track(api, code, answer["secret"], edge("198.51.100.10"))[0] == 200
    # other codes are not protected by it
    other = new_letter(api, edge("192.0.2.50"))
    assert track(api, other["tracking_code"], other["secret"], edge("203.0.113.0"))[0] == 200
    # the window ends: everyone may try again
    clock.advance(minutes=15)
    assert track(api, code, answer["secret"], edge("203.0.113.0"))[0] == 200
    assert refusals(store, clock)["tracking"] == 2


def test_bad_input_on_guarded_routes_is_still_a_clean_4xx(api, limited):
    status, body = api.call("POST", "/api/letters/WZ1/rating", ["not", "an", "object"],
                            headers={"X-Letter-Secret": "x"})
    assert status == 400 and body["error"]["code"] == "wrong_type"
    status, body = track(api, "x" * 500, "y")
    assert status == 404 and body["error"]["code"] == "not_found"


# --- staff passwords ----------------------------------------------------------------------------

def test_wrong_passwords_per_client_then_the_right_one_works_after_the_minute(api, limited,
                                                                               store, clock):
    for i in range(3):
        status, body = login(api, "office-1", f"guess-{i}")
        assert status == 401 and body["error"]["code"] == "bad_credentials"
    status, body = login(api, "office-1", "correct horse")
    assert status == 429 and body["error"]["code"] == "too_many_requests"
    assert "密码" in body["error"]["message"] and "password" in body["error"]["message_en"]
    assert login(api, "clerk-h", "correct horse")[0] == 429      # per client, any username
    assert refusals(store, clock) == {"login": 2}
    clock.advance(minutes=1)
    assert login(api, "office-1", "correct horse")[0] == 200


def test_an_attacked_username_still_lets_its_owner_in_from_another_network(api, limited, clock,
                                                                          edge):
    attackers = [edge(f"203.0.113.{i}") for i in range(6)]
    for headers in attackers:
        assert login(api, "office-1", "letmein", headers)[0] == 401
    # the attackers' networks are refused for the rest of the window, the right password too
    assert login(api, "office-1", "correct horse", attackers[0])[0] == 429
    # the owner, from their own network, gets in within the minute's attempt
    status, body = login(api, "office-1", "correct horse", edge("198.51.100.77"))
    assert status == 200 and body["username"] == "office-1"
    # a fresh attacker gets at most one attempt a minute while the username is protected
    assert login(api, "office-1", "guess", edge("192.0.2.1"))[0] == 429
    clock.advance(minutes=1)
    assert login(api, "office-1", "guess", edge("192.0.2.1"))[0] == 401
    assert login(api, "office-1", "guess", edge("192.0.2.2"))[0] == 429
    # other usernames are untouched
    assert login(api, "clerk-h", "correct horse", edge("192.0.2.3"))[0] == 200
    # after the window the account is open to everyone again
    clock.advance(minutes=15)
    assert login(api, "office-1", "correct horse", attackers[0])[0] == 200


def test_a_malformed_login_or_a_missing_secret_is_no_guess(api, limited):
    """Bodies that cannot be a password guess keep their 401 (and a request without a secret
    its 404) however often they come; only real guesses count."""
    for _ in range(3):
        for body in ({"username": 5, "password": "x"}, {"username": "a" * 65, "password": "x"},
                     {"username": "office-1"}, {}):
            status, answer = api.call("POST", "/api/staff/login", body)
            assert status == 401 and answer["error"]["code"] == "bad_credentials"
        assert api.call("GET", "/api/letters/WZ00000000")[0] == 404
        assert track(api, "WZ00000000", "   ")[0] == 404
    assert login(api, "office-1", "correct horse")[0] == 200


# --- letters ------------------------------------------------------------------------------------

def test_letters_per_client_per_hour_and_day_and_replays_are_free(api, limited, store, clock,
                                                                   edge):
    one = edge("203.0.113.20")
    first = new_letter(api, one, idempotency_key="k-1")
    for _ in range(3):                      # the same key again: the first answer, no quota
        status, body = api.call("POST", "/api/letters", letter_payload(idempotency_key="k-1"),
                                headers=one)
        assert status == 200 and body["tracking_code"] == first["tracking_code"]
    new_letter(api, one, idempotency_key="k-2")
    status, body = api.call("POST", "/api/letters", letter_payload(idempotency_key="k-3"),
                            headers={**one, "User-Agent": "another browser"})
    assert status == 429 and body["error"]["code"] == "too_many_requests"
    assert "每小时最多 2 封" in body["error"]["message"]
    assert "2 an hour" in body["error"]["message_en"]
    assert store.count_letters("submitted") == 2
    # another network is another client
    new_letter(api, edge("203.0.113.21"))
    # the next hour: one more, then the day's limit (3) is reached
    clock.advance(hours=1)
    new_letter(api, one)
    status, body = api.call("POST", "/api/letters", letter_payload(), headers=one)
    assert status == 429 and "每天最多 3 封" in body["error"]["message"]
    # an invalid letter is a 400 and uses nothing
    clock.advance(days=1)
    assert api.call("POST", "/api/letters", letter_payload(subject=""), headers=one)[0] == 400
    new_letter(api, one)
    new_letter(api, one)
    assert refusals(store, clock) == {}
    yesterday = (clock() - timedelta(days=1)).date()
    assert store.refusals(yesterday)[yesterday.isoformat()] == {"letters": 2}


def test_a_filled_honeypot_is_refused_and_counted(api, limited, store, clock):
    status, body = api.call("POST", "/api/letters",
                            letter_payload(website="http://spam.example/"))
    assert status == 400 and body["error"]["code"] == "refused"
    assert body["error"]["message"] and body["error"]["message_en"]
    assert store.count_letters("submitted") == 0
    assert refusals(store, clock) == {"honeypot": 1}
    # an empty honeypot (what the form sends) is fine and not stored
    answer = new_letter(api, website="")
    assert answer["status"] == "submitted"


# --- votes --------------------------------------------------------------------------------------

def test_one_vote_per_network_whatever_the_user_agent(api, limited, store, clock, edge):
    answer = new_letter(api)
    lid = answer["id"]
    assert api.call("POST", f"/api/staff/letters/{lid}/dispatch", {"department": "housing"},
                    as_user="office-1")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/sign", {}, as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/reply", {"body": "已处理。"},
                    as_user="clerk-h")[0] == 200
    assert api.call("POST", f"/api/staff/letters/{lid}/approve", {"publish": True},
                    as_user="office-1")[0] == 200
    counted = [api.call("POST", f"/api/letters/{lid}/votes", {"direction": "up"},
                        headers={**edge("203.0.113.30"), "User-Agent": f"ua-{i}"})[1]["counted"]
               for i in range(4)]
    assert counted == [True, False, False, False]
    # the fifth vote of the hour from one network is a 429 (the limit counts attempts)
    status, body = api.call("POST", f"/api/letters/{lid}/votes", {"direction": "up"},
                            headers=edge("203.0.113.30"))
    assert status == 429
    assert api.call("POST", f"/api/letters/{lid}/votes", {"direction": "up"},
                    headers=edge("203.0.113.31"))[1]["counted"] is True
    assert store.get_letter(lid).votes_up == 2
    assert refusals(store, clock) == {"votes": 1}


# --- the office's view --------------------------------------------------------------------------

def test_the_dashboard_counts_refusals_per_kind(api, limited, store, clock):
    for i in range(4):
        track(api, "WZ00000000", f"x{i}")                          # 1 refusal (tracking)
    api.call("POST", "/api/letters", letter_payload(website="x"))  # 1 honeypot
    status, d = api.call("GET", "/api/staff/dashboard", as_user="office-1")
    assert status == 200
    kinds = {k["kind"]: k for k in d["abuse"]["kinds"]}
    assert list(kinds) == ["letters", "tracking", "login", "comments", "responses", "votes",
                           "honeypot", "secret", "suggest"]
    assert kinds["tracking"]["today"] == 1 and kinds["honeypot"]["total"] == 1
    assert kinds["letters"] == {"kind": "letters", "label": "来信提交过频",
                                "label_en": "Letters over the limit", "today": 0, "week": 0,
                                "total": 0}
    assert d["abuse"]["total"] == 2 and d["abuse"]["days"] == 14
    assert d["abuse"]["by_day"] == [{"day": clock().date().isoformat(),
                                     "counts": {"honeypot": 1, "tracking": 1}}]
    clock.advance(days=8)
    api.login_all()
    kinds = {k["kind"]: k for k in api.call("GET", "/api/staff/dashboard",
                                            as_user="office-1")[1]["abuse"]["kinds"]}
    assert kinds["tracking"] == {**kinds["tracking"], "today": 0, "week": 0, "total": 1}


def test_openapi_lists_the_refusals(api):
    paths = api.call("GET", "/api/openapi.json")[1]["paths"]
    for path, method in (("/api/letters", "post"), ("/api/letters/{tracking_code}", "get"),
                         ("/api/letters/{tracking_code}/rating", "post"),
                         ("/api/letters/{letter_id}/votes", "post"),
                         ("/api/staff/login", "post")):
        assert "429" in paths[path][method]["responses"], path
    assert "website" in paths["/api/letters"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["properties"]
