/**
 * Where HL7 v2 orders and results carry what a lookup needs, as `hl7` field-path lists (see path.ts);
 * the lookup nodes offer these when their input is switched to HL7.
 */

/** The Study Instance UID: IPC-3 of an OMI^O23, else ZDS-1 of an ORM^O01 (uid^^Application^DICOM). */
export const STUDY_INSTANCE_UID_PATHS = "IPC-3.1,ZDS-1.1";

/** The Patient ID: CX.1 of the first repetition of PID-3. */
export const PATIENT_ID_PATHS = "PID-3.1";

/** DICOM code 113014 "DICOM Study": the OBX-3 under which RAD-128 results carry the Study Instance UID. */
export const DICOM_STUDY_CODE = "113014";

/** The Study Instance UID of a RAD-128 result or a signed report (ORU^R01): OBX-5 of the OBX coded 113014. */
export const RESULT_STUDY_UID_PATH = `OBX[3.1=${DICOM_STUDY_CODE}]-5`;
