"""The OpenAPI 3.1 document of /api (served at /api/openapi.json), generated, not copied: enums
come from the domain's StrEnums, lengths and ranges from the constants the checks use, the
department ids from the loaded content, and every route's 4xx from what its layers can refuse.

What a schema says is what the server does today (schemathesis checks it, tests/integration/
test_schemathesis.py):

- text fields are cleaned before they are checked (`domain/text.py`: invisible characters
  removed, whitespace trimmed), so a required one must hold a visible character (`pattern`);
  an optional one left blank counts as absent; no string holds a NUL (`request_body.py`);
- lengths are of the cleaned text, so `maxLength` is the limit a client must keep to;
- a body (and an outcome item) holds only the fields its route takes: any other key is a
  400 `unknown_field` (`additionalProperties: false`; api/parse.py);
- some valid-looking bodies are still refused because of stored data (a comment naming a
  paragraph of a topic that has none, an outcome citing an unknown comment): those routes
  list 400 with codes that depend on the record.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..domain import channels
from ..domain import consultations as C
from ..domain.consultations import CommentStatus, Decision, Stance
from ..domain.deadlines import Light
from ..domain.letters import EXTENSION_MAX_DAYS, LetterType, Score, Status
from ..domain.rates import Resolution
from ..services import casework, commands
from . import openapi_interviews, request_body
from .parse import INSTRUCTION_MAX, LETTER_ID_MAX, NOTE_MAX

ERROR = {"$ref": "#/components/schemas/Error"}

# no NUL anywhere (request_body refuses it: invalid_text); a required text needs one character
# that cleaning keeps and that is not white space
_NO_NUL = "^[^\\x00]*$"
_INVISIBLE = ("\\s\\x00-\\x1f\\x7f-\\x9f\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064"
              "\\u2066-\\u2069\\ufeff\\u061c")
_VISIBLE = f"^[^\\x00]*[^{_INVISIBLE}][^\\x00]*$"
_BLANK = "^\\s*$"                  # what str.strip() empties: an optional field left blank


def text(max_len: int, *, required: bool = False, description: str | None = None) -> dict:
    """A citizen or staff text field as `services.letters._str` reads it."""
    if required:
        schema: dict[str, Any] = {"type": "string", "maxLength": max_len, "pattern": _VISIBLE}
    else:                             # blank of any length is absent, else as required
        schema = _optional({"maxLength": max_len, "pattern": _VISIBLE})
    if description:
        schema["description"] = description
    return schema


def _optional(filled: dict) -> dict:
    """An optional text: null, blank (of any length: it counts as absent) or `filled`."""
    return {"anyOf": [{"type": "null"}, {"type": "string", "pattern": _BLANK},
                      {"type": "string", **filled}]}


def choice(values: Iterable[str], *, nullable: bool = False) -> dict:
    enum: list[Any] = [str(v) for v in values]
    return {"enum": enum + [None] if nullable else enum}


VALUE = {"$ref": "#/components/schemas/Value"}


def obj(properties: dict[str, Any], required: Iterable[str] = ()) -> dict:
    """A JSON object holding only `properties` (another key is a 400 unknown_field); keys hold
    no NUL either."""
    schema: dict[str, Any] = {"type": "object", "properties": properties,
                              "propertyNames": {"pattern": _NO_NUL},
                              "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


IDEMPOTENCY_KEY = {"type": ["string", "null"], "minLength": 1, "maxLength": commands.KEY_MAX,
                   "pattern": _NO_NUL}
# path parameters with a documented form (the rest are any string: an unknown one is a 404)
PATH_PARAMS: dict[str, dict[str, Any]] = {
    "week": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"},     # an ISO week, 2026-W07
}
PHONE = {**_optional({"maxLength": 30, "pattern": "^[\\s-]*(\\+86)?([0-9][\\s-]*){7,12}$"}),
         "description": "7 to 12 digits, with spaces, dashes or +86 if you like"}
EMAIL = _optional({"maxLength": 254, "pattern": "^\\s*[^@\\s]+@[^\\s]*\\.[^\\s]*\\s*$"})
CAMPAIGN = {"type": ["string", "null"], "maxLength": 64, "pattern": "^[a-z0-9-]*$",
            "description": "a suggestion drive (topic of kind drive) while it is open; only "
                           "with type suggestion; an unknown id is a 400 unknown_campaign"}
LEADER = {"type": ["string", "null"], "pattern": _NO_NUL,
          "description": "a leader's id (content/leaders.yaml, the boards of /leaders/)"}
CONTACT = {"type": "string", "maxLength": 254,
           "pattern": "^[^\\x00]*[0-9@][^\\x00]*$",
           "description": "the mobile number or e-mail address given with the letter"}


def _body_errors() -> dict[str, str]:
    """What any route that takes a body may answer before it reads a field."""
    return {"400": f"invalid_json, too_deep (more than {request_body.MAX_DEPTH} levels), "
                   f"invalid_number (more than {request_body.MAX_INT_DIGITS} digits, NaN), "
                   "invalid_text (NUL or a lone surrogate), wrong_type (not an object)",
            "413": f"too_large: body larger than {request_body.MAX_BODY_BYTES // 1024} KB",
            "415": "Content-Type is not application/json or text/plain"}


def _conduct_rule(schema: dict) -> dict:
    """POST /api/letters: a conduct complaint (效能投诉) requires `about` and takes no
    `department`; any other type takes no `about`."""
    schema["if"] = {"properties": {"type": {"const": "efficiency"}}, "required": ["type"]}
    schema["then"] = {"required": ["about"], "properties": {
        "about": {"type": "object"}, "department": {"type": "null"}}}
    schema["else"] = {"properties": {"about": {"type": "null"}}}
    return schema


def _operations(departments: list[str]) -> list[tuple[str, str, str, dict | None, dict[str, str]]]:
    """(method, path, summary, request body schema or None, {status: description})."""
    dept = choice(departments)
    reason = text(commands.REASON_MAX, required=True)
    ops: list[tuple[str, str, str, dict | None, dict[str, str]]] = [
        ("get", "/api/health", "Health check", None, {"200": "ok"}),
        ("get", "/api/departments", "Departments that answer letters", None, {"200": "list"}),
        ("post", "/api/letters", "Submit a letter", _conduct_rule(obj({
            "type": choice(LetterType), "subject": text(commands.SUBJECT_MAX, required=True),
            "body": text(commands.BODY_MAX, required=True),
            "department": choice(departments, nullable=True),
            "name": text(commands.NAME_MAX), "phone": PHONE, "email": EMAIL,
            "public": {"type": ["boolean", "null"]}, "idempotency_key": IDEMPOTENCY_KEY,
            "campaign": CAMPAIGN,
            "leader": LEADER,
            "about": _about(departments),
            "website": {"type": ["string", "null"], "pattern": _BLANK,
                        "description": "the form's honeypot: must be empty"}},
            ["type", "subject", "body"])),
         {"201": "created", "200": "replay of an idempotent request (uses no quota)",
          "400": "invalid_choice, required, empty, too_long, wrong_type, unknown_department, "
                 "invalid (phone, email; about on a type other than efficiency, a department "
                 "with a conduct complaint), field_required (about of a conduct complaint), "
                 "leader_unknown, or refused (the honeypot was "
                 "filled)",
          "409": "idempotency_key_reused, or invalid_transition (a conduct complaint and no "
                 "supervising office)", "429": "too many letters from this client "
                                                  "(Retry-After)",
          "410": "topic_closed or topic_not_open: the suggestion drive named in `campaign` "
                 "is not open"}),
        ("get", "/api/letters/{tracking_code}", "Track a letter (header X-Letter-Secret); a "
         "letter merged into another as a duplicate has `duplicate_of`: the original's "
         "progress (status, light, department, due date, step dates; the published reply and "
         "`url` once it is public), never its text or its writer", None,
         {"200": "the letter as its writer sees it", "404": "unknown code or wrong secret",
          "429": "too many wrong secrets from this client or for this code (Retry-After)"}),
        ("post", "/api/letters/{tracking_code}/rating", "Rate the released reply", obj({
            "score": choice(Score), "comment": text(commands.COMMENT_MAX),
            "resolved": choice(Resolution, nullable=True)}, ["score"]),
         {"201": "rated", "400": "invalid (score, resolved), too_long, wrong_type",
          "404": "unknown",
          "409": "no reply yet, or already rated",
          "429": "too many wrong secrets from this client or for this code (Retry-After)"}),
        ("post", "/api/letters/{tracking_code}/secret", "Ask for a new tracking secret, sent "
         "to the phone or e-mail address given with the letter; the old one stops working",
         obj({"contact": CONTACT}, ["contact"]),
         {"202": "accepted: the same answer whether or not the code and contact matched",
          "400": "required, empty, too_long, invalid_contact (not a phone number or e-mail "
                 "address)",
          "429": "too many requests from this client or for this code (Retry-After)"}),
        ("post", "/api/letters/{letter_id}/votes", "Vote a published reply up or down",
         obj({"direction": choice(("up", "down"))}, ["direction"]),
         {"202": "accepted", "400": "invalid_choice", "404": "no such published letter",
          "429": "too many votes from this client (Retry-After)"}),
        ("post", "/api/comments/{comment_id}/votes", "Vote a published consultation comment "
         "or interview answer up or down (an answer is voted through its question's id); "
         "one vote per client and comment",
         obj({"direction": choice(("up", "down"))}, ["direction"]),
         {"202": "accepted: {id, counted, up, down}", "400": "invalid_choice",
          "404": "no such published comment",
          "429": "too many votes from this client (Retry-After)"}),
        ("post", "/api/suggest", "Suggest the category and department of a letter being "
         "written (the category model; up to 3, best first)", obj({
             "subject": text(commands.SUBJECT_MAX, required=True),
             "body": text(commands.BODY_MAX)}, ["subject"]),
         {"200": "suggestions and the model's version and evaluation",
          "400": "required, empty, too_long, wrong_type, unknown_field",
          "429": "too many suggestion requests from this client (Retry-After)"}),
        ("get", "/api/openapi.json", "This document", None, {"200": "OpenAPI 3"}),
        ("post", "/api/staff/login", "Log in", obj({
            "username": {"type": "string", "pattern": _NO_NUL},
            "password": {"type": "string", "pattern": _NO_NUL}},
            ["username", "password"]),
         {"200": "token", "401": "bad credentials",
          "429": "too many wrong passwords from this client or for this username "
                 "(Retry-After)"}),
        ("get", "/api/staff/letters", "Inbox, one page (clerk: own department; office: all; "
         "leader: the letters addressed or escalated to them, paged, other filters ignored), "
         "newest first; `q` searches tracking code, phone, subject and body (letters and "
         "digits, punctuation ignored). The light and rating filters are the office's queues, "
         "most urgent first; status=replied&rating=unsatisfied is the re-do queue and also "
         "matches released replies", None,
         {"200": "one page: {rows, total, page, per_page, complete}",
          "400": "invalid_choice (status, light, rating), unknown_department, out_of_range "
                 "(page, per_page), too_long or invalid (q without letters or digits)",
          "403": "not allowed (a clerk asking for another department)"}),
        ("post", "/api/staff/letters", "Take down a letter from another channel of the "
         "hotline (office, operator): the body of POST /api/letters with `channel` (not web) "
         "and `received_at`, when the hotline received it (ISO-8601 with its offset, at most "
         f"{channels.MAX_AGE.days} days ago, not in the future); the writer gets the code and "
         "secret by SMS or e-mail when a mobile or address is given (`sent_to`)", obj({
            "type": choice(LetterType), "subject": text(commands.SUBJECT_MAX, required=True),
            "body": text(commands.BODY_MAX, required=True),
            "department": choice(departments, nullable=True),
            "name": text(commands.NAME_MAX), "phone": PHONE, "email": EMAIL,
            "public": {"type": ["boolean", "null"]}, "idempotency_key": IDEMPOTENCY_KEY,
            "leader": LEADER, "about": _about(departments),
            "channel": choice(channels.TAKEN),
            "received_at": {"type": "string", "format": "date-time", "maxLength": 40}},
            ["type", "subject", "body", "channel", "received_at"]),
         {"201": "{id, tracking_code, secret, status, channel, received_at, sent_to}",
          "200": "replay of an idempotent request",
          "400": "invalid_choice, required, empty, too_long, wrong_type, unknown_department, "
                 "invalid (phone, email), web_channel, invalid_datetime, received_in_future, "
                 "received_too_long_ago",
          "403": "not the office or an operator", "409": "idempotency_key_reused"}),
        ("get", "/api/staff/dashboard", "Supervision dashboard (office): active letters by "
         "light and department, queues, red letters, requests refused as abuse per kind "
         "(`abuse`)", None, {"200": "figures", "403": "not the office"}),
        ("get", "/api/staff/reports", "The weekly reports (office, admin): the ISO weeks with a "
         "report, newest first", None, {"200": "{weeks: [{week, url}]}",
                                        "403": "not the office or an admin"}),
        ("get", "/api/staff/reports/{week}", "One week's report (office, admin): received by "
         "channel, type and category, lights and late departments, re-dos and unsatisfied "
         "ratings, the hot topics, five notable letters", None,
         {"200": "{week, from, to, computed_at, formula, topics, figures}",
          "400": "week_format (a week is written 2026-W07)", "403": "not the office or an admin",
          "404": "no report for the week"}),
        ("get", "/api/staff/letters/{letter_id}", "One letter with private fields and history; "
         "`suggested` (category and department), `similar`: letters that may be the same "
         "matter, best first, `[{id, subject, status, score, same_contact}]` (the same contact "
         "at any age, near-identical text within 30 days; a clerk sees the department's own "
         "only), `duplicate_of` and `duplicates` (the letters merged into this one)",
         None, {"200": "letter", "403": "another department", "404": "unknown"}),
        ("get", "/api/staff/letters/{letter_id}/preview", "The public version as the next "
         "approval would publish it (office): masked name, redacted subject, body and reply "
         "with the office's wording; `{subject, body, reply, name, edited}`, paragraphs "
         "separated by a blank line", None,
         {"200": "public version", "403": "not the office", "404": "unknown"}),
        ("post", "/api/staff/letters/{letter_id}/preview", "The public version of a draft "
         "(office): `public_subject`, `public_body`, `public_reply` as the approval takes "
         "them; nothing is saved", obj({
             "public_subject": text(commands.SUBJECT_MAX), "public_body": text(commands.BODY_MAX),
             "public_reply": text(commands.REPLY_MAX)}),
         {"200": "public version", "400": "too_long, wrong_type", "403": "not the office",
          "404": "unknown"}),
        # services/privacy.py: every read of the private fields (GET letter, preview)
        ("get", "/api/staff/letters/{letter_id}/access", "Who read the letter's private "
         "fields (admin): `{letter_id, records: [{at, who, what}]}`, oldest first; `what` is "
         "`letter` (GET /api/staff/letters/{id}), `preview`, or `action` (a staff action's "
         "answer, the staff view)", None,
         {"200": "access records", "403": "not an admin", "404": "unknown"}),
    ]
    actions: list[tuple[str, dict, list[str]]] = [
        ("dispatch", {"department": dept}, ["department"]),
        ("reject", {"reason": reason, "duplicate_of": {
            "type": ["string", "null"], "maxLength": LETTER_ID_MAX,
            "pattern": "^[A-Za-z0-9_-]*$",
            "description": "the id of the letter this one repeats (重复件; pick one of the "
                           "staff view's `similar`), or null for an invalid letter: both "
                           "letters are linked and the writer's tracking page follows the "
                           "original's progress (`duplicate_of` on GET /api/letters/{code})"}},
         ["reason"]),
        ("sign", {}, []),
        ("transfer", {"reason": reason}, ["reason"]),
        ("extension", {"working_days": {"type": "integer", "minimum": 1,
                                        "maximum": EXTENSION_MAX_DAYS},
                       "reason": reason}, ["working_days", "reason"]),
        ("extension/approve", {}, []),
        ("extension/deny", {"reason": reason}, ["reason"]),
        ("reply", {"body": text(commands.REPLY_MAX, required=True)}, ["body"]),
        ("approve", {"publish": {"type": ["boolean", "null"]}, "category": text(40),
                     "public_subject": text(commands.SUBJECT_MAX),
                     "public_body": text(commands.BODY_MAX),
                     "public_reply": text(commands.REPLY_MAX),
                     "adopted": {"type": ["boolean", "null"],
                                 "description": "a suggestion sent to a drive: whether it "
                                                "was adopted (400 not_a_campaign_letter "
                                                "for any other letter)"}}, []),
        ("redo", {"reason": reason}, ["reason"]),
        ("keep", {"reason": reason}, ["reason"]),
        # services/leaders.py: the office sends a key letter up to a leader (呈报), and the
        # office (naming the leader) or that leader records the instruction (批示)
        ("escalate", {"leader": {**LEADER, "type": "string"},
                      "note": text(NOTE_MAX)}, ["leader"]),
        ("instruction", {"text": text(INSTRUCTION_MAX, required=True),
                         "leader": {**LEADER, "type": "string",
                                    "description": "the leader whose instruction it is: "
                                    "required of the office; a leader's own account may "
                                    "leave it out (it is the account's leader)"}},
         ["text", "leader"]),

        # services/erasure.py: a writer's erasure request, handled by the office
        ("erase", {"reason": text(500, required=True)}, ["reason"]),
        ("supervise", {"reason": text(500, required=True), "due": {
            "type": ["string", "null"], "format": "date",
            "description": "the office's own date (YYYY-MM-DD, not in the past), or null for "
                           "the letter's reply due"}}, ["reason"]),
    ]
    for action, props, required in actions:
        responses = {"200": "the changed letter",
                     "400": "required, empty, too_long, wrong_type, unknown_department, "
                            "invalid",
                     "403": "not allowed", "404": "unknown",
                     "409": "invalid_transition, already_kept or concurrent_update"}
        if action in ("escalate", "instruction"):
            responses["400"] += ", leader_unknown"
            responses["403"] += " (a leader's account: a letter not addressed or sent to it)"
            responses["409"] += ", already_escalated (to that leader)"
        if action == "dispatch":
            responses["409"] += ", conduct_office_only (a conduct complaint goes to the " \
                                "supervising office only)"
        if action == "supervise":
            responses["400"] += ", invalid_date (due not a date, or in the past)"
            responses["409"] += ", already_listed (listed and not yet answered)"
        if action == "erase":
            responses["409"] += ", already_erased (no personal data left to remove)"
        if action == "reject":
            responses["400"] += ", duplicate_of_self"
            responses["404"] += ", or duplicate_of_unknown (no letter with that id)"
            responses["409"] += ", duplicate_of_duplicate (the original is itself a " \
                                "duplicate: the message names its original)"
        ops.append(("post", f"/api/staff/letters/{{letter_id}}/{action}",
                    f"Letter action: {action}", obj(props, required), responses))
    comment_body = text(C.COMMENT_MAX, required=True)
    ops += [
        ("get", "/api/topics", "Consultations (hearings, deliberations, solicitations, "
         "surveys, interviews) with their status as of now", None, {"200": "list"}),
        ("get", "/api/topics/{topic_id}", "One topic; a solicitation's numbered paragraphs, a "
         "survey's questions, an interview's session and guests", None,
         {"200": "topic", "404": "unknown"}),
        ("post", "/api/topics/{topic_id}/comments", "Comment on an open topic (moderated "
         "before it is published); an interview question names a guest department", obj({
             "body": comment_body,
             "stance": {**choice(Stance, nullable=True),
                        "description": "the hearing and deliberation forms ask for one; a "
                                       "solicitation's may leave it out; an interview "
                                       "question has none"},
             "paragraph": {"type": ["integer", "null"],
                           "description": "a solicitation's paragraph number"},
             "department": {"type": ["string", "null"], "pattern": _NO_NUL,
                            "description": "an interview's guest department"},
             "name": text(C.NAME_MAX), "idempotency_key": IDEMPOTENCY_KEY}, ["body"]),
         {"202": "accepted, pending moderation (also the replay of an idempotent request)",
          "400": "required, empty, too_long, wrong_type, invalid_choice (stance); and by the "
                 "topic: wrong_kind (a survey), no_stance, unknown_department, no_department, "
                 "no_paragraphs, unknown_paragraph",
          "404": "unknown topic", "409": "idempotency_key_reused",
          "410": "topic_not_open or topic_closed", "429": "too many comments from this client"}),
        ("post", "/api/surveys/{survey_id}/responses", "Answer an open survey", obj({
            "answers": {"type": "object", "propertyNames": {"pattern": _NO_NUL},
                        "additionalProperties": {
                            "type": ["string", "array"], "pattern": _NO_NUL,
                            "items": {"type": "string", "pattern": _NO_NUL}}},
            "idempotency_key": IDEMPOTENCY_KEY}, ["answers"]),
         {"202": "accepted (also the replay of an idempotent request)",
          "400": "by the survey's questions: wrong_type, empty, unknown_question, required, "
                 "invalid_choice, duplicate_choice, too_many_choices, too_long",
          "404": "unknown survey",
          "409": "idempotency_key_reused, or already_answered: this survey was answered today "
                 "from the client's network",
          "410": "topic_not_open or topic_closed", "429": "too many requests"}),
        ("get", "/api/staff/topics", "Topics with their counts and stored outcome (office: "
         "all; clerk: own department's)", None, {"200": "list", "403": "not allowed"}),
        ("get", "/api/staff/comments", "Moderation queue (topic, status filters; office), or "
         "an interview's questions (clerk of a guest department, topic required)", None,
         {"200": "list", "400": "invalid_choice (status)", "403": "not allowed",
          "404": "unknown topic"}),
        ("post", "/api/staff/comments/{comment_id}/approve", "Approve a pending comment "
         "(office)", obj({}),
         {"200": "the comment", "403": "not allowed", "404": "unknown",
          "409": "invalid_transition"}),
        ("post", "/api/staff/comments/{comment_id}/reject", "Reject a comment with a reason "
         "(office); an approved one is taken down",
         obj({"reason": text(C.REASON_MAX, required=True)}, ["reason"]),
         {"200": "the comment", "400": "required, empty, too_long, wrong_type",
          "403": "not allowed", "404": "unknown", "409": "invalid_transition"}),
        ("post", "/api/staff/comments/{comment_id}/answer", "Answer an interview question "
         "(office, or a clerk of a guest department); published at once",
         obj({"body": text(C.ANSWER_MAX, required=True)}, ["body"]),
         {"200": "the comment", "400": "required, empty, too_long, wrong_type",
          "403": "not allowed", "404": "unknown",
          "409": "not_an_interview, already_answered or invalid_transition"}),
        ("post", "/api/staff/topics/{topic_id}/outcome", "Publish (or replace) a closed "
         "topic's outcome (office)", obj({
             "summary": text(C.OUTCOME_SUMMARY_MAX, required=True),
             "items": {"type": ["array", "null"], "maxItems": C.OUTCOME_ITEMS_MAX,
                       "items": obj({
                           "comment_id": {"type": ["string", "null"], "pattern": _NO_NUL,
                                          "description": "an approved comment of this topic"},
                           "decision": choice(Decision),
                           "reason": text(C.REASON_MAX * 2, required=True),
                           "opinion": text(C.COMMENT_MAX)}, ["decision", "reason"])}},
             ["summary"]),
         {"200": "the published outcome",
          "400": "required, empty, too_long, wrong_type, invalid_choice; and by the topic's "
                 "comments: unknown_comment, not_approved, duplicate_comment",
          "403": "not allowed", "404": "unknown", "409": "topic_open"}),
    ]
    ops += openapi_interviews.operations(choice, obj, text)
    return ops


def _inbox_row() -> dict:
    return {"type": "object", "properties": {
        k: {"type": ["string", "null"]} for k in (
            "id", "tracking_code", "type", "subject", "status", "department",
            "requested_department", "light", "due", "submitted_at", "rating")}}


def _query(name: str, schema: dict, description: str | None = None) -> dict:
    param: dict[str, Any] = {"name": name, "in": "query", "schema": schema}
    if description:
        param["description"] = description
    return param


def _query_parameters(departments: list[str]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Query parameters of the routes that have them; an empty value means "not given"."""
    def opt(values: Iterable[str]) -> dict:
        return {"enum": [""] + [str(v) for v in values]}
    return {
        ("get", "/api/staff/letters"): [
            _query("q", {"type": "string", "anyOf": [
                {"pattern": _BLANK}, {"maxLength": casework.SEARCH_MAX, "pattern": "[^\\W_]"}]},
                   "search words, a tracking code or a phone (part of one): at least one "
                   "letter or digit"),
            _query("page", {"type": "integer", "minimum": 1, "maximum": casework.PAGE_MAX,
                            "default": 1}),
            _query("per_page", {"type": "integer", "minimum": 1, "maximum": casework.PER_PAGE_MAX,
                                "default": casework.PER_PAGE_DEFAULT}),
            _query("status", opt(Status)),
            _query("department", opt(departments)),
            _query("light", opt(Light)),
            _query("rating", opt(Score)),
        ],
        ("get", "/api/staff/comments"): [
            _query("status", opt(CommentStatus)),
            _query("topic", {"type": "string"}, "a topic id (required of a clerk)"),
        ],
    }


