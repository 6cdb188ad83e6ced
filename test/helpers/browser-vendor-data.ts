/** The vendor document's examples, as the simulator serves them: what the demo's pages and links must show. */
export interface VendorStudy {
  studyInstanceUid: string;
  token: string;
}

export const SEED_STUDY: VendorStudy = {
  studyInstanceUid: "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642",
  token: "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6",
};

export const EXAMPLE_PATIENT_ID = "ID200631zw609";

/** The three studies of patient ID200631zw609, in the PACS's order. */
export const EXAMPLE_STUDIES: readonly [VendorStudy, VendorStudy, VendorStudy] = [
  {
    studyInstanceUid: "1.2.840.113619.2.55.3.2831173124.78.1375418120.812",
    token: "H4sTZJQ7OqxsxO9M633kSm9ES8wUexIW5auoZqJuuot88Cu1QLklYe38fR4R42IR4",
  },
  {
    studyInstanceUid: "1.2.840.113619.2.55.3.2831173124.78.1375418120.813",
    token: "H0QHLkW2RpypVCTSrmP4xni2U0lgcEfogLK5bKaEV6Gg655ru1Kr76X770eIRhhL",
  },
  {
    studyInstanceUid: "1.2.840.113619.2.55.3.2831173124.78.1375418120.814",
    token: "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM",
  },
];

/** The link the examples build: their config node says web host 127.0.0.1, port 3000, no SSL. */
export function linkFor(token: string): string {
  return `sante://download?url=127.0.0.1:3000&ssl=no&token=${token}`;
}
