// Deterministic synthetic county: parcels as lots on a street grid, sales drawn from TRUE_MODEL and a certified
// roll for two tax years. Everything is produced lazily, one parcel at a time, so a million parcels need no
// more memory than ten.
import type { PolygonGeometry } from '../counties/parcel-geometry.js';
import type { PropertyClass } from '../counties/parcel.entity.js';
import { modelAge, modelLogPrice, monthsFromReference, TRUE_MODEL } from './hedonic-model.js';
import { hashSeed, Random } from './random.js';

export interface DemoCountyOptions {
  /** Number of parcels (≥ 1). */
  parcels: number;
  /** Any integer; the same seed always gives the same county. */
  seed: number;
}

export interface DemoParcel {
  parcelId: string;
  neighborhood: string;
  propertyClass: PropertyClass;
  landSqft: number;
  buildingSqft: number | null;
  yearBuilt: number | null;
  quality: number | null;
  condition: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  situsAddress: string;
  geometry: PolygonGeometry;
  lon: number;
  lat: number;
}

export interface DemoSale {
  parcelId: string;
  /** YYYY-MM-DD */
  saleDate: string;
  salePrice: number;
  isValid: boolean;
  validityCode: string;
  deedType: string;
}

export interface DemoAssessment {
  parcelId: string;
  taxYear: number;
  landValue: number;
  improvementValue: number;
  totalValue: number;
}

/** A parcel with the sales and roll values that belong to it. */
export interface DemoRecord {
  parcel: DemoParcel;
  sales: DemoSale[];
  assessments: DemoAssessment[];
}

/** County seat the lots are laid out around (Bloomington, Indiana). */
export const DEMO_CENTER = { lon: -86.5264, lat: 39.1653 } as const;
/** Sales fall in this many months before TRUE_MODEL.referenceDate. */
export const DEMO_SALES_MONTHS = 36;
/** The certified roll covers the reference tax year and the one before. */
export const DEMO_TAX_YEARS = [TRUE_MODEL.referenceTaxYear - 1, TRUE_MODEL.referenceTaxYear] as const;

type NeighborhoodType = 'commercial' | 'industrial' | 'urban' | 'suburban' | 'estate' | 'rural';

/** Neighborhoods from the county seat outwards; names are the keys of TRUE_MODEL.neighborhoodEffects. */
export const DEMO_NEIGHBORHOODS: readonly (readonly [string, NeighborhoodType])[] = [
  ['Courthouse Square', 'commercial'],
  ['Old Town', 'urban'],
  ['Market District', 'commercial'],
  ['Depot Row', 'industrial'],
  ['Riverside', 'urban'],
  ['Mill Creek', 'urban'],
  ['College Hill', 'urban'],
  ['Eastgate', 'commercial'],
  ['Westside', 'urban'],
  ['Northgate', 'urban'],
  ['Southpark', 'urban'],
  ['Railyard', 'industrial'],
  ['Maple Heights', 'suburban'],
  ['Oak Hill', 'suburban'],
  ['Cedar Grove', 'suburban'],
  ['Willow Bend', 'suburban'],
  ['Fairview', 'suburban'],
  ['Lincoln Park', 'urban'],
  ['Highland', 'suburban'],
  ['Briarwood', 'suburban'],
  ['Prairie View', 'suburban'],
  ['Brookside', 'urban'],
  ['Elm Terrace', 'urban'],
  ['Sycamore Ridge', 'suburban'],
  ['Foxcroft', 'estate'],
  ['Stonegate', 'estate'],
  ['Lakeshore', 'estate'],
  ['Walnut Creek', 'suburban'],
  ['Pleasant Valley', 'suburban'],
  ['Cherry Hills', 'estate'],
  ['Meadowbrook', 'suburban'],
  ['Bluff Park', 'urban'],
  ['Harvest Fields', 'rural'],
  ['Clear Springs', 'rural'],
  ['Red Barn', 'rural'],
  ['Pine Hollow', 'rural'],
  ['Cottonwood Flats', 'rural'],
  ['Quarry Road', 'industrial'],
  ['Timber Ridge', 'rural'],
  ['Sunset Acres', 'suburban'],
];