SUGGESTION = {"type": "object", "required": ["category", "department", "score"],
              "properties": {"category": {"type": "string"}, "department": {"type": "string"},
                             "score": {"type": "number", "minimum": 0, "maximum": 1}}}


def _answers() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        ("post", "/api/suggest"): {
            "type": "object", "required": ["suggestions", "model"],
            "properties": {
                "suggestions": {"type": "array", "maxItems": 3, "items": SUGGESTION},
                "model": {"type": "object", "required": ["version", "trained_at", "evaluation"],
                          "properties": {"version": {"type": "string"},
                                         "trained_at": {"type": "string"},
                                         "evaluation": {"type": "object"}}}}},
        ("get", "/api/staff/letters"): {
            "type": "object", "required": ["rows", "total", "page", "per_page", "complete"],
            "properties": {
                "rows": {"type": "array", "items": _inbox_row()},
                "total": {"type": "integer", "description": "letters matching in all"},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "complete": {"type": "boolean", "description": "false when a word search "
                             "looked only at the newest `searched` letters (DynamoDB)"},
                "searched": {"type": "integer"}}},
    }


# any JSON value the body checks let through (request_body.py): no NUL in a string or a key,
# integers of at most MAX_INT_DIGITS digits, finite numbers
_VALUE = {"anyOf": [
    {"type": ["null", "boolean", "number"]},
    {"type": "string", "pattern": _NO_NUL},
    {"type": "array", "items": VALUE},
    {"type": "object", "propertyNames": {"pattern": _NO_NUL}, "additionalProperties": VALUE}]}


