"""The core every domain reads: the mirror of WeCom's corp and what reads it.

Owns the directory (departments, members, roles), corp tags, customers and their follow relations, customer
groups, the timeline, the full sync and nightly reconciliation, the access scope, the customer search, the
event handlers for contact, chat, tag and directory callbacks, and those tables (`models.py`). Imports no
other domain package; the domains import it.
"""
