// Vendors KServe's InferenceService schema for the manifest tests: the v1beta1
// openAPIV3Schema of the CRD, as gzip'd JSON (KServe publishes no npm package).
//
//   node scripts/vendor-kserve-schema.mjs PATH/TO/kserve/config/crd/full/serving.kserve.io_inferenceservices.yaml v0.20.0
//
// writes test/fixtures/schemas/kserve/inferenceservice-v1beta1.<version>.json.gz;
// record the tag and commit in test/fixtures/schemas/kserve/README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';

const [crdPath, version] = process.argv.slice(2);
if (!crdPath || !version) {
  console.error('usage: node scripts/vendor-kserve-schema.mjs CRD.yaml VERSION');
  process.exit(2);
}
const crd = parse(readFileSync(crdPath, 'utf8'));
const v1beta1 = crd.spec.versions.find((v) => v.name === 'v1beta1');
if (crd.spec.names.kind !== 'InferenceService' || !v1beta1) {
  console.error(`${crdPath}: not the InferenceService CRD with a v1beta1 version`);
  process.exit(2);
}
const out = new URL(
  `../test/fixtures/schemas/kserve/inferenceservice-v1beta1.${version}.json.gz`,
  import.meta.url,
);
// mtime 0 in the gzip header: the same schema gives the same bytes
writeFileSync(out, gzipSync(JSON.stringify(v1beta1.schema.openAPIV3Schema), { level: 9 }));
console.log(`wrote ${out.pathname}`);
