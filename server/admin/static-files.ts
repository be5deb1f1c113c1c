import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { sendError } from './http-reply.js';

/** The browser console's files; the build copies them beside this module in dist/. */
export const CONSOLE_DIR = join(import.meta.dirname, 'console');

/**
 * Console files taken from packages the server depends on, by the name the
 * page asks for. They are resolved as Node resolves imports, so they are found
 * in node_modules wherever the server is installed; no CDN is ever asked.
 */
export const PACKAGE_FILES: ReadonlyMap<string, string> = new Map([
  ['uplot.js', 'uplot/dist/uPlot.esm.js'],
  ['uplot.css', 'uplot/dist/uPlot.min.css'],
]);

const require = createRequire(import.meta.url);

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
});

/** A plain file name: no separators, no leading dot, so nothing outside the directory. */
const PLAIN_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Where the console file `name` is on disk; throws when its package is not installed. */
function fileOf(name: string): string {
  const fromPackage = PACKAGE_FILES.get(name);
  return fromPackage === undefined ? join(CONSOLE_DIR, name) : require.resolve(fromPackage);
}

/** Sends one file of the console directory, or a 404 for anything that is not one. */
export async function sendConsoleFile(res: ServerResponse, name: string): Promise<void> {
  const type = CONTENT_TYPES[extname(name)];
  if (!PLAIN_NAME.test(name) || type === undefined) {
    return sendError(res, 'NOT_FOUND', `no console file ${JSON.stringify(name)}`);
  }
  let body: Buffer;
  try {
    body = await readFile(fileOf(name));
  } catch {
    const from = PACKAGE_FILES.get(name);
    const hint = from === undefined ? '' : ` (${from} is not installed)`;
    return sendError(res, 'NOT_FOUND', `no console file ${name}${hint}`);
  }
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.length,
    // The console changes with the broker; let browsers revalidate rather than guess.
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    // No other page may frame the console (its buttons take locks away) or feed it scripts.
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  });
  res.end(body);
}
