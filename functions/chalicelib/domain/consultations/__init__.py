"""Consultations: hearings (网上听证), citizen deliberation (市民议政), solicitations on a draft
(意见征集), surveys (网上调查) and online interviews (在线访谈).

The web team defines a topic by commit (`content/consultations.md`; `topic_files.py` reads the
files); `parse_topic` checks one definition and names the field that is wrong. Citizens comment
on a topic (with a stance, a paragraph of the draft, or as a question to an interview's guests)
and answer surveys, only while the topic is open; the office moderates comments
(`pending → approved | rejected`), guests answer interview questions, and after closing the
office publishes the outcome (反馈: each opinion adopted, partly adopted or not adopted, why).

Running tallies per topic are counters (`comment_counts`, `response_counts`) that the store
adds, as differences, in the same transaction as the change, like the letter statistics;
`recompute` folds every stored record into the same counters, and a test holds the store to it.
Counter names:

- `comments`, `status:{pending|approved|rejected}`: every comment (survey text answers too);
- `stance:{support|oppose|neutral|none}`: approved comments (not survey text answers);
- `paragraph:{n}`: approved comments on paragraph n of a solicitation's draft;
- `text:{question}`: approved free-text answers to a survey question;
- `asked:{department}`, `answered:{department}`: interview questions not rejected, and those
  answered, by the department they are addressed to (the answering guest's department);
- `responses`, `question:{question}`, `choice:{question}:{choice}`: survey responses, those
  that answered a question, those that picked a choice.

`public_view` is what the site shows of a topic (the results page and
`/data/topics/{topic_id}.json`): only approved comments, their text redacted (privacy.redact)
and the writer's name masked. Pure: the standard library and the domain only; `now` is always a
parameter.

The package: `topics` (the topic and its labels, limits and time formats), `comments`
(comments, responses and their tallies), `definitions` (`parse_topic`), `views`
(`public_view`); every name is re-exported here, so callers import from `consultations`.
"""
from __future__ import annotations

from ..departments import SLUG  # the publisher reads topic ids with it
from .comments import (
    TRANSITIONS,
    Answer,
    Comment,
    Response,
    comment_counts,
    difference,
    recompute,
    response_counts,
    validate_answers,
)
from .definitions import COMMON_KEYS, KIND_KEYS, TopicError, parse_time, parse_topic
from .topics import (
    ANSWER_MAX,
    CHOICES_MAX,
    COMMENT_MAX,
    FOLDERS,
    ITEM_ID,
    LABELS,
    NAME_MAX,
    OUTCOME_ITEMS_MAX,
    OUTCOME_SUMMARY_MAX,
    PARAGRAPHS_MAX,
    QUESTIONS_MAX,
    REASON_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Choice,
    CommentStatus,
    Decision,
    Guest,
    Kind,
    Outcome,
    OutcomeItem,
    Paragraph,
    Question,
    QuestionKind,
    Stance,
    Topic,
    TopicStatus,
    datetime_or_none,
    iso_or_none,
    label,
    local_iso_or_none,
    local_text,
)
from .views import public_comment, public_view

__all__ = [
    "ANSWER_MAX",
    "Answer",
    "CHOICES_MAX",
    "COMMENT_MAX",
    "COMMON_KEYS",
    "Choice",
    "Comment",
    "CommentStatus",
    "Decision",
    "FOLDERS",
    "Guest",
    "ITEM_ID",
    "KIND_KEYS",
    "Kind",
    "LABELS",
    "NAME_MAX",
    "OUTCOME_ITEMS_MAX",
    "OUTCOME_SUMMARY_MAX",
    "Outcome",
    "OutcomeItem",
    "PARAGRAPHS_MAX",
    "Paragraph",
    "QUESTIONS_MAX",
    "Question",
    "QuestionKind",
    "REASON_MAX",
    "Response",
    "SLUG",
    "SUMMARY_MAX",
    "Stance",
    "TITLE_MAX",
    "TRANSITIONS",
    "Topic",
    "TopicError",
    "TopicStatus",
    "comment_counts",
    "datetime_or_none",
    "difference",
    "iso_or_none",
    "label",
    "local_iso_or_none",
    "local_text",
    "parse_time",
    "parse_topic",
    "public_comment",
    "public_view",
    "recompute",
    "response_counts",
    "validate_answers",
]
