"""Errors a user can act on.

Library code raises :class:`SarapError` with a one-line message that says
what went wrong and where; the CLI prints it without a traceback.
"""

from __future__ import annotations


class SarapError(Exception):
    """A problem with the user's input or setup, explained in one line."""
