from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "phiward.tokens"
    label = "tokens"
    verbose_name = "API tokens"

    def ready(self) -> None:
        from phiward.tokens import checks  # noqa: F401 - registers the settings check
