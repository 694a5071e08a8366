"""The search index (publisher/search/): its terms, its shards, and that the background indexer
following published changes writes the same files as a full build (invariant 1 for the index),
rebuilding only the shards a change touched."""
from __future__ import annotations

import json

import pytest
from publisher_city import make_city

from fakes import cst
from publisher.build import full_build
from publisher.search import (
    MANIFEST_PATH,
    Shard,
    build_index,
    drain,
    filter_term,
    plan_shards,
    query_terms,
    search_terms,
)
from publisher.search.inspect import holds_words, index_texts, read_fragment
from publisher.search.shards import FILTERS_MARK, SITE, letter_record
from publisher.search.terms import readable_text
from publisher.sinks import MemorySink

# --- terms ------------------------------------------------------------------------------------


def test_chinese_runs_become_overlapping_pairs_and_their_last_character():
    assert search_terms("噪音扰民") == ["噪音", "音扰", "扰民", "民"]
    assert search_terms("京") == ["京"]
    assert search_terms("地铁3号线，ABC") == ["地铁", "铁", "3", "号线", "线", "abc"]


def test_full_width_and_case_are_folded_like_the_query():
    assert search_terms("ＡＢＣ１２３") == ["abc123"]
    assert query_terms("ＡＢＣ１２３") == query_terms("abc123") == ["abc123"]


def test_a_query_searches_the_pairs_without_repeats():
    assert query_terms("噪音扰民") == ["噪音", "音扰", "扰民"]
    assert query_terms("噪音 噪音 扰民") == ["噪音", "扰民"]
    assert query_terms("  ，。") == []


@pytest.mark.parametrize("word", ["调休", "公积金", "噪音扰民", "学区房", "地铁"])
@pytest.mark.parametrize("text", ["关于{}的问题", "{}", "请问{}。", "ab{}12"])
def test_a_word_in_a_text_is_always_in_its_terms(word, text):
    """The recall property the index relies on: every pair of a word in the text is a term."""
    indexed = search_terms(text.format(word))
    assert holds_words(" ".join(indexed), word)
    # typed with spaces (噪音 扰民, or 调 休), every query term is still the start of a term
    # of the text: Pagefind matches query terms as prefixes and requires all of them
    for spaced in (" ".join(word), f"{word[:2]} {word[2:]}"):
        assert all(any(t.startswith(q) for t in indexed) for q in query_terms(spaced))


def test_filter_terms_do_not_prefix_each_other():
    assert filter_term("lang", "zh") == "xlanghkgiz"
    a, b = filter_term("dept", "a"), filter_term("dept", "ab")
    assert not b.startswith(a) and not a.startswith(b)


# --- the shard plan ---------------------------------------------------------------------------


def test_small_years_are_one_shard_each_and_the_current_month_is_apart():
    months = [("2025-11", 40), ("2025-12", 3), ("2026-01", 10), ("2026-11", 7)]
    shards = plan_shards(months, current="2026-11")
    assert [(s.id, s.months, s.letters) for s in shards] == [
        ("2026-11", ("2026-11",), 7), ("2026", ("2026-01",), 10),
        ("2025", ("2025-11", "2025-12"), 43), (SITE, (), 0)]


def test_a_big_year_is_packed_into_month_ranges_under_the_cap():
    months = [(f"2025-{m:02d}", 30) for m in range(1, 13)]
    shards = plan_shards(months, current="2026-01", cap=100)
    assert [s.id for s in shards] == ["2025-10_2025-12", "2025-07_2025-09", "2025-04_2025-06",
                                      "2025-01_2025-03", SITE]
    assert all(s.letters <= 100 for s in shards)
    assert sorted(m for s in shards for m in s.months) == [m for m, _ in months]


def test_a_month_over_the_cap_is_a_shard_alone():
    shards = plan_shards([("2025-01", 500), ("2025-02", 5)], current="2026-01", cap=100)
    assert [s.id for s in shards] == ["2025-02", "2025-01", SITE]


def test_new_letters_in_the_current_month_leave_older_shards_as_they_are():
    before = plan_shards([("2025-05", 10), ("2026-11", 1)], current="2026-11")
    after = plan_shards([("2025-05", 10), ("2026-11", 900)], current="2026-11")
    assert before[1:] == after[1:] and before[0] != after[0]


# --- a city ---------------------------------------------------------------------------------


def _search_files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {p: d for p, d in files.items() if p.startswith(("search/shards/", MANIFEST_PATH))}


@pytest.fixture(scope="module")
def city(tmp_path_factory, content):
    """A city publishing through the outbox into `sink`, with the indexer draining after
    every step, as the dev server's background thread does."""
    city = make_city(tmp_path_factory.mktemp("search"), content, at=cst(2026, 10, 20, 9, 0))
    city.sink = MemorySink()
    full_build(city.ctx.store, content, city.sink)
    build_index(city.ctx.store, content, city.sink)
    city.rounds = []
    for subject in ("小区噪音扰民问题", "住房公积金提取咨询"):
        city.full_cycle(subject=subject, body=f"{subject}，请尽快处理。")
        city.rounds.append(drain(city.ctx.store, content, city.sink))
    city.refused = city.full_cycle(subject="不愿公开的学区房来信", body="学区房划片。",
                                   publish=False)
    city.rounds.append(drain(city.ctx.store, content, city.sink))
    city.clock.at = cst(2026, 11, 3, 9, 0)
    city.full_cycle(subject="地铁三号线调休期间运营时间", body="调休期间地铁几点收班？")
    city.rounds.append(drain(city.ctx.store, content, city.sink))
    return city


