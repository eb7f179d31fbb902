// Validates every object of the given multi-document YAML files against its schema:
//   node validate.mjs --crds <dir of CustomResourceDefinition YAMLs> <file.yaml>...
// Kubernetes' own kinds: the kubernetes-models package (the Kubernetes OpenAPI schemas); KEDA's kinds:
// @kubernetes-models/keda; custom resources: the openAPIV3Schema of each CRD in --crds, made strict the way the
// API server's strict field validation is (an unknown field is an error, unless the schema preserves unknown
// fields). Prints one line per object, then every error; exits 1 when any object is invalid or has no schema.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import Ajv from 'ajv';

const args = process.argv.slice(2);
const crdDir = args[args.indexOf('--crds') + 1];
const files = args.filter((arg, i) => arg !== '--crds' && args[i - 1] !== '--crds');

const ajv = new Ajv({ strict: false, allErrors: true });
const crdSchemas = new Map();

function strict(schema) {
  if (!schema || typeof schema !== 'object') {
    return schema;
  }
  if (schema.properties) {
    Object.values(schema.properties).forEach(strict);
    if (schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
      schema.additionalProperties = false;
    }
  }
  if (schema.items) {
    strict(schema.items);
  }
  if (typeof schema.additionalProperties === 'object') {
    strict(schema.additionalProperties);
  }
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    (schema[key] || []).forEach(strict);
  }
  return schema;
}

for (const file of fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml'))) {
  const crd = yaml.load(fs.readFileSync(path.join(crdDir, file), 'utf8'));
  for (const version of crd.spec.versions) {
    const key = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
    crdSchemas.set(key, ajv.compile(strict(version.schema.openAPIV3Schema)));
  }
}

async function modelOf(apiVersion, kind) {
  const modules = apiVersion.startsWith('keda.sh/')
    ? [`@kubernetes-models/keda/${apiVersion}`]
    : [`kubernetes-models/${apiVersion}`];
  for (const name of modules) {
    try {
      const module = await import(name);
      if (module[kind]) {
        return module[kind];
      }
    } catch (e) {
      // not a module of that package
    }
  }
  return null;
}

const errors = [];
let count = 0;
for (const file of files) {
  for (const object of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (!object) {
      continue;
    }
    count++;
    const id = `${path.basename(file)}: ${object.apiVersion} ${object.kind} ${object.metadata?.name}`;
    if (!object.metadata?.name) {
      errors.push(`${id}: metadata.name is missing`);
      continue;
    }
    const crdValidator = crdSchemas.get(`${object.apiVersion}/${object.kind}`);
    if (crdValidator) {
      if (!crdValidator(object)) {
        errors.push(`${id}: ${crdValidator.errors.map((e) => `${e.instancePath || '/'} ${e.message}`
          + (e.params.additionalProperty ? ` (${e.params.additionalProperty})` : '')).join('; ')}`);
        continue;
      }
    } else {
      const Model = await modelOf(object.apiVersion, object.kind);
      if (!Model) {
        errors.push(`${id}: no schema for this apiVersion and kind`);
        continue;
      }
      try {
        new Model(object).validate();
      } catch (e) {
        errors.push(`${id}: ${e.message}`);
        continue;
      }
    }
    console.log(`valid ${id}`);
  }
}
console.log(`${count} objects, ${errors.length} invalid`);
errors.forEach((error) => console.log(`INVALID ${error}`));
process.exit(errors.length === 0 ? 0 : 1);
