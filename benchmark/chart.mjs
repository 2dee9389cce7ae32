// The SVG chart of a run (written by hand, no chart library): for every workload, at c1 and c64,
// each adapter's throughput as a ratio to the hand-written better-sqlite3 adapter, on a log
// scale, bars drawn from the 1.0 line (hand-written): up is faster, down is slower.

const COLORS = { authlite: '#2563eb', kysely: '#d97706', drizzle: '#059669', jwt: '#7c3aed' }
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * groups: [{ name, bars: [{ adapter, label, concurrency, ratio }] }]; returns the SVG text.
 */
export function renderChart({ title, subtitle, groups }) {
  const adapters = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.adapter)))]
  const labels = Object.fromEntries(groups.flatMap((g) => g.bars.map((b) => [b.adapter, b.label])))
  const concurrencies = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.concurrency)))]
  const ratios = groups.flatMap((g) => g.bars.map((b) => b.ratio)).filter((r) => r > 0)
  // Axis ticks on the 1-2-5 series, from just below the smallest ratio to just above the largest.
  const series = []
  for (let e = -4; e <= 3; e++) for (const m of [1, 2, 5]) series.push(+(m * 10 ** e).toPrecision(1))
  const lo = series.findLast((t) => t <= Math.min(0.5, ...ratios) * 0.85)
  const hi = series.find((t) => t >= Math.max(2, ...ratios) * 1.15)
  const ticks = series.filter((t) => t >= lo && t <= hi)

  const bar = 16, gap = 4, subGap = 10, groupGap = 34
  const groupWidth = concurrencies.length * (adapters.length * (bar + gap)) + (concurrencies.length - 1) * subGap
  const left = 60, top = 70, plotHeight = 340, bottom = 92
  const width = left + groups.length * (groupWidth + groupGap) + 10
  const height = top + plotHeight + bottom
  const y = (r) => top + plotHeight * (1 - (Math.log10(r) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)))

  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`)
  out.push('<defs>')
  for (const a of adapters) {
    out.push(`<pattern id="stripes-${a}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${COLORS[a] ?? '#888'}" fill-opacity="0.35"/><rect width="3" height="6" fill="${COLORS[a] ?? '#888'}"/></pattern>`)
  }
  out.push('</defs>')
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`)
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="600">${esc(title)}</text>`)
  out.push(`<text x="${left}" y="44" fill="#555">${esc(subtitle)}</text>`)

    for (const r of ticks) {
    const yy = y(r).toFixed(1)
    out.push(`<line x1="${left}" x2="${width - 10}" y1="${yy}" y2="${yy}" stroke="${String(r).replace(/[0.]/g, '') === '1' ? '#ccc' : '#eee'}"/>`)
    out.push(`<text x="${left - 6}" y="${+yy + 4}" text-anchor="end" fill="#555">${r}×</text>`)
  }
  out.push(`<text transform="translate(14 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#333">throughput ÷ hand-written (log)</text>`)

  groups.forEach((group, gi) => {
    const gx = left + 16 + gi * (groupWidth + groupGap)
    concurrencies.forEach((c, ci) => {
      const cx = gx + ci * (adapters.length * (bar + gap) + subGap)
      adapters.forEach((a, ai) => {
        const b = group.bars.find((x) => x.adapter === a && x.concurrency === c)
        if (!b) return
        const x = cx + ai * (bar + gap)
        const y1 = y(1), y2 = y(Math.max(b.ratio, lo))
        const fill = ci === 0 ? COLORS[a] ?? '#888' : `url(#stripes-${a})`
        out.push(`<rect x="${x}" y="${Math.min(y1, y2).toFixed(1)}" width="${bar}" height="${Math.max(1, Math.abs(y2 - y1)).toFixed(1)}" fill="${fill}"><title>${esc(`${b.label}, ${group.name}, c${c}: ${b.ratio.toFixed(2)}× hand-written`)}</title></rect>`)
        const ty = b.ratio >= 1 ? y2 - 4 : y2 + 11
        out.push(`<text x="${x + bar / 2}" y="${ty.toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${b.ratio >= 1 ? b.ratio.toFixed(b.ratio < 10 ? 1 : 0) : b.ratio.toPrecision(2).replace(/^0/, '')}</text>`)
      })
      out.push(`<text x="${cx + (adapters.length * (bar + gap) - gap) / 2}" y="${top + plotHeight + 16}" text-anchor="middle" fill="#555" font-size="11">c${c}</text>`)
    })
    const words = group.name.split(' ')
    const lines = words.length > 2 ? [words.slice(0, 2).join(' '), words.slice(2).join(' ')] : [group.name]
    lines.forEach((line, li) => out.push(`<text x="${gx + groupWidth / 2}" y="${top + plotHeight + 34 + li * 14}" text-anchor="middle" font-weight="600">${esc(line)}</text>`))
  })
  out.push(`<line x1="${left}" x2="${width - 10}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#111" stroke-width="1.5" stroke-dasharray="6 3"/>`)

  // Legend.
  let lx = left
  const ly = height - 18
  for (const a of adapters) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[a] ?? '#888'}"/><text x="${lx + 16}" y="${ly}">${esc(labels[a])}</text>`)
    lx += 24 + esc(labels[a]).length * 7
  }
  out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="#111" stroke-width="1.5" stroke-dasharray="6 3"/><text x="${lx + 26}" y="${ly}">hand-written better-sqlite3 = 1</text>`)
  lx += 26 + 31 * 6.5
  out.push(`<text x="${lx + 10}" y="${ly}" fill="#555">solid: c1 (one caller) · striped: c64 (64 concurrent callers)</text>`)
  out.push('</svg>')
  return out.join('\n') + '\n'
}
