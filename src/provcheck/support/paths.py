"""Where provcheck keeps per-user state (the result cache, index verification stamps)."""

from __future__ import annotations

import os


def cache_dir() -> str:
    """``$PROVCHECK_CACHE_DIR``, else the platform's user cache folder for provcheck
    (``$XDG_CACHE_HOME/provcheck``, else ``~/.cache/provcheck`` on Linux; ``platformdirs``
    knows the other systems' conventions)."""
    explicit = os.environ.get("PROVCHECK_CACHE_DIR")
    if explicit:
        return explicit
    import platformdirs  # here: ~10 ms of imports a set $PROVCHECK_CACHE_DIR does not need

    return platformdirs.user_cache_dir("provcheck", appauthor=False)
