"""The built-in ``declared-licence-unreadable`` finding as users meet it in a policy: ``policy
explain`` said "no rule" and ``disable:`` said "no rule is defined", though every scan reports it."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli


def test_policy_explain_shows_the_built_in_finding() -> None:
    out = run_cli(["policy", "explain", "declared-licence-unreadable"]).stdout
    assert "built in; applies under every policy, cannot be disabled" in out
    assert "review when a licence rule of the policy could apply" in out


def test_disabling_the_built_in_finding_says_to_waive_it(tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "use: {commercial: true}\n"
        "include: [provcheck:dataset-licences]\n"
        "disable: [declared-licence-unreadable]\n"
    )
    err = run_cli(["policy", "validate", policy], 3).stderr
    assert f"{policy}:3: disable: 'declared-licence-unreadable' is built into provcheck" in err
    assert "waive its findings instead" in err
