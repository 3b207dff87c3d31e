"""The scan: the engine that wires the stages, candidate matching against an index, results
collected to disk (spool), and the result cache. It never prints."""
