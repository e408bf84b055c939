// A strict parser of the Prometheus text format (0.0.4) for tests and checks: every line must be a
// HELP/TYPE comment or a well-formed sample of a declared family; duplicate series are an error.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help?: string;
  type?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count', ''],
};

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const at = `line ${i + 1}`;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`${at}: malformed comment: ${line}`);
        continue;
      }
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`${at}: bad metric name ${name}`);
      const family = families.get(name) ?? { name, samples: [] };
      if (kind === 'HELP') {
        if (family.help !== undefined) throw new Error(`${at}: second HELP for ${name}`);
        family.help = rest;
      } else {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) {
          throw new Error(`${at}: bad TYPE ${rest}`);
        }
        if (family.type !== undefined) throw new Error(`${at}: second TYPE for ${name}`);
        if (family.samples.length > 0) throw new Error(`${at}: TYPE after samples of ${name}`);
        family.type = rest;
      }
      families.set(name, family);
      continue;
    }
    const sample = parseSample(line, at);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${at}: sample ${sample.name} of no declared family`);
    const key = sample.name + JSON.stringify(Object.entries(sample.labels).sort());
    if (seen.has(key)) throw new Error(`${at}: duplicate series ${line}`);
    seen.add(key);
    family.samples.push(sample);
  }
  return families;
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  const direct = families.get(sampleName);
  if (direct && (direct.type === undefined || !SUFFIXES[direct.type] || SUFFIXES[direct.type].includes(''))) {
    return direct;
  }
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family?.type && SUFFIXES[family.type]?.includes(suffix)) return family;
  }
  return undefined;
}

function parseSample(line: string, at: string): Sample {
  let pos: number;
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`${at}: bad sample: ${line}`);
  const name = nameMatch[0];
  pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (line[pos] !== '}') {
      const eq = line.indexOf('=', pos);
      if (eq < 0) throw new Error(`${at}: bad labels: ${line}`);
      const labelName = line.slice(pos, eq);
      if (!LABEL_NAME.test(labelName)) throw new Error(`${at}: bad label name ${labelName}`);
      if (labelName in labels) throw new Error(`${at}: repeated label ${labelName}`);
      if (line[eq + 1] !== '"') throw new Error(`${at}: unquoted label value: ${line}`);
      let value = '';
      let p = eq + 2;
      for (; p < line.length && line[p] !== '"'; p++) {
        if (line[p] === '\\') {
          const next = line[++p];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`${at}: bad escape \\${next}`);
        } else value += line[p];
      }
      if (line[p] !== '"') throw new Error(`${at}: unterminated label value: ${line}`);
      labels[labelName] = value;
      pos = p + 1;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new Error(`${at}: expected , or }: ${line}`);
    }
    pos++;
  }
  const rest = line.slice(pos);
  const m = /^ (\S+)( -?\d+)?$/.exec(rest);
  if (!m) throw new Error(`${at}: bad value part: ${line}`);
  return { name, labels, value: parseValue(m[1], at) };
}

function parseValue(text: string, at: string): number {
  if (/^\+?Inf$/i.test(text)) return Infinity;
  if (/^-Inf$/i.test(text)) return -Infinity;
  if (/^NaN$/i.test(text)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${at}: bad value ${text}`);
  return Number(text);
}

/** The value of one series (labels must match exactly), or undefined. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort());
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want) return s.value;
    }
  }
  return undefined;
}
