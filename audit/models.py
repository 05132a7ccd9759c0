"""The append-only audit trail: who signed in, was refused, downloaded or changed what.

Rows are only ever inserted. The model refuses updates and deletes, the admin is
read-only, and on PostgreSQL a trigger rejects UPDATE and DELETE on the table
whatever issues them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Event(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    ACCESS_DENIED = "access_denied", "Access denied"
    EVIDENCE_DOWNLOAD = "evidence_download", "Evidence downloaded"
    # Reads of OFFICIAL-SENSITIVE content, and findings leaving or arriving in bulk.
    REPORT_VIEWED = "report_viewed", "Report viewed"
    FINDING_VIEWED = "finding_viewed", "Finding viewed"
    FINDINGS_EXPORTED = "findings_exported", "Findings exported"
    FINDINGS_IMPORTED = "findings_imported", "Findings imported"
    LETTER_RECORDED = "letter_recorded", "HMICFRS letter recorded"
    PACK_PRODUCED = "pack_produced", "Accountability pack produced"
    # Sign-in security: how a second factor came to be, and who was emailed a way in.
    TWO_FACTOR_LINK_SENT = "two_factor_link_sent", "Two-factor set-up link emailed"
    TWO_FACTOR_ADDED = "two_factor_added", "Two-factor device added"
    TWO_FACTOR_REMOVED = "two_factor_removed", "Two-factor device removed"
    LOCKOUT_CLEARED = "lockout_cleared", "Sign-in lockout cleared"
    SIGN_IN_LINK_SENT = "sign_in_link_sent", "Sign-in link emailed"
    # People, managed in the app (issue 16 item 1); the person changed is the record.
    PERSON_INVITED = "person_invited", "Person invited"
    INVITATION_RESENT = "invitation_resent", "Invitation sent again"
    INVITATION_WITHDRAWN = "invitation_withdrawn", "Invitation withdrawn"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    ACCESS_CHANGED = "access_changed", "Access changed"
    PERSON_DEACTIVATED = "person_deactivated", "Person deactivated"
    PERSON_REACTIVATED = "person_reactivated", "Person reactivated"
    PASSWORD_LINK_SENT = "password_link_sent", "Set-a-password link emailed"
    PASSWORD_SET_BY_LINK = "password_set_by_link", "Password set through an emailed link"
    # The read-only API: personal tokens, and each request made with the API.
    API_TOKEN_CREATED = "api_token_created", "API token created"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    API_READ = "api_read", "Read through the API"
    CREATED = "created", "Record created"
    CHANGED = "changed", "Record changed"
    DELETED = "deleted", "Record deleted"


class AppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    event = models.CharField(max_length=20, choices=Event, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # People are deactivated, not deleted. If a row in the user table is ever
        # removed all the same, the trail keeps the id: SET_NULL would rewrite the
        # trail, which the append-only triggers refuse (a 500 on PostgreSQL).
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,  # the trail outlives the people in it
    )
    # As typed or as known at the time: kept even if the account is renamed or removed.
    username = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(
        max_length=300, blank=True, help_text="The person's name when the event was recorded."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [("export_auditevent", "Can search and export the audit trail")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_event_display()} {self.username}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise AppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Audit events cannot be deleted.")
