"""The greeting line of an email, in the edition's first language, with and without a name.

The email is rendered once per edition with `%%name%%` in the greeting. A subscriber
without a name must not be greeted as "Hello ," or by the local part of their address,
so each edition also carries a neutral greeting from the catalogs, and sending swaps the
whole named line for it (see text/mime.py). The strings live in a template
(`email/_greeting.txt.j2`) so a project's own extraction and themes see them.
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, TemplateNotFound

from .plan import placeholder
from .render import render_template

GREETING_TEMPLATE = "email/_greeting.txt.j2"


def greetings(env: Environment, ui: Any) -> tuple[str, str]:
    """(named, neutral); ("", "") for a project whose templates predate the file, which
    then keeps greeting nameless subscribers with an empty name."""
    try:
        env.get_template(GREETING_TEMPLATE)
    except TemplateNotFound:
        return "", ""
    lines = [line.strip() for line in render_template(env, GREETING_TEMPLATE, ui=ui,
                                                      subscriber_name=placeholder("name")).splitlines()]
    named, neutral = [line for line in lines if line][:2]
    return named, neutral
