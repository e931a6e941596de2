"""The risk pages (``/o/<org>/risk/``), one module per part of the workflow: the overview and
remediation plan, the analysis wizard (analyses, questionnaire, proposals, approval), the
register, treatments, and the threat and vulnerability catalog."""
