"""What the site shows of a topic: approved comments, redacted and with the writer's name
masked, the tallies as figures, and the outcome."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from .. import drive, privacy, text
from .comments import Comment
from .topics import Decision, Kind, Outcome, Topic, label, local_iso_or_none

# --- the public view -----------------------------------------------------------------------

def public_comment(comment: Comment) -> dict[str, Any]:
    """An approved comment as published: text redacted, the writer's name masked."""
    names = [comment.name] if comment.name else []
    body = privacy.redact(comment.body, names=names)
    a = comment.answer
    answer = None
    if a is not None:
        answer_body = privacy.redact(a.body, names=names)
        answer = {"body": answer_body, "paragraphs": text.paragraphs(answer_body),
                  "department": a.department, "at": local_iso_or_none(a.at)}
    return {"id": comment.id, "name": privacy.mask_name(comment.name), "body": body,
            "paragraphs": text.paragraphs(body),
            "stance": str(comment.stance) if comment.stance else None,
            "paragraph": comment.paragraph, "question": comment.question,
            "department": comment.department, "created_at": local_iso_or_none(comment.created_at),
            "answer": answer, "classification": _classification(comment)}


def _classification(comment: Comment) -> dict[str, Any] | None:
    """An interview question's classification as published: the kind, a suggestion's verdict
    and whether it became a letter (not who classified it, nor the letter's id)."""
    c = comment.classification
    if not c:
        return None
    return {"kind": c.get("kind"), "verdict": c.get("verdict"),
            "letter": bool(c.get("letter_id"))}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def public_view(topic: Topic, comments: Iterable[Comment], tallies: Mapping[str, int],
                outcome: Outcome | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """What the results page and `/data/topics/{topic_id}.json` show (shape documented in
    content/consultations.md). Only approved comments, oldest first; counts from `tallies`.
    `outcome` defaults to the topic's; `status` is null unless `now` is given."""
    outcome = outcome if outcome is not None else topic.outcome
    approved = sorted((c for c in comments if c.public and c.topic_id == topic.id),
                      key=lambda c: (c.created_at, c.id))
    # 顶/踩 per comment (an interview answer's are its question's), counted apart (drive.py)
    shown = {c.id: {**public_comment(c), "votes": drive.comment_votes(tallies, c.id)}
             for c in approved}
    opinions = [shown[c.id] for c in approved if c.question is None and c.department is None]
    def tally(key: str) -> int:
        return int(tallies.get(key, 0))

    stance = {s: tally(f"stance:{s}") for s in ("support", "oppose", "neutral", "none")}

    paragraphs = []
    for p in topic.paragraphs:
        on_it = [v for v in opinions if v["paragraph"] == p.n]
        paragraphs.append({"n": p.n, "text": p.text, "comment_count": tally(f"paragraph:{p.n}"),
                           "comments": on_it})
    known = {p.n for p in topic.paragraphs}
    general = [v for v in opinions if v["paragraph"] not in known] if topic.paragraphs else []

    questions = []
    for q in topic.questions:
        respondents = tally(f"question:{q.id}")
        questions.append({
            "id": q.id, "kind": str(q.kind), "text": q.text, "required": q.required,
            "max": q.max, "respondents": respondents,
            "choices": [{"id": c.id, "label": c.label, "count": tally(f"choice:{q.id}:{c.id}"),
                         "share": _rate(tally(f"choice:{q.id}:{c.id}"), respondents)}
                        for c in q.choices],
            "answers": [shown[c.id] for c in approved if c.question == q.id],
            "answer_count": tally(f"text:{q.id}")})

    interview = None
    transcript: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    if topic.kind == Kind.interview:
        depts = list(topic.departments)
        depts += sorted({k.split(":", 1)[1] for k in tallies
                         if k.startswith(("asked:", "answered:"))} - set(depts))
        rows: list[dict[str, Any]] = [
            {"department": d, "asked": tally(f"asked:{d}"), "answered": tally(f"answered:{d}"),
             "answer_rate": _rate(tally(f"answered:{d}"), tally(f"asked:{d}"))}
            for d in depts]
        asked = sum(r["asked"] for r in rows)
        answered = sum(r["answered"] for r in rows)
        interview = {"asked": asked, "answered": answered, "answer_rate": _rate(answered, asked),
                     "departments": rows}
        questions_asked = [c for c in approved if c.department is not None
                           and c.question is None]
        transcript = [shown[c.id] for c in sorted(
            (c for c in questions_asked if c.answer is not None),
            key=lambda c: (c.answer.at, c.id))]  # type: ignore[union-attr]
        waiting = [shown[c.id] for c in questions_asked if c.answer is None]

    return {
        "id": topic.id, "kind": str(topic.kind), "kind_label": label(topic.kind),
        "kind_label_en": label(topic.kind, "en"), "title": topic.title,
        "title_en": topic.title_en, "summary": topic.summary, "summary_en": topic.summary_en,
        "url": topic.url, "data_url": f"/data/topics/{topic.id}.json",
        "department": topic.department, "departments": list(topic.departments),
        "opens": local_iso_or_none(topic.opens), "closes": local_iso_or_none(topic.closes),
        "starts": local_iso_or_none(topic.starts), "ends": local_iso_or_none(topic.ends),
        "status": str(topic.status(now)) if now is not None else None,
        "background": topic.background,
        "guests": [{"department": g.department, "name": g.name, "title": g.title}
                   for g in topic.guests],
        "figures": {"comments": sum(stance.values()), "stance": stance,
                    "responses": tally("responses")},
        "comments": opinions,
        "paragraphs": paragraphs,
        "general_comments": general,
        "questions": questions,
        "interview": interview,
        "transcript": transcript,
        "waiting": waiting,
        "outcome": _public_outcome(outcome, shown),
        "drive": drive.figures(tallies) if topic.kind == Kind.drive else None,
    }


def _public_outcome(outcome: Outcome | None, shown: Mapping[str, dict[str, Any]]
                    ) -> dict[str, Any] | None:
    if outcome is None:
        return None
    counts = {str(d): 0 for d in Decision}
    items = []
    for item in outcome.items:
        counts[str(item.decision)] += 1
        items.append({"comment_id": item.comment_id,
                      "comment": shown.get(item.comment_id) if item.comment_id else None,
                      "decision": str(item.decision), "decision_label": label(item.decision),
                      "decision_label_en": label(item.decision, "en"),
                      "reason": privacy.redact(item.reason),
                      "opinion": privacy.redact(item.opinion) if item.opinion else None})
    summary = privacy.redact(outcome.summary)
    return {"summary": summary, "summary_paragraphs": text.paragraphs(summary),
            "at": local_iso_or_none(outcome.at), "revision": outcome.revision, "counts": counts,
            "items": items}
