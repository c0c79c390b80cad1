#!/usr/bin/env node
import { main } from './program';

main().then((code) => {
  process.exitCode = code;
});
