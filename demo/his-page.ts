/**
 * The HIS page (GET /sante/his): what the simulated HIS received, newest first, each with its patient, order,
 * study and the viewer link read from the result's OBX-5. Served by the demo itself, not by a flow: the HIS is
 * not part of the integration engine being demonstrated. Every value is HTML-escaped, and only a `sante:` link is
 * made clickable (a message on the HIS port could carry any text). The page asks every 2 s whether a result
 * arrived and reloads when one did.
 */
import type { HisResult } from "./his-result";

export interface HisPageInfo {
  /** "127.0.0.1:2578" */
  address: string;
  /** false: SANTE_DEMO_HIS=off, the results go to the user's own HIS. */
  simulated: boolean;
  /** Results received in all, the page's list being the newest of them. */
  count: number;
  /** The command that sends a sample result, for the empty page. */
  sendCommand: string;
}

export const HIS_PAGE_PATH = "/sante/his";
export const HIS_RESULTS_PATH = "/sante/his/results.json";

export function renderHisPage(results: readonly HisResult[], info: HisPageInfo): string {
  const rows = results.map(row).join("\n");
  const body = !info.simulated
    ? `<p class="empty" id="his-off">The simulated HIS is off (<code>SANTE_DEMO_HIS=off</code>): example 01 sends its results to the HIS listening on ${esc(info.address)}.${results.length > 0 ? " Below, what the simulated HIS received before." : ""}</p>`
    : results.length === 0
      ? `<p class="empty" id="no-results">No results yet. Send a signed report from a terminal in the project folder:<br><code>${esc(info.sendCommand)}</code></p>`
      : "";
  const table =
    results.length === 0
      ? ""
      : `<table id="results">
    <thead><tr><th>Received</th><th>Patient</th><th>Order</th><th>Study Instance UID</th><th>Sante DICOM Web Viewer</th></tr></thead>
    <tbody>
${rows}
    </tbody>
  </table>
  <p class="note">Each link opens the study in Sante DICOM Web Viewer, which must be installed on this computer. The links hold study tokens: treat them as the images themselves.</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Simulated HIS: results received</title>
  <style>
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f3f5f7; color: #1d2733; }
    main { max-width: 88rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15); }
    h1 { font-size: 1.5rem; margin: 0 0 0.3rem; }
    .sub { color: #5b6773; margin: 0 0 1rem; }
    table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
    th, td { text-align: left; padding: 0.6rem 0.5rem; vertical-align: top; }
    th, tr.hl7 td { border-bottom: 1px solid #e1e5ea; }
    tr.result td { padding-bottom: 0.1rem; }
    tr.hl7 td { padding-top: 0; }
    th { font-size: 0.85rem; color: #5b6773; font-weight: 600; }
    td.uid { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85rem; word-break: break-all; }
    td small { color: #5b6773; }
    summary { cursor: pointer; color: #5b6773; font-size: 0.85rem; }
    pre { font-size: 0.8rem; background: #f3f5f7; padding: 0.5rem; white-space: pre-wrap; word-break: break-all; }
    a.study-link { display: inline-block; padding: 0.4rem 0.9rem; background: #0b63b6; color: #fff; border-radius: 4px; text-decoration: none; white-space: nowrap; }
    a.study-link:hover { background: #084d8e; }
    .empty { padding: 1rem 1.2rem; border-radius: 4px; background: #fff8e1; border: 1px solid #ecd78f; }
    .note, code { color: #5b6773; font-size: 0.9rem; }
  </style>
</head>
<body>
<main data-count="${info.count}">
  <h1>Simulated HIS: results received</h1>
  <p class="sub">HL7 messages that reached the HIS's MLLP port ${esc(info.address)}, newest first: ${info.count} in all.</p>
  ${body}
  ${table}
</main>
<script>
  // Reload when the HIS has received something new.
  setInterval(function () {
    fetch(${JSON.stringify(HIS_RESULTS_PATH)} + "?count")
      .then(function (res) { return res.json(); })
      .then(function (body) { if (body.count !== ${info.count}) location.reload(); })
      .catch(function () {});
  }, 2000);
</script>
</body>
</html>
`;
}

function row(r: HisResult): string {
  const link = /^sante:/i.test(r.link)
    ? `<a class="study-link" href="${esc(r.link)}">Open this study</a>`
    : r.link === ""
      ? "—"
      : `<span class="not-a-link">${esc(r.link)}</span>`;
  const hl7 = esc(r.message.replace(/\r\n?/g, "\n").trimEnd());
  return `      <tr class="result" data-control-id="${esc(r.controlId)}" data-study="${esc(r.studyInstanceUid)}">
        <td>${esc(localTime(r.receivedAt))}<br><small>${esc(r.messageType)} ${esc(r.controlId)}</small></td>
        <td>${dash(r.patientName)}<br><small>${dash(r.patientId)}</small></td>
        <td>${dash(r.orderNumber)}<br><small>${r.accessionNumber === "" ? "" : `accession ${esc(r.accessionNumber)}`}</small></td>
        <td class="uid">${dash(r.studyInstanceUid)}</td>
        <td>${link}</td>
      </tr>
      <tr class="hl7"><td colspan="5"><details><summary>HL7 message</summary><pre>${hl7}</pre></details></td></tr>`;
}

function dash(text: string): string {
  return text === "" ? "—" : esc(text);
}

/** "2024-01-15 14:30:05", the demo's local time. */
function localTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
