"""Customer reports: groupings, a total and subdivisions computed in PostgreSQL, and templates."""
