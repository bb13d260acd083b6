"""How urgent a visit is: the two urgent levels of CLINICAL.md and the reasons behind them.

A visit's level only rises during the visit (a later, milder trigger never lowers it), and every
trigger's reason is kept, so staff read why ("phq9_item9+asq_acute"). The store keeps the level
and the reasons; the flow, the summary, the exports and the alerts read them from here.
"""

from __future__ import annotations

from typing import Literal, cast

RiskLevel = Literal["none", "non_acute", "acute"]
UrgentLevel = Literal["non_acute", "acute"]

RISK_LEVELS: tuple[RiskLevel, ...] = ("none", "non_acute", "acute")  # lowest first

# The visitor tapped "I need to talk to someone now" (CLINICAL.md: acute).
TALK_NOW = "talk_now"
# A score was urgent at completion without a trigger on record (a visit from before levels were
# kept, or a flow that missed its trigger): urgent, and never less than non-acute.
SCORE_URGENT = "score_urgent"

REASON_SEPARATOR = "+"


def rank(level: str) -> int:
    """Position of `level` among RISK_LEVELS; an unknown level is a programming error."""
    try:
        return RISK_LEVELS.index(cast(RiskLevel, level))
    except ValueError:
        raise ValueError(f"unknown risk level {level!r}; expected one of {RISK_LEVELS}") from None


def higher(first: RiskLevel, second: RiskLevel) -> RiskLevel:
    return first if rank(first) >= rank(second) else second


def reasons_of(joined: str | None) -> tuple[str, ...]:
    """The reasons of a stored `reason` field, in the order they happened."""
    return tuple(part for part in (joined or "").split(REASON_SEPARATOR) if part)


def with_reason(joined: str | None, reason: str) -> str:
    """`joined` plus `reason` at the end, each reason once."""
    if not reason or REASON_SEPARATOR in reason:
        raise ValueError(f"a reason is one plain word, e.g. {TALK_NOW!r}; got {reason!r}")
    reasons = reasons_of(joined)
    return REASON_SEPARATOR.join(reasons if reason in reasons else (*reasons, reason))
