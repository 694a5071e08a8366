"""POST /api/comments/{id}/votes: the public's 顶/踩 on a published consultation comment or an
interview answer (Qingdao 2017: 顶踩 on posts and replies), counted apart from stances, ratings
and tallies of opinions.

The same mechanism as the votes on letters (`letters.vote`): one vote per client (the keyed hash
of its network, `api.letters.client_hash`) and comment, kept in the store's vote records; a
client's later votes on the same comment, either way, are not counted (`counted: false`), as
for letters; the hourly vote quota is the letters' (`abuse.take_vote_quota`). The counts are
counters in the topic's tallies (`domain/drive.py`: `up:{id}`, `down:{id}`), added atomically in
the vote's commit with a change record naming the topic, so its page and data file are rebuilt.
An interview answer has no id of its own: the question's comment id stands for it.
"""
from __future__ import annotations

from typing import Any

from ..domain import drive
from ..domain.consultations import Kind
from ..domain.errors import NotFound
from .commands import Vote
from .context import Context, retry_on_conflict


def vote_comment(ctx: Context, comment_id: str, command: Vote, voter: str) -> dict[str, Any]:
    """{id, counted, up, down}: the comment's counts after this vote."""

    def attempt() -> dict[str, Any]:
        with ctx.store.unit_of_work() as uow:
            comment = uow.get_comment(comment_id)
            if comment is None or not comment.public:
                raise NotFound("published_comment_not_found")
            topic = uow.get_topic(comment.topic_id)
            if topic is None or topic.kind == Kind.drive:
                raise NotFound("published_comment_not_found")
            counted = uow.add_comment_vote(comment, voter, command.direction)
            if counted:
                uow.commit()
        votes = drive.comment_votes(ctx.store.topic_tallies(comment.topic_id), comment.id)
        return {"id": comment.id, "counted": counted, **votes}

    # different voters never conflict (counters are added); the same voter twice at once does,
    # and the retry reads the winner's vote record
    return retry_on_conflict(5, attempt)
