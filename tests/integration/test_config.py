"""content/limits.yaml, content/notifications.yaml and the departments' e-mail, as the one content
loader reads them and the composition root combines them with the settings: the shipped files
load, and every mistake stops the start-up naming the file and the key."""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.senders import CompositeSender, LocalOutboxSender
from chalicelib.bootstrap import (
    Settings,
    StartupError,
    load_content,
    load_departments,
    load_limits,
    make_sender,
    notify_config,
)
from chalicelib.domain.letters import Limits

CONTENT = Path(__file__).resolve().parents[2] / "content"


def load_notify_config(folder: Path, settings: Settings | None = None):
    return notify_config(load_content(folder), settings)


def test_the_shipped_files_give_the_defaults_of_the_sources():
    limits = load_limits(CONTENT)
    assert limits["default"] == Limits(sign_days=1, reply_days=5, yellow_fraction=1 / 3,
                                       max_redos=1, rating_followup_days=3)
    departments = load_departments(CONTENT)
    assert departments["housing"].email == "housing@jiangcheng.example"
    assert all(d.email for d in departments.values())
    config = load_notify_config(CONTENT)
    assert config.office_email == "office@jiangcheng.example" and config.digest_hour == 8
    assert config.site_url == "https://wenzheng.jiangcheng.example"
    assert config.department_emails["water"] == "water@jiangcheng.example"
    assert config.mail_from == "noreply@jiangcheng.example"
    assert config.retry.max_attempts == 5 and config.retry.first_delay == timedelta(minutes=5)
    assert config.expire_after == timedelta(hours=72)
    assert config.signature == "江城市人民政府市长公开电话办公室"


def test_settings_override_the_sender_address_and_the_site(tmp_path):
    settings = Settings(mail_from="wz@mail.gov.example", site_url="http://127.0.0.1:8000/")
    config = load_notify_config(CONTENT, settings)
    assert (config.mail_from, config.site_url) == ("wz@mail.gov.example", "http://127.0.0.1:8000")


@pytest.fixture
def content(tmp_path) -> Path:
    folder = tmp_path / "content"
    folder.mkdir()
    for name in ("departments.yaml", "site.yaml"):
        shutil.copy(CONTENT / name, folder / name)
    return folder


def test_types_override_single_values(content):
    (content / "limits.yaml").write_text(
        "default: {reply_days: 10, yellow_fraction: 0.5}\n"
        "types:\n  consultation: {reply_days: 3}\n  complaint: {max_redos: 2}\n",
        encoding="utf-8")
    limits = load_limits(content)
    assert limits["default"] == Limits(reply_days=10, yellow_fraction=0.5)
    assert limits["consultation"] == Limits(reply_days=3, yellow_fraction=0.5)
    assert limits["complaint"].max_redos == 2 and limits["complaint"].reply_days == 10


BAD_LIMITS = [
    ("defaults: {}\n", "defaults"),
    ("default: {reply_dayz: 5}\n", "default.reply_dayz"),
    ("default: {reply_days: five}\n", "default.reply_days"),
    ("default: {reply_days: 0}\n", "default.reply_days"),
    ("default: {sign_days: 1.5}\n", "default.sign_days"),
    ("default: {max_redos: -1}\n", "default.max_redos"),
    ("default: {rating_followup_days: true}\n", "default.rating_followup_days"),
    ("default: {yellow_fraction: 2}\n", "default.yellow_fraction"),
    ("default: {yellow_fraction: one third}\n", "default.yellow_fraction"),
    ("default: [1, 5]\n", "default"),
    ("types: {praise: {reply_days: 3}}\n", "types.praise"),
    ("types: {complaint: {reply_days: x}}\n", "types.complaint.reply_days"),
    ("types: [complaint]\n", "types"),
    ("- just a list\n", "mapping"),
    ("default: {reply_days: [}\n", "cannot be read"),
]


