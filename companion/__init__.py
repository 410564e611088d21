"""Cashback Guard's local companion: catalog, affiliate redirects, tracking checks and ledger."""

__version__ = "0.1.0"

# The protocol version the extension checks for; bumped on incompatible API changes.
API_VERSION = 1
