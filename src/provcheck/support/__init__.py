"""Small shared helpers that every stage may use, each defined once: dates, atomic writes, globs,
cache paths, batching. Nothing here knows about records, indexes or policies."""