const CLASSES: readonly PropertyClass[] = ['residential', 'commercial', 'industrial', 'agricultural', 'vacant'];

interface TypeProfile {
  /** Depth of every lot (feet); a block is two lots deep. */
  lotDepth: number;
  /** Length of a block along its street (feet). */
  blockWidth: number;
  streetSuffix: string;
  /** Weights of CLASSES. */
  classWeights: readonly number[];
  /** Median and log-sd of a residential (or vacant) lot's area. */
  residentialLot: readonly [number, number];
  buildingSqftMedian: number;
  yearBuiltCenter: number;
  yearBuiltSd: number;
  qualityMean: number;
  /** Land value per sqft on the roll, before the neighborhood effect. */
  landRate: number;
}

const PROFILES: Record<NeighborhoodType, TypeProfile> = {
  commercial: {
    lotDepth: 150,
    blockWidth: 480,
    streetSuffix: 'Ave',
    classWeights: [0.3, 0.55, 0.05, 0, 0.1],
    residentialLot: [5000, 0.35],
    buildingSqftMedian: 1300,
    yearBuiltCenter: 1945,
    yearBuiltSd: 22,
    qualityMean: 3.2,
    landRate: 14,
  },
  industrial: {
    lotDepth: 300,
    blockWidth: 1320,
    streetSuffix: 'Blvd',
    classWeights: [0.15, 0.15, 0.6, 0, 0.1],
    residentialLot: [9000, 0.3],
    buildingSqftMedian: 1200,
    yearBuiltCenter: 1960,
    yearBuiltSd: 15,
    qualityMean: 2.7,
    landRate: 4,
  },
  urban: {
    lotDepth: 110,
    blockWidth: 480,
    streetSuffix: 'St',
    classWeights: [0.87, 0.07, 0.01, 0, 0.05],
    residentialLot: [5500, 0.3],
    buildingSqftMedian: 1450,
    yearBuiltCenter: 1938,
    yearBuiltSd: 20,
    qualityMean: 3.0,
    landRate: 9,
  },
  suburban: {
    lotDepth: 130,
    blockWidth: 720,
    streetSuffix: 'Dr',
    classWeights: [0.93, 0.02, 0, 0, 0.05],
    residentialLot: [9500, 0.3],
    buildingSqftMedian: 1900,
    yearBuiltCenter: 1982,
    yearBuiltSd: 14,
    qualityMean: 3.5,
    landRate: 6,
  },
  estate: {
    lotDepth: 250,
    blockWidth: 1400,
    streetSuffix: 'Ct',
    classWeights: [0.92, 0, 0, 0, 0.08],
    residentialLot: [32000, 0.4],
    buildingSqftMedian: 3100,
    yearBuiltCenter: 1998,
    yearBuiltSd: 14,
    qualityMean: 4.5,
    landRate: 4.5,
  },
  rural: {
    lotDepth: 660,
    blockWidth: 2640,
    streetSuffix: 'Rd',
    classWeights: [0.45, 0.02, 0.01, 0.45, 0.07],
    residentialLot: [90000, 0.45],
    buildingSqftMedian: 1800,
    yearBuiltCenter: 1965,
    yearBuiltSd: 25,
    qualityMean: 3.0,
    landRate: 0.6,
  },
};

/** Median and log-sd of lot area for the non-residential classes. */
const CLASS_LOT: Record<'commercial' | 'industrial' | 'agricultural', readonly [number, number]> = {
  commercial: [20000, 0.7],
  industrial: [60000, 0.8],
  agricultural: [650000, 0.6],
};

const STREET_NAMES = [
  'Maple',
  'Oak',
  'Cedar',
  'Elm',
  'Walnut',
  'Hickory',
  'Pine',
  'Spruce',
  'Birch',
  'Chestnut',
  'Locust',
  'Poplar',
  'Washington',
  'Jefferson',
  'Madison',
  'Monroe',
  'Jackson',
  'Lincoln',
  'Grant',
  'Adams',
  'Franklin',
  'Hamilton',
  'Main',
  'Market',
  'Church',
  'College',
  'Mill',
  'Bridge',
  'Park',
  'Lake',
  'River',
  'Spring',
  'Prospect',
  'Union',
  'Summit',
  'Highland',
  'Meadow',
  'Orchard',
  'Ridge',
  'Hillside',
  'Valley',
  'Forest',
  'Sunset',
  'Harvest',
  'Clover',
  'Willow',
  'Sycamore',
  'Dogwood',
  'Magnolia',
  'Juniper',
  'Aspen',
  'Laurel',
  'Holly',
  'Fox',
  'Deer',
  'Quail',
  'Cardinal',
  'Bluebird',
  'Kirkwood',
  'Atwater',
];

