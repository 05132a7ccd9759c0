"""Start the test OpenID provider: migrate its SQLite database, create its people and
Oversight's client, then serve. Run by tests/support/oidc.py as
`python -m tests.support.oidc_provider.serve`."""

from __future__ import annotations

import os

import django


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.support.oidc_provider.settings"
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    from tests.support.oidc_provider.app import people

    call_command("migrate", verbosity=0, interactive=False)
    for username, person in people().items():
        User.objects.create_user(username, password=person["password"])
    Application.objects.create(
        name="Oversight (tests)",
        client_id=os.environ["OIDC_TEST_CLIENT_ID"],
        client_secret=os.environ["OIDC_TEST_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["OIDC_TEST_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command(
        "runserver",
        f"127.0.0.1:{os.environ['OIDC_TEST_PORT']}",
        use_reloader=False,
        use_threading=True,
        skip_checks=True,
    )


if __name__ == "__main__":
    main()
