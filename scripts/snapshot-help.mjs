// Build step: writes commander's answer to `crm --help` and `crm --version` into dist/ so the
// entry can print them without loading commander (see src/cli/entry.ts).
import { writeFileSync } from 'node:fs';
import { buildProgram } from '../dist/cli/program.js';

let help = '';
const program = buildProgram();
program.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
program.outputHelp();
writeFileSync(new URL('../dist/help.txt', import.meta.url), help);
writeFileSync(new URL('../dist/version.txt', import.meta.url), program.version() + '\n');
