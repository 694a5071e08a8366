"""HTTP route of the access records (services/privacy.py): who read a letter's private
fields, for the admin. A blueprint app.py registers under /api beside the others."""
from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..services import privacy
from .letters import _actor, _ctx, view

staff = Blueprint(__name__)


@staff.route("/staff/letters/{letter_id}/access", methods=["GET"])
@view(staff)
def access_log(letter_id: str) -> tuple[int, Any]:
    return 200, privacy.access_log(_ctx(), _actor(staff), letter_id)
