// The "verify a report" page: reads the dropped/chosen envelope and key, verifies them with
// dsse-verify.js, and shows the answer. Everything stays in the browser; text from the files is
// only ever written with textContent, never parsed as HTML.
import { VerificationError, verifyEnvelope } from "./dsse-verify.js";

const $ = (id) => document.getElementById(id);
let envelopeText = null;
let envelopeName = "";

const MAX_ENVELOPE_BYTES = 256 * 1024 * 1024; // tongzhou.attest.signing.MAX_ATTESTATION_BYTES

async function readEnvelope(file) {
  if (file.size > MAX_ENVELOPE_BYTES) {
    throw new VerificationError("malformed", `${file.name} is ${file.size} bytes; envelopes over 256 MiB are refused`);
  }
  envelopeText = await file.text();
  envelopeName = file.name;
  $("envelope-name").textContent = `${file.name} (${file.size} bytes)`;
}

function detail(list, term, value) {
  if (value === undefined || value === null || value === "") return;
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = String(value);
  list.append(dt, dd);
}

function show(ok, title, message, facts = [], statement = null) {
  const box = $("result");
  box.hidden = false;
  box.className = ok ? "ok" : "fail";
  box.dataset.outcome = ok ? "verified" : "failed";
  $("result-title").textContent = title;
  $("result-message").textContent = message;
  const list = $("result-details");
  list.replaceChildren();
  for (const [term, value] of facts) detail(list, term, value);
  $("statement-box").hidden = statement === null;
  $("statement").textContent = statement === null ? "" : JSON.stringify(statement, null, 2);
}

async function keyText() {
  const file = $("key-file").files[0];
  if (file) return file.text();
  return $("key-text").value;
}

async function verify(event) {
  event.preventDefault();
  try {
    if (envelopeText === null) {
      const chosen = $("envelope-file").files[0];
      if (!chosen) throw new VerificationError("no-envelope", "choose or drop a .dsse.json file first");
      await readEnvelope(chosen);
    }
    const result = await verifyEnvelope(envelopeText, await keyText());
    const s = result.statement || {};
    const report = (s.predicate && s.predicate.report) || {};
    show(
      true,
      "Verified · 核验通过",
      `The signature by ${result.keyId} matches the signed content. ` +
        "This says who signed it and that it is unchanged; whether you recognise that signer is your trust policy's question. " +
        "签名与内容一致。",
      [
        ["File · 文件", envelopeName],
        ["Key id · 密钥", result.keyId],
        ["Payload type · 载荷类型", result.payloadType],
        ["Statement type · 声明类型", s.predicateType],
        ["Evaluator · 测评方", report.evaluator && report.evaluator.name],
        ["Run · 运行", report.run && report.run.run_id],
        ["Signed at · 签名时间", s.predicate && s.predicate.signed_at],
      ],
      result.statement,
    );
  } catch (err) {
    const reason = err instanceof VerificationError ? err.reason : "error";
    const message = err instanceof Error ? err.message : String(err);
    show(false, "Not verified · 核验未通过", message, [["Reason · 原因", reason], ["File · 文件", envelopeName]]);
  }
}

function setUp() {
  const zone = $("drop-zone");
  $("envelope-file").addEventListener("change", async (e) => {
    envelopeText = null;
    const file = e.target.files[0];
    if (file) await readEnvelope(file);
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer.files[0];
    if (file) await readEnvelope(file);
  });
  $("verify-form").addEventListener("submit", verify);
  document.body.dataset.ready = "true";
}

setUp();
