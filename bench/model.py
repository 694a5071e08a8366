"""The category model behind POST /api/suggest: `python -m bench.model [--data DIR]`.

Trains from ../shared/data/citizen-letters (wenzheng/model_train.py, the same split and recipe
as `wenzheng model train`, into a temporary file: the committed artifact is not touched), then
measures the exported artifact as the function uses it: accuracy, macro-F1 and the confusion
matrix on both held-out sets (with body, subject only), the pure-Python / scikit-learn
agreement, the artifact's size, its load time (gzip + JSON + tables, median of 5) and the time
to score one letter (median over the with-body test set, pure Python), and the function's cold
import (`import app` against `import chalice, boto3`, medians of 5 fresh interpreters).
Writes `bench/results/model-<date>.json` and prints a summary. Needs the `train` extra.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.adapters import category_model as cm
from wenzheng import model_train

ROOT = Path(__file__).resolve().parent.parent


def _cold(code: str, runs: int = 5) -> float:
    """Seconds `code` takes to import in a fresh interpreter (median of `runs`)."""
    probe = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True,
            cwd=ROOT / "functions", check=True,
            env={"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}", "PATH": "/usr/bin:/bin"})
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.model")
    p.add_argument("--data", type=Path, default=model_train.DEFAULT_DATA)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        trained = model_train.train(args.data, Path(tmp) / "category.json.gz",
                                    log=lambda *a: None)
        path: Path = trained["path"]
        loads = []
        for _ in range(5):
            started = time.perf_counter()
            model = cm.load(path)
            loads.append(time.perf_counter() - started)
    per_letter = []
    for row in trained["sets"]["test_body"]:
        started = time.perf_counter()
        model.scores(row.subject, row.body)
        per_letter.append(time.perf_counter() - started)
    ev = trained["doc"]["evaluation"]
    base = _cold("import chalice, boto3")
    app = _cold("import app")
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "recipe": ev["recipe"], "split": ev["split"], "calibration": ev["calibration"],
        "with_body": ev["with_body"], "subject_only": ev["subject_only"],
        "agreement": ev["agreement"],
        "artifact_bytes": trained["bytes"],
        "features": {k: len(v["idf"]) for k, v in trained["doc"]["blocks"].items()},
        "dictionary_words": len(model.dictionary),
        "load_ms_median": round(statistics.median(loads) * 1000, 1),
        "per_letter_ms_median": round(statistics.median(per_letter) * 1000, 2),
        "per_letter_ms_p95": round(sorted(per_letter)[int(len(per_letter) * 0.95)] * 1000, 2),
        "cold_import_s": {"chalice_boto3": round(base, 3), "app": round(app, 3),
                          "ratio": round(app / base, 2)},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"model-{report['date']}.json"
    target.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for name in ("with_body", "subject_only"):
        r = report[name]
        print(f"{name}: accuracy {r['accuracy']} macro-F1 {r['macro_f1']} (n={r['size']})")
        print("  confusion (rows truth, columns predicted):", " ".join(r["confusion"]["labels"]))
        for label, line in zip(r["confusion"]["labels"], r["confusion"]["matrix"], strict=True):
            print(f"  {label:>8} {line}")
    print(f"agreement {report['agreement']}; artifact {report['artifact_bytes'] / 1e6:.2f} MB; "
          f"load {report['load_ms_median']} ms; per letter {report['per_letter_ms_median']} ms "
          f"median, {report['per_letter_ms_p95']} ms p95; cold import app "
          f"{report['cold_import_s']['app']} s vs chalice+boto3 "
          f"{report['cold_import_s']['chalice_boto3']} s ({report['cold_import_s']['ratio']}x)")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
