"""Domain events that other apps may listen to; the domain itself knows none of its listeners.

Saves and deletes through the ORM already send Django's model signals. Writes that
bypass them (`bulk_create`, raw SQL) send `findings_changed_in_bulk` instead, once
their transaction has committed, so that a reader keeping derived figures (the
dashboard) knows that anything may have changed.
"""

from django.db import transaction
from django.dispatch import Signal

findings_changed_in_bulk = Signal()


def announce_bulk_change_on_commit() -> None:
    """Call inside the bulk write's transaction."""
    transaction.on_commit(lambda: findings_changed_in_bulk.send(sender=None))
