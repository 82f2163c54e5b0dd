// Builds TC strings with the IAB's own encoder (@iabtechlabtcf/core) for the tag's browser tests.
// Usage: node tcf_build.mjs '<JSON list of {purposes, vendors, restrictions: [{purpose, type, vendors}], lastUpdated}>'
// Prints one TC string per line. `type` is 0 (not allowed), 1 (require consent) or 2 (require LI).
import * as core from "@iabtechlabtcf/core";

const { TCModel, TCString, GVL, PurposeRestriction } = core;
const MAXV = 2000;
const ids = (k) => Object.fromEntries(Array.from({ length: k }, (_, i) => [i + 1, { id: i + 1, name: `x${i + 1}`, description: "", illustrations: [] }]));
const vendors = {};
for (let v = 1; v <= MAXV; v++) {
  vendors[v] = { id: v, name: `vendor ${v}`, purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], legIntPurposes: [],
    flexiblePurposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], specialPurposes: [], features: [], specialFeatures: [],
    policyUrl: "https://example.org", cookieMaxAgeSeconds: 0, usesCookies: false, usesNonCookieAccess: false };
}
const gvl = new GVL({ gvlSpecificationVersion: 3, vendorListVersion: 150, tcfPolicyVersion: 5,
  lastUpdated: "2026-01-01T00:00:00Z", purposes: ids(11), specialPurposes: ids(2), features: ids(3),
  specialFeatures: ids(2), stacks: {}, dataCategories: {}, vendors });

for (const spec of JSON.parse(process.argv[2])) {
  const m = new TCModel(gvl);
  m.cmpId = 300;
  m.cmpVersion = 1;
  m.isServiceSpecific = true;
  m.publisherCountryCode = "FR";
  m.consentLanguage = "FR";
  if (spec.lastUpdated) m.lastUpdated = new Date(spec.lastUpdated);
  m.purposeConsents.set(spec.purposes || []);
  m.vendorConsents.set(spec.vendors || []);
  for (const r of spec.restrictions || []) {
    for (const v of r.vendors) m.publisherRestrictions.add(v, new PurposeRestriction(r.purpose, r.type));
  }
  console.log(TCString.encode(m));
}
