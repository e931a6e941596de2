"""One module per reference source; each builds a framework and validates what it reads."""
