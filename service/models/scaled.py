"""Exact numbers are stored as scaled integers (value x VALUE_SCALE in a 64-bit column)."""

from __future__ import annotations

VALUE_SCALE = 10_000  # stored value = exact value x VALUE_SCALE (4 decimal places)
# A customer rating's scale when its KPI names no range: 1 to 5, scaled.
DEFAULT_RATING_SCALE = (1 * VALUE_SCALE, 5 * VALUE_SCALE)
