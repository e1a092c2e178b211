"""The schema's one extension: the limits, the caches and the error masking of every
operation, in the order Strawberry's five extensions ran them.

It does the jobs of AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache and
MaskErrors (and DisableIntrospection in production), which the schema used to list one
by one: Strawberry makes every extension anew for each request and enters and leaves
each one's hooks at each stage, about a tenth of a small query's server time
(docs/performance.md, "The schema's extensions folded into one"). The jobs and their
order are theirs:

1. on the operation, before anything: the extra validation rules (depth, aliases, and
   in production no introspection) are added after graphql-core's own, and the token
   limit is handed to the parser;
2. parsing goes through a cache of documents keyed on the query text and the parser's
   options (so the token limit is part of the key);
3. validation goes through a cache keyed on the schema, the query's text with the
   parser's options (which make the document) and the rules (one tuple made once, so a
   repeated query hits it);
4. when the operation is done, errors the caller cannot act on are masked; an
   exception that leaves the operation (a query over the token limit, a syntax error)
   is not masked, exactly as before, and a subscription's results are masked one by
   one (MaskErrors' own `on_stream_result`, inherited).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from strawberry.extensions import MaskErrors
from strawberry.schema.schema import validate_document

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, parse

PARSER_CACHE_SIZE = 256
VALIDATION_CACHE_SIZE = 256

# Module-level like Strawberry's: shared by every schema of the process (the tests make
# one per app), bounded, and keyed on everything the result depends on.
cached_parse: Callable[..., Any] = lru_cache(maxsize=PARSER_CACHE_SIZE)(parse)


@lru_cache(maxsize=VALIDATION_CACHE_SIZE)
def cached_validate(
    schema: GraphQLSchema,
    query: str,
    parse_options: tuple[tuple[str, Any], ...],
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    """The validation errors of a query's document, keyed on the query's text instead of
    the document: the text is the document (parsed with the same options), and hashing a
    string is cached by Python where hashing a document walks its whole tree on every
    look-up (≈ 3% of a small query's server time). Strawberry's own validation
    (`validate_document`: graphql-core's rules, the given ones and its two own)."""
    return validate_document(schema, cached_parse(query, **dict(parse_options)), rules)


class OperationRules(MaskErrors):
    """One instance per request (Strawberry's rule for extensions); the rules and the
    token limit are fixed when the schema is made."""

    def __init__(
        self,
        *,
        rules: tuple[type[ASTValidationRule], ...],
        max_tokens: int,
        should_mask_error: Callable[[GraphQLError], bool],
    ) -> None:
        super().__init__(should_mask_error=should_mask_error)
        self.rules = rules
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        context.parse_options["max_tokens"] = self.max_tokens
        # MaskErrors' own hook: it masks the result once the operation is done.
        yield from super().on_operation()

    def _process_result(self, result: Any) -> None:
        # MaskErrors' own check, less its isinstance against a runtime-checkable Protocol,
        # which walks the Protocol's members on every request (≈ 1% of "my score").
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = cached_parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None  # parsed from it in on_parse
        context.pre_execution_errors = cached_validate(
            context.schema._schema,
            context.query,
            tuple(sorted(context.parse_options.items())),
            context.validation_rules,
        )
        yield


def operation_rules(
    rules: Iterable[type[ASTValidationRule]],
    max_tokens: int,
    should_mask_error: Callable[[GraphQLError], bool],
) -> Callable[[], OperationRules]:
    """The schema's extension factory: the rules made into one tuple here, once, so the
    validation cache (keyed on them) hits for a repeated query."""
    fixed = tuple(rules)

    def make() -> OperationRules:
        return OperationRules(
            rules=fixed, max_tokens=max_tokens, should_mask_error=should_mask_error
        )

    return make
