// Offline check of deploy/k8s/*.yaml: every document is validated against the Kubernetes
// JSON schemas that the npm package kubernetes-models ships (pinned in package-lock.json;
// no cluster, no network), and the ConfigMap must hold every setting of
// docs/configuration.md but those only the tests and the benchmark read.
// Usage: node tests/deploy/k8s_check.mjs  -> prints "ok <kind>/<name>" lines, exits 1 on error.
import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { ConfigMap, Service } from "kubernetes-models/v1";
import { StatefulSet, Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";

const root = new URL("../../", import.meta.url).pathname;
const models = { ConfigMap, Service, StatefulSet, Deployment, HorizontalPodAutoscaler };
let failed = 0;
const settings = new Set();
for (const line of readFileSync(root + "docs/configuration.md", "utf8").split("\n")) {
  const m = line.match(/^\| (`[^|]*)\|[^|]*\| ([^|]*) \|/);
  if (!m || m[1].includes("a file") || /^(tests|bench)$|^stack, tests, bench$/.test(m[2].trim())) continue;
  for (const [, name] of m[1].matchAll(/`([A-Z_]+)`/g)) settings.add(name);
}
for (const f of readdirSync(root + "deploy/k8s").filter((f) => f.endsWith(".yaml"))) {
  for (const doc of parseAllDocuments(readFileSync(root + "deploy/k8s/" + f, "utf8"))) {
    if (doc.errors.length) { console.log(`FAIL ${f}: ${doc.errors[0].message}`); failed++; continue; }
    const obj = doc.toJS();
    if (!obj) continue;
    const Model = models[obj.kind];
    const what = `${f}: ${obj.kind}/${obj.metadata?.name}`;
    if (!Model) { console.log(`FAIL ${what}: no schema here for this kind`); failed++; continue; }
    try {
      new Model(obj).validate();
      console.log(`ok   ${what}`);
    } catch (e) {
      console.log(`FAIL ${what}: ${e.message}`);
      failed++;
    }
    if (obj.kind === "ConfigMap" && obj.metadata?.name === "roombook-config") {
      const missing = [...settings].filter((s) => !(s in obj.data));
      if (missing.length) { console.log(`FAIL ${what}: missing settings ${missing.join(" ")}`); failed++; }
    }
  }
}
process.exit(failed ? 1 : 0);
