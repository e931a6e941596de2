"""Cells a spreadsheet would run as a formula (CSV injection), for every CSV phiward writes.

Pure: the Django-free engines (``phiward.breach``) use it as well as the reports.
"""

from __future__ import annotations

# The first characters that make Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """``text``, with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text
