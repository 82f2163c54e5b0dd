"""The Python TCF decoder agrees with the IAB's own @iabtechlabtcf/core on generated strings."""

from __future__ import annotations

from artaud.consent.tcf import decode
from tests.conftest import TCF_REFERENCE_COUNT as N


def test_at_least_a_thousand_strings_of_every_shape(reference):
    assert len(reference) == N
    assert sum(1 for r in reference if r["publisherRestrictions"]) > 200
    assert sum(1 for r in reference if "." in str(r["tc"])) > 200  # with a disclosed-vendors segment
    lengths = {len(r["vendorConsents"]) for r in reference}  # type: ignore[arg-type]
    assert min(lengths) <= 5 and max(lengths) > 500  # sparse (range) and dense (bit field) vendor sets


def test_every_field_agrees_with_the_iab_decoder(reference):
    for r in reference:
        t = decode(str(r["tc"]))
        got = {
            "version": t.version,
            "created": int(t.created.timestamp() * 1000),
            "lastUpdated": int(t.last_updated.timestamp() * 1000),
            "cmpId": t.cmp_id,
            "cmpVersion": t.cmp_version,
            "consentScreen": t.consent_screen,
            "consentLanguage": t.consent_language,
            "vendorListVersion": t.vendor_list_version,
            "policyVersion": t.policy_version,
            "isServiceSpecific": t.is_service_specific,
            "useNonStandardTexts": t.use_non_standard_texts,
            "purposeOneTreatment": t.purpose_one_treatment,
            "publisherCountryCode": t.publisher_country_code,
            "specialFeatureOptins": sorted(t.special_feature_optins),
            "purposeConsents": sorted(t.purpose_consents),
            "purposeLegitimateInterests": sorted(t.purpose_legitimate_interests),
            "vendorConsents": sorted(t.vendor_consents),
            "vendorLegitimateInterests": sorted(t.vendor_legitimate_interests),
            "publisherRestrictions": sorted(
                (
                    {"purpose": p.purpose, "type": p.type, "vendors": sorted(p.vendors)}
                    for p in t.publisher_restrictions
                ),
                key=lambda x: (x["purpose"], x["type"]),
            ),
            "vendorsDisclosed": sorted(t.vendors_disclosed or ()),
        }
        expected = {k: v for k, v in r.items() if k != "tc"}
        assert got == expected, r["tc"]
