"""What can be done next with a finished asset (extend, get 1080p, restyle...): the
buttons of its page. Branch `veo` fills this in; here, nothing yet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    kind: str


def actions_for(asset) -> list[Action]:
    return []
