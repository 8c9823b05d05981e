/** A small dependency-free SVG line chart for benchmark results (one or more series over a shared x axis). */

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd'];

export function lineChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}): string {
  const w = opts.width ?? 820;
  const h = opts.height ?? 360;
  const m = { l: 60, r: 210, t: 40, b: 50 };
  const all = opts.series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yMax = Math.max(1, ...all.map((p) => p.y));
  const X = (x: number) => m.l + (x / xMax) * (w - m.l - m.r);
  const Y = (y: number) => h - m.b - (y / yMax) * (h - m.t - m.b);
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => Math.round((max * i) / 5));
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15">${esc(opts.title)}</text>`,
    `<line x1="${m.l}" y1="${h - m.b}" x2="${w - m.r}" y2="${h - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${h - m.b}" stroke="#333"/>`,
    ...ticks(xMax).map((t) => `<text x="${X(t)}" y="${h - m.b + 16}" text-anchor="middle">${t}</text>`),
    ...ticks(yMax).map(
      (t) =>
        `<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${t}</text><line x1="${m.l}" y1="${Y(t)}" x2="${w - m.r}" y2="${Y(t)}" stroke="#eee"/>`,
    ),
    `<text x="${(m.l + w - m.r) / 2}" y="${h - 12}" text-anchor="middle">${esc(opts.xLabel)}</text>`,
    `<text transform="translate(16 ${(m.t + h - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`,
  ];
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<rect x="${w - m.r + 12}" y="${m.t + i * 20}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${w - m.r + 30}" y="${m.t + i * 20 + 5}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
