"""Unit tests of the pure scoring engine.

A package so its modules (and their shared builders) never collide with
same-named test modules in other test folders.
"""
