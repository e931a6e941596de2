"""Logging in: django-allauth with MFA, lockout, session lifetimes and phiward's policies."""
