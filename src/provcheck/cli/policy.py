"""``provcheck policy``: validate, explain and list policies."""

from __future__ import annotations

import click

from provcheck.cli import CheckedGroup
from provcheck.cli.common import handle_errors, say, stderr
from provcheck.errors import PolicyError, UsageError
from provcheck.policy import load_policy, selfdeclared, unreadable, validate
from provcheck.policy.describe import describe, handed_over
from provcheck.policy.loader import packs_dir
from provcheck.report.clauses import pinpoint


@click.group(cls=CheckedGroup)
def policy() -> None:
    """Validate, explain and list policies and shipped policy packs."""


@policy.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--allow-include-outside",
    is_flag=True,
    help="Let policies include files outside their directory.",
)
@handle_errors
def policy_validate(files: tuple[str, ...], allow_include_outside: bool) -> None:
    """Check policy FILES; every problem is reported with file:line."""
    problems = validate(list(files), allow_outside=allow_include_outside)
    if problems:
        raise PolicyError(problems)
    stderr.print(f"{len(files)} policy file(s) valid", markup=False)


@policy.command("list")
@handle_errors
def policy_list() -> None:
    """The shipped policy packs (include them as provcheck:NAME)."""
    for path in sorted(packs_dir().glob("*.yaml")):
        pol = load_policy(str(path))
        enabled = [r for r in pol.rules if r.enabled]
        say(f"provcheck:{path.stem:<20} {len(enabled):>3} rules  {pol.name or ''}")


@policy.command("explain")
@click.argument("rule_id")
@click.option(
    "-p",
    "--policy",
    "policy_path",
    type=click.Path(dir_okay=False),
    help="Policy to look in (default: the shipped default).",
)
@handle_errors
def policy_explain(rule_id: str, policy_path: str | None) -> None:
    """Show a rule: its condition, action, rationale and the clause it cites."""
    path = policy_path or str(packs_dir() / "default.yaml")
    pol = load_policy(path)
    rule = pol.rule(rule_id)
    if rule is None and rule_id == unreadable.RULE_ID:
        # Built in, under every policy: explained from its own definition.
        built = unreadable.RULE
        say(f"{built.id}: {built.title}")
        say("  defined at   provcheck (built in; applies under every policy, cannot be disabled)")
        say("  action       review when a licence rule of the policy could apply under the declared use,")
        say("               else info")
        say("  applies to   declarations (a dataset card's or provenance.yaml's license)")
        say(f"  rationale    {built.rationale}", indent=15)
        say(f"  remediation  {built.remediation}", indent=15)
        return
    if rule is None and rule_id == selfdeclared.RULE_ID:
        built = selfdeclared.RULE
        say(f"{built.id}: {built.title}")
        say("  defined at   provcheck (built in; applies under every policy, cannot be disabled)")
        say("  action       review when a declaration rule of the policy would apply under the declared")
        say("               use had the name been a known provider's model, else info")
        say("  applies to   declarations (the model records name in their own model/generator fields)")
        say(f"  rationale    {built.rationale}", indent=15)
        say(f"  remediation  {built.remediation}", indent=15)
        return
    if rule is None:
        known = ", ".join(r.id for r in pol.rules)
        raise UsageError(f"no rule {rule_id!r} in {path}; rules: {known}")
    say(f"{rule.id}: {rule.title}")
    say(f"  defined at   {rule.origin}")
    say(f"  action       {rule.action.value}{'' if rule.enabled else ' (disabled)'}")
    say(f"  applies to   {rule.signal}es" if rule.signal == "match" else f"  applies to   {rule.signal}s")
    handed = handed_over(rule, pol.rules)
    say(f"  applies when {describe(rule.when)}" + (f" (so {handed})" if handed else ""), indent=15)
    say(f"  as written   {rule.when}", indent=15)
    if rule.rationale:
        say(f"  rationale    {rule.rationale}", indent=15)
    if rule.remediation:
        say(f"  remediation  {rule.remediation}", indent=15)
    if rule.clause is not None:
        if rule.clause.inline is not None:
            clauses = [rule.clause.inline]
        else:
            terms = pol.terms[rule.clause.terms or ""]
            clauses = terms.wordings(rule.clause.key or "")
        seen = set()
        for c in clauses:
            if (c.effective, c.quote) in seen:
                continue
            seen.add((c.effective, c.quote))
            say(f"  clause       “{c.quote}”", indent=15)
            say(
                f"               {c.document}{', ' + pinpoint(c.section) if c.section else ''}, effective "
                f"{c.effective or '?'}, {c.url or ''} [{c.confidence or 'unrated'}], "
                + (f"seen {c.seen}" if c.seen else "retrieval date not recorded")
            )
            if c.effective_note:
                say(f"               date: {c.effective_note}", indent=15)
            if c.note:
                say(f"               {c.note}", indent=15)
        if rule.clause.inline is None and pol.terms[rule.clause.terms or ""].by_licence:
            say("               any other licence: no wording on record")
        elif rule.action_before_wording is not rule.action:
            say(f"               material older than every wording: {rule.action_for(True).value}")
