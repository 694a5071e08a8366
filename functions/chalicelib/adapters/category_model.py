"""The category model at inference, in pure Python: no scikit-learn, numpy or jieba.

`wenzheng model train` (wenzheng/model_train.py) fits a linear SVM over three TF-IDF blocks and
exports it to `models/category-<version>.json.gz`; this module reads that artifact on first use
and scores a letter the same way. The analyzers below are the ones training uses too (train and
inference agree by construction; training checks it on the held-out sets and fails below
99.5 %):

- `subject`: character 1-3 grams of the NFKC-lowercased subject;
- `body`: character 1-3 grams of the first 2,000 characters of the body;
- `words`: words of subject + body, segmented by forward maximum matching over the model's own
  dictionary (built by jieba at training time only).

Each block is sublinear TF (1 + ln tf) times its IDF, L2-normalised over the features the block
keeps; the class scores are the dot products with the int16-quantized weights plus the
intercepts; `score` is a softmax over those decision values at the temperature fitted in
training (the artifact's `calibration`), so the scores of all classes sum to 1.

An artifact trained on the city's history (`model train --from-store`) also carries
`departments`: for each category with enough letters, the department the office dispatched
most of them to; services/suggestions.py prefers it to content/departments.yaml.
"""
from __future__ import annotations

import base64
import gzip
import json
import math
import sys
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
BODY_CHARS = 2000
MODELS = Path(__file__).parent / "models"


def normal(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def char_grams(text: str, low: int = 1, high: int = 3) -> list[str]:
    """Character n-grams of `text` (already normalised), whitespace runs as one space."""
    text = " ".join(text.split())
    grams: list[str] = []
    for n in range(low, high + 1):
        grams.extend(text[i:i + n] for i in range(len(text) - n + 1))
    return grams


def segment(text: str, dictionary: frozenset[str] | set[str], longest: int) -> list[str]:
    """Forward maximum matching: at each position the longest dictionary word (2..`longest`
    characters); a character no word starts with is skipped unless it is itself a word."""
    words: list[str] = []
    i, end = 0, len(text)
    while i < end:
        for n in range(min(longest, end - i), 0, -1):
            piece = text[i:i + n]
            if piece in dictionary:
                words.append(piece)
                i += n
                break
        else:
            i += 1
    return words


def analyze(subject: str | None, body: str | None, dictionary: frozenset[str] | set[str],
            longest: int) -> dict[str, list[str]]:
    """The tokens of each block for one letter."""
    s = normal(subject)
    b = normal((body or "")[:BODY_CHARS])
    return {"subject": char_grams(s), "body": char_grams(b),
            "words": segment(s + " " + b, dictionary, longest)}


@dataclass(frozen=True)
class Block:
    index: dict[str, int]
    idf: list[float]
    weights: array          # int16, row-major: feature x class


class CategoryModel:
    """A loaded artifact: `scores(subject, body)` gives every class with its score, best first."""

    def __init__(self, doc: dict[str, Any]) -> None:
        if doc.get("format") != FORMAT:
            raise ValueError(f"category model format {doc.get('format')!r}, expected {FORMAT}")
        self.version: str = doc["version"]
        self.trained_at: str = doc["trained_at"]
        self.evaluation: dict[str, Any] = doc["evaluation"]
        self.classes: list[str] = doc["classes"]
        # category -> the department the office chose most for it (`model train --from-store`);
        # absent from artifacts trained on the contest data alone
        self.departments: dict[str, str] = dict(doc.get("departments") or {})
        self.intercept: list[float] = doc["intercept"]
        self.scale: float = doc["scale"]
        self.temperature: float = doc["calibration"]["temperature"]
        self.dictionary = frozenset(doc["dictionary"].split("\n")) - {""}
        self.longest: int = doc["longest_word"]
        self.blocks: dict[str, Block] = {}
        for name, block in doc["blocks"].items():
            features = block["features"].split("\n") if block["features"] else []
            weights = array("h", base64.b64decode(block["weights"]))
            if sys.byteorder == "big":
                weights.byteswap()                      # stored little-endian
            self.blocks[name] = Block({f: i for i, f in enumerate(features)},
                                      block["idf"], weights)

    @property
    def info(self) -> dict[str, Any]:
        return {"version": self.version, "trained_at": self.trained_at,
                "evaluation": self.evaluation}

    def decision(self, subject: str | None, body: str | None) -> list[float]:
        k = len(self.classes)
        totals = [0.0] * k
        for name, tokens in analyze(subject, body, self.dictionary, self.longest).items():
            block = self.blocks[name]
            counts: dict[int, int] = {}
            for token in tokens:
                j = block.index.get(token)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            values = {j: (1.0 + math.log(c)) * block.idf[j] for j, c in counts.items()}
            norm = math.sqrt(sum(v * v for v in values.values()))
            w = block.weights
            for j, v in values.items():
                row = j * k
                for c in range(k):
                    totals[c] += w[row + c] * v / norm
        return [t * self.scale + b for t, b in zip(totals, self.intercept, strict=True)]

    def scores(self, subject: str | None, body: str | None) -> list[tuple[str, float]]:
        return rank(self.classes, self.decision(subject, body), self.temperature)


def rank(classes: Sequence[str], decision: Iterable[float],
         temperature: float) -> list[tuple[str, float]]:
    """Softmax of the decision values at `temperature`, best first (ties by class order)."""
    values = [d * temperature for d in decision]
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    pairs = [(c, e / total) for c, e in zip(classes, exps, strict=True)]
    return sorted(pairs, key=lambda p: -p[1])


def latest_path() -> Path:
    """The newest committed artifact (versions sort by date)."""
    found = sorted(MODELS.glob("category-*.json.gz"))
    if not found:
        raise FileNotFoundError(f"no category model in {MODELS}")
    return found[-1]


def load(path: Path | None = None) -> CategoryModel:
    with gzip.open(path or latest_path(), "rt", encoding="utf-8") as f:
        return CategoryModel(json.load(f))


_lock = threading.Lock()
_loaded: CategoryModel | None = None


def model() -> CategoryModel:
    """The committed model, loaded once on first use (never at import)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = load()
    return _loaded


def is_loaded() -> bool:
    return _loaded is not None