const STREET_FT = 60;
const FEET_PER_DEGREE_LAT = 364_000;
const FEET_PER_DEGREE_LON = FEET_PER_DEGREE_LAT * Math.cos((DEMO_CENTER.lat * Math.PI) / 180);
const MIN_FRONTAGE = 25;
const SALE_PROBABILITY = 0.3;
const RESALE_PROBABILITY = 0.08;
const INVALID_SALE_PROBABILITY = 0.08;
/** Roll level, regressivity and dispersion: a realistic, imperfect certified roll. */
const ROLL = { level: 0.92, regressivity: -0.04, pivot: 250_000, parcelSd: 0.08, yearSd: 0.03 } as const;

const INVALID_KINDS = [
  { code: 'FAMILY', deed: 'QUITCLAIM', factor: [0.45, 0.8], weight: 3 },
  { code: 'FORECLOSURE', deed: 'SHERIFF', factor: [0.55, 0.85], weight: 3 },
  { code: 'PARTIAL_INTEREST', deed: 'QUITCLAIM', factor: [0.3, 0.6], weight: 1 },
  { code: 'MULTI_PARCEL', deed: 'WARRANTY', factor: [1.4, 2.2], weight: 1 },
  { code: 'RELOCATION', deed: 'SPECIAL_WARRANTY', factor: [0.95, 1.15], weight: 1 },
] as const;
const VALID_DEEDS = ['WARRANTY', 'SPECIAL_WARRANTY', 'GRANT'] as const;
const VALID_DEED_WEIGHTS = [0.82, 0.12, 0.06];

/** Streams of a parcel's generator: one per purpose, so adding draws to one never shifts another. */
const STREAM = { parcel: 1, sales: 2, roll: 3, layout: 4 } as const;

interface NeighborhoodPlan {
  index: number;
  name: string;
  type: NeighborhoodType;
  profile: TypeProfile;
  effect: number;
  count: number;
  /** First parcel index of this neighborhood. */
  start: number;
  blocksPerRow: number;
  /** South-west corner of the neighborhood in feet from the center. */
  x0: number;
  y0: number;
  buildingSqftMedian: number;
  yearBuiltCenter: number;
  qualityMean: number;
  landRate: number;
}

/** A parcel before its geometry and address are rendered. */
interface ParcelCore {
  index: number;
  nb: NeighborhoodPlan;
  propertyClass: PropertyClass;
  landSqft: number;
  buildingSqft: number | null;
  yearBuilt: number | null;
  quality: number | null;
  condition: number | null;
  bedrooms: number | null;
  bathrooms: number | null;
  row: number;
  half: number;
  block: number;
  lot: number;
  houseNumber: number;
  /** Lot rectangle in feet from the center. */
  xa: number;
  xb: number;
  ya: number;
  yb: number;
  parcelId: string;
}

export class DemoCounty {
  readonly parcelCount: number;
  readonly seed: number;
  readonly neighborhoods: readonly NeighborhoodPlan[];

  constructor(options: DemoCountyOptions) {
    if (!Number.isInteger(options.parcels) || options.parcels < 1) {
      throw new RangeError(`parcels must be a whole number ≥ 1 (got ${options.parcels})`);
    }
    if (!Number.isInteger(options.seed)) throw new RangeError(`seed must be a whole number (got ${options.seed})`);
    this.parcelCount = options.parcels;
    this.seed = options.seed;
    this.neighborhoods = planNeighborhoods(options.parcels, options.seed);
  }

  /** Parcels in a fixed order (neighborhood by neighborhood, along the streets). */
  *parcels(): Generator<DemoParcel> {
    for (const core of this.walk()) yield renderParcel(core);
  }

