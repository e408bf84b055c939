// The charts of a ratio study an assessor shows a board, as declarative Vega-Lite specs drawn to SVG on the server
// (vega's headless View with renderer 'none' and toSVG: no browser, no canvas). Each takes the chart data the result
// keeps (chart-data.ts); a compared study puts one panel per value set side by side.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { RatioChartData } from './chart-data.js';

export const CHART_NAMES = ['ratio-by-price-decile', 'lorenz', 'ratio-cdf'] as const;
export type ChartName = (typeof CHART_NAMES)[number];

/** One panel: the data of one value set, its label and its MKI. */
export interface ChartPanel {
  label: string;
  data: RatioChartData;
  mki: number | null;
}

const PANEL = { width: 460, height: 300 } as const;
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 16, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#444' },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom' },
  view: { stroke: null },
} as const;

const money = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;

function decilePanel(p: ChartPanel): Record<string, unknown> {
  const bars = p.data.ratio_by_price_decile.map((d) => ({
    decile: d.decile,
    median_ratio: d.median_ratio,
    n: d.n,
    prices: `${money(d.price_from)}–${money(d.price_to)}`,
  }));
  const rules = [{ y: 1, label: 'assessed at full price (1.00)' }];
  return {
    title: p.label,
    ...PANEL,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: {
          x: {
            field: 'decile',
            type: 'ordinal',
            title: 'Sale-price tenth of the sales (1 = lowest prices, 10 = highest)',
            axis: { labelAngle: 0 },
          },
          y: {
            field: 'median_ratio',
            type: 'quantitative',
            title: 'Median assessed value ÷ sale price',
            axis: { format: '.2f' },
          },
        },
      },
      {
        data: { values: bars },
        mark: { type: 'text', dy: -6, fontSize: 10 },
        encoding: {
          x: { field: 'decile', type: 'ordinal' },
          y: { field: 'median_ratio', type: 'quantitative' },
          text: { field: 'median_ratio', type: 'quantitative', format: '.2f' },
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728' },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
    ],
  };
}

function lorenzPanel(p: ChartPanel): Record<string, unknown> {
  const curves = p.data.lorenz.flatMap((l) => [
    { share_of_sales: l.share_of_sales, share: l.price_share, curve: 'Sale prices' },
    { share_of_sales: l.share_of_sales, share: l.value_share, curve: 'Assessed values' },
  ]);
  const equality = [0, 1].map((v) => ({ share_of_sales: v, share: v, curve: 'Line of equality' }));
  const encoding = {
    x: {
      field: 'share_of_sales',
      type: 'quantitative',
      title: 'Share of the sales, lowest price first',
      axis: { format: '.0%' },
    },
    y: {
      field: 'share',
      type: 'quantitative',
      title: 'Cumulative share of the total',
      axis: { format: '.0%' },
      scale: { domain: [0, 1] },
    },
    color: {
      field: 'curve',
      type: 'nominal',
      title: null,
      scale: {
        domain: ['Sale prices', 'Assessed values', 'Line of equality'],
        range: ['#4c78a8', '#f58518', '#999999'],
      },
    },
  };
  return {
    title: p.mki === null ? p.label : `${p.label} — MKI ${p.mki.toFixed(3)}`,
    ...PANEL,
    layer: [
      { data: { values: equality }, mark: { type: 'line', strokeWidth: 1.5, strokeDash: [4, 4] }, encoding },
      { data: { values: curves }, mark: { type: 'line', strokeWidth: 2 }, encoding },
    ],
  };
}

function cdfPanel(p: ChartPanel): Record<string, unknown> {
  return {
    title: p.label,
    ...PANEL,
    layer: [
      {
        data: { values: [{ from: 0.98, to: 1.02 }] },
        mark: { type: 'rect', color: '#d62728', opacity: 0.12 },
        encoding: {
          x: { field: 'from', type: 'quantitative' },
          x2: { field: 'to' },
        },
      },
      {
        data: { values: p.data.ratio_cdf },
        mark: { type: 'line', interpolate: 'step-after', color: '#4c78a8', strokeWidth: 2 },
        encoding: {
          x: {
            field: 'ratio',
            type: 'quantitative',
            title: 'Assessed value ÷ sale price (shaded: 0.98–1.02)',
            axis: { format: '.2f' },
            scale: { zero: false },
          },
          y: {
            field: 'cumulative_share',
            type: 'quantitative',
            title: 'Share of sales at or below this ratio',
            axis: { format: '.0%' },
          },
        },
      },
    ],
  };
}

// Subtitle lines are kept short: without a canvas, vega estimates text width generously (0.8 × font size per
// character) and would pad the picture for a long line.
const TITLES: Record<ChartName, { text: string; subtitle: (n: string) => string[] }> = {
  'ratio-by-price-decile': {
    text: 'Assessment level by sale price',
    subtitle: (n) => [
      `${n} sales in ten equal groups by price, cheapest first;`,
      "each bar is the group's median assessed value ÷ sale price.",
      'Bars falling from left to right: cheaper property is',
      'assessed at a higher share of its price (regressive).',
    ],
  },
  lorenz: {
    text: 'Who carries the assessed value (the MKI picture)',
    subtitle: (n) => [
      `${n} sales, cheapest first: running share of total price`,
      'and of total assessed value. Value curve above the price',
      'curve: cheaper property carries more than its share of',
      'value (MKI below 1, regressive); below it: progressive.',
    ],
  },
  'ratio-cdf': {
    text: 'How the assessment ratios are spread',
    subtitle: (n) => [
      `Share of the ${n} sales with a ratio at or below each value;`,
      'a steeper curve means more uniform assessments. A sudden',
      'vertical jump in the shaded band near 1.00 means many values',
      'equal their sale prices: a sign of sales chasing.',
    ],
  },
};

/** The Vega-Lite spec of a chart: one panel, or one per compared value set side by side. */
export function chartSpec(name: ChartName, panels: readonly ChartPanel[]): TopLevelSpec {
  const build = name === 'ratio-by-price-decile' ? decilePanel : name === 'lorenz' ? lorenzPanel : cdfPanel;
  const title = {
    text: TITLES[name].text,
    subtitle: TITLES[name].subtitle((panels[0]?.data.n ?? 0).toLocaleString('en-US')),
  };
  // Panels side by side (one for a single set), each titled with its value set under the chart's title.
  const body = { hconcat: panels.map(build), spacing: 40 };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    padding: 16,
    background: 'white',
    config: CONFIG,
    ...body,
  } as unknown as TopLevelSpec;
}

/** Draws a Vega-Lite spec to SVG text, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
