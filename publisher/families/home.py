"""The home page (`/`): the latest 10 replies, the latest notices, the city's figures and the
open consultations.

What it reads: the latest published letters (any public change), the running totals (any
change that moved figures) and the consultations (a public change to a topic). The notices come
from content/ (a redeploy, so a full build).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.statistics import totals
from chalicelib.services.ports import Change

from ..content import Content
from ..keys import HOME_SIZE, NOTICES_ON_HOME, PageKey, periods_of
from ..snapshot import Snapshot
from . import consultations
from .family import Family

if TYPE_CHECKING:
    from ..render import Output, Renderer


def reads(change: Change, snap: Snapshot, content: Content) -> set[PageKey]:
    if change.public or periods_of(change) or consultations.public_topics(change):
        return {("home",)}
    return set()


def home(r: Renderer) -> Output:
    return r.html(
        "index.html", "home.html", "home",
        letters=r.views(r.snap.latest_published(HOME_SIZE)),
        notices=list(r.content.notices[:NOTICES_ON_HOME]),
        figures=totals(r.snap.stats("all")),
        consultations=consultations.open_consultations(r))


FAMILY = Family(name="home", renderers={"home": home},
                pages=lambda snap, content: [("home",)], reads=reads)
