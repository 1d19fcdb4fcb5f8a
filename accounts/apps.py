from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff sign-in: the second factor, login throttling, private login records."""

    name = "accounts"
