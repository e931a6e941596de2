"""phiward: run a healthcare organization's HIPAA security program and prove that it works."""

__version__ = "0.1.0"
