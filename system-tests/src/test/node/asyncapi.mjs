// Validates an AsyncAPI document with the official parser; prints the diagnostics, exits 1 on an error.
// Usage: node asyncapi.mjs <file>
import { Parser, fromFile } from '@asyncapi/parser';

const { document, diagnostics } = await fromFile(new Parser(), process.argv[2]).parse();
const errors = diagnostics.filter((d) => d.severity === 0);
for (const d of errors) console.log(`${d.code}: ${d.message} at ${JSON.stringify(d.path)}`);
console.log(JSON.stringify({ valid: Boolean(document) && errors.length === 0, errors: errors.length,
  channels: document ? document.channels().length : 0 }));
process.exit(errors.length ? 1 : 0);
