"""What rendering a report can fail with."""
from __future__ import annotations


class RenderError(RuntimeError):
    """A report could not be rendered; the message says why (Chinese first)."""


class FontNotFoundError(RenderError):
    """No CJK font was found for the PDF."""


class QuartoNotFoundError(RenderError):
    """The quarto backend was asked for but no ``quarto`` binary is on PATH."""
