// Benchmarks (not tests): `npx playwright test -c playwright.bench.config.ts`.
import base from './playwright.config';
import { defineConfig } from '@playwright/test';

export default defineConfig({ ...base, testDir: './bench', testMatch: '**/*.bench.ts', timeout: 600_000 });
