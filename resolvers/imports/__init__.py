"""Customer import: upload, mapping, dry run, the batched run, revert."""