  /** Sales of every parcel, in parcel order. */
  *sales(): Generator<DemoSale> {
    for (const core of this.walk()) yield* this.salesOf(core);
  }

  /** Certified roll values for DEMO_TAX_YEARS, in parcel order. */
  *assessments(): Generator<DemoAssessment> {
    for (const core of this.walk()) yield* this.rollOf(core);
  }

  /** The sales of each parcel in turn (often none): one array per parcel. */
  *salesByParcel(): Generator<DemoSale[]> {
    for (const core of this.walk()) yield this.salesOf(core);
  }

  /** The roll values of each parcel in turn: one array per parcel. */
  *assessmentsByParcel(): Generator<DemoAssessment[]> {
    for (const core of this.walk()) yield this.rollOf(core);
  }

  /** Each parcel with its sales and roll values. */
  *records(): Generator<DemoRecord> {
    for (const core of this.walk()) {
      yield { parcel: renderParcel(core), sales: this.salesOf(core), assessments: this.rollOf(core) };
    }
  }

  private *walk(): Generator<ParcelCore> {
    for (const nb of this.neighborhoods) {
      // Lots are laid along streets: block row, then the south (0) or north (1) half, then block by block.
      let row = 0;
      let half = 0;
      let block = 0;
      let x = 0;
      let lotInHalf = 0;
      const lotsInSouthHalf = new Array<number>(nb.blocksPerRow).fill(0);
      const depth = nb.profile.lotDepth;
      const width = nb.profile.blockWidth;
      for (let k = 0; k < nb.count; k++) {
        const index = nb.start + k;
        const rng = new Random(hashSeed(this.seed, index, STREAM.parcel));
        const core = drawParcel(rng, nb, index);
        const frontage = Math.min(width, Math.max(MIN_FRONTAGE, Math.round(core.landSqft / depth)));
        if (x + frontage > width) {
          // Next block along the street, or the next street when this one is full.
          if (half === 0) lotsInSouthHalf[block] = lotInHalf;
          block += 1;
          x = 0;
          lotInHalf = 0;
          if (block >= nb.blocksPerRow) {
            block = 0;
            if (half === 0) half = 1;
            else {
              half = 0;
              row += 1;
              lotsInSouthHalf.fill(0);
            }
          }
        }
        core.landSqft = frontage * depth;
        const bx = nb.x0 + block * (width + STREET_FT);
        const by = nb.y0 + row * (2 * depth + STREET_FT) + half * depth;
        core.xa = bx + x;
        core.xb = bx + x + frontage;
        core.ya = by;
        core.yb = by + depth;
        core.row = row;
        core.half = half;
        core.block = row * nb.blocksPerRow + block + 1;
        core.lot = (half === 1 ? lotsInSouthHalf[block] : 0) + lotInHalf + 1;
        core.houseNumber = (block + 1) * 100 + 2 * lotInHalf + (half === 0 ? 1 : 2);
        core.parcelId = `${pad(nb.index + 1, 2)}-${pad(core.block, 4)}-${pad(core.lot, 3)}`;
        x += frontage;
        lotInHalf += 1;
        yield core;
      }
    }
  }

  private salesOf(core: ParcelCore): DemoSale[] {
    if (core.propertyClass !== 'residential' || core.buildingSqft === null) return [];
    const rng = new Random(hashSeed(this.seed, core.index, STREAM.sales));
    if (!rng.chance(SALE_PROBABILITY)) return [];
    const dates = [saleDate(rng)];
    if (rng.chance(RESALE_PROBABILITY)) {
      const second = saleDate(rng);
      if (second !== dates[0]) dates.push(second);
    }
    dates.sort();
    const features = hedonicFeatures(core);
    return dates.map((date) => {
      const logPrice = modelLogPrice(features, monthsFromReference(date)) + rng.normal(0, TRUE_MODEL.sigma);
      const marketPrice = Math.exp(logPrice);
      if (rng.chance(INVALID_SALE_PROBABILITY)) {
        const kind = INVALID_KINDS[rng.weighted(INVALID_KINDS.map((k) => k.weight))];
        const factor = rng.uniform(kind.factor[0], kind.factor[1]);
        return {
          parcelId: core.parcelId,
          saleDate: date,
          salePrice: Math.max(1000, round100(marketPrice * factor)),
          isValid: false,
          validityCode: kind.code,
          deedType: kind.deed,
        };
      }
      return {
        parcelId: core.parcelId,
        saleDate: date,
        salePrice: round100(marketPrice),
        isValid: true,
        validityCode: 'ARMS_LENGTH',
        deedType: VALID_DEEDS[rng.weighted(VALID_DEED_WEIGHTS)],
      };
    });
  }

