"""A tiny OpenID provider (django-oauth-toolkit) that the single sign-on tests start in a
process of their own, with its own SQLite database, port and RS256 key. Test-only."""
