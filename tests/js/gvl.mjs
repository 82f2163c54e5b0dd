// A synthetic IAB Global Vendor List (no network here): vendors 1..maxVendor, every purpose flexible.
// Shared by tcf_reference.mjs and tcf_build.mjs.
import { GVL } from "@iabtechlabtcf/core";

const ids = (k) => Object.fromEntries(Array.from({ length: k }, (_, i) => [i + 1, { id: i + 1, name: `x${i + 1}`, description: "", illustrations: [] }]));

export function syntheticGvl(maxVendor) {
  const vendors = {};
  for (let v = 1; v <= maxVendor; v++) {
    vendors[v] = { id: v, name: `vendor ${v}`, purposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], legIntPurposes: [],
      flexiblePurposes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], specialPurposes: [], features: [], specialFeatures: [],
      policyUrl: "https://example.org", cookieMaxAgeSeconds: 0, usesCookies: false, usesNonCookieAccess: false };
  }
  return new GVL({ gvlSpecificationVersion: 3, vendorListVersion: 150, tcfPolicyVersion: 5,
    lastUpdated: "2026-01-01T00:00:00Z", purposes: ids(11), specialPurposes: ids(2), features: ids(3),
    specialFeatures: ids(2), stacks: {}, dataCategories: {}, vendors });
}
