"""IR exercises (S31) and the versioned incident-response plan.

``schedule`` is the pure clock (what is due per kind); ``services`` and ``plan`` hold every
write; the web, API and CLI are thin adapters over them.
"""