def _leaders() -> list[str]:
    from .. import bootstrap
    return sorted(bootstrap.app().ctx.leaders)


def _leader_fields(ops: list[tuple[str, str, str, dict | None, dict[str, str]]],
                   leaders: list[str]) -> None:
    """A `leader` field takes the ids of content/leaders.yaml (null where it is optional)."""
    for _, _, _, body, _ in ops:
        prop = (body or {}).get("properties", {}).get("leader")
        if body is not None and prop is not None:
            body["properties"]["leader"] = {
                **{k: v for k, v in prop.items() if k not in ("type", "pattern")},
                **choice(leaders, nullable="null" in prop["type"])}


def _departments() -> list[str]:
    from .. import bootstrap
    return sorted(bootstrap.app().ctx.departments)


def _about(departments: list[str]) -> dict:
    """`about` of a letter: the department (and person) a conduct complaint names."""
    return {"anyOf": [{"type": "null"}, {**obj({
        "department": choice(departments), "person": text(commands.NAME_MAX)},
        ["department"]), "description": "type efficiency (效能投诉) only, and then "
        "required: the department (and person) complained about; such a letter "
        "takes no `department`, is private and goes to the supervising office"}]}


def document(departments: Iterable[str] | None = None,
             leaders: Iterable[str] | None = None) -> dict[str, Any]:
    """The document; `departments` are the ids a department field takes, `leaders` a leader
    field (default: the composed app's)."""
    depts = sorted(departments) if departments is not None else _departments()
    queries, answers = _query_parameters(depts), _answers()
    paths: dict[str, dict] = {}
    ops = _operations(depts)
    _leader_fields(ops, sorted(leaders) if leaders is not None else _leaders())
    for method, path, summary, body, own in ops:
        responses: dict[str, str] = {}
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if body is not None:              # every body is checked before the route sees it
            responses.update(_body_errors())
        if params:
            responses["404"] = "no such resource (an id longer than 200 characters, or unknown)"
        staff = "/staff/" in path and not path.endswith("/login")
        if staff:
            responses["401"] = "not logged in, token_expired or token_revoked"
        responses["405"] = "another method on this path (Allow says which)"
        for code, description in own.items():
            responses[code] = (f"{description}; {responses[code]}"
                               if code in responses and code == "400" else description)
        op: dict[str, Any] = {"summary": summary, "responses": {
            code: {"description": responses[code], "content": {"application/json": {
                "schema": ERROR if code.startswith("4") else {}}}}
            for code in sorted(responses)}}
        if (method, path) in answers:
            op["responses"]["200"]["content"]["application/json"]["schema"] = \
                answers[(method, path)]
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True,
                                 "schema": PATH_PARAMS.get(p, {"type": "string"})}
                                for p in params]
        if (method, path) in queries:
            op["parameters"] = op.get("parameters", []) + queries[(method, path)]
        if body is not None:
            # an empty body is read as {} (request_body.parse): optional unless a field is
            op["requestBody"] = {"required": bool(body.get("required")),
                                 "content": {"application/json": {"schema": body}}}
        if staff:
            op["security"] = [{"bearer": []}]
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Wenzheng (问政) API", "version": "1"},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Value": _VALUE, "Error": {
                "type": "object", "required": ["error"], "properties": {
                "error": {"type": "object", "required": ["code", "message", "field"],
                          "properties": {"code": {"type": "string"},
                                         "message": {"type": "string"},
                                         "message_en": {"type": "string"},
                                         "field": {"type": ["string", "null"]}}}}}}},
    }
