#!/usr/bin/env node
// Runs the TypeScript CLI in this very process (tsx's loader), so `npx wasla` needs no build step
// and signals such as SIGTERM reach the hub directly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
