import { BrowserContext, chromium } from 'playwright-core';

// `@sparticuz/chromium` is ES-modules-only, which Jest's module system cannot load into a test file; the
// global set-up (plain Node) unpacks the browser and passes its path in TEST_CHROMIUM_PATH.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(s: string) => Promise<T>;

/** Unpacks the npm-shipped Chromium (once; later calls find it in the temp directory) and returns its path. */
export async function unpackChromium(): Promise<string> {
  const { default: sparticuzChromium } = await importEsm<typeof import('@sparticuz/chromium')>('@sparticuz/chromium');
  return sparticuzChromium.executablePath();
}

/**
 * A headless Chromium from the npm registry (`@sparticuz/chromium` ships the browser inside the package and
 * unpacks it to the temp directory on first use): no browser download at install time, no system package.
 * Flags: headless shell without sandbox or zygote (we run as root in a container-like sandbox), and none of
 * Chromium's background traffic, which this machine's closed network would refuse. Web security stays on,
 * so CORS and CSRF behave as in a person's browser.
 */
const ARGS = [
  "--headless='shell'",
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-sync',
  '--no-pings',
];

/** A fresh persistent context (its own profile directory) in headless Chromium. */
export async function launchChromium(userDataDir: string): Promise<BrowserContext> {
  const executablePath = process.env.TEST_CHROMIUM_PATH;
  if (!executablePath) throw new Error('TEST_CHROMIUM_PATH is unset: the jest global set-up unpacks Chromium');
  return chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args: ARGS });
}
