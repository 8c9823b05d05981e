/**
 * Baseline: the demo world with NO sync running. Shoppers buy on every channel; each channel lowers only its own
 * count; the ERP ingests orders after its lag. The oracle counts oversold units as the channels drift apart. Later
 * issues run the same market with invsync and must beat these figures.
 *
 *   npm run bench -- market-baseline [--seconds 60] [--rate 20] [--lag-ms 30000] [--seed 1234]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { runMarket } from '../sandbox/market';
import { demoSeed } from '../sandbox/presets';
import { World } from '../sandbox/world';
import { lineChart } from './chart';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Units channels show beyond what the ERP can still serve them: the oversell exposure, summed over listings. */
export function exposure(world: World): number {
  let units = 0;
  for (const ch of world.channels.values())
    for (const l of ch.listings) {
      const serving = world.serving(ch.id, l.location);
      if (serving.length === 0) continue; // FBA / Full: the marketplace's own stock
      const kit = world.kits.find((k) => k.sku === l.sku);
      const erp = kit
        ? Math.min(
            ...kit.components.map((c) =>
              Math.floor(serving.reduce((s, loc) => s + world.available(c.sku, loc), 0) / c.qty),
            ),
          )
        : serving.reduce((s, loc) => s + world.available(l.sku, loc), 0);
      units += Math.max(0, l.shows - erp);
    }
  return units;
}

export async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const rate = arg('rate', 20);
  const lagMs = arg('lag-ms', 30_000);
  const seed = arg('seed', 1234);
  const world = new World(demoSeed({ ingestLagMs: lagMs }), Date.now, seed);
  const samples: { t: number; oversoldUnits: number; accepted: number; exposure: number }[] = [];
  const started = Date.now();
  const sample = () => {
    const o = world.oracleView();
    samples.push({
      t: (Date.now() - started) / 1000,
      oversoldUnits: o.oversoldUnits,
      accepted: o.unitsAccepted,
      exposure: exposure(world),
    });
  };
  sample();
  const timer = setInterval(sample, 1000);
  const r = await runMarket(world, { ordersPerSecond: rate, seconds, seed, settle: 'flush' });
  clearInterval(timer);
  sample();

  const result = {
    benchmark: 'market-baseline',
    sync: 'none',
    at: new Date().toISOString(),
    params: { seconds, ordersPerSecond: rate, ingestLagMs: lagMs, seed, preset: 'demo' },
    ordersAttempted: r.ordersAttempted,
    ordersAccepted: r.ordersAccepted,
    ordersRejected: r.ordersRejected,
    unitsAccepted: r.unitsAccepted,
    oversoldUnits: r.oversoldUnits,
    oversoldOrders: r.oversoldOrders,
    oversoldPercentOfUnits: r.unitsAccepted
      ? Math.round((r.oversoldUnits / r.unitsAccepted) * 10000) / 100
      : 0,
    topSkus: r.bySku.slice(0, 10),
    timeline: samples,
  };
  const table = new Table({ head: ['figure', 'no sync'], style: { head: [], border: [] } });
  table.push(
    ['orders attempted', result.ordersAttempted],
    ['orders accepted', result.ordersAccepted],
    ['orders rejected (channel showed too few, or not listed there)', result.ordersRejected],
    ['units accepted', result.unitsAccepted],
    ['oversold units', result.oversoldUnits],
    ['oversold orders', result.oversoldOrders],
    ['oversold % of units', `${result.oversoldPercentOfUnits}%`],
    ['exposure at end (units shown beyond ERP)', samples.at(-1)?.exposure ?? 0],
  );
  console.log(
    `market-baseline: demo preset, ${rate} orders/s for ${seconds} s, ERP ingest lag ${lagMs} ms, no sync`,
  );
  console.log(table.toString());
  const top = new Table({ head: ['SKU', 'units accepted', 'oversold'], style: { head: [], border: [] } });
  for (const s of result.topSkus) top.push([s.sku, s.unitsAccepted, s.oversoldUnits]);
  console.log(top.toString());

  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'market-baseline.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(
    join(dir, 'market-baseline.svg'),
    lineChart({
      title: `No sync: ${rate} orders/s, demo preset`,
      xLabel: 'seconds',
      yLabel: 'units',
      series: [
        { name: 'oversold units', points: samples.map((s) => ({ x: s.t, y: s.oversoldUnits })) },
        { name: 'exposure (shown > ERP)', points: samples.map((s) => ({ x: s.t, y: s.exposure })) },
      ],
    }),
  );
  console.log(`wrote ${join(dir, 'market-baseline.json')} and market-baseline.svg`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack);
    process.exitCode = 1;
  });
}
