"""The OpenAPI 3 document of /api, kept beside the routes; a test fails when they disagree."""
from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
STR_OR_NULL = {"type": ["string", "null"]}

# (method, path, summary, request body schema or None, {status: description})
OPERATIONS: list[tuple[str, str, str, dict | None, dict[str, str]]] = [
    ("get", "/api/health", "Health check", None, {"200": "ok"}),
    ("get", "/api/departments", "Departments that answer letters", None, {"200": "list"}),
    ("post", "/api/letters", "Submit a letter", {
        "type": "object", "required": ["type", "subject", "body"],
        "properties": {
            "type": {"enum": ["consultation", "help", "complaint", "report", "suggestion",
                              "criticism"]},
            "subject": {"type": "string", "maxLength": 100},
            "body": {"type": "string", "maxLength": 6000},
            "department": STR_OR_NULL, "name": STR_OR_NULL, "phone": STR_OR_NULL,
            "email": STR_OR_NULL, "public": {"type": "boolean"},
            "idempotency_key": STR_OR_NULL,
            "website": {"type": ["string", "null"],
                        "description": "the form's honeypot: must be empty"}}},
     {"201": "created", "200": "replay of an idempotent request (uses no quota)",
      "400": "invalid, or refused (the honeypot was filled)",
      "409": "idempotency key reused with another body", "413": "too large",
      "429": "too many letters from this client (Retry-After)"}),
    ("get", "/api/letters/{tracking_code}", "Track a letter (header X-Letter-Secret)", None,
     {"200": "the letter as its writer sees it", "404": "unknown code or wrong secret",
      "429": "too many wrong secrets from this client or for this code (Retry-After)"}),
    ("post", "/api/letters/{tracking_code}/rating", "Rate the released reply", {
        "type": "object", "required": ["score"],
        "properties": {"score": {"enum": ["satisfied", "basically_satisfied", "unsatisfied"]},
                       "comment": STR_OR_NULL}},
     {"201": "rated", "404": "unknown", "409": "no reply yet, or already rated",
      "429": "too many wrong secrets from this client or for this code (Retry-After)"}),
    ("post", "/api/letters/{tracking_code}/secret", "Ask for a new tracking secret, sent to "
     "the phone or e-mail address given with the letter; the old one stops working", {
        "type": "object", "required": ["contact"],
        "properties": {"contact": {"type": "string", "maxLength": 254,
                                   "description": "the mobile number or e-mail address "
                                                  "given with the letter"}}},
     {"202": "accepted: the same answer whether or not the code and contact matched",
      "400": "no contact, or not a phone number or e-mail address",
      "429": "too many requests from this client or for this code (Retry-After)"}),
    ("post", "/api/letters/{letter_id}/votes", "Vote a published reply up or down", {
        "type": "object", "required": ["direction"],
        "properties": {"direction": {"enum": ["up", "down"]}}},
     {"202": "accepted", "404": "no such published letter",
      "429": "too many votes from this client (Retry-After)"}),
    ("get", "/api/openapi.json", "This document", None, {"200": "OpenAPI 3"}),
    ("post", "/api/staff/login", "Log in", {
        "type": "object", "required": ["username", "password"],
        "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
     {"200": "token", "401": "bad credentials",
      "429": "too many wrong passwords from this client or for this username (Retry-After)"}),
    ("get", "/api/staff/letters", "Inbox, one page (clerk: own department; office: all), "
     "newest first; `q` searches tracking code, phone, subject and body (letters and digits, "
     "punctuation ignored). The light and rating filters are the office's queues, most urgent "
     "first; status=replied&rating=unsatisfied is the re-do queue and also matches released "
     "replies",
     None, {"200": "one page: {rows, total, page, per_page, complete}",
            "400": "unknown filter value, page or per_page out of range, q too long or "
                   "without letters or digits",
            "401": "not logged in", "403": "not allowed (a clerk asking for another department)"}),
    ("get", "/api/staff/dashboard", "Supervision dashboard (office): active letters by light and "
     "department, queues, red letters, requests refused as abuse per kind (`abuse`)", None,
     {"200": "figures", "401": "not logged in", "403": "not the office"}),
    ("get", "/api/staff/letters/{letter_id}", "One letter with private fields and history",
     None, {"200": "letter", "403": "another department", "404": "unknown"}),
    ("get", "/api/staff/letters/{letter_id}/preview", "The public version as the next approval "
     "would publish it (office): masked name, redacted subject, body and reply with the office's "
     "wording; `{subject, body, reply, name, edited}`, paragraphs separated by a blank line",
     None, {"200": "public version", "401": "not logged in", "403": "not the office",
            "404": "unknown"}),
    ("post", "/api/staff/letters/{letter_id}/preview", "The public version of a draft (office): "
     "`public_subject`, `public_body`, `public_reply` as the approval takes them; nothing is "
     "saved", {"type": "object", "properties": {
         "public_subject": STR_OR_NULL, "public_body": STR_OR_NULL, "public_reply": STR_OR_NULL}},
     {"200": "public version", "400": "invalid", "401": "not logged in", "403": "not the office",
      "404": "unknown"}),
]
for _action, _body in [
        ("dispatch", {"department": {"type": "string"}}), ("reject", {"reason": {"type": "string"}}),
        ("sign", {}), ("transfer", {"reason": {"type": "string"}}),
        ("extension", {"working_days": {"type": "integer"}, "reason": {"type": "string"}}),
        ("extension/approve", {}), ("extension/deny", {"reason": {"type": "string"}}),
        ("reply", {"body": {"type": "string"}}),
        ("approve", {"publish": {"type": "boolean"}, "category": STR_OR_NULL,
                     "public_subject": STR_OR_NULL, "public_body": STR_OR_NULL,
                     "public_reply": STR_OR_NULL}),
        ("redo", {"reason": {"type": "string"}}),
        ("keep", {"reason": {"type": "string"}})]:
    OPERATIONS.append(("post", f"/api/staff/letters/{{letter_id}}/{_action}",
                       f"Letter action: {_action}", {"type": "object", "properties": _body},
                       {"200": "the changed letter", "400": "invalid", "401": "not logged in",
                        "403": "not allowed", "404": "unknown",
                        "409": "invalid_transition or concurrent_update"}))

# --- consultations (chalicelib.api_topics) -----------------------------------------------------
_STAFF = {"401": "not logged in", "403": "not allowed", "404": "unknown"}
OPERATIONS += [
    ("get", "/api/topics", "Consultations (hearings, deliberations, solicitations, surveys, "
     "interviews) with their status as of now", None, {"200": "list"}),
    ("get", "/api/topics/{topic_id}", "One topic; a solicitation's numbered paragraphs, a "
     "survey's questions, an interview's session and guests", None,
     {"200": "topic", "404": "unknown"}),
    ("post", "/api/topics/{topic_id}/comments", "Comment on an open topic (moderated before it "
     "is published); an interview question names a guest department", {
        "type": "object", "required": ["body"],
        "properties": {"body": {"type": "string", "maxLength": 2000},
                       "stance": {"enum": ["support", "oppose", "neutral", None],
                                  "description": "the hearing and deliberation forms ask for "
                                                 "one; a solicitation's may leave it out"},
                       "paragraph": {"type": ["integer", "null"]},
                       "department": STR_OR_NULL, "name": STR_OR_NULL,
                       "idempotency_key": STR_OR_NULL}},
     {"202": "accepted, pending moderation (also the replay of an idempotent request)",
      "400": "invalid", "404": "unknown topic", "409": "idempotency key reused",
      "410": "topic_not_open or topic_closed", "413": "too large",
      "429": "too many comments from this client"}),
    ("post", "/api/surveys/{survey_id}/responses", "Answer an open survey", {
        "type": "object", "required": ["answers"],
        "properties": {"answers": {"type": "object", "additionalProperties": {
            "type": ["string", "array"], "items": {"type": "string"}}},
            "idempotency_key": STR_OR_NULL}},
     {"202": "accepted (also the replay of an idempotent request)", "400": "invalid",
      "404": "unknown survey",
      "409": "idempotency key reused, or already_answered: this survey was answered today "
             "from the client's network",
      "410": "topic_not_open or topic_closed"}),
    ("get", "/api/staff/topics", "Topics with their counts and stored outcome (office: all; "
     "clerk: own department's)", None, {"200": "list", "401": "not logged in", "403": "not allowed"}),
    ("get", "/api/staff/comments", "Moderation queue (topic, status filters; office), or an "
     "interview's questions (clerk of a guest department, topic required)", None,
     {"200": "list", "400": "unknown status", **_STAFF}),
    ("post", "/api/staff/comments/{comment_id}/approve", "Approve a pending comment (office)",
     {"type": "object", "properties": {}},
     {"200": "the comment", "409": "invalid_transition", **_STAFF}),
    ("post", "/api/staff/comments/{comment_id}/reject", "Reject a comment with a reason "
     "(office); an approved one is taken down", {
        "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}},
     {"200": "the comment", "400": "invalid", "409": "invalid_transition", **_STAFF}),
    ("post", "/api/staff/comments/{comment_id}/answer", "Answer an interview question (office, "
     "or a clerk of a guest department); published at once", {
        "type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}},
     {"200": "the comment", "400": "invalid",
      "409": "not_an_interview, already_answered or invalid_transition", **_STAFF}),
    ("post", "/api/staff/topics/{topic_id}/outcome", "Publish (or replace) a closed topic's "
     "outcome (office)", {
        "type": "object", "required": ["summary"],
        "properties": {"summary": {"type": "string"}, "items": {"type": "array", "items": {
            "type": "object", "required": ["decision", "reason"],
            "properties": {"comment_id": STR_OR_NULL,
                           "decision": {"enum": ["adopted", "partly_adopted", "not_adopted"]},
                           "reason": {"type": "string"}, "opinion": STR_OR_NULL}}}}},
     {"200": "the published outcome", "400": "invalid", "409": "topic_open", **_STAFF}),
]


_INBOX_ROW = {"type": "object", "properties": {
    k: {"type": ["string", "null"]} for k in (
        "id", "tracking_code", "type", "subject", "status", "department",
        "requested_department", "light", "due", "submitted_at", "rating")}}
# query parameters and 200 answers of the routes that have them
QUERY_PARAMETERS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("get", "/api/staff/letters"): [
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
         "description": "search words, a tracking code or a phone (part of one)"},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                   "default": 1}},
        {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                       "maximum": 100, "default": 50}},
        {"name": "status", "in": "query", "schema": {"type": "string"}},
        {"name": "department", "in": "query", "schema": {"type": "string"}},
        {"name": "light", "in": "query", "schema": {"enum": ["red", "yellow", "green",
                                                             "none"]}},
        {"name": "rating", "in": "query", "schema": {
            "enum": ["satisfied", "basically_satisfied", "unsatisfied"]}},
    ],
}
ANSWERS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/staff/letters"): {
        "type": "object", "required": ["rows", "total", "page", "per_page", "complete"],
        "properties": {
            "rows": {"type": "array", "items": _INBOX_ROW},
            "total": {"type": "integer", "description": "letters matching in all"},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "complete": {"type": "boolean", "description": "false when a word search looked "
                         "only at the newest `searched` letters (DynamoDB)"},
            "searched": {"type": "integer"}}},
}


