// @ts-check
// A live chart of the last few minutes: uPlot (served from its package as
// /console/uplot.js) over a bounded window of samples. The time axis always
// ends at now, so the chart scrolls on even while the values stand still; it
// starts at the first sample (a console knows nothing from before it opened),
// spanning half a minute at least and the window at most.

import { el, formatCount, formatMs, formatTime, setAttr, setText } from './dom.js';
import { Samples } from './samples.js';

/**
 * One line of a chart.
 * @typedef {object} SeriesSpec
 * @property {string} key names the line in the figure's data-last-KEY and data-max-KEY
 * @property {string} label
 * @property {string} color a CSS custom property of style.css, so the palette stays in one place
 * @property {'count' | 'rate' | 'ms'} unit lines of one unit share an axis; the first unit's is on the left
 * @property {boolean} [stepped] a count holds its value until the next sample
 */

const WINDOW_MS = 5 * 60_000;
const MIN_SPAN_MS = 30_000;
/** The stream sends at most 4 updates a second: a window of them, with room for a view's own samples. */
const CAPACITY = 1_500;
const HEIGHT_PX = 130;

/** 1, 2, 5, 10, 20, 50, …: whole ticks for counts. */
const COUNT_INCRS = Array.from({ length: 9 }, (_, i) => 10 ** i).flatMap((p) => [p, 2 * p, 5 * p]);
/** Time ticks, in seconds. */
const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
/** Ticks for durations that read well as formatMs prints them: ms, then seconds, minutes and hours. */
const MS_INCRS = [
  ...COUNT_INCRS.slice(0, 9),
  ...[1, 2, 5, 10, 15, 30].map((n) => n * 1_000),
  ...[1, 2, 5, 10, 15, 30].map((n) => n * 60_000),
  ...[1, 2, 6, 12, 24].map((n) => n * 3_600_000),
];

/** @typedef {import('./uplot.js').default} UPlot */

/**
 * The chart library, once loaded. It comes apart from the console's own
 * modules so that without it (a broken install) the console still works,
 * only without charts, and says so once.
 * @type {typeof import('./uplot.js').default | null}
 */
let UPlotClass = null;
const libraryLoaded = import('./uplot.js').then(
  (module) => {
    UPlotClass = module.default;
  },
  (err) => console.error('the chart library did not load; the console goes on without charts', err),
);

/** @type {Record<SeriesSpec['unit'], (v: number) => string>} */
const FORMATS = {
  count: formatCount,
  rate: (v) => `${formatCount(v)}/s`,
  ms: formatMs,
};

/** @param {string} property */
function cssColor(property) {
  return getComputedStyle(document.documentElement).getPropertyValue(property).trim() || '#888';
}

export class TimeChart {
  /**
   * Put `node` in the page, then call `render` (it draws once the node has a width).
   * @param {{ name: string, label: string, series: SeriesSpec[] }} options
   *   `name`: the figure's data-chart; `label`: what the chart shows, for screen readers
   */
  constructor({ name, label, series }) {
    this.specs = series;
    this.samples = new Samples({ series: series.length, windowMs: WINDOW_MS, capacity: CAPACITY });
    this.plotNode = el('div', { class: 'chart-plot' });
    this.legend = series.map((s) => {
      const value = el('span', { class: 'chart-value' }, '—');
      const swatch = el('span', { class: 'chart-swatch' });
      swatch.style.background = `var(${s.color})`;
      return { node: el('li', { 'data-series': s.key }, swatch, s.label, ' ', value), value };
    });
    this.node = el(
      'figure',
      { class: 'chart', 'data-chart': name, 'aria-label': label },
      el('ul', { class: 'chart-legend' }, ...this.legend.map((l) => l.node)),
      this.plotNode,
    );
    /** @type {UPlot | null} made at the first render with the node in the page and the library loaded */
    this.plot = null;
    this.destroyed = false;
    /** The time axis' ends, in seconds as uPlot counts them. */
    this.fromSec = 0;
    this.toSec = 0;
    this.resizer = new ResizeObserver(() => this.fit());
    this.render = this.render.bind(this);
    libraryLoaded.then(() => this.render());
  }

