"""Exceptions reach the log by type and code location only: their messages may quote PHI."""

from __future__ import annotations

import logging

import pytest

from phiward.core.logredact import RedactExceptionMessages


def test_exception_message_is_withheld(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("phiward.test.redact")
    logger.addFilter(RedactExceptionMessages())
    record = {"patient": "Jane Roe", "mrn": "0042"}  # data, as at run time
    try:
        raise ValueError(f"patient {record['patient']}, MRN {record['mrn']}")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="phiward.test.redact"):
            logger.exception("request failed")
    text = caplog.text
    assert "Jane Roe" not in text and "0042" not in text
    assert "builtins.ValueError: <message withheld>" in text
    assert "test_exception_message_is_withheld" in text  # the code location stays


def test_the_settings_install_the_filter() -> None:
    from django.conf import settings

    handler = settings.LOGGING["handlers"]["console"]
    assert "redact" in handler["filters"]
