"""``with EmbeddedStack(settings)`` brings the stack up, and down again even when the
body fails: no broker is left running by a bench part or a test that raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniroute.router.runtime import Settings
from omniroute.router.tools.harness import EmbeddedStack


def test_the_stack_goes_down_after_its_block_even_when_the_block_raises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def up(self: EmbeddedStack) -> list[object]:
        calls.append("up")
        return []

    def down(self: EmbeddedStack) -> None:
        calls.append("down")

    monkeypatch.setattr(EmbeddedStack, "up", up)
    monkeypatch.setattr(EmbeddedStack, "down", down)
    stack = EmbeddedStack(Settings(state_dir=tmp_path))

    with stack as entered:
        assert entered is stack
        assert calls == ["up"]
    assert calls == ["up", "down"]

    with pytest.raises(RuntimeError, match="part failed"), stack:
        raise RuntimeError("part failed")
    assert calls == ["up", "down", "up", "down"]
