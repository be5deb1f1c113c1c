import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONSOLE_DIR, PACKAGE_FILES } from '../../../../server/admin/static-files.js';
import { brokerWithAdmin, call } from '../admin-harness.js';

const require = createRequire(import.meta.url);

describe('the chart library', () => {
  test('is served from the installed uplot package, with its content type', async () => {
    const { admin } = await brokerWithAdmin();
    const js = await call(admin, '/console/uplot.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    // The ES module build, byte for byte: the console imports its default export.
    expect(js.text).toBe(readFileSync(require.resolve('uplot/dist/uPlot.esm.js'), 'utf8'));
    expect(js.text).toMatch(/export \{ uPlot as default \}/);

    const css = await call(admin, '/console/uplot.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toBe(readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'));
  });

  test('is what the console asks for, and is the exact version the server depends on', () => {
    expect([...PACKAGE_FILES.keys()].sort()).toEqual(['uplot.css', 'uplot.js']);
    expect(readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8')).toContain('/console/uplot.css');
    expect(readFileSync(join(CONSOLE_DIR, 'time-chart.js'), 'utf8')).toContain(
      "import('./uplot.js')",
    );
    const root = JSON.parse(readFileSync(join(CONSOLE_DIR, '../../../package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const installed = JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as {
      version: string;
    };
    expect(root.dependencies['uplot']).toBe('1.6.32');
    expect(installed.version).toBe('1.6.32');
  });
});
