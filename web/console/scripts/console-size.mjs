#!/usr/bin/env node
// console-size: the compressed size of each console's first load (script and CSS), read from the
// Vite build's manifest (dist/app/.vite/manifest.json, `npm run build`).
//
// A console's first load is the entry (index.html's script, its static imports and their CSS)
// plus the console's route chunk with its static imports and their CSS: what the browser fetches
// before the console can draw (Vite preloads a lazy route's static imports with it). A route's
// own dynamic imports (loaded later, on use) are listed apart and not counted.
//
// Sizes are those of the pre-compressed copies the hub sends (brotli when the browser accepts it,
// as Chromium and every current phone browser do; gzip otherwise); a file the build left
// uncompressed (under 512 bytes) counts as it is, as the hub sends it. Targets (issue 12):
// phone consoles (team, inspector) at most 250 KB of script, desk consoles at most 500 KB; judged
// on brotli, the bytes a phone receives from this hub.
//
//   node scripts/console-size.mjs [--json]

import { readFileSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const app = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'app')
const manifestPath = join(app, '.vite', 'manifest.json')

const consoles = [
  { name: 'operator', label: '受理台', src: 'src/views/OperatorConsole.vue', kind: 'desk' },
  { name: 'dispatch', label: '派遣台', src: 'src/views/DispatchConsole.vue', kind: 'desk' },
  { name: 'team', label: '处置台', src: 'src/views/TeamConsole.vue', kind: 'phone' },
  { name: 'inspector', label: '监督员', src: 'src/views/InspectorConsole.vue', kind: 'phone' },
  { name: 'admin', label: '系统管理', src: 'src/views/AdminConsole.vue', kind: 'desk' },
  { name: 'leader', label: '领导驾驶舱', src: 'src/views/LeaderConsole.vue', kind: 'desk' },
  // the hall's display screen: a page of its own (screen.html), not a route of the consoles' entry
  { name: 'screen', label: '显示屏', src: 'screen.html', kind: 'desk', page: true },
]
const targetKB = { phone: 250, desk: 500 }

/** firstLoad walks a chunk and its static imports; it answers the files (scripts, CSS) they need. */
function firstLoad(manifest, keys) {
  const seen = new Set()
  const files = new Set()
  const later = new Set()
  const walk = (key) => {
    if (seen.has(key)) return
    seen.add(key)
    const chunk = manifest[key]
    if (!chunk) throw new Error(`the manifest has no chunk ${key}`)
    files.add(chunk.file)
    for (const css of chunk.css || []) files.add(css)
    for (const imp of chunk.imports || []) walk(imp)
    for (const dyn of chunk.dynamicImports || []) later.add(dyn)
  }
  for (const k of keys) walk(k)
  // the entry lazily imports every console: those are not this console's later loads
  for (const c of consoles) later.delete(c.src)
  later.delete('src/views/NotFound.vue')
  for (const k of seen) later.delete(k)
  return { files: [...files], later: [...later] }
}

const sizeCache = new Map()

/** sizes answers a built file's raw, brotli and gzip sizes in bytes. */
function sizes(file) {
  if (sizeCache.has(file)) return sizeCache.get(file)
  const path = join(app, file)
  const raw = readFileSync(path)
  // the hub sends a file the build did not compress (under 512 bytes) as it is
  const br = existsSync(`${path}.br`) ? readFileSync(`${path}.br`).length : raw.length
  const gz = existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`).length : raw.length
  const s = { raw: raw.length, br, gz }
  sizeCache.set(file, s)
  return s
}

function total(files) {
  const t = { raw: 0, br: 0, gz: 0 }
  for (const f of files) {
    const s = sizes(f)
    t.raw += s.raw
    t.br += s.br
    t.gz += s.gz
  }
  return t
}

const kb = (n) => (n / 1024).toFixed(1)

function main() {
  if (!existsSync(manifestPath)) {
    console.error(`console-size: ${manifestPath} is missing: run \`npm run build\` (make build) first`)
    process.exit(2)
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const entry = 'index.html' // the consoles' page; screen.html is the display screen's
  const rows = []
  for (const c of consoles) {
    if (!manifest[c.src]) continue
    const { files, later } = firstLoad(manifest, c.page ? [c.src] : [entry, c.src])
    const js = total(files.filter((f) => f.endsWith('.js')))
    const css = total(files.filter((f) => f.endsWith('.css')))
    const laterFiles = new Set(later.flatMap((k) => firstLoad(manifest, [k]).files.filter((f) => f.endsWith('.js') && !files.includes(f))))
    const laterJS = total([...laterFiles])
    rows.push({ ...c, files: files.length, js, css, later: laterJS, target: targetKB[c.kind], ok: js.br / 1024 <= targetKB[c.kind] })
  }
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(rows, null, 1))
    return
  }
  console.log('First load of each console (KB = 1,024 bytes; script judged on brotli, as the hub sends it)\n')
  console.log('| console | kind | files | script br | script gz | script raw | CSS br | CSS gz | target (script) | later (lazy, br) |')
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---|---:|')
  for (const r of rows) {
    const verdict = r.ok ? `≤ ${r.target} KB: met` : `≤ ${r.target} KB: **over**`
    console.log(`| ${r.name} ${r.label} | ${r.kind} | ${r.files} | ${kb(r.js.br)} | ${kb(r.js.gz)} | ${kb(r.js.raw)} | ${kb(r.css.br)} | ${kb(r.css.gz)} | ${verdict} | ${kb(r.later.br)} |`)
  }
}

main()
