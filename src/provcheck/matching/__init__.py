"""Matching: pure functions from text to evidence — normalize, segment, fingerprint, verify.

No I/O and no knowledge of files or indexes: what stands here can be tested on strings.
"""
