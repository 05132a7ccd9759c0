"""Each kind of reminder belongs to exactly one item kind, which knows the whole of it."""

from reminders import items
from reminders.models import ReminderKind


def test_every_stored_kind_has_one_item_kind():
    assert set(items.BY_KIND) == set(ReminderKind.values)
    claimed = [kind for item in items.ALL for kind in item.kinds]
    assert len(claimed) == len(set(claimed))


def test_deadlines_and_escalations_are_read_in_one_pass():
    groups = items.sharing_rows()
    [shared] = [group for group in groups if len(group) > 1]
    assert {type(item) for item in shared} == {
        items.Deadline,
        items.Escalation,
        items.HistoricSummary,
    }
