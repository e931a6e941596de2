"""The incident pages: one module per concern (intake, incidents, review, breach, notices)."""
