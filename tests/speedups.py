"""Make the per-test ``create_app`` cheap: Werkzeug compiles every URL rule again for each app.

Each test builds its own app (tests/conftest.py), so each test bound ~180 URL rules, and
Werkzeug generates and compiles a Python function per rule (``Rule._compile_builder``) and parses
converter arguments with a regular expression: about two thirds of a test's fixed cost, and several
minutes of ``make test``. Both results depend only on the rule's text and defaults, so they are
memoised here for the test process. Production builds one app per worker and is not patched.
"""

from __future__ import annotations

import functools
from typing import Any

from werkzeug.routing import rules


def install() -> None:
    builders: dict[tuple, Any] = {}
    compile_builder = rules.Rule._compile_builder

    def cached_builder(self: rules.Rule, append_unknown: bool = True) -> Any:
        # Everything the generated code depends on: the parsed trace (static parts and variable
        # names) and the defaults folded into it; converters are looked up on the rule at call time.
        key = (
            self.rule,
            tuple(self._trace),
            tuple(sorted((self.defaults or {}).items(), key=repr)),
            append_unknown,
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    parse_args = functools.lru_cache(maxsize=None)(rules.parse_converter_args)

    def cached_args(argstr: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
        args, kwargs = parse_args(argstr)
        return args, dict(kwargs)  # a fresh dict: the caller may keep it

    rules.Rule._compile_builder = cached_builder  # type: ignore[method-assign]
    rules.parse_converter_args = cached_args
