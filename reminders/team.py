"""The OPCC team address: where reminders go when no one owns a deadline.

One row for the whole service, set by OPCC staff who work across all forces, never
overwritten by someone who had not seen the latest change (as the schedule is). Without
a saved row, the OVERSIGHT_TEAM_ADDRESS setting applies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from reminders.models import TeamAddress


class AddressChanged(Exception):
    """Someone saved the team address after this person opened it."""


def current() -> TeamAddress:
    """The saved row, or (unsaved) one holding the setting's address."""
    return TeamAddress.objects.first() or TeamAddress(address=settings.OVERSIGHT_TEAM_ADDRESS)


def address() -> str:
    """The address team reminders go to now; empty when there is none."""
    return current().address.strip()


def stamp(team: TeamAddress) -> str:
    """When it was last saved, as the page carries it; empty before the first save."""
    return team.updated_at.isoformat() if team.pk else ""


def save(new_address: str, *, seen: str) -> TeamAddress:
    """Save the address, unless it changed after `seen` (its stamp when the page opened).

    Raises AddressChanged for a change made meanwhile, ValidationError for a bad address.
    The save is audited as any change to reminders' records is (audit/receivers.py).
    """
    try:
        with transaction.atomic():
            team = TeamAddress.objects.select_for_update().first()
            if (stamp(team) if team else "") != seen:
                raise AddressChanged
            team = team or TeamAddress()
            team.address = new_address.strip()
            team.full_clean(validate_unique=False, validate_constraints=False)
            team.save()
    except IntegrityError as exc:  # two people saved the very first address at once
        raise AddressChanged from exc
    return team
