"""Declared metadata: dataset cards and provenance.yaml beside the data, found up to the root."""

from __future__ import annotations

import os
from pathlib import Path

from provcheck.inputs import discover
from provcheck.inputs.declared import declaring_dirs, is_card, read_declarations
from provcheck.model import ErrorKind

CARD = """\
---
license: cc-by-nc-4.0
pretty_name: Demo
source_datasets:
- original
- tatsu-lab/alpaca
- extended|databricks/databricks-dolly-15k
---
# A dataset
"""


def files_of(*paths: Path) -> list[tuple[str, str]]:
    return [f for f in discover([str(p) for p in paths]) if isinstance(f, tuple)]


def test_a_card_in_a_parent_up_to_the_scanned_root_is_read(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "data"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "train.jsonl").write_text('{"text": "x"}\n')
    (root / "README.md").write_text(CARD)
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / "README.md").write_text("---\nlicense: mit\n---\n")  # the repository's card
    (tmp_path / "README.md").write_text("---\nlicense: gpl-3.0\n---\n")  # above the repository: ignored
    dirs = declaring_dirs(files_of(root), [str(root)])
    assert [d for d, _ in dirs] == [str(tmp_path / "repo"), str(root), str(root / "sub")]
    decls, errors = read_declarations(dirs)
    assert errors == []
    assert [(d.key, d.value, d.line) for d in decls] == [
        ("license", "mit", 2),
        ("license", "cc-by-nc-4.0", 2),
        ("source_datasets", "tatsu-lab/alpaca", 6),
        ("source_datasets", "databricks/databricks-dolly-15k", 7),
    ]
    assert decls[1].path == os.path.join(str(root), "README.md") and decls[1].dataset == str(root)


def test_a_file_given_directly_reads_its_directory_and_the_cards_above_it(tmp_path: Path) -> None:
    # A Hugging Face dataset's card is at its top, its files in data/ (adversarial 9).
    (tmp_path / "d").mkdir()
    data = tmp_path / "d" / "train.jsonl"
    data.write_text('{"text": "x"}\n')
    (tmp_path / ".git").mkdir()
    (tmp_path / "provenance.yaml").write_text("license: mit\n")
    assert declaring_dirs(files_of(data), [str(data)]) == [
        (str(tmp_path), str(tmp_path)),
        (str(tmp_path / "d"), str(tmp_path / "d")),
    ]


def test_provenance_manifest_is_checked_strictly(tmp_path: Path) -> None:
    (tmp_path / "provenance.yaml").write_text(
        "license: [CC-BY-4.0, MIT]\nprovider: openai\ngenerator: gpt-4\ndate: 2024-02-01\n"
        "source_datasets: tatsu-lab/alpaca\norigin: generated\n"
    )
    decls, errors = read_declarations([(str(tmp_path), str(tmp_path))])
    assert errors == []
    assert [(d.key, d.value) for d in decls] == [
        ("license", "CC-BY-4.0"),
        ("license", "MIT"),
        ("provider", "openai"),
        ("generator", "gpt-4"),
        ("date", "2024-02-01"),
        ("source_datasets", "tatsu-lab/alpaca"),
        ("origin", "generated"),
    ]
    (tmp_path / "provenance.yaml").write_text("licence: mit\nprovider: [a, b]\ndate: soon\norigin: robots\n")
    decls, errors = read_declarations([(str(tmp_path), str(tmp_path))])
    assert decls == []  # an invalid manifest declares nothing
    assert [(e.line, e.kind) for e in errors] == [
        (1, ErrorKind.SCHEMA),
        (2, ErrorKind.SCHEMA),
        (3, ErrorKind.SCHEMA),
        (4, ErrorKind.SCHEMA),
    ]
    assert "unknown key 'licence'; allowed: license" in errors[0].message
    assert "'provider' must be a string" in errors[1].message


def test_broken_front_matter_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("---\nlicense: [unclosed\n---\n")
    decls, errors = read_declarations([(str(tmp_path), str(tmp_path))])
    assert decls == [] and errors[0].kind is ErrorKind.PARSE and errors[0].line == 3
    (tmp_path / "README.md").write_text("---\nlicense: mit\n")
    _, errors = read_declarations([(str(tmp_path), str(tmp_path))])
    assert "never closed" in errors[0].message and errors[0].line == 1


def test_only_readmes_with_front_matter_are_cards(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Just prose\n")
    assert not is_card(str(tmp_path / "README.md"))
    (tmp_path / "README.md").write_text("\ufeff---\nlicense: mit\n---\n")
    assert is_card(str(tmp_path / "README.md"))
    (tmp_path / "notes.md").write_text("---\nlicense: mit\n---\n")
    assert not is_card(str(tmp_path / "notes.md"))


def test_a_card_s_date_written_in_another_case_is_read(tmp_path: Path) -> None:
    # ``License:`` was read in any case, ``Date:`` only as ``date`` (adversarial pass 12's notes):
    # the date a card declares decides which dated terms were in force, so it is read as written,
    # and a bad one is located under its own spelling.
    (tmp_path / "README.md").write_text("---\nLicense: mit\nDate: 2023-03-01\n---\n")
    decls, errors = read_declarations([(str(tmp_path), str(tmp_path))])
    assert errors == []
    assert [(d.key, d.value, d.line) for d in decls] == [("license", "mit", 2), ("date", "2023-03-01", 3)]
    (tmp_path / "README.md").write_text("---\nDATE: soon\n---\n")
    decls, errors = read_declarations([(str(tmp_path), str(tmp_path))])
    assert decls == [] and [(e.line, e.field) for e in errors] == [(2, "DATE")]
    assert "'DATE'" in errors[0].message