@pytest.mark.parametrize(("text", "key"), BAD_LIMITS)
def test_a_bad_limits_file_names_the_file_and_the_key(content, text, key):
    (content / "limits.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(StartupError) as info:
        load_limits(content)
    assert "limits.yaml" in str(info.value) and key in str(info.value)


BAD_NOTIFY = [
    ("ofice: {email: a@b.example}\n", "ofice"),
    ("office: {email: not-an-address}\n", "office.email"),
    ("office: {mail: a@b.example}\n", "office.mail"),
    ("digest_hour: 25\n", "digest_hour"),
    ("digest_hour: eight\n", "digest_hour"),
    ("mail_from: nobody\n", "mail_from"),
    ("retry: {max_attempts: 0}\n", "retry.max_attempts"),
    ("retry: {backoff: 5}\n", "retry.backoff"),
    ("retry: {multiplier: 0.5}\n", "retry.multiplier"),
    ("expire_after_hours: -1\n", "expire_after_hours"),
]


@pytest.mark.parametrize(("text", "key"), BAD_NOTIFY)
def test_a_bad_notifications_file_names_the_file_and_the_key(content, text, key):
    (content / "notifications.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(StartupError) as info:
        load_notify_config(content)
    assert "notifications.yaml" in str(info.value) and key in str(info.value)


def test_a_department_email_must_be_an_address(content):
    text = (content / "departments.yaml").read_text(encoding="utf-8")
    (content / "departments.yaml").write_text(
        text.replace("email: housing@jiangcheng.example", "email: housing"), encoding="utf-8")
    with pytest.raises(StartupError, match="housing.*email"):
        load_departments(content)


BAD_DEPARTMENTS = [
    ("departments: []\n", "departments"),
    ("departments:\n  - name: 甲局\n    name_en: A\n", "departments[0].id"),
    ("departments:\n  - id: Bad_Id\n    name: 甲局\n    name_en: A\n", "departments[0].id"),
    ("departments:\n  - id: a\n    name: 甲局\n    name_en: A\n"
     "  - id: a\n    name: 乙局\n    name_en: B\n", "departments[1].id"),
    ("departments:\n  - id: a\n    name: 甲局\n    name_en: A\n    categories: [火星]\n",
     "departments[0].categories[0]"),
    ("departments:\n  - id: a\n    name: 3\n    name_en: A\n", "departments[0].name"),
    ("departments:\n  - just a string\n", "departments[0]"),
]


@pytest.mark.parametrize(("text", "field"), BAD_DEPARTMENTS)
def test_the_function_and_the_publisher_refuse_the_same_departments_file(content, text, field):
    """One reading of departments.yaml: what would stop the site's build also stops the
    function, naming the same field, and neither quietly drops an entry."""
    from chalicelib.adapters.content import ContentError
    (content / "departments.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(StartupError) as started:
        load_departments(content)
    assert f"departments.yaml: {field}:" in str(started.value)
    with pytest.raises(ContentError) as built:
        load_content(content)
    assert built.value.field == field


def test_the_sender_follows_the_settings(tmp_path):
    local = make_sender(Settings(data_dir=tmp_path), load_notify_config(CONTENT))
    assert isinstance(local, LocalOutboxSender) and local.folder == tmp_path / "outbox"
    aws = make_sender(Settings(sender="aws"), load_notify_config(CONTENT))
    assert isinstance(aws, CompositeSender) and set(aws.by_channel) == {"email", "sms"}
    assert aws.by_channel["email"].mail_from == "noreply@jiangcheng.example"
    with pytest.raises(StartupError, match="WENZHENG_SENDER"):
        make_sender(Settings(sender="pigeon"), load_notify_config(CONTENT))


def test_a_deployed_stage_sends_through_aws_unless_told_otherwise():
    assert Settings.from_env({"WENZHENG_STAGE": "prod"}).sender == "aws"
    assert Settings.from_env({}).sender == "local"
    env = {"WENZHENG_STAGE": "prod", "WENZHENG_SENDER": "local",
           "WENZHENG_MAIL_FROM": "wz@mail.gov.example", "WENZHENG_SITE_URL": "https://x.example"}
    settings = Settings.from_env(env)
    assert (settings.sender, settings.mail_from, settings.site_url) == (
        "local", "wz@mail.gov.example", "https://x.example")


def test_the_tools_settings_come_from_the_environment_too(tmp_path):
    """The dev server's body timeout and port, the publisher's data folder, theme and the
    function's stream: read by `Settings` like everything else."""
    plain = Settings.from_env({})
    assert (plain.body_seconds, plain.port, plain.data_dir_given, plain.theme_dir) == (
        10.0, 8000, False, None)
    env = {"WENZHENG_BODY_SECONDS": "2", "PORT": "8123", "WENZHENG_DATA": str(tmp_path),
           "WENZHENG_THEME": "/opt/theme", "WENZHENG_STREAM_ARN": "arn:aws:dynamodb:x"}
    settings = Settings.from_env(env)
    assert (settings.body_seconds, settings.port) == (2.0, 8123)
    assert settings.data_dir_given and settings.data_dir == tmp_path
    assert (settings.theme_dir, settings.stream_arn) == (Path("/opt/theme"), "arn:aws:dynamodb:x")
    assert plain.search_chunk_locs is None
    assert Settings.from_env({"WENZHENG_SEARCH_CHUNK_LOCS": "300"}).search_chunk_locs == 300


def test_one_loader_gives_the_function_and_the_publisher_the_same_content(tmp_path):
    """content/ is read once into one `Content`: the composition's departments, limits and
    notification settings are the publisher's, and the topics are checked with them."""
    from publisher.content import load_content as publisher_load
    composed = bootstrap.build(Settings(stage="local", data_dir=tmp_path, token_secret="x" * 40))
    content = composed.content
    assert content == publisher_load(CONTENT) == load_content(CONTENT)
    assert composed.ctx.departments == content.departments_by_id
    assert composed.ctx.limits == content.limits and composed.ctx.abuse == content.abuse
    assert {t.id for t in content.topics} and all(
        set(t.departments) <= set(content.departments_by_id) for t in content.topics)


def test_build_composes_the_sender_and_the_notification_config(tmp_path):
    composed = bootstrap.build(Settings(stage="local", data_dir=tmp_path, token_secret="x" * 40))
    assert isinstance(composed.sender, LocalOutboxSender)
    assert composed.notification_sender() is composed.sender
    assert composed.ctx.notify.office_email == "office@jiangcheng.example"
    assert composed.ctx.limits_for("complaint").rating_followup_days == 3


# --- `wenzheng serve --as-of`: a local server that plays a given day ----------------------------

def test_a_clock_started_at_a_given_instant_runs_on_from_there():
    start = bootstrap.parse_instant("2026-11-25T10:00")          # no offset: China time
    assert start.utcoffset() == timedelta(hours=8) and (start.day, start.hour) == (25, 10)
    clock = bootstrap.clock_from(start, Settings(stage="local"))
    first = clock()
    assert timedelta(0) <= first - start < timedelta(seconds=5)
    later = clock()
    assert later >= first and later - start < timedelta(seconds=5)
    assert bootstrap.parse_instant("2026-11-25") == start.replace(hour=0)
    assert bootstrap.parse_instant("2026-11-25T02:00Z") == start


def test_only_a_local_server_may_play_another_day():
    start = bootstrap.parse_instant("2026-11-25T10:00")
    with pytest.raises(StartupError, match="local"):
        bootstrap.clock_from(start, Settings(stage="prod"))
    with pytest.raises(StartupError, match="ISO 8601"):
        bootstrap.parse_instant("next tuesday")


# --- content/abuse.yaml ----------------------------------------------------------------------

def test_the_shipped_abuse_limits_are_the_defaults_and_a_file_overrides_them(content):
    from chalicelib.bootstrap import load_abuse_limits
    from chalicelib.services.abuse import AbuseLimits
    assert load_abuse_limits(CONTENT) == AbuseLimits()
    assert load_abuse_limits(content) == AbuseLimits()            # no file: the defaults
    (content / "abuse.yaml").write_text("letters_per_hour: 2\nguesses_per_client: 3\n",
                                        encoding="utf-8")
    assert load_abuse_limits(content) == AbuseLimits(letters_per_hour=2, guesses_per_client=3)


@pytest.mark.parametrize(("text", "key"), [
    ("letters_per_hour: 0\n", "letters_per_hour"),
    ("letters_per_hour: five\n", "letters_per_hour"),
    ("votes_per_hour: true\n", "votes_per_hour"),
    ("letter_per_hour: 5\n", "letter_per_hour"),
    ("- 5\n", "mapping"),
])
def test_a_bad_abuse_file_names_the_file_and_the_key(content, text, key):
    from chalicelib.bootstrap import load_abuse_limits
    (content / "abuse.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(StartupError) as info:
        load_abuse_limits(content)
    assert "abuse.yaml" in str(info.value) and key in str(info.value)
