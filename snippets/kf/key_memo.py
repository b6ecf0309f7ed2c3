"""A memo for kf.cache's result keys, installed by the build and the tests (no page uses it).

kf.cache.key_ingredients walks a job's kf import closure twice and parses every module in it again each time:
about 1,000 parses of the same dozen files for the 86 frozen results the decision guide reads, and as many
again in the notebook kernels. A cold English build took 38.8 s of CPU without the memo, 25.3 s with it.
kf/cache.py is itself part of every frozen result's key, so the memo lives here: changing cache.py would
re-key every committed result and cost about 100 minutes of retraining. Fold it into kf.cache.kf_imports
the next time the results are retrained anyway.
"""

from __future__ import annotations

import functools

from kf import cache


def install() -> None:
    """Make kf.cache.kf_imports parse each distinct source text once in this process; its answers are unchanged."""
    if hasattr(cache.kf_imports, "__wrapped__"):
        return  # already installed on this copy of kf.cache
    original = cache.kf_imports
    parse = functools.lru_cache(maxsize=None)(lambda source: frozenset(original(source)))

    @functools.wraps(original)
    def kf_imports(source: str) -> set[str]:
        return set(parse(source))  # a fresh set each call: callers may change what they get

    cache.kf_imports = kf_imports
