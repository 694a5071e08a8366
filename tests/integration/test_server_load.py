"""Many citizens and staff at once through the embedded server: every answer is the caller's own.

32 clients submit 512 letters with fresh idempotency keys over keep-alive connections and open
each letter with the code and secret they were answered with; clerks of one department and the
office interleave on the same letters. Before the app kept its request per thread, runs like
this answered one citizen with another's letter, fresh keys as replays, the office with a
clerk's 403 and the clerk with the office's rights, and reset connections. The figures of the
full-size run are in bench/README.md (`python -m bench.load`).
"""
from __future__ import annotations

from bench.load import identities, prepare_staff, submissions


def test_concurrent_citizens_each_get_their_own_letter(live_server):
    tally = submissions(live_server.url, clients=32, letters=512)
    figures = tally.figures()
    assert tally.problems == [] and tally.resets == 0
    # 512 submissions, 512 tracking reads, a replay for every tenth
    assert figures["requests"] >= 512 * 2 + 512 // 10


def test_staff_identities_never_cross_under_load(live_server):
    tokens, letters, own = prepare_staff(live_server.url)
    tally = identities(live_server.url, clients=32, requests=1600, tokens=tokens,
                       letters=letters, own=own)
    assert tally.problems == [] and tally.resets == 0
    assert tally.figures()["requests"] >= 1600
