"""Use cases of the people side: goals, development, check-ins, feedback, recognition.

None of them writes a score (an import-linter contract in pyproject.toml): a goal or a
check-in reads scores, and recognition never changes one.
"""
