"""unlisted: audit and reimbursement analytics for unlisted procedure codes."""

__version__ = "0.1.0"
