"""The table every benchmark prints: what was measured, beside what, and whether the goal holds."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("measure", "result", "beside", "ratio", "goal", "met")


@dataclass(frozen=True)
class Row:
    measure: str
    result: str
    beside: str = ""
    ratio: str = ""
    goal: str = ""
    met: bool | None = None  # None: a figure for context, with no goal of its own

    def cells(self) -> tuple[str, ...]:
        met = "" if self.met is None else ("yes" if self.met else "NO")
        return (self.measure, self.result, self.beside, self.ratio, self.goal, met)


def table(title: str, rows: list[Row]) -> str:
    """A Markdown table, so a run's output can be pasted into ``docs/reliability.md`` as it is."""
    cells = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]

    def line(values: tuple[str, ...]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([f"### {title}", "", line(COLUMNS), rule, *(line(c) for c in cells[1:]), ""])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def rate(per_second: float, unit: str) -> str:
    return f"{per_second:,.0f} {unit}/s"


def times(ratio: float) -> str:
    return f"{ratio:.2f}x"
