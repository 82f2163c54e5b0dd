// Generates random TC strings with the IAB's own encoder (@iabtechlabtcf/core) and prints, one JSON
// object per line, the string and what the IAB's decoder reads back from it. The Python TCF decoder
// is tested against these lines (tests/consent/test_tcf_reference.py). Usage: node tcf_reference.mjs N SEED
import * as core from "@iabtechlabtcf/core";
import { syntheticGvl } from "./gvl.mjs";

const { TCModel, TCString, PurposeRestriction, RestrictionType, Segment } = core;
const n = Number(process.argv[2] || 1000);
let seed = Number(process.argv[3] || 1);
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }
function pick(max, p) { const out = []; for (let i = 1; i <= max; i++) if (rnd() < p) out.push(i); return out; }

const MAXV = 1500;
const gvl = syntheticGvl(MAXV);

for (let i = 0; i < n; i++) {
  const m = new TCModel(gvl);
  m.cmpId = 2 + Math.floor(rnd() * 500); m.cmpVersion = 1 + Math.floor(rnd() * 10);
  m.consentScreen = Math.floor(rnd() * 10); m.consentLanguage = rnd() < 0.5 ? "FR" : "EN";
  m.publisherCountryCode = rnd() < 0.7 ? "FR" : "BE";
  m.isServiceSpecific = rnd() < 0.8; m.purposeOneTreatment = rnd() < 0.1;
  const sparse = rnd() < 0.5;  // sparse sets make the encoder choose ranges, dense ones bit fields
  const maxv = [20, 300, 1500][Math.floor(rnd() * 3)];
  m.purposeConsents.set(pick(11, 0.5));
  m.purposeLegitimateInterests.set(pick(11, 0.3).filter((p) => p > 1));
  m.specialFeatureOptins.set(pick(2, 0.5));
  m.vendorConsents.set(sparse ? [1 + Math.floor(rnd() * maxv), ...pick(maxv, 0.01)] : pick(maxv, 0.6));
  m.vendorLegitimateInterests.set(pick(maxv, sparse ? 0.01 : 0.4));
  const restrictions = [];
  if (rnd() < 0.5) {
    const k = 1 + Math.floor(rnd() * 3);
    for (let j = 0; j < k; j++) {
      const purpose = 2 + Math.floor(rnd() * 9);
      const type = [RestrictionType.NOT_ALLOWED, RestrictionType.REQUIRE_CONSENT, RestrictionType.REQUIRE_LI][Math.floor(rnd() * 3)];
      const vs = pick(Math.min(maxv, 200), 0.05);
      for (const v of vs) m.publisherRestrictions.add(v, new PurposeRestriction(purpose, type));
    }
  }
  const segments = rnd() < 0.5 ? ["core", "vendorsDisclosed"] : ["core"];
  if (segments.length > 1) m.vendorsDisclosed.set(pick(maxv, 0.3));
  const str = TCString.encode(m, { segments: segments.map((s) => (s === "core" ? Segment.CORE : Segment.VENDORS_DISCLOSED)) });
  const d = TCString.decode(str);
  const list = (v) => { const out = []; v.forEach((on, id) => { if (on) out.push(id); }); return out.sort((a, b) => a - b); };
  const prs = [];
  d.publisherRestrictions.getRestrictions().forEach((r) => {
    prs.push({ purpose: r.purposeId, type: r.restrictionType, vendors: d.publisherRestrictions.getVendors(r).sort((a, b) => a - b) });
  });
  prs.sort((a, b) => a.purpose - b.purpose || a.type - b.type);
  console.log(JSON.stringify({
    tc: str, version: d.version, created: d.created.getTime(), lastUpdated: d.lastUpdated.getTime(),
    cmpId: d.cmpId, cmpVersion: d.cmpVersion, consentScreen: d.consentScreen, consentLanguage: d.consentLanguage,
    vendorListVersion: d.vendorListVersion, policyVersion: d.policyVersion, isServiceSpecific: d.isServiceSpecific,
    useNonStandardTexts: d.useNonStandardTexts, purposeOneTreatment: d.purposeOneTreatment,
    publisherCountryCode: d.publisherCountryCode, specialFeatureOptins: list(d.specialFeatureOptins),
    purposeConsents: list(d.purposeConsents), purposeLegitimateInterests: list(d.purposeLegitimateInterests),
    vendorConsents: list(d.vendorConsents), vendorLegitimateInterests: list(d.vendorLegitimateInterests),
    publisherRestrictions: prs, vendorsDisclosed: list(d.vendorsDisclosed),
  }));
}