def test_the_manifest_lists_the_shards_newest_first(city):
    doc = json.loads(city.sink.files[MANIFEST_PATH])
    assert [(s["id"], s["letters"]) for s in doc["shards"]] == [
        ("2026-11", 1), ("2026", 2), (SITE, 0)]
    for shard in doc["shards"]:
        assert shard["path"] == f"/search/shards/{shard['id']}/"
        assert f"{shard['path'][1:]}pagefind-entry.json" in city.sink.files
        assert f"{shard['path'][1:]}pagefind.js" in city.sink.files
    assert doc["shards"][-1]["records"] >= len(city.content.notices)


def test_the_indexer_rebuilt_only_the_shard_of_the_new_reply(city):
    first, second, refused, next_month = city.rounds
    assert first.shards == ["2026-10"]           # October was the current month then
    assert second.shards == ["2026-10"]
    assert refused.shards == []                  # a letter kept private moves no shard
    # November began: October joined its year, November is the current month
    assert sorted(next_month.shards) == ["2026", "2026-11"]
    assert next_month.removed == ["2026-10"]
    assert not [p for p in city.sink.files if p.startswith("search/shards/2026-10/")]


def test_the_index_built_incrementally_equals_a_full_build(city, content):
    full = MemorySink()
    full_build(city.ctx.store, content, full)
    build_index(city.ctx.store, content, full)
    assert _search_files(city.sink.files) == _search_files(full.files)
    again = MemorySink()
    build_index(city.ctx.store, content, again)
    assert _search_files(again.files) == _search_files(full.files)   # Pagefind is repeatable


def test_a_drain_with_nothing_new_writes_nothing(city, content):
    result = drain(city.ctx.store, content, city.sink)
    assert result.shards == [] and result.changed == []


def _records(files):
    return [read_fragment(d) for p, d in files.items() if p.endswith(".pf_fragment")]


def test_every_published_letter_is_one_record_with_its_public_fields(city):
    letters = [r for r in _records(city.sink.files) if r["meta"]["kind"] == "letter"]
    assert len(letters) == 3
    by_title = {r["meta"]["title"]: r for r in letters}
    noise = by_title["小区噪音扰民问题"]
    assert noise["meta"]["dept"] == "housing" and noise["meta"]["category"] == "城乡建设"
    assert noise["meta"]["date"] == "2026-10-20"
    text = readable_text(noise["content"].split(FILTERS_MARK)[0])
    assert "小区噪音扰民问题，请尽快处理。经核查，已安排修复。" in text   # the reply too
    assert filter_term("lang", "en") in noise["content"].split()
    assert holds_words(noise["content"], "噪音扰民")


def test_a_letter_kept_private_is_not_in_the_index(city):
    texts = "\n".join(text for _, text in index_texts(city.sink.files))
    assert "不愿公开" not in texts and "划片" not in texts
    assert not any(holds_words(r["content"], "学区房") for r in _records(city.sink.files))


def test_no_record_carries_the_writers_name(city):
    letter = city.ctx.store.get_letter(next(iter(city.letters)))
    record = letter_record(letter)
    assert record is not None
    assert "name" not in record.meta
    assert letter.name not in record.text


def test_notices_and_consultations_are_in_the_site_shard_in_each_language(city, content):
    site = [r for r in _records(city.sink.files)
            if r["url"].split("/")[1:3] in (["notices"], ["en", "notices"])
            or "notices/" in r["url"]]
    urls = {r["url"] for r in site}
    notice = content.notices[0]
    assert f"/notices/{notice.slug}/" in urls
    if notice.title_en:
        assert f"/en/notices/{notice.slug}/" in urls


def test_the_pages_build_keeps_the_index_files_when_it_prunes(city, content):
    sink = MemorySink()
    sink.files.update(_search_files(city.sink.files))
    full_build(city.ctx.store, content, sink, prune=True)
    assert _search_files(sink.files) == _search_files(city.sink.files)


def test_shard_paths_are_inside_the_search_folder():
    assert Shard("2026").path == "search/shards/2026/"


class _CutShort(MemorySink):
    """A sink that fails once the indexer starts writing a given shard (a Lambda's time limit
    in the middle of a run)."""

    def __init__(self, shard: str) -> None:
        super().__init__()
        self.shard, self.armed = f"search/shards/{shard}/", True

    def write(self, path: str, data: bytes) -> bool:
        if self.armed and path.startswith(self.shard):
            raise TimeoutError("the run's time is up")
        return super().write(path, data)


def test_a_run_cut_short_keeps_its_progress_and_the_next_goes_on(tmp_path, content):
    city = make_city(tmp_path, content, at=cst(2025, 12, 1, 9, 0))
    city.full_cycle(subject="去年的来信")
    city.clock.at = cst(2026, 11, 3, 9, 0)
    city.full_cycle(subject="今年的来信")
    sink = _CutShort("2025")
    with pytest.raises(TimeoutError):
        build_index(city.ctx.store, content, sink)
    listed = [s["id"] for s in json.loads(sink.files[MANIFEST_PATH])["shards"]]
    assert listed == ["2026-11"]                 # what was built is searchable already
    sink.armed = False
    again = drain(city.ctx.store, content, sink)
    assert again.shards == ["2025", SITE]        # not the shard the cut-short run finished
    full = MemorySink()
    build_index(city.ctx.store, content, full)
    assert _search_files(sink.files) == _search_files(full.files)


def test_a_word_with_a_repeated_pair_is_found_as_the_index_holds_it():
    """The phrase keeps every pair in order: 上海上海人 is indexed 上海 海上 上海 海人."""
    from publisher.search.terms import query_phrases
    assert query_phrases("上海上海人") == ['"上海 海上 上海 海人"']
    content = search_terms("到上海上海人家")
    phrase = query_phrases("上海上海人")[0].strip('"').split()
    assert any(content[i:i + len(phrase)] == phrase for i in range(len(content)))
