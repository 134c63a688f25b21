"""The claims export file's name and version (``"format": "safet-claims"``): what the export
writes and the claims import checks, in a module of its own so that neither imports the other."""

FORMAT = "safet-claims"
VERSION = 2
