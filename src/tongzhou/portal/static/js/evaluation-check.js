// The evaluation page's own check: verifies the stored envelope in the visitor's browser with
// WebCrypto Ed25519 over the DSSE PAE (dsse-verify.js), against the public key the site's trust
// policy names, and says which key and which policy it checked. No answer from the server is
// trusted beyond the bytes it handed over; text is only ever written with textContent.
import { VerificationError, verifyEnvelope } from "./dsse-verify.js";

async function check(section) {
  const status = section.querySelector(".browser-verification-status");
  const { envelope, publicKey, keyId, policy } = section.dataset;
  const policyName = policy || "(no policy)";
  if (!publicKey) {
    section.dataset.outcome = "failed";
    status.textContent =
      `Not checked: the site's trust policy names no public key for ${keyId || "this signer"}. · ` +
      "未核验：本站信任策略未提供该签名者的公钥。";
    return;
  }
  try {
    const result = await verifyEnvelope(envelope, publicKey);
    section.dataset.outcome = "verified";
    section.dataset.checkedKey = result.keyId;
    status.textContent =
      `Verified in your browser: the signature by key ${result.keyId} (trust policy ${policyName}) ` +
      "matches the signed content. · 已在您的浏览器中核验：签名与内容一致。";
  } catch (err) {
    section.dataset.outcome = "failed";
    section.dataset.reason = err instanceof VerificationError ? err.reason : "error";
    const message = err instanceof Error ? err.message : String(err);
    status.textContent =
      `Failed in your browser (key ${keyId || "?"}, trust policy ${policyName}): ${message} · ` +
      "浏览器核验失败：签名与内容不一致或密钥不符。";
  }
}

const section = document.getElementById("browser-verification");
if (section) check(section);
