import type { Hl7Header } from "../hl7";

/**
 * A header of its own, nested objects included, with MSH-7 and MSH-10 replaced if given: each message gets one,
 * so that a flow that changes msg.hl7 never changes the listener's copy (nor a cached one). Written as one literal:
 * V8 builds it several times faster than a spread, and the type makes it list every field.
 */
export function copyHl7Header(h: Hl7Header, dateTime = h.dateTime, controlId = h.controlId): Hl7Header {
  return {
    messageType: h.messageType,
    triggerEvent: h.triggerEvent,
    messageStructure: h.messageStructure,
    controlId,
    processingId: h.processingId,
    version: h.version,
    dateTime,
    sendingApplication: { ...h.sendingApplication },
    sendingFacility: { ...h.sendingFacility },
    receivingApplication: { ...h.receivingApplication },
    receivingFacility: { ...h.receivingFacility },
    acceptAckType: h.acceptAckType,
    applicationAckType: h.applicationAckType,
    characterSet: h.characterSet,
    delimiters: { ...h.delimiters },
    encodingCharacters: h.encodingCharacters,
  };
}