  private rollOf(core: ParcelCore): DemoAssessment[] {
    const rng = new Random(hashSeed(this.seed, core.index, STREAM.roll));
    const parcelError = rng.normal(0, ROLL.parcelSd);
    const landBase = core.landSqft * (core.propertyClass === 'agricultural' ? 0.12 : core.nb.landRate);
    return DEMO_TAX_YEARS.map((taxYear) => {
      const months = monthsFromReference(`${taxYear}-01-01`);
      const error = Math.exp(parcelError + rng.normal(0, ROLL.yearSd));
      let land: number;
      let total: number;
      if (core.propertyClass === 'residential' && core.buildingSqft !== null) {
        const market = Math.exp(modelLogPrice(hedonicFeatures(core), months));
        total = market * ROLL.level * Math.pow(market / ROLL.pivot, ROLL.regressivity) * error;
        const share = Math.min(0.6, Math.max(0.12, (landBase * Math.exp(TRUE_MODEL.monthlyTrend * months)) / total));
        land = total * share;
      } else {
        // Cost approach: land at the neighborhood rate plus depreciated replacement cost of any building.
        const drift = Math.exp(0.004 * months);
        land = landBase * drift * error;
        let improvement = 0;
        if (core.buildingSqft !== null && core.yearBuilt !== null && core.quality !== null) {
          const costPerSqft = core.propertyClass === 'commercial' ? 110 : core.propertyClass === 'industrial' ? 65 : 95;
          const depreciation = Math.max(0.25, 1 - 0.012 * modelAge(core.yearBuilt));
          improvement = core.buildingSqft * costPerSqft * (0.8 + 0.1 * core.quality) * depreciation * drift * error;
        }
        total = land + improvement;
      }
      const totalValue = Math.max(100, round100(total));
      const landValue = Math.min(totalValue, Math.max(100, round100(land)));
      return {
        parcelId: core.parcelId,
        taxYear,
        landValue,
        improvementValue: totalValue - landValue,
        totalValue,
      };
    });
  }
}

/** The model's inputs for an improved parcel. */
function hedonicFeatures(core: ParcelCore) {
  return {
    buildingSqft: core.buildingSqft!,
    landSqft: core.landSqft,
    yearBuilt: core.yearBuilt!,
    quality: core.quality!,
    condition: core.condition!,
    bathrooms: core.bathrooms!,
    neighborhood: core.nb.name,
  };
}

