"""Synthetic multilingual helpdesk history with a documented hidden priority label.

See docs/synthetic_data.md for the schema and the labelling function.
"""

from training.synthetic.examples import example_ticket
from training.synthetic.generator import (
    COLUMNS,
    SyntheticTickets,
    generate_tickets,
    generate_with_truth,
    output_problem,
    write_tickets,
)
from training.synthetic.kinds import KINDS
from training.synthetic.languages import BANKS, LANGUAGES, OUTAGE_PHRASES

__all__ = [
    "BANKS",
    "COLUMNS",
    "KINDS",
    "LANGUAGES",
    "OUTAGE_PHRASES",
    "SyntheticTickets",
    "example_ticket",
    "generate_tickets",
    "generate_with_truth",
    "output_problem",
    "write_tickets",
]
