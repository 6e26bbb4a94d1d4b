"""How the service logs: JSON lines in production (python-json-logger over orjson), readable lines in development."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.orjson import OrjsonFormatter

from server.settings import Settings

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OurHandler(logging.StreamHandler):
    """The root handler this module installs (so configuring twice replaces it)."""


def formatter(settings: Settings) -> logging.Formatter:
    if settings.development:
        return logging.Formatter(HUMAN_FORMAT)
    # Fields passed as ``extra`` (the request line's request_id, tenant, duration_ms...) become keys.
    # orjson (already used for answers) formats a line in about 60% of the json module's time.
    return OrjsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's message with terminal colours
    )


def configure_logging(settings: Settings) -> None:
    """One handler on the root logger, to stderr; uvicorn's loggers propagate to it."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
    handler = _OurHandler(sys.stderr)
    handler.setFormatter(formatter(settings))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Neither format shows the thread or the multiprocessing name: not gathering them halves the
    # cost of a record (the logging HOWTO's "Optimization"), which the statement meter pays per statement.
    logging.logThreads = False
    logging.logMultiprocessing = False
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()  # uvicorn's own plain handlers would print past the JSON
        logger.propagate = True
    # The request line (server/request_observer.py) says all uvicorn's access line says, and more.
    logging.getLogger("uvicorn.access").propagate = False
