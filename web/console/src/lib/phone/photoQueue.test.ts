import { describe, expect, it } from 'vitest'
import { PhotoQueue, type MediaInfo, type Uploader } from './photoQueue'

// A fake uploader whose uploads the test finishes or fails by hand.
function fakeUploads() {
  const pending: { name: string; resolve: (m: MediaInfo) => void; reject: (e: Error) => void; signal: AbortSignal; progress: (f: number) => void }[] = []
  const upload: Uploader = (file, progress, signal) => new Promise((resolve, reject) => {
    pending.push({ name: file.name, resolve, reject, signal, progress })
  })
  return { upload, pending }
}
const photo = (name: string, type = 'image/jpeg', size = 1000) => new File([new Uint8Array(size)], name, { type })
const flush = () => new Promise((r) => setTimeout(r, 0))
const sha = (c: string) => c.repeat(64)

function queue(opts: Partial<ConstructorParameters<typeof PhotoQueue>[0]> = {}) {
  const f = fakeUploads()
  const revoked: string[] = []
  const q = new PhotoQueue({ upload: f.upload, preview: (file) => `blob:${file.name}`, revoke: (u) => revoked.push(u), ...opts })
  return { q, ...f, revoked }
}

describe('PhotoQueue', () => {
  it('uploads photos as they are taken, two at a time, and keeps their order', async () => {
    const { q, pending } = queue()
    q.add([photo('a.jpg'), photo('b.jpg'), photo('c.jpg')])
    expect(q.items.map((p) => p.status)).toEqual(['uploading', 'uploading', 'waiting'])
    expect(q.busy).toBe(true)
    expect(q.ready).toBe(false)
    pending[1].resolve({ sha256: sha('b') })
    await flush()
    expect(q.items.map((p) => p.status)).toEqual(['uploading', 'done', 'uploading'])
    pending[0].resolve({ sha256: sha('a'), gps: { lat: 28.9, lng: 106.6 } })
    pending[2].resolve({ sha256: sha('c') })
    await flush()
    expect(q.ready).toBe(true)
    expect(q.hashes).toEqual([sha('a'), sha('b'), sha('c')])
    expect(q.gps).toEqual({ lat: 28.9, lng: 106.6 })
  })

  it('shows progress, and a failed upload can be retried', async () => {
    const { q, pending } = queue()
    q.add([photo('a.jpg')])
    pending[0].progress(0.5)
    expect(q.items[0].progress).toBe(0.5)
    pending[0].reject(new Error('网络不通，上传失败'))
    await flush()
    expect(q.items[0].status).toBe('failed')
    expect(q.items[0].error).toBe('网络不通，上传失败')
    expect(q.failed).toBe(1)
    expect(q.ready).toBe(false)
    q.retry(q.items[0].key)
    expect(q.items[0].status).toBe('uploading')
    pending[1].resolve({ sha256: sha('a') })
    await flush()
    expect(q.ready).toBe(true)
    expect(q.hashes).toEqual([sha('a')])
  })

  it('removing a photo stops its upload, frees its preview and starts the next', async () => {
    const { q, pending, revoked } = queue()
    q.add([photo('a.jpg'), photo('b.jpg'), photo('c.jpg')])
    q.remove(q.items[0].key)
    expect(pending[0].signal.aborted).toBe(true)
    expect(revoked).toEqual(['blob:a.jpg'])
    expect(q.items.map((p) => [p.name, p.status])).toEqual([['b.jpg', 'uploading'], ['c.jpg', 'uploading']])
    pending[0].reject(new Error('已取消')) // the aborted upload's own failure changes nothing
    pending[1].resolve({ sha256: sha('b') })
    pending[2].resolve({ sha256: sha('c') })
    await flush()
    expect(q.hashes).toEqual([sha('b'), sha('c')])
    expect(q.failed).toBe(0)
  })

  it('refuses what is not a photo, too large, or beyond the limit', () => {
    const { q } = queue({ max: 2, maxBytes: 5000 })
    const said = q.add([photo('doc.pdf', 'application/pdf'), photo('big.jpg', 'image/jpeg', 6000), photo('a.jpg'), photo('b.jpg'), photo('c.jpg')])
    expect(q.items.map((p) => p.name)).toEqual(['a.jpg', 'b.jpg'])
    expect(said).toContain('“doc.pdf”不是照片')
    expect(said).toContain('“big.jpg”太大')
    expect(said).toContain('最多 2 张照片')
  })

  it('clear empties the queue after the action went', async () => {
    const { q, pending, revoked } = queue()
    q.add([photo('a.jpg')])
    pending[0].resolve({ sha256: sha('a') })
    await flush()
    q.clear()
    expect(q.items).toHaveLength(0)
    expect(q.hashes).toEqual([])
    expect(revoked).toEqual(['blob:a.jpg'])
  })
  it('shrinks a photo over the hub\'s limit before sending it, and refuses it when it cannot', async () => {
    const shrunk: string[] = []
    const { q, pending } = queue({ maxBytes: 5000, shrink: async (f) => { shrunk.push(f.name); return f.name === 'huge.jpg' ? f : photo('big.jpg', 'image/jpeg', 3000) } })
    q.add([photo('big.jpg', 'image/jpeg', 8000), photo('huge.jpg', 'image/jpeg', 9000)])
    await flush()
    expect(shrunk).toEqual(['big.jpg', 'huge.jpg'])
    expect(pending).toHaveLength(1)
    expect(q.items[1].status).toBe('failed')
    expect(q.items[1].error).toBe('照片压缩后仍然太大')
    pending[0].resolve({ sha256: sha('b') })
    await flush()
    expect(q.items[0].status).toBe('done')
  })
})
