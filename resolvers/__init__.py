"""Use cases. Plain async functions taking an ``Access`` and plain arguments."""
