"""REST for the team tools under /api/v1/ (thin adapters), one module per tool."""
