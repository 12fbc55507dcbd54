// Verify a DSSE v1 envelope signed with Ed25519, entirely in the browser (WebCrypto).
//
// The same checks as tongzhou.attest.dsse.verify_envelope, in the same order:
//   1. the envelope is a JSON object with payloadType (string), payload (base64) and signatures;
//   2. the signed message is the DSSE Pre-Authentication Encoding
//        "DSSEv1" SP LEN(type) SP type SP LEN(payload) SP payload   (lengths in bytes, decimal);
//   3. the first signature whose keyid is one of the given keys' ids must verify (Ed25519); a key id
//      is "ed25519:" + the first 16 bytes of SHA-256 over the raw 32-byte public key, in hex
//      (tongzhou.attest.keys.key_id), so a key is recognised without trusting the envelope's claim.
// Nothing is sent anywhere; no dependency, no CDN. Failures carry a stable reason code
// (malformed, no-keys, bad-key, unsupported, unknown-key, bad-signature, malformed-payload)
// and a message that says what was wrong.

const encoder = new TextEncoder();

/** A failed verification: `reason` is a stable code, `message` says what was wrong. */
export class VerificationError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = "VerificationError";
    this.reason = reason;
  }
}

const STANDARD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URLSAFE_B64 = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decode standard or URL-safe base64 (DSSE allows both); anything else is refused, not skipped. */
export function base64ToBytes(text, what = "value") {
  if (typeof text !== "string") {
    throw new VerificationError("malformed", `envelope ${what} is not a base64 string`);
  }
  let normal;
  if (STANDARD_B64.test(text) && text.length % 4 === 0) {
    normal = text;
  } else if (URLSAFE_B64.test(text) && text.length % 4 !== 1) {
    normal = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    normal += "=".repeat((4 - (normal.length % 4)) % 4);
  } else {
    throw new VerificationError("malformed", `envelope ${what} is not valid base64`);
  }
  let binary;
  try {
    binary = atob(normal);
  } catch (err) {
    throw new VerificationError("malformed", `envelope ${what} is not valid base64: ${err.message}`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** DSSE Pre-Authentication Encoding: the bytes that are actually signed. */
export function pae(payloadType, payload) {
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} `);
  const middle = encoder.encode(` ${payload.length} `);
  const out = new Uint8Array(head.length + type.length + middle.length + payload.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(middle, head.length + type.length);
  out.set(payload, head.length + type.length + middle.length);
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** "ed25519:" + first 16 bytes of SHA-256(raw public key), hex — tongzhou.attest.keys.key_id. */
export async function keyIdOf(rawPublicKey) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", rawPublicKey));
  return `ed25519:${hex(digest.subarray(0, 16))}`;
}

/** Every "-----BEGIN PUBLIC KEY-----" block in `text`, as DER bytes. */
function pemBlocks(text) {
  const blocks = [];
  const pattern = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/g;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    blocks.push(base64ToBytes(match[1].replace(/\s+/g, ""), "public key"));
  }
  return blocks;
}

/**
 * Import Ed25519 public keys from PEM text (one or more SubjectPublicKeyInfo blocks, as
 * `tongzhou keys export` writes them, or a trust policy file that holds them).
 * Returns [{keyId, key}].
 */
export async function importPublicKeys(pemText) {
  if (typeof pemText !== "string" || !pemText.trim()) {
    throw new VerificationError("no-keys", "no public key given: paste or choose an Ed25519 public key (PEM)");
  }
  let blocks;
  try {
    blocks = pemBlocks(pemText);
  } catch {
    throw new VerificationError("bad-key", "the public key is not valid PEM (its base64 does not decode)");
  }
  if (!blocks.length) {
    throw new VerificationError(
      "bad-key",
      "no '-----BEGIN PUBLIC KEY-----' block found: give an Ed25519 public key in PEM",
    );
  }
  const keys = [];
  for (const der of blocks) {
    let key;
    try {
      key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, true, ["verify"]);
    } catch (err) {
      if (err && err.name === "NotSupportedError") {
        throw new VerificationError("unsupported", "this browser's WebCrypto has no Ed25519");
      }
      throw new VerificationError("bad-key", "a public key is not an Ed25519 key (SubjectPublicKeyInfo)");
    }
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", key));
    keys.push({ keyId: await keyIdOf(raw), key });
  }
  return keys;
}

/** Parse envelope text (a .dsse.json file); malformed JSON is a `malformed` failure. */
export function parseEnvelope(text) {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new VerificationError("malformed", `the file is not JSON: ${err.message}`);
  }
}

function decodeStatement(payloadType, payload) {
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(payload);
  } catch {
    throw new VerificationError("malformed-payload", "the signed payload is not UTF-8 text");
  }
  if (!/json/i.test(payloadType)) return { statement: null, payloadText: text };
  try {
    return { statement: JSON.parse(text), payloadText: text };
  } catch (err) {
    throw new VerificationError("malformed-payload", `the signed payload is not JSON: ${err.message}`);
  }
}

/**
 * Verify `envelope` (an object, or JSON text) against `keys` (PEM text, or the result of
 * importPublicKeys). Resolves to {keyId, payloadType, statement, payloadText} when a signature by
 * one of the keys verifies; rejects with a VerificationError otherwise.
 */
export async function verifyEnvelope(envelope, keys) {
  const env = typeof envelope === "string" ? parseEnvelope(envelope) : envelope;
  const trusted = typeof keys === "string" ? await importPublicKeys(keys) : keys;
  if (env === null || typeof env !== "object" || Array.isArray(env)) {
    throw new VerificationError("malformed", "envelope is not a JSON object");
  }
  if (typeof env.payloadType !== "string") {
    throw new VerificationError("malformed", "envelope has no payloadType");
  }
  const payload = base64ToBytes(env.payload, "payload");
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) {
    throw new VerificationError("malformed", "envelope has no signatures");
  }
  if (!Array.isArray(trusted) || trusted.length === 0) {
    throw new VerificationError("no-keys", "no public key given to verify against");
  }
  const message = pae(env.payloadType, payload);
  const seen = [];
  for (const entry of env.signatures) {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw new VerificationError("malformed", "a signature entry is not an object");
    }
    const kid = String(entry.keyid ?? "");
    seen.push(kid);
    const match = trusted.find((k) => k.keyId === kid);
    if (!match) continue;
    const signature = base64ToBytes(entry.sig, "signature");
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, match.key, signature, message);
    if (!ok) {
      throw new VerificationError(
        "bad-signature",
        `signature by key ${kid} does not match the payload (altered or forged)`,
      );
    }
    const { statement, payloadText } = decodeStatement(env.payloadType, payload);
    return { keyId: kid, payloadType: env.payloadType, statement, payloadText };
  }
  const given = trusted.map((k) => k.keyId).join(", ");
  throw new VerificationError(
    "unknown-key",
    `no signature is by the given key (${given}); the envelope is signed by: ${seen.join(", ") || "(no key id)"}`,
  );
}
