// The proof-of-work spam check of anonymous forms (ALTCHA's challenge format; the server side is
// src/tongzhou/portal/proof_of_work.py). A form carrying data-proof-of-work (the challenge as JSON)
// gets its hidden proof_of_work field filled with the answer and its submit button enabled once
// solved. SHA-256 is computed here in plain JavaScript, not WebCrypto: crypto.subtle exists only in
// secure contexts, and a portal on plain HTTP inside an intranet must work too. An expired
// challenge is replaced (data-proof-of-work-url) before the form is sent. No inline script: CSP.

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W = new Uint32Array(64);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// SHA-256 of an ASCII string (salts and numbers are ASCII), as lowercase hex.
export function sha256Hex(text) {
  const length = text.length;
  const blocks = ((length + 9 + 63) >> 6) << 4; // 32-bit words, whole 64-byte blocks
  const words = new Uint32Array(blocks);
  for (let i = 0; i < length; i++) words[i >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (i & 3) * 8);
  words[length >> 2] |= 0x80 << (24 - (length & 3) * 8);
  words[blocks - 1] = length * 8;
  let h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
  let h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
  for (let offset = 0; offset < blocks; offset += 16) {
    for (let t = 0; t < 16; t++) W[t] = words[offset + t];
    for (let t = 16; t < 64; t++) {
      const a = W[t - 15], b = W[t - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  let out = "";
  for (const v of [h0, h1, h2, h3, h4, h5, h6, h7]) {
    out += HEX[(v >>> 24) & 0xff] + HEX[(v >>> 16) & 0xff] + HEX[(v >>> 8) & 0xff] + HEX[v & 0xff];
  }
  return out;
}

// The ALTCHA payload answering `challenge`, or null when its range holds no answer.
export async function solve(challenge) {
  const { salt, maxnumber } = challenge;
  const target = challenge.challenge.toLowerCase();
  for (let start = 0; start <= maxnumber; start += 20000) {
    const end = Math.min(maxnumber, start + 19999);
    for (let n = start; n <= end; n++) {
      if (sha256Hex(salt + n) === target) {
        const { algorithm, signature } = challenge;
        return btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number: n, salt, signature }));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 0)); // let the page breathe between slices
  }
  return null;
}

async function arm(form) {
  const field = form.querySelector("input[name=proof_of_work]");
  const status = form.querySelector(".proof-of-work-status");
  const buttons = form.querySelectorAll("button[type=submit]");
  const say = (key) => {
    if (status) status.textContent = form.dataset[key] || "";
  };
  let challenge = JSON.parse(form.dataset.proofOfWork);
  const answer = async () => {
    say("proofOfWorkWorking");
    form.dataset.proofOfWorkState = "working";
    field.value = (await solve(challenge)) || "";
    form.dataset.proofOfWorkState = field.value ? "solved" : "failed";
    say(field.value ? "proofOfWorkDone" : "proofOfWorkFailed");
    for (const button of buttons) button.disabled = !field.value;
  };
  form.addEventListener("submit", async (event) => {
    if (challenge.expires - 30 > Date.now() / 1000 && field.value) return;
    event.preventDefault(); // expired (the form sat open for long): fetch and solve a new one
    for (const button of buttons) button.disabled = true;
    const fresh = await fetch(form.dataset.proofOfWorkUrl, { credentials: "same-origin" });
    if (!fresh.ok) return say("proofOfWorkFailed");
    challenge = await fresh.json();
    await answer();
    if (field.value) form.submit();
  });
  await answer();
}

for (const form of document.querySelectorAll("form[data-proof-of-work]")) arm(form);
