"""Importing customers from spreadsheets: reading files, mapping their columns, the template."""
