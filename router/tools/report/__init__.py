"""``omniroute report``: the insight stage's figures (contacts by segment, reason,
channel and outcome; cost per contact; feedback) as a table, a CSV and a PNG."""

from ._figures import CSV_FIELDS, FigureKey, InsightFigures, csv_rows
from ._read import read_figures, read_state
from ._render import print_report, write_chart, write_csv

__all__ = [
    "CSV_FIELDS",
    "FigureKey",
    "InsightFigures",
    "csv_rows",
    "print_report",
    "read_figures",
    "read_state",
    "write_chart",
    "write_csv",
]
