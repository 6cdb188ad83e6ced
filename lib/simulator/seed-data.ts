import type { SimPatient } from "./types";

/**
 * The vendor document's own examples (sante-pacs-his-ris-integration.txt),
 * served by every simulator so that those exchanges reproduce byte for byte.
 *
 * The document writes bytes as text ("…lg60DH"), so a token's last character
 * and the "0" of "0DH" run together; the values here read every "0DH" as the
 * 0x0D byte. The tokens come out 63–65 characters long: tokens are opaque, and
 * these are kept exactly as the vendor printed them.
 */

/**
 * The document shows the single-study exchange without naming a patient, so
 * the simulator files that study under this made-up Patient ID.
 */
export const SEED_STUDY_PATIENT_ID = "SANTE-DOC-STUDY";

export const SEED_PATIENTS: readonly SimPatient[] = Object.freeze([
  {
    patientId: SEED_STUDY_PATIENT_ID,
    studies: [
      {
        studyInstanceUid: "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642",
        token: "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6",
      },
    ],
  },
  {
    patientId: "ID200631zw609",
    studies: [
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
    ],
  },
]);
