"""``provcheck.index``'s __init__ imports none of its modules (names come from them when first
used). The hook imports the matcher in a second thread while its main thread reads
``provcheck.index.manifest``; with a package __init__ that imported the store (and through it the
shards, which import the package's modules), the two imports deadlocked, Python handed one a
half-initialized module and the hook failed with an internal error (exit 10) about one run in
twenty (seen in ``benchmarks/hook_ab.py``)."""

from __future__ import annotations

import subprocess
import sys


def test_the_index_package_imports_none_of_its_modules_until_a_name_is_used() -> None:
    code = (
        "import sys, provcheck.index as ix\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('provcheck.index.'))\n"
        "assert not loaded, loaded\n"
        "assert ix.TextKey.__module__ == 'provcheck.index.store'\n"
        "assert 'provcheck.index.writer' not in sys.modules\n"
        "from provcheck.index import IndexWriter, ReferenceIndex, damaged, Candidate\n"
        "assert IndexWriter.__module__ == 'provcheck.index.writer'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_an_unknown_name_is_an_attribute_error() -> None:
    import provcheck.index as ix

    try:
        ix.NoSuchThing  # noqa: B018
    except AttributeError as e:
        assert "NoSuchThing" in str(e)
    else:
        raise AssertionError("no error")
