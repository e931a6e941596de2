"""The reports' stylesheet, embedded in each report so a downloaded file stands alone."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def report_css() -> str:
    return resources.files("phiward.reports").joinpath("report.css").read_text("utf-8")
