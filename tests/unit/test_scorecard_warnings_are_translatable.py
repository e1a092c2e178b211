"""A scorecard's warnings are saved with it and listed on the cycle's and the scorecard's
pages in both languages, so each one carries its template and values (as a use case's
message does): a Chinese page translates the template, then fills the values in (once
admin/locales/zh-CN has the entry). Before, these four were finished English sentences
that no page could translate."""

from __future__ import annotations

from service.scoring import check_scorecard

from .test_validation import POLICY, completion, csat, quality


def test_every_scorecard_warning_has_a_template_with_its_values() -> None:
    # Quantitative share off target, CSAT share out of range, one line over 60 % and
    # no qualitative line at all: the four mix warnings at once.
    _, warnings = check_scorecard([csat(20), completion(80)], POLICY, holder_leads_team=False)
    codes = {w.code for w in warnings}
    assert {"QUANT_SHARE_OFF_TARGET", "CSAT_SHARE_OUT_OF_RANGE", "SINGLE_LINE_OVER_MAX",
            "NO_QUALITATIVE_LINE"} <= codes  # fmt: skip
    for warning in warnings:
        assert warning.template, warning.code
        assert warning.template.format(**dict(warning.values)) == warning.message
        assert not any(value in warning.template for _, value in warning.values if len(value) > 2)


def test_the_messages_read_as_before() -> None:
    _, warnings = check_scorecard([csat(55), quality(45)], POLICY, holder_leads_team=False)
    said = {w.code: w.message for w in warnings}
    assert said["CSAT_SHARE_OUT_OF_RANGE"] == (
        "Customer satisfaction holds 55 % of the weight; bring it within 40-50 %."
    )
