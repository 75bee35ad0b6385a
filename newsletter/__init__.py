"""newsletter: community articles in, branded bilingual email editions out.

Library API: `build()` runs the whole pipeline and returns a `BuildResult`; problems come
as `InputError` (with every `Problem` found) or `BuildError`. The CLI is in `cli.py`.
"""
from .errors import BuildError, InputError, NewsletterError, Problem

__all__ = ["build", "BuildError", "InputError", "NewsletterError", "Problem"]


def build(*args, **kwargs):
    """Build every edition of an issue; see `newsletter.build.build`."""
    from .build import build as _build  # deferred: premailer's cache size is set on import

    return _build(*args, **kwargs)
