"""Reading a multipart/form-data body whole, or refusing it.

Starlette's parser accepts a body cut off before its closing boundary (a client that gave up, a
broken script): the fields read so far come back as if that were all, and the part it was in the
middle of leaves its temporary file open. Here such a body is refused and its files closed.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request


class BadMultipart(ValueError):
    """The body is not a complete multipart/form-data message; the message says what is wrong."""


class _Parser(MultiPartParser):
    ended = False

    def on_end(self) -> None:
        self.ended = True


async def read_form(request: Request, *, max_files: int, max_fields: int) -> FormData:
    """The form of a complete multipart body; BadMultipart otherwise (no file left open)."""
    parser = _Parser(request.headers, request.stream(), max_files=max_files, max_fields=max_fields)
    try:
        form = await parser.parse()
    except (MultiPartException, KeyError, ValueError) as exc:  # a missing boundary, a malformed header
        raise BadMultipart(f"The multipart body could not be read: {exc}") from None
    if not parser.ended:
        await form.close()
        for spooled in parser._files_to_close_on_error:
            spooled.close()
        raise BadMultipart("The multipart body could not be read: it ends before its closing boundary.")
    return form
