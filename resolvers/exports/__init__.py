"""Customer exports (CSV, Excel, JSON) of exactly the rows a caller's list shows; see service.py."""