function drawParcel(rng: Random, nb: NeighborhoodPlan, index: number): ParcelCore {
  const propertyClass = CLASSES[rng.weighted(nb.profile.classWeights)];
  const [lotMedian, lotSd] =
    propertyClass === 'residential' || propertyClass === 'vacant'
      ? nb.profile.residentialLot
      : CLASS_LOT[propertyClass];
  const landSqft = rng.logNormal(lotMedian, lotSd);
  const core: ParcelCore = {
    index,
    nb,
    propertyClass,
    landSqft,
    buildingSqft: null,
    yearBuilt: null,
    quality: null,
    condition: null,
    bedrooms: null,
    bathrooms: null,
    row: 0,
    half: 0,
    block: 0,
    lot: 0,
    houseNumber: 0,
    xa: 0,
    xb: 0,
    ya: 0,
    yb: 0,
    parcelId: '',
  };
  if (propertyClass === 'vacant') return core;
  if (propertyClass === 'agricultural' && !rng.chance(0.7)) return core; // bare farmland

  const referenceYear = TRUE_MODEL.referenceTaxYear;
  const yearBuilt = clamp(Math.round(rng.normal(nb.yearBuiltCenter, nb.profile.yearBuiltSd)), 1870, referenceYear - 1);
  const age = referenceYear - yearBuilt;
  core.yearBuilt = yearBuilt;
  core.quality = clamp(Math.round(rng.normal(nb.qualityMean, 0.75)), 1, 6);
  core.condition = clamp(Math.round(rng.normal(3 + (age < 10 ? 0.7 : 0) - (age > 70 ? 0.4 : 0), 0.8)), 1, 5);
  if (propertyClass === 'residential' || propertyClass === 'agricultural') {
    const median = propertyClass === 'agricultural' ? 2000 : nb.buildingSqftMedian;
    const sqft = clamp(round10(rng.logNormal(median, 0.28)), 480, 9000);
    core.buildingSqft = sqft;
    core.bedrooms = clamp(Math.round(sqft / 650 + 0.5 + rng.normal(0, 0.6)), 1, 7);
    core.bathrooms = clamp(Math.round(2 * (0.5 + sqft / 1000 + rng.normal(0, 0.35))) / 2, 1, 6);
  } else {
    // Commercial and industrial: floor area as a share of the lot.
    const ratio = propertyClass === 'commercial' ? rng.uniform(0.15, 0.6) : rng.uniform(0.2, 0.5);
    const sqft = Math.max(800, round10(landSqft * ratio));
    core.buildingSqft = sqft;
    core.bathrooms = clamp(Math.round(sqft / 3000), 1, 20);
  }
  return core;
}

function renderParcel(core: ParcelCore): DemoParcel {
  const a = toLonLat(core.xa, core.ya);
  const b = toLonLat(core.xb, core.yb);
  const center = toLonLat((core.xa + core.xb) / 2, (core.ya + core.yb) / 2);
  const streetIndex = core.row + core.half;
  const street = STREET_NAMES[(core.nb.index * 7 + streetIndex) % STREET_NAMES.length];
  return {
    parcelId: core.parcelId,
    neighborhood: core.nb.name,
    propertyClass: core.propertyClass,
    landSqft: core.landSqft,
    buildingSqft: core.buildingSqft,
    yearBuilt: core.yearBuilt,
    quality: core.quality,
    condition: core.condition,
    bedrooms: core.bedrooms,
    bathrooms: core.bathrooms,
    situsAddress: `${core.houseNumber} ${street} ${core.nb.profile.streetSuffix}`,
    // Counter-clockwise exterior ring (RFC 7946): SW, SE, NE, NW, back to SW.
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [a[0], a[1]],
          [b[0], a[1]],
          [b[0], b[1]],
          [a[0], b[1]],
          [a[0], a[1]],
        ],
      ],
    },
    lon: center[0],
    lat: center[1],
  };
}

/**
 * Parcel counts per neighborhood (dense ones get more parcels, rural ones fewer) and where each sits:
 * neighborhoods take square slots of one size on a 7 × 7 grid, filled from the center outwards.
 */
