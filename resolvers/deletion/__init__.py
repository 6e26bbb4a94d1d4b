"""Deleting customers (impact, confirmation code, soft delete, restore, purge) and the data-subject export.

Which tables hold a customer's data is read from the database catalogue (``catalogue``), never
listed by hand, so a table added later (contracts) is deleted, purged and exported with the rest.
"""
