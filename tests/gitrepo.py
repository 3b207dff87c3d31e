"""A real temporary git repository for the hook tests, driven through real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers import REFERENCE_TEXTS

PROVCHECK = [sys.executable, "-m", "provcheck"]

BLOCK_POLICY = """\
use: {purpose: train-competing-model}
rules:
  - id: openai-compete
    title: OpenAI output in a competing model
    when: {source.provider: openai, use.purpose: train-competing-model}
    action: block
    message: copies {source.name}
"""
REVIEW_POLICY = BLOCK_POLICY.replace("action: block", "action: review")


def chat(ident: str, answer: str, question: str = "a question") -> dict[str, Any]:
    """A ShareGPT record."""
    return {
        "id": ident,
        "conversations": [{"from": "human", "value": question}, {"from": "gpt", "value": answer}],
    }


def clean(i: int) -> dict[str, Any]:
    """A record that matches nothing in the test index."""
    return chat(f"ok-{i}", f"Record number {i} is a short note about gardening and tomato plant {i}.")


def restricted(i: int = 1, ident: str | None = None) -> dict[str, Any]:
    """A verbatim copy of a reference text (OpenAI output in the test index)."""
    return chat(ident or f"copy-{i}", REFERENCE_TEXTS[i % len(REFERENCE_TEXTS)])


def jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


class GitRepo:
    """A repository in ``path`` with a dataset config; every command is a real process."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path = path
        self.env = env
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Test User")
        self.git("config", "user.email", "test@example.org")
        self.git("config", "commit.gpgsign", "false")

    def git(
        self, *args: str, check: bool = True, input: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["git", *args], cwd=self.path, env=self.env, capture_output=True, input=input, check=False
        )
        out = subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} exited {proc.returncode}\n{out.stdout}\n{out.stderr}")
        return out

    def write(self, rel: str, content: str | bytes) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def append(self, rel: str, content: str) -> None:
        with open(self.path / rel, "a", encoding="utf-8") as fh:
            fh.write(content)

    def commit(self, message: str = "change", *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        """``git commit`` (runs whatever pre-commit hook is installed); asserts the outcome."""
        out = self.git("commit", "-q", "-m", message, *args, check=False)
        ok = out.returncode == 0
        if ok != (code == 0):
            raise AssertionError(
                f"git commit exited {out.returncode}, expected {code}\n{out.stdout}\n{out.stderr}"
            )
        return out

    def provcheck(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        """Run provcheck as its own process in the repository; asserts the exit code."""
        proc = subprocess.run(
            [*PROVCHECK, *args], cwd=self.path, env=self.env, capture_output=True, text=True, check=False
        )
        if proc.returncode != code:
            raise AssertionError(
                f"provcheck {' '.join(args)} exited {proc.returncode}, expected {code}\n"
                f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
            )
        return proc

    def head_files(self) -> set[str]:
        return set(self.git("ls-tree", "-r", "--name-only", "HEAD").stdout.split())


def isolated_env(tmp: Path) -> dict[str, str]:
    """The environment of the test processes: no git settings of the machine or the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        PROVCHECK_CACHE_DIR=str(tmp / "cache"),
        PRE_COMMIT_HOME=str(tmp / "pre-commit-home"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env
