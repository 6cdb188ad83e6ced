/**
 * An HL7 timestamp (DTM, the TS.1 of older versions) in this machine's local time with its UTC offset:
 * YYYYMMDDHHMMSS+ZZZZ. The offset makes it unambiguous for a receiver in another time zone or across a change of
 * daylight saving time; every version since 2.3 allows it.
 */
export function hl7Timestamp(date: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return (
    String(date.getFullYear()).padStart(4, "0") +
    two(date.getMonth() + 1) +
    two(date.getDate()) +
    two(date.getHours()) +
    two(date.getMinutes()) +
    two(date.getSeconds()) +
    sign +
    two(Math.floor(abs / 60)) +
    two(abs % 60)
  );
}
