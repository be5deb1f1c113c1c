#!/usr/bin/env node
import { runCli } from './cli/program.js';

runCli(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: Error) => {
    console.error(`baton: ${err.message}`);
    process.exitCode = 1;
  },
);
