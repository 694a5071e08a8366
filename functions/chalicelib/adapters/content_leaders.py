"""content/leaders.yaml: the city leadership whose boards (领导信箱) letters may be addressed to
and to whom the office sends key letters up (domain/leaders.py). No file, no leaders; a bad
entry is a `ContentError` naming the file and the field, like departments.yaml.

    leaders:
      - id: mayor                    # a slug: used in /leaders/mayor/ and in the API
        name: 林远舟                  # invented: the demo city's leadership is fictional
        name_en: Lin Yuanzhou
        title: 市长
        title_en: Mayor
        order: 1                     # the boards' order on /leaders/
        phone: "13800000001"         # optional: where escalations are texted, never published
        email: mayor@example.gov.cn  # optional: where escalations are e-mailed, never published
"""
from __future__ import annotations

from pathlib import Path

from ..domain.leaders import Leader, LeaderError, parse_leaders
from .content_files import ContentError, read_yaml

FILE = "leaders.yaml"


def load_leaders(content_dir: Path) -> tuple[Leader, ...]:
    """The leaders of content/leaders.yaml in board order (none when there is no file)."""
    file = content_dir / FILE
    if not file.exists():
        return ()
    try:
        return parse_leaders(read_yaml(file))
    except LeaderError as exc:
        raise ContentError(file, exc.field, exc.message) from None
