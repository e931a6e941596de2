"""Import and export of a whole ePHI inventory in YAML, JSON and CSV.

``document`` is the format-neutral model and its checks (no Django); ``fields`` the columns
of each table; ``yaml_format``, ``json_format`` and ``csv_format`` one format each, registered
in ``formats``; ``service`` applies a document to an organization and exports one.
The file format is described in docs/inventory-format.md.
"""
