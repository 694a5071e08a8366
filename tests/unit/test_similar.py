"""Letters that may be the same matter (domain/similar.py): the same contact, or nearly the same
text within 30 days; open letters of any age, never the letter itself or a known duplicate."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain.similar import (
    Candidate,
    email_key,
    phone_key,
    similar_letters,
    text_similarity,
)

NOW = datetime(2026, 11, 20, 9, 0)
SUBJECT = "丽发新城小区旁搅拌站噪音扰民"
BODY = "丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘污染严重，影响居民休息，请尽快处理。"


def c(id: str, subject: str = SUBJECT, body: str = BODY, days_ago: int = 1, open: bool = True,
      **kw) -> Candidate:
    return Candidate(id=id, subject=subject, body=body,
                     submitted_at=NOW - timedelta(days=days_ago), open=open, **kw)


NEW = c("new", days_ago=0, phone="+86 138-1234-5678", email="Li.Si@Example.com")


def test_the_same_text_again_is_found_and_another_matter_is_not():
    other = c("other", "咨询社保卡补办流程", "社保卡丢了怎么补办？")
    found = similar_letters(NEW, [c("same"), other], NOW)
    assert [s.id for s in found] == ["same"]
    assert found[0].score >= 0.95 and not found[0].same_contact


def test_a_reworded_letter_on_the_same_matter_scores_lower_but_is_found():
    reworded = c("reworded", "搅拌站噪音扰民丽发新城",
                 "丽发新城旁边搅拌站半夜施工噪音很大，粉尘污染严重，请处理。")
    (found,) = similar_letters(NEW, [reworded], NOW)
    assert 0.6 <= found.score < 0.95


def test_the_same_phone_or_e_mail_is_found_whatever_the_text():
    other_matter = dict(subject="咨询社保卡补办流程", body="社保卡丢了怎么补办？")
    found = similar_letters(NEW, [c("phone", phone="13812345678", **other_matter),
                                  c("mail", email="li.si@example.com ", **other_matter),
                                  c("both", phone="138 1234 5678")], NOW)
    assert [(s.id, s.score, s.same_contact) for s in found] == [
        ("both", 1.0, True), ("mail", 0.6, True), ("phone", 0.6, True)]


def test_closed_letters_older_than_30_days_are_not_candidates_but_open_ones_are():
    found = similar_letters(NEW, [c("old-closed", days_ago=40, open=False),
                                  c("old-open", days_ago=40, phone="13812345678"),
                                  c("recent-closed", days_ago=10, open=False)], NOW)
    assert [s.id for s in found] == ["old-open", "recent-closed"]


def test_the_letter_itself_and_known_duplicates_are_left_out():
    assert similar_letters(NEW, [NEW, c("dup", duplicate=True)], NOW) == []


def test_contact_keys_and_text_similarity():
    assert phone_key("+86 138-1234-5678") == phone_key("13812345678") == "13812345678"
    assert phone_key("") is None and email_key(None) is None
    assert email_key(" A@B.CN ") == "a@b.cn"
    assert text_similarity((SUBJECT, BODY), (SUBJECT, BODY)) == 1.0
    assert text_similarity((SUBJECT, BODY), ("咨询", "社保卡")) == 0.0
