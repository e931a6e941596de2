"""The exercises app's pages: exercises (``records``) and the IR plan (``plan``)."""
