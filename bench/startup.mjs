// Start-up cost: crm --version, --help and info against bare `node -e ""`. Goal: --help within 1.5x.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, printTable, wallMs } from './lib.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 21);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-startup-'));
const db = path.join(dir, 'crm.db');
spawnSync(process.execPath, [BIN, 'init', '--db', db], { stdio: 'ignore' });

const node = wallMs(runs, process.execPath, ['-e', '']);
const rows = [['node -e ""', []], ['crm --version', ['--version']], ['crm --help', ['--help']], ['crm init --help', ['init', '--help']], ['crm info', ['info', '--db', db, '--format', 'csv']]].map(([name, args]) => {
  const ms = name.startsWith('node') ? node : wallMs(runs, process.execPath, [BIN, ...args]);
  return { command: name, median_ms: ms.toFixed(1), ratio_to_node: (ms / node).toFixed(2) };
});
printTable(`start-up, median of ${runs} runs (goal: crm --help <= 1.5x node)`, rows);
fs.rmSync(dir, { recursive: true, force: true });
