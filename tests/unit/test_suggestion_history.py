"""What the office chose, counted from histories (services/suggestions.py): the acceptance of
the first suggestion and the department each category goes to once the city has history."""
from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.letters import Event
from chalicelib.services.suggestions import acceptance, chosen_departments

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def e(action: str, **data) -> Event:
    return Event(seq=1, at=AT, actor="office-1", action=action, from_status=None,
                 to_status=None, data=data)


def letter(category: str | None, *departments: str) -> list[Event]:
    history = [e("submit")] + [e("dispatch", department=d) for d in departments]
    return history + [e("approve", category=category)]


def test_the_most_chosen_department_of_a_category_with_enough_letters():
    histories = ([letter("教育文体", "education")] * 3 + [letter("教育文体", "district-a1")] * 4
                 + [letter("交通运输", "transport")] * 4 + [letter(None, "housing")] * 9)
    assert chosen_departments(histories, minimum=5) == {"教育文体": "district-a1"}
    assert chosen_departments(histories, minimum=4) == {"教育文体": "district-a1",
                                                        "交通运输": "transport"}


def test_the_last_dispatch_counts_and_ties_go_to_the_first_id():
    histories = [letter("城乡建设", "transport", "housing")] * 3 + [letter("城乡建设", "water")] * 3
    assert chosen_departments(histories, minimum=5) == {"城乡建设": "housing"}


def test_acceptance_counts_only_events_that_recorded_a_suggestion():
    shown = {"category": "教育文体", "department": "education"}
    histories = [
        [e("dispatch", department="education", suggested=shown),
         e("approve", category="教育文体", suggested=shown)],
        [e("dispatch", department="district-a1", suggested=shown),
         e("approve", category="商贸旅游", suggested=shown)],
        [e("dispatch", department="housing"), e("approve", category=None)],
    ]
    assert acceptance(histories) == {"dispatch": {"shown": 2, "taken": 1},
                                     "category": {"shown": 2, "taken": 1}}
