// Playwright drives Debian's Chromium (never a downloaded browser) against `zonal serve`
// serving the built app. scripts/test.sh sets ZONAL_BIN and ZONAL_DIST.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.ZONAL_E2E_PORT ?? 18080);
const bin = process.env.ZONAL_BIN ?? `${process.env.HOME}/.cache/zonal/target/release/zonal`;
const dist = process.env.ZONAL_DIST ?? '../dist';
/** A plain static server for dist/: the app must work with no relay at all. */
export const staticPort = port + 1;
/** The stand-in Gemini API the relay structures with (e2e/support/fake-gemini.mjs). */
export const geminiPort = port + 2;
/** A stand-in Vision API (e2e/support/fake-vision.mjs) whose first answer is a 503. */
export const visionPort = port + 3;
/** A second relay, OCR by that Vision and one attempt per job: where server jobs fail
 * and are retried (e2e/tests/server.spec.ts). */
export const visionRelayPort = port + 4;
/** The relay's Gemini key: scripts/test.sh makes a random one and also builds the app
 * with it in the environment, so the bundle check has something to look for. */
export const geminiKey = process.env.GEMINI_API_KEY ?? 'zonal-e2e-gemini-key-local';

export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: [
    {
      command: `node support/fake-gemini.mjs ${geminiPort}`,
      url: `http://127.0.0.1:${geminiPort}/seen`,
      env: { GEMINI_API_KEY: geminiKey },
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      // The browser tests share one client address: rate limits well above what they send
      // (the limits have their own tests, relay/tests/limits.rs).
      command: `${bin} serve --port ${port} --dist ${dist} --rate-limit-per-minute 6000 --rate-limit-burst 1000`,
      env: {
        GEMINI_API_KEY: geminiKey,
        ZONAL_GEMINI_BASE_URL: `http://127.0.0.1:${geminiPort}`,
      },
      url: `http://127.0.0.1:${port}/api/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `node support/fake-vision.mjs ${visionPort}`,
      url: `http://127.0.0.1:${visionPort}/seen`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `${bin} serve --port ${visionRelayPort} --dist ${dist} --data-dir data-vision --rate-limit-per-minute 6000 --rate-limit-burst 1000`,
      env: {
        GOOGLE_VISION_API_KEY: 'zonal-e2e-vision-key',
        ZONAL_VISION_BASE_URL: `http://127.0.0.1:${visionPort}`,
        ZONAL_MAX_ATTEMPTS: '1',
        ZONAL_RETRY_BACKOFF_MS: '100',
      },
      url: `http://127.0.0.1:${visionRelayPort}/api/healthz`,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    {
      command: `python3 -m http.server ${staticPort} --bind 127.0.0.1 --directory ${dist}`,
      url: `http://127.0.0.1:${staticPort}/index.html`,
      stderr: 'ignore',
      reuseExistingServer: false,
      timeout: 30_000,
    },
  ],
});
