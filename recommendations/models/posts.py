"""Posts: the roles that own findings ("ACC Crime", "Head of Public Protection", "OPCC Head
of Scrutiny"), whose holders change while the ownership stays.

A finding or action owned by a post is owned, for reminders, My work and permissions,
by the post's current holder: the services keep `Finding.owner` equal to the holder of
`Finding.owner_post`, and move every one at once when the holder changes.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from recommendations import dates
from recommendations.models.forces import Force

TITLE_TAKEN = "There is already a post with that title in that force (or in the OPCC)."


class PostQuerySet(models.QuerySet["Post"]):
    def active(self) -> Self:
        return self.filter(is_active=True)

    def for_force(self, force_id: int | None) -> Self:
        """Posts that may own a finding of that force: the force's own, and the OPCC's
        (those working across all forces, or on that force). A finding of no force
        (a national report's) is owned by OPCC posts across all forces only."""
        opcc_posts = Q(is_opcc=True, force__isnull=True)
        if force_id is None:
            return self.filter(opcc_posts)
        return self.filter(opcc_posts | Q(force_id=force_id))

    def visible_to(self, user: object) -> Self:
        force_id = getattr(user, "force_id", None)
        if force_id is None:
            return self
        return self.filter(Q(force_id=force_id) | Q(is_opcc=True, force__isnull=True))


class Post(models.Model):
    title = models.CharField(max_length=200, help_text='For example "ACC Crime".')
    force = models.ForeignKey(
        Force,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        help_text="The force it belongs to, or the one an OPCC post works on. "
        "Leave empty for an OPCC post that works across all forces.",
    )
    is_opcc = models.BooleanField("OPCC post", default=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts_held",
        help_text="Who holds it now. Change it with a handover, which keeps the history.",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["force__name", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["force", "title"],
                condition=Q(force__isnull=False),
                name="post_unique_title_per_force",
                violation_error_message=TITLE_TAKEN,
            ),
            models.UniqueConstraint(
                fields=["title"],
                condition=Q(force__isnull=True),
                name="post_unique_title_across_forces",
                violation_error_message=TITLE_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(is_opcc=True) | Q(force__isnull=False), name="post_force_has_force"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="post_has_title"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def label(self) -> str:
        """The post with who holds it, as lists show an owner."""
        return f"{self.title} ({self.holder or 'vacant'})"


class PostHolding(models.Model):
    """Who held a post, from when to when: the history behind `Post.holder`."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="holdings")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="post_holdings"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["post", "-started_on", "-id"]
        constraints = [
            *dates.within_range("post_holding", "started_on", "ended_on"),
            models.UniqueConstraint(
                fields=["post"], condition=Q(ended_on__isnull=True), name="post_one_current_holder"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="post_holding_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder} as {self.post} from {self.started_on}"
