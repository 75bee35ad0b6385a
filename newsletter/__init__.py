"""newsletter: community articles in, branded bilingual email editions out.

Library API: `build()` runs the whole pipeline and returns a `BuildResult`; problems come
as `InputError` (with every `Problem` found) or `BuildError`. The CLI is in `cli.py`.
"""
from .build import BuildResult, build
from .errors import BuildError, InputError, NewsletterError, Problem

__all__ = ["build", "BuildResult", "BuildError", "InputError", "NewsletterError", "Problem"]
