// `npm run bench:cost`: the cost method against the demo generator's true market values, in-process (no
// database): for each seed, the valid sales of a 20,000-parcel demo county calibrate the cost approach, which
// values every improved residential parcel; printed are the median ratio and COD of value / TRUE_MODEL value,
// the land share, the cost method's monthly trend beside price_trend's estimator on the same sales, and the
// default 24-month price_trend. BENCH_SEEDS (default 42,7) and BENCH_PARCELS (default 20000) override.
import { DEFAULT_TREND_MONTHS } from '../src/market-analysis/market-analysis-engine.js';
import { DemoCounty } from '../src/demo/generator.js';
import { TRUE_MODEL } from '../src/demo/hedonic-model.js';
import { dayNumber, firstDayOfMonth, monthOfDay } from '../src/statistics/calendar.js';
import { fitMarketTrend } from '../src/statistics/market-trend.js';
import { ratioSummary } from '../src/statistics/ratio-statistics.js';
import { saleColumns, type SaleRow } from '../src/statistics/sale-columns.js';
import { calibrateCostApproach, costValues } from '../src/valuation/cost-approach.js';
import { demoResidentialParcels, demoSales } from '../src/valuation/fixtures/demo-sales.js';

const SEEDS = (process.env.BENCH_SEEDS ?? '42,7').split(',').map(Number);
const PARCELS = Number(process.env.BENCH_PARCELS ?? 20_000);

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
const quantile = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))];

for (const seed of SEEDS) {
  const sales = demoSales(PARCELS, seed);
  const cal = calibrateCostApproach(sales, TRUE_MODEL.referenceTaxYear);
  const { batch, trueValue } = demoResidentialParcels(PARCELS, seed, [...sales.neighborhoods]);
  const out = { land: new Float64Array(batch.size), improvement: new Float64Array(batch.size) };
  costValues(cal, batch, out, new Uint8Array(batch.size));
  const value = Array.from(out.land, (l, i) => l + out.improvement[i]);
  const ratios = ratioSummary(value, Array.from(trueValue));
  const shares = Array.from(out.land, (l, i) => l / value[i]).sort((a, b) => a - b);

  // price_trend: over the cost method's own sales (the 36 months before the valuation date), and by default.
  const rows: SaleRow[] = [];
  for (const { parcel: p, sales: list } of new DemoCounty({ parcels: PARCELS, seed }).records()) {
    for (const s of list) {
      if (!s.isValid) continue;
      rows.push({
        day: dayNumber(s.saleDate),
        price: s.salePrice,
        building_sqft: p.buildingSqft,
        land_sqft: p.landSqft,
        year_built: p.yearBuilt,
        quality: p.quality,
        condition: p.condition,
        bathrooms: p.bathrooms,
        neighborhood: p.neighborhood,
        property_class: p.propertyClass,
      });
    }
  }
  const same = fitMarketTrend(saleColumns(rows), dayNumber(TRUE_MODEL.referenceDate))!;
  const latest = Math.max(...rows.map((r) => r.day));
  const from = firstDayOfMonth(monthOfDay(latest) - (DEFAULT_TREND_MONTHS - 1));
  const byDefault = fitMarketTrend(saleColumns(rows.filter((r) => r.day >= from)), latest)!;
  const ci = (c: [number, number]) => `[${c.map(pct).join(', ')}]`;

  console.log(
    `seed ${seed}: ${PARCELS} parcels, ${cal.salesUsed} valid sales, ${batch.size} improved residential parcels`,
  );
  console.log(
    `  cost / true value: median ${ratios.median.toFixed(4)}, COD ${ratios.cod.toFixed(2)}, PRD ${ratios.prd.toFixed(3)}`,
  );
  console.log(
    `  land share: p10 ${quantile(shares, 0.1).toFixed(3)}, median ${quantile(shares, 0.5).toFixed(3)}, ` +
      `p90 ${quantile(shares, 0.9).toFixed(3)} (band 0.10–0.40)`,
  );
  console.log(
    `  monthly trend: cost ${pct(Math.expm1(cal.monthlyTrend))}; price_trend on the same sales ` +
      `${pct(same.monthly_rate)} ${ci(same.ci)}; default 24-month price_trend ${pct(byDefault.monthly_rate)} ` +
      `${ci(byDefault.ci)}; true ${pct(Math.expm1(TRUE_MODEL.monthlyTrend))}`,
  );
}
