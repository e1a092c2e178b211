"""The admin's pages, one module per area.

Numbers in paths are read by the `key` convertor registered here.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class _KeyConvertor(Convertor[int]):
    # Nine digits hold every key of a 32-bit column and never a number past one: a
    # longer number is no page (404), not an overflow in the database.
    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("key", _KeyConvertor())
