"""The weekly reports in the console's API: `GET /api/staff/reports` and
`/api/staff/reports/{week}`, office and admin only; a malformed week 400, an unknown one 404."""
from __future__ import annotations

from chalicelib.api import parse
from chalicelib.services import letters as services
from chalicelib.services import supervision
from fakes import cst, letter_payload


def test_the_reports_are_listed_and_read_by_the_office_and_admins(api, ctx, clock):
    clock.at = cst(2026, 11, 18, 10, 0)
    for i in range(2):
        services.submit_letter(ctx, parse.submit_letter(letter_payload(subject=f"路灯不亮{i}")))
    supervision.tick(ctx, cst(2026, 11, 23, 0, 5))
    supervision.tick(ctx, cst(2026, 11, 30, 0, 5))
    for user in ("office-1", "admin-1"):
        status, body = api.call("GET", "/api/staff/reports", as_user=user)
        assert status == 200, body
        assert [w["week"] for w in body["weeks"]] == ["2026-W48", "2026-W47"]
        status, report = api.call("GET", "/api/staff/reports/2026-W47", as_user=user)
        assert status == 200, report
        assert (report["week"], report["from"], report["to"]) == (
            "2026-W47", "2026-11-16", "2026-11-22")
        assert report["figures"]["received"]["total"] == 2
        assert report["figures"]["received"]["by_channel"] == {"web": 2}
        assert report["formula"] == "H = n × (1 + g) + ln(1 + v)"
        assert set(report["figures"]) >= {"lights", "late_departments", "redos",
                                          "unsatisfied", "notable"}


def test_the_role_matrix_and_bad_weeks(api):
    status, body = api.call("GET", "/api/staff/reports", as_user="clerk-h")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = api.call("GET", "/api/staff/reports/2026-W47", as_user="clerk-h")
    assert status == 403
    status, body = api.call("GET", "/api/staff/reports")
    assert status == 401
    for bad in ("2026-47", "W47", "2026-W4x", "2026-W047"):
        status, body = api.call("GET", f"/api/staff/reports/{bad}", as_user="office-1")
        assert status == 400 and body["error"]["field"] == "week", (bad, body)
    # well formed (the documented path form) but not a week of the calendar: no report
    for absent in ("2026-W54", "2026-W00", "0000-W00", "2021-W53"):
        status, body = api.call("GET", f"/api/staff/reports/{absent}", as_user="office-1")
        assert status == 404 and body["error"]["code"] == "not_found", (absent, body)
    status, body = api.call("GET", "/api/staff/reports/2020-W01", as_user="office-1")
    assert status == 404 and body["error"]["code"] == "not_found"
