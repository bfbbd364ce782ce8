// End-to-end tests in a real browser: Debian's Chromium (never a downloaded one, toolchain.md)
// driven by Playwright against the `calltrace serve` loopback bridge.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.e2e.ts',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env.CALLTRACE_CHROMIUM ?? '/usr/bin/chromium',
      // Without the networking flags Chromium floods the machine's closed network (toolchain.md).
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