# what any route that takes a body may answer (chalicelib.request_body, the Chalice app)
BODY_ERRORS = {"400": "invalid: not JSON, not an object, nested too deep, a number too long, "
                      "text with a lone surrogate or NUL, a value of the wrong kind",
               "413": "body larger than 64 KB",
               "415": "Content-Type is not application/json or text/plain"}


def document() -> dict[str, Any]:
    paths: dict[str, dict] = {}
    for method, path, summary, body, responses in OPERATIONS:
        if body is not None:          # every body is checked before the route sees it
            responses = {**BODY_ERRORS, **responses}
        op: dict[str, Any] = {"summary": summary, "responses": {
            code: {"description": text, "content": {"application/json": {
                "schema": ERROR if code.startswith("4") else {}}}}
            for code, text in responses.items()}}
        if (method, path) in ANSWERS:
            op["responses"]["200"]["content"]["application/json"]["schema"] = \
                ANSWERS[(method, path)]
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True,
                                 "schema": {"type": "string"}} for p in params]
        if (method, path) in QUERY_PARAMETERS:
            op["parameters"] = op.get("parameters", []) + QUERY_PARAMETERS[(method, path)]
        if body is not None:
            op["requestBody"] = {"required": True,
                                 "content": {"application/json": {"schema": body}}}
        if "/staff/" in path and not path.endswith("/login"):
            op["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Wenzheng (问政) API", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {
                "error": {"type": "object", "required": ["code", "message", "field"],
                          "properties": {"code": {"type": "string"},
                                         "message": {"type": "string"},
                                         "message_en": {"type": "string"},
                                         "field": STR_OR_NULL}}}}}},
    }