  /**
   * A sample of every line at `at` (wall-clock ms), in the order of the specs.
   * @param {number} at
   * @param {readonly number[]} values
   */
  push(at, values) {
    this.samples.push(at, values);
  }

  /**
   * The samples stop being continuous here (the stream went down): the lines break.
   * @param {number} at
   */
  gap(at) {
    this.samples.gap(at);
  }

  /** Draws the window ending now. */
  render() {
    if (this.destroyed) return;
    const now = Date.now();
    this.samples.trim(now);
    const first = this.samples.times[0] ?? now;
    this.toSec = now / 1_000;
    this.fromSec = Math.min(first, now - MIN_SPAN_MS) / 1_000;
    const plot = this.plot ?? this.create();
    if (!plot) return;
    const { times, values } = this.samples;
    plot.setData([times.map((t) => t / 1_000), ...values]);
    setAttr(this.node, 'data-points', String(times.length));
    this.specs.forEach((s, i) => {
      setAttr(this.node, `data-last-${s.key}`, String(this.samples.last(i) ?? ''));
      setAttr(this.node, `data-max-${s.key}`, String(this.samples.max(i)));
    });
    this.showValues(plot.cursor.idx ?? null);
  }

  /** Drops the plot and its listeners (uPlot's on the window among them). */
  destroy() {
    this.destroyed = true;
    this.resizer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  /** @returns {UPlot | null} */
  create() {
    const UPlot = UPlotClass;
    const width = this.plotNode.clientWidth;
    // Not loaded yet, or not in the page, or hidden: the next render tries again.
    if (UPlot === null || width === 0) return null;
    const units = [...new Set(this.specs.map((s) => s.unit))];
    const muted = cssColor('--muted');
    const line = cssColor('--line');
    /** @type {import('uplot').Options} */
    const options = {
      width,
      height: HEIGHT_PX,
      legend: { show: false },
      // The window always ends now: no zooming by drag.
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: {
        x: { time: true, range: () => [this.fromSec, this.toSec] },
        ...Object.fromEntries(
          units.map((u) => [u, { range: (_self, _min, max) => [0, Math.max(1, max) * 1.1] }]),
        ),
      },
      axes: [
        {
          stroke: muted,
          space: 70,
          incrs: TIME_INCRS,
          // Times of day as the event tables print them, without the ms.
          values: (_self, splits) => splits.map((t) => formatTime(t * 1_000).slice(0, 8)),
          grid: { stroke: line, width: 1 },
          ticks: { stroke: line, width: 1 },
        },
        ...units.map((unit, i) => ({
          scale: unit,
          side: i === 0 ? 3 : 1,
          stroke: muted,
          size: unit === 'ms' ? 66 : 52,
          grid: { show: i === 0, stroke: line, width: 1 },
          ticks: { stroke: line, width: 1 },
          incrs: unit === 'ms' ? MS_INCRS : COUNT_INCRS,
          /** @param {UPlot} _self @param {number[]} splits */
          values: (_self, splits) => splits.map((v) => FORMATS[unit](v)),
        })),
      ],
      series: [
        {},
        ...this.specs.map((s) => ({
          label: s.label,
          scale: s.unit,
          stroke: cssColor(s.color),
          width: 1.5,
          points: { show: false },
          ...(s.stepped ? { paths: UPlot.paths.stepped?.({ align: 1 }) } : {}),
        })),
      ],
      hooks: { setCursor: [(self) => this.showValues(self.cursor.idx ?? null)] },
    };
    this.plot = new UPlot(options, [[], ...this.specs.map(() => [])], this.plotNode);
    this.resizer.observe(this.plotNode);
    return this.plot;
  }

  /** Follows the page's width; the height stays. */
  fit() {
    const width = this.plotNode.clientWidth;
    if (this.plot && width > 0 && width !== this.plot.width) {
      this.plot.setSize({ width, height: HEIGHT_PX });
    }
  }

  /**
   * The legend's values: at the cursor while it is on the chart, else the newest.
   * @param {number | null} idx
   */
  showValues(idx) {
    const at = idx ?? this.samples.length - 1;
    this.specs.forEach((s, i) => {
      const v = this.samples.values[i]?.[at];
      const entry = this.legend[i];
      if (entry) setText(entry.value, v === null || v === undefined ? '—' : FORMATS[s.unit](v));
    });
  }
}