function planNeighborhoods(parcels: number, seed: number): NeighborhoodPlan[] {
  const rng = new Random(hashSeed(seed, 0, STREAM.layout));
  const drafts = DEMO_NEIGHBORHOODS.map(([name, type], index) => {
    const profile = PROFILES[type];
    const effect = TRUE_MODEL.neighborhoodEffects[name];
    const area = expectedLotArea(profile);
    const weight = Math.exp(rng.normal(0, 0.2)) / Math.sqrt(area);
    return {
      index,
      name,
      type,
      profile,
      effect,
      area,
      weight,
      // Dearer neighborhoods have larger, newer, better houses, as in real counties.
      buildingSqftMedian: profile.buildingSqftMedian * Math.exp(0.6 * effect + rng.normal(0, 0.05)),
      yearBuiltCenter: profile.yearBuiltCenter + Math.round(rng.normal(0, 6) + 20 * effect),
      qualityMean: profile.qualityMean + 1.5 * effect + rng.normal(0, 0.15),
      landRate: profile.landRate * Math.exp(effect),
    };
  });
  const counts = apportion(
    parcels,
    drafts.map((d) => d.weight),
  );

  // Width of each neighborhood in whole blocks, for a roughly square shape with room to spare.
  const shapes = drafts.map((d, i) => {
    const blockW = d.profile.blockWidth + STREET_FT;
    const rowH = 2 * d.profile.lotDepth + STREET_FT;
    const overhead = (blockW * rowH) / (d.profile.blockWidth * 2 * d.profile.lotDepth);
    const need = counts[i] * d.area * overhead * 1.15;
    const blocksPerRow = Math.max(1, Math.ceil(Math.sqrt(need) / blockW));
    const width = blocksPerRow * blockW;
    const height = Math.max(rowH, Math.ceil(need / width / rowH) * rowH);
    return { blocksPerRow, width, height };
  });
  const slot = Math.max(...shapes.map((s) => Math.max(s.width, s.height))) * 1.3 + 400;

  const cells: [number, number][] = [];
  for (let gx = -3; gx <= 3; gx++) for (let gy = -3; gy <= 3; gy++) cells.push([gx, gy]);
  cells.sort(
    (p, q) => p[0] ** 2 + p[1] ** 2 - (q[0] ** 2 + q[1] ** 2) || Math.atan2(p[1], p[0]) - Math.atan2(q[1], q[0]),
  );

  let start = 0;
  return drafts.map((d, i) => {
    const [gx, gy] = cells[i];
    const plan: NeighborhoodPlan = {
      index: d.index,
      name: d.name,
      type: d.type,
      profile: d.profile,
      effect: d.effect,
      count: counts[i],
      start,
      blocksPerRow: shapes[i].blocksPerRow,
      x0: gx * slot - shapes[i].width / 2,
      y0: gy * slot - shapes[i].height / 2,
      buildingSqftMedian: d.buildingSqftMedian,
      yearBuiltCenter: d.yearBuiltCenter,
      qualityMean: d.qualityMean,
      landRate: d.landRate,
    };
    start += counts[i];
    return plan;
  });
}

/** Mean lot area of a neighborhood type (lognormal means, weighted by the class mix). */
function expectedLotArea(p: TypeProfile): number {
  const mean = ([median, sd]: readonly [number, number]) => median * Math.exp((sd * sd) / 2);
  const areas = [
    mean(p.residentialLot),
    mean(CLASS_LOT.commercial),
    mean(CLASS_LOT.industrial),
    mean(CLASS_LOT.agricultural),
    mean(p.residentialLot),
  ].map((a) => Math.min(a, p.blockWidth * p.lotDepth));
  const total = p.classWeights.reduce((s, w) => s + w, 0);
  return p.classWeights.reduce((s, w, i) => s + (w / total) * areas[i], 0);
}

/** Splits `total` into integers proportional to `weights` (largest remainder). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (w / sum) * total);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((s, c) => s + c, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k++, left--) counts[order[k % order.length][1]] += 1;
  return counts;
}

const REFERENCE_MS = Date.parse(`${TRUE_MODEL.referenceDate}T00:00:00Z`);
const SALES_START_MS = (() => {
  const d = new Date(REFERENCE_MS);
  d.setUTCMonth(d.getUTCMonth() - DEMO_SALES_MONTHS);
  return d.getTime();
})();
const SALES_DAYS = Math.round((REFERENCE_MS - SALES_START_MS) / 86_400_000);

/** A day in the sales window, busier in early summer as real markets are. */
function saleDate(rng: Random): string {
  for (;;) {
    const day = Math.floor(rng.next() * SALES_DAYS);
    const date = new Date(SALES_START_MS + day * 86_400_000);
    const weight = 1 + 0.3 * Math.sin((2 * Math.PI * (date.getUTCMonth() + 1 - 3)) / 12);
    if (rng.next() * 1.3 < weight) return date.toISOString().slice(0, 10);
  }
}

function toLonLat(x: number, y: number): [number, number] {
  return [round7(DEMO_CENTER.lon + x / FEET_PER_DEGREE_LON), round7(DEMO_CENTER.lat + y / FEET_PER_DEGREE_LAT)];
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;
const round10 = (v: number) => Math.round(v / 10) * 10;
const round100 = (v: number) => Math.round(v / 100) * 100;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const pad = (n: number, width: number) => String(n).padStart(width, '0');
