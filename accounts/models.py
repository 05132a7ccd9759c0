from django.contrib.auth.models import Group
from django.db import models


class TwoFactorPolicy(models.Model):
    """An administrator's choice that everyone in a role must sign in with a TOTP code."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="two_factor_policy")
    required = models.BooleanField(
        "Require two-factor sign-in",
        default=False,
        help_text="Members of this role must confirm each sign-in with a code from an "
        "authenticator app. Applies from their next sign-in.",
    )

    class Meta:
        verbose_name = "two-factor policy"
        verbose_name_plural = "two-factor policies"

    def __str__(self) -> str:
        return f"{self.group}: two-factor {'required' if self.required else 'optional'}"

    @staticmethod
    def required_for(user: models.Model) -> bool:
        return TwoFactorPolicy.objects.filter(group__user=user, required=True).exists()
