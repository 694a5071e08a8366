"""Consultations defined by commit: content/{hearings,…}/*.md is checked (each error names the
file and the field), registered in the store by `wenzheng topics register`, `serve` and `build`,
and the demo city's topics and participation."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.sqlite import SqliteStore
from chalicelib.adapters.topic_files import TopicFileError, load_topics
from chalicelib.api import parse
from chalicelib.domain import consultations as C
from chalicelib.domain.errors import Conflict
from chalicelib.services import topics as topic_services
from fakes import cst, topic
from wenzheng.demo import seed_consultations

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"

HEARING = """---
id: {id}
title: 出租车运价听证
departments: [transport]
opens: 2026-11-01
closes: 2027-01-31
---
背景。
"""


@pytest.fixture
def content(tmp_path) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    shutil.copy(CONTENT / "departments.yaml", root / "departments.yaml")
    return root


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def front(fields: str, body: str = "背景。") -> str:
    return f"---\n{fields.strip()}\n---\n{body}\n"


BASE = "id: t1\ntitle: 标题\ndepartments: [transport]\nopens: 2026-11-01\ncloses: 2026-12-31\n"
CHOICES = "    choices: [{id: a, label: A}, {id: b, label: B}]\n"

MALFORMED = [
    # (file, text, field, words in the message)
    ("hearings/a.md", front(BASE.replace("[transport]", "[transport, nowhere]")),
     "departments[1]", "unknown department"),
    ("hearings/a.md", front(BASE.replace("closes: 2026-12-31", "closes: 2026-10-01")),
     "closes", "after opens"),
    ("hearings/a.md", front(BASE.replace("opens: 2026-11-01", "opens: 2026-11-31")),
     "opens", "not a date"),
    ("hearings/a.md", front(BASE.replace("opens: 2026-11-01", "opens: next monday")),
     "opens", "not a date"),
    ("hearings/a.md", front(BASE.replace("id: t1", "id: Bad_Id")), "id", "slug"),
    ("hearings/a.md", front(BASE + "colour: red"), "colour", "unknown field"),
    ("hearings/a.md", front(BASE.replace("title: 标题\n", "")), "title", "required"),
    ("hearings/a.md", "no front matter here\n", None, "front matter"),
    ("hearings/a.md", "---\nid: [unclosed\n---\n", None, "not valid YAML"),
    ("hearings/a.md", "---\n- a list\n---\n", None, "mapping"),
    ("hearings/a.md", "---\nid: x\n", None, "not closed"),
    ("solicitations/a.md", front(BASE), "draft", "draft"),
    ("solicitations/a.md", front(BASE + "draft: ['第一条', '']"), "draft[1]", "non-empty"),
    ("surveys/a.md", front(BASE + "questions:\n  - {id: q1, kind: single, text: 问题}"),
     "questions[0].choices", "at least two choices"),
    ("surveys/a.md", front(BASE + "questions:\n  - id: q1\n    kind: multiple\n    text: 问\n"
                           "    max: 3\n" + CHOICES), "questions[0].max", "only 2 choices"),
    ("surveys/a.md", front(BASE + "questions:\n  - id: q1\n    kind: text\n    text: 问\n"
                           + CHOICES), "questions[0].choices", "no choices"),
    ("surveys/a.md", front(BASE + "questions:\n  - id: q1\n    kind: single\n    text: 问\n"
                           + CHOICES + "  - id: q1\n    kind: single\n    text: 问\n" + CHOICES),
     "questions[1].id", "duplicate"),
    ("surveys/a.md", front(BASE), "questions", "non-empty list"),
    ("interviews/a.md", front(BASE + "starts: 2026-11-12T09:30\nends: 2026-11-12T09:00\n"
                              "guests: [{department: transport, name: 李, title: 局长}]"),
     "ends", "after starts"),
    ("interviews/a.md", front(BASE + "starts: 2026-11-12T09:30\nends: 2026-11-12T11:00\n"
                              "guests: [{department: housing, name: 李, title: 局长}]"),
     "guests[0].department", "not among"),
    ("interviews/a.md", front(BASE + "starts: 2026-11-12T09:30\nends: 2026-11-12T11:00"),
     "guests", "guests"),
]


@pytest.mark.parametrize("rel,text,field,words", MALFORMED,
                         ids=[f"{r}:{f}:{i}" for i, (r, _, f, _) in enumerate(MALFORMED)])
def test_a_malformed_topic_file_is_an_error_naming_file_and_field(content, rel, text, field,
                                                                  words):
    path = write(content, rel, text)
    with pytest.raises(TopicFileError) as err:
        load_topics(content)
    assert err.value.file == str(path) and err.value.field == field
    message = str(err.value)
    assert message.startswith(f"{path}: " + (f"{field}: " if field else "")), message
    assert words in message


def test_duplicate_ids_across_kinds_name_the_second_file(content):
    write(content, "hearings/a.md", HEARING.format(id="same"))
    second = write(content, "surveys/b.md", front(
        BASE.replace("id: t1", "id: same") + "questions:\n  - {id: q, kind: text, text: 问}"))
    with pytest.raises(TopicFileError) as err:
        load_topics(content)
    assert err.value.file == str(second) and err.value.field == "id"
    assert "hearings/a.md" in str(err.value)


def test_other_files_are_ignored_and_sources_recorded(content):
    write(content, "hearings/taxi.md", HEARING.format(id="taxi"))
    write(content, "hearings/README.md", "说明，不是议题")
    write(content, "hearings/_draft.md", "还没写完")
    write(content, "hearings/notes.txt", "x")
    (t,) = load_topics(content)
    assert (t.id, t.kind, t.source, t.background) == (
        "taxi", "hearing", "hearings/taxi.md", "背景。")
    assert t.closes == cst(2027, 2, 1, 0, 0)       # a date alone closes at the end of that day


# --- the demo city's topics ----------------------------------------------------------------------

def test_the_repository_content_defines_the_demo_consultations():
    topics = {t.id: t for t in load_topics(CONTENT)}
    now = cst(2026, 11, 23, 9)
    by = lambda kind, status: [t for t in topics.values()  # noqa: E731
                               if t.kind == kind and t.status(now) == status]
    assert by("hearing", "open") and by("survey", "open")
    (draft,) = by("solicitation", "open")
    assert 8 <= len(draft.paragraphs) <= 12
    (closed,) = by("solicitation", "closed")
    assert closed.closes == cst(2026, 10, 1, 0, 0)
    # the interview programme's held sessions (content/interviews/plan-2026.yaml) are closed
    interview = topics["traffic-congestion-2026-11"]
    assert interview in by("interview", "closed") and len(by("interview", "closed")) >= 3
    assert {g.department for g in interview.guests} == {"transport", "public-security"}
    survey = by("survey", "open")[0]
    assert {q.kind for q in survey.questions} == set(C.QuestionKind)


def test_the_demo_seeds_participation_in_every_consultation(ctx, clock):
    ctx.departments = bootstrap.load_departments(CONTENT)
    now = cst(2026, 11, 23, 9)
    topic_services.register_topics(ctx, load_topics(CONTENT))
    added = seed_consultations(ctx, now)
    # drives take letters, not comments: wenzheng/demo_drive.py seeds them (test_drive.py)
    assert set(added) == {t.id for t in ctx.store.list_topics() if t.kind != C.Kind.drive}
    store = ctx.store
    for t in store.list_topics():
        tallies = store.topic_tallies(t.id)
        assert tallies == C.recompute(store.topic_comments(t.id), store.topic_responses(t.id))
        view = topic_services.public_topic(store, t.id, now)
        assert view["status"] == t.status(now)
        for c in store.topic_comments(t.id):
            assert c.created_at <= now and t.opens <= c.created_at < t.closes
    hearing = topic_services.public_topic(store, "taxi-fares-2026")
    assert hearing["figures"]["comments"] > 5
    assert {c.status for c in store.topic_comments("taxi-fares-2026")} == {
        "approved", "pending", "rejected"}
    assert "13912345678" not in repr(hearing)
    interview = topic_services.public_topic(store, "traffic-congestion-2026-11")
    assert interview["transcript"] and interview["interview"]["answered"] >= 5
    outcome = topic_services.public_topic(store, "metro-fare-adjustment")["outcome"]
    assert outcome and outcome["counts"]["adopted"] >= 1 and outcome["counts"]["not_adopted"] >= 1
    assert all(i["comment"] for i in outcome["items"] if i["comment_id"])
    survey = topic_services.public_topic(store, "public-transport-2026")
    assert survey["figures"]["responses"] >= 30 and survey["questions"][-1]["answers"]
    # seeding again adds nothing
    assert seed_consultations(ctx, now) == {}


def test_every_seeded_hearing_comment_has_a_stance(ctx):
    """A hearing's form requires a stance, so the demo's comments (in every state, the
    moderation queue shows them all) never say 未表态."""
    ctx.departments = bootstrap.load_departments(CONTENT)
    topic_services.register_topics(ctx, load_topics(CONTENT))
    seed_consultations(ctx, cst(2026, 11, 23, 9))
    checked = 0
    for t in ctx.store.list_topics():
        if t.kind not in ("hearing", "deliberation"):
            continue
        for c in ctx.store.topic_comments(t.id):
            assert c.stance in ("support", "oppose", "neutral"), (t.id, c.body)
            checked += 1
        assert ctx.store.topic_tallies(t.id).get("stance:none", 0) == 0
    assert checked >= 10


# --- registration --------------------------------------------------------------------------------

def test_registration_adds_updates_and_keeps_participation(ctx):
    report = topic_services.register_topics(ctx, [topic(), topic("survey", "s")])
    assert report == {"added": ["hearing-1", "s"], "updated": [], "unchanged": []}
    topic_services.add_comment(ctx, "hearing-1", parse.add_comment({"body": "意见"}))
    changed = topic(title="改过的标题")
    report = topic_services.register_topics(ctx, [changed, topic("survey", "s")])
    assert report == {"added": [], "updated": ["hearing-1"], "unchanged": ["s"]}
    stored = ctx.store.get_topic("hearing-1")
    assert stored.title == "改过的标题" and stored.version == 2
    assert len(ctx.store.topic_comments("hearing-1")) == 1
    change = ctx.store.pending_changes(100)[-1]
    assert change.topics == ["hearing-1"] and change.public


def test_a_topic_id_keeps_its_kind(ctx):
    topic_services.register_topics(ctx, [topic("hearing", "x")])
    with pytest.raises(Conflict) as err:
        topic_services.register_topics(ctx, [topic("deliberation", "x")])
    assert err.value.code == "kind_changed"


# --- the command line ----------------------------------------------------------------------------

def wenzheng(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wenzheng.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "WENZHENG_STAGE": "local",
                               "WENZHENG_STORE": "sqlite", **(env or {})})


def test_topics_register_from_the_shell(tmp_path):
    first = wenzheng("topics", "register", "--data", str(tmp_path))
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert len(report["added"]) == len(load_topics(CONTENT)) and not report["updated"]
    again = json.loads(wenzheng("topics", "register", "--data", str(tmp_path)).stdout)
    assert again["added"] == [] and sorted(again["unchanged"]) == sorted(report["added"])
    assert len(SqliteStore(tmp_path / "wenzheng.sqlite3").list_topics()) == len(report["added"])


@pytest.mark.parametrize("command", [["topics", "register"], ["build", "--out", "OUT"]])
def test_a_bad_topic_file_stops_registration_and_the_build(tmp_path, content, command):
    bad = write(content, "surveys/bad.md", front(
        BASE + "questions:\n  - {id: q1, kind: single, text: 问题}"))
    args = [a.replace("OUT", str(tmp_path / "out")) for a in command]
    result = wenzheng(*args, "--data", str(tmp_path / "data"),
                      env={"WENZHENG_CONTENT": str(content)})
    assert result.returncode == 2
    assert f"{bad}: questions[0].choices:" in result.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_opening_and_closing_are_recorded_once_by_the_scheduled_job(ctx):
    from chalicelib.services import supervision
    topic_services.register_topics(ctx, [topic("hearing", "later", opens="2026-12-01",
                                               closes="2026-12-31")])
    store = ctx.store
    assert store.get_topic("later").phase == "upcoming"
    assert supervision.tick(ctx, cst(2026, 11, 30, 23, 59))["topic_phases"] == []
    before = len(store.pending_changes(1000))
    assert supervision.tick(ctx, cst(2026, 12, 1, 0, 15))["topic_phases"] == ["later"]
    change = store.pending_changes(1000)[-1]
    assert len(store.pending_changes(1000)) == before + 1
    assert change.topics == ["later"] and change.public
    assert supervision.tick(ctx, cst(2026, 12, 1, 0, 30))["topic_phases"] == []
    assert supervision.tick(ctx, cst(2027, 1, 1, 0, 0))["topic_phases"] == ["later"]
    assert store.get_topic("later").phase == "closed"
