// The web app's weight and first-load performance, as a phone gets them (issue 14):
// - bytes of each bundle's first load (HTML + JS + WASM + CSS), raw, gzip and brotli, as
//   the server sends them (the precompressed files `build_web` writes), against the
//   budget of 350 KB brotli for the public bundle (login, signer, capture);
// - Lighthouse 12.2.3 (mobile profile: Moto G Power, simulated slow 4G, 4× CPU slowdown)
//   on the login page and on a signer's link of a real collection, against ≥ 90.
// Run by scripts/bench-web.sh, which builds the release app and starts the server; it lives
// beside its node_modules so that its imports resolve. Numbers in BENCHMARKS.md.
// Arguments: the base URL of a running server with the demo seeded and the dev outbox on,
// the dist directory, a PDF to sign.

import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";

const [baseUrl, dist, pdfPath] = process.argv.slice(2);
const BUDGET_PUBLIC_BROTLI = 350 * 1024;
const LIGHTHOUSE_TARGET = 90;

function size(path) {
  return existsSync(path) ? statSync(path).size : NaN;
}

function bundleWeight(dir) {
  const files = ["index.html", ...readdirSync(dir).filter((f) => /\.(js|wasm|css)$/.test(f))];
  const rows = files.map((f) => ({ file: f, raw: size(join(dir, f)), gzip: size(join(dir, `${f}.gz`)), brotli: size(join(dir, `${f}.br`)) }));
  const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  return { rows, total };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

function printWeights() {
  console.log("\n## First load per bundle (what the server sends)\n");
  console.log("| bundle | file | raw | gzip | brotli |\n| --- | --- | ---: | ---: | ---: |");
  const result = {};
  for (const [name, dir] of [["public (login, signer, capture)", join(dist, "public")], ["back office", dist]]) {
    const { rows, total } = bundleWeight(dir);
    for (const r of rows) console.log(`| ${name} | ${r.file.replace(/-[0-9a-f]{8,16}/, "-…")} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} |`);
    console.log(`| **${name}** | **total** | **${kb(total.raw)}** | **${kb(total.gzip)}** | **${kb(total.brotli)}** |`);
    result[name] = total;
  }
  const publicBrotli = result["public (login, signer, capture)"].brotli;
  console.log(`\nPublic bundle, brotli: ${kb(publicBrotli)} — budget ${kb(BUDGET_PUBLIC_BROTLI)}: ${publicBrotli <= BUDGET_PUBLIC_BROTLI ? "met" : "NOT MET"}`);
  return publicBrotli <= BUDGET_PUBLIC_BROTLI;
}

// A minimal GraphQL client keeping its session cookie.
function client() {
  let cookie = "";
  const gql = async (query, variables = {}) => {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ query, variables }),
    });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) cookie = setCookie.split(";")[0];
    const body = await response.json();
    if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  gql.cookie = () => cookie;
  return gql;
}
const gql = client();

/// A launched collection for one outside signer; returns the signer's link.
async function signerLink() {
  await gql('mutation { login(email: "expert@demo.paraphe.fr", password: "demo-expert-2026") { user { id } } }');
  const me = await gql("{ me { memberships { cabinetId } } }");
  const cabinet = me.me.memberships[0].cabinetId;
  const terms = await gql("{ currentTerms { cguVersion privacyPolicyVersion } }");
  await gql("mutation($c: UUID!, $g: String!, $p: String!) { acceptTerms(cabinetId: $c, cguVersion: $g, privacyPolicyVersion: $p) { id } }", {
    c: cabinet,
    g: terms.currentTerms.cguVersion,
    p: terms.currentTerms.privacyPolicyVersion,
  });
  const title = `Lettre de mission ${Date.now()}`;
  const created = await gql('mutation($c: UUID!, $t: String!) { createCollection(cabinetId: $c, title: $t, message: "Bonne lecture") { id } }', { c: cabinet, t: title });
  const id = created.createCollection.id;
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: "mutation($id: UUID!, $file: Upload!) { addDocument(collectionId: $id, file: $file) { id } }", variables: { id, file: null } }));
  form.append("map", JSON.stringify({ 0: ["variables.file"] }));
  form.append("0", new Blob([readFileSync(pdfPath)], { type: "application/pdf" }), "lettre-de-mission.pdf");
  const uploaded = await fetch(`${baseUrl}/graphql`, { method: "POST", headers: { cookie: gql.cookie(), "x-paraphe-csrf": "1" }, body: form });
  const uploadBody = await uploaded.json();
  if (uploadBody.errors) throw new Error(JSON.stringify(uploadBody.errors));
  await gql("mutation($id: UUID!, $s: SignerInput!) { addSigner(collectionId: $id, signer: $s) { id } }", {
    id,
    s: { firstName: "Alice", lastName: "Martin", email: "alice@client.fr", mobile: "+33611111111" },
  });
  await gql("mutation($id: UUID!) { launchCollection(id: $id) { status } }", { id });
  // The development outbox is the platform administrator's to read.
  const admin = client();
  await admin('mutation { login(email: "plateforme@demo.paraphe.fr", password: "demo-plateforme-2026") { user { id } } }');
  for (let i = 0; i < 100; i++) {
    const outbox = await admin("{ devOutbox(first: 50) { recipient subject body } }");
    const invitation = outbox.devOutbox.find((m) => m.recipient === "alice@client.fr" && m.subject.includes(title));
    if (invitation) return invitation.body.match(/https?:\/\/\S+\/signer\/\S+/)[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no invitation in the dev outbox");
}

async function lighthouseScores(urls) {
  const { default: lighthouse } = await import("lighthouse");
  const chromeLauncher = await import("chrome-launcher");
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH || "/usr/bin/chromium",
    chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const results = [];
  try {
    for (const [name, url] of urls) {
      // Mobile is Lighthouse's default: simulated slow 4G and a 4× slower CPU.
      const run = await lighthouse(url, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: ["performance", "accessibility"] });
      const lhr = run.lhr;
      const metric = (id) => lhr.audits[id]?.displayValue ?? "?";
      results.push({
        name,
        performance: Math.round(lhr.categories.performance.score * 100),
        accessibility: Math.round(lhr.categories.accessibility.score * 100),
        fcp: metric("first-contentful-paint"),
        lcp: metric("largest-contentful-paint"),
        tbt: metric("total-blocking-time"),
        cls: metric("cumulative-layout-shift"),
      });
    }
  } finally {
    await chrome.kill();
  }
  console.log("\n## Lighthouse 12.2.3, mobile profile\n");
  console.log("| page | performance | accessibility | FCP | LCP | TBT | CLS |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) console.log(`| ${r.name} | ${r.performance} | ${r.accessibility} | ${r.fcp} | ${r.lcp} | ${r.tbt} | ${r.cls} |`);
  const met = results.every((r) => r.performance >= LIGHTHOUSE_TARGET);
  console.log(`\nPerformance ≥ ${LIGHTHOUSE_TARGET} on every page: ${met ? "met" : "NOT MET"}`);
  return met;
}

const weightMet = printWeights();
const link = await signerLink();
const lighthouseMet = await lighthouseScores([
  ["/connexion", `${baseUrl}/connexion`],
  ["signer's link", link],
]);
process.exitCode = weightMet && lighthouseMet ? 0 : 1;
