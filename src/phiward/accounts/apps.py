from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "phiward.accounts"
    label = "accounts"
    verbose_name = "Accounts, MFA and sessions"

    def ready(self) -> None:
        from allauth.account.decorators import secure_admin_login
        from django.contrib import admin

        from phiward.accounts import receivers

        receivers.connect()
        # The admin's own login form would skip MFA: send it through allauth's login instead.
        admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
