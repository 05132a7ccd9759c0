"""Lookups that answer "nothing matches" where the database would raise instead."""

from __future__ import annotations

from typing import Any

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    """`pk__in=[…]` with a number no integer column can hold: that number matches nothing.

    Django already treats such a number so for `exact`, `gt` and the like, but not for
    `in`, and SQLite refuses a Python int beyond 64 bits with OverflowError. A form's
    multiple choice (a finding's themes) checks the chosen ids with `in`, so posting
    themes=9223372036854775808 was a 500 on SQLite (fuzzing, issue 12).
    """

    def process_rhs(self, compiler: Any, connection: Any) -> Any:
        if self.rhs_is_direct_value():
            internal_type = self.lhs.output_field.get_internal_type()
            try:
                low, high = connection.ops.integer_field_range(internal_type)
            except KeyError:
                low = high = None
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        # An empty list left is "matches nothing" (EmptyResultSet) to In itself.
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
