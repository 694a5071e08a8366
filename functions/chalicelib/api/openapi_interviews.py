"""The interview programme's operations in the OpenAPI document (`openapi._operations` adds
them), built with its helpers so the schemas say what `parse_interviews.py` checks."""
from __future__ import annotations

from collections.abc import Callable

from ..domain import interviews as I


def operations(choice: Callable[..., dict], obj: Callable[..., dict],
               text: Callable[..., dict]) -> list[tuple[str, str, str, dict | None,
                                                         dict[str, str]]]:
    """`openapi`'s schema helpers are passed in (this module does not import it)."""
    score = {"type": "integer", "minimum": I.SCORE_MIN, "maximum": I.SCORE_MAX}
    return [
        ("post", "/api/staff/comments/{comment_id}/classify", "Classify a question asked in an "
         "interview (office, or a clerk of a guest department): a consultation answered, a "
         "suggestion judged, or a demand that becomes a letter (`letter: true`)",
         obj({"kind": choice(I.QuestionKind),
              "verdict": choice(I.Verdict, nullable=True),
              "letter": {"type": ["boolean", "null"]}}, ["kind"]),
         {"200": "the question with its classification and `letter_id`",
          "400": "invalid_choice, wrong_type, required (a suggestion's verdict), invalid (a "
                 "verdict that is not a suggestion's, a letter that is not a demand's)",
          "403": "not allowed (not the office nor a guest department's clerk)",
          "404": "unknown comment",
          "409": "not_an_interview (not a question of an interview), question_became_letter "
                 "(a letter was made: its kind stays), concurrent_update"}),
        ("post", "/api/staff/topics/{topic_id}/evaluation", "Score an interview session on the "
         "published criteria (evaluator); a second evaluation by the same evaluator revises "
         "the first while the evaluation window is open",
         obj({"scores": {"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                         "additionalProperties": score,
                         "description": "every criterion of GET /api/topics/{topic_id} "
                                        "`criteria`, an integer 1..5"},
              "comment": text(I.EVALUATION_COMMENT_MAX)}, ["scores"]),
         {"200": "the revised evaluation and the session's averages",
          "201": "the first evaluation and the session's averages",
          "400": "wrong_type, required (a criterion not scored), unknown_criterion, "
                 "invalid_score (not an integer 1..5), too_long",
          "403": "not allowed (not an evaluator)", "404": "not an interview",
          "409": "evaluation_not_open (before the session opens), no_criteria, "
                 "concurrent_update",
          "410": "evaluation_closed (the window after the session has passed)"}),
        ("get", "/api/staff/evaluations", "The interview sessions an evaluator may score, with "
         "the criteria and the evaluator's own evaluations (evaluator)", None,
         {"200": "{criteria, sessions, kind}", "403": "not allowed (not an evaluator)"}),
    ]
