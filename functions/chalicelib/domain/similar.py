"""Letters that may be the same matter (重复件), for the clerk screening a new letter.

Yibin's hotline received 46,938 letters and counted 11,381 valid: screening repeats is most of
an office's reading. Two signals, each with a score in 0..1:

- **the same contact**: the same phone (digits only, a leading +86 dropped) or the same e-mail
  (case folded) as another open or recent letter: score 1.0 when the texts are close too,
  else 0.6 (the same person may well write about two matters);
- **near-identical text** within `WINDOW_DAYS` (30): the cosine of the two letters' character
  pairs (subject counted twice), `NEAR` (0.6) or more.

Open letters of any age and closed ones of the last `WINDOW_DAYS` are candidates; the letter
itself and letters already rejected as duplicates are not. Pure: `now` is a parameter.
"""
from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .hot import cosine, features
from .letters import ANSWERED, Letter, Status

WINDOW_DAYS = 30
NEAR = 0.6
SAME_CONTACT = 0.6
LIMIT = 5


@dataclass(frozen=True)
class Candidate:
    id: str
    subject: str
    body: str
    submitted_at: datetime
    open: bool
    phone: str | None = None
    email: str | None = None
    duplicate: bool = False
    # what the staff view shows and filters on (a clerk sees the department's own only)
    status: str = ""
    department: str | None = None


@dataclass(frozen=True)
class Similar:
    id: str
    score: float
    same_contact: bool


def is_open(status: str) -> bool:
    """Still being handled: neither answered (published, closed) nor rejected."""
    return status not in ANSWERED and status != Status.rejected


def candidate(letter: Letter) -> Candidate:
    return Candidate(id=letter.id, subject=letter.subject, body=letter.body,
                     submitted_at=letter.submitted_at, open=is_open(letter.status),
                     phone=letter.phone, email=letter.email,
                     duplicate=letter.duplicate_of is not None, status=str(letter.status),
                     department=letter.department)


def contact_keys(phone: str | None, email: str | None) -> list[str]:
    """The keys the stores index a letter's contact under (staff-only data, never published):
    `phone:` + the digits, `email:` + the folded address, hashed (SHA-256, the first 32 hex
    digits) so the index itself holds no contact detail."""
    keys = []
    for kind, key in (("phone", phone_key(phone)), ("email", email_key(email))):
        if key:
            keys.append(kind[0] + ":" + hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:32])
    return keys


def phone_key(phone: str | None) -> str | None:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits or None


def email_key(email: str | None) -> str | None:
    return (email or "").strip().casefold() or None


def _vector(subject: str, body: str) -> dict[str, float]:
    text = unicodedata.normalize("NFKC", f"{subject}\n{subject}\n{body}").lower()
    counts: Counter[str] = features(text)
    norm = math.sqrt(sum(c * c for c in counts.values())) or 1.0
    return {t: c / norm for t, c in counts.items()}


def text_similarity(a: tuple[str, str], b: tuple[str, str]) -> float:
    """Cosine of two (subject, body) pairs' character pairs."""
    return round(cosine(_vector(*a), _vector(*b)), 3)


def similar_letters(letter: Candidate, candidates: Iterable[Candidate], now: datetime,
                    limit: int = LIMIT) -> list[Similar]:
    """The candidates that may be the same matter as `letter`, best first."""
    since = now - timedelta(days=WINDOW_DAYS)
    phone, email = phone_key(letter.phone), email_key(letter.email)
    found = []
    for other in candidates:
        if other.id == letter.id or other.duplicate:
            continue
        if not (other.open or other.submitted_at >= since):
            continue
        contact = bool((phone and phone_key(other.phone) == phone)
                       or (email and email_key(other.email) == email))
        recent = abs((letter.submitted_at - other.submitted_at).days) <= WINDOW_DAYS
        text = text_similarity((letter.subject, letter.body), (other.subject, other.body))
        if contact:
            score = 1.0 if text >= NEAR else max(SAME_CONTACT, text)
        elif recent and text >= NEAR:
            score = text
        else:
            continue
        found.append(Similar(other.id, round(score, 3), contact))
    found.sort(key=lambda s: (-s.score, s.id))
    return found[:limit]
