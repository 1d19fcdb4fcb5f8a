from django.apps import AppConfig


class MovingConfig(AppConfig):
    """Moving in and out; no tables of its own."""

    name = "moving"
