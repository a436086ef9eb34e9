/**
 * Start-up fast path. `crm --help` and `crm --version` print a snapshot that the build takes
 * of commander's own output (scripts/snapshot-help.mjs; a test keeps the two equal), because
 * loading commander alone costs a third of bare Node's start-up. Everything else goes to main.
 */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const only = args.length === 1 ? args[0] : undefined;
let served = false;
if (only === '--help' || only === '-h' || only === '--version' || only === '-V') {
  try {
    const file = only === '--help' || only === '-h' ? 'help.txt' : 'version.txt';
    process.stdout.write(readFileSync(new URL(`../${file}`, import.meta.url)));
    served = true;
  } catch {
    // no snapshot (e.g. a partial build): let commander answer
  }
}
if (!served) await import('./main.js');
