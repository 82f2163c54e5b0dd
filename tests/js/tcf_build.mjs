// Builds TC strings with the IAB's own encoder (@iabtechlabtcf/core) for the tag's browser tests.
// Usage: node tcf_build.mjs '<JSON list of {purposes, vendors, restrictions: [{purpose, type, vendors}], lastUpdated}>'
// Prints one TC string per line. `type` is 0 (not allowed), 1 (require consent) or 2 (require LI).
import * as core from "@iabtechlabtcf/core";
import { syntheticGvl } from "./gvl.mjs";

const { TCModel, TCString, PurposeRestriction } = core;
const gvl = syntheticGvl(2000);

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
