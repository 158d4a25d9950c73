// The photos of one report or action, from the moment the camera hands them over: each is uploaded
// at once (POST /api/v1/media) while the person goes on filling the form, so that by the time they
// press the button the hub already holds them and only their hashes travel with the action.
//
// The queue is plain state plus an injected uploader: the console passes the real one (XHR, for
// progress and abort), tests pass a fake. At most two uploads run at a time: a phone on a weak
// network gets each photo through sooner than with all of them at once.

import { reactive } from 'vue'
import type { Point } from '../types'

export type PhotoStatus = 'waiting' | 'uploading' | 'done' | 'failed'

/** MediaInfo is the hub's answer to an upload (the `media` object). */
export interface MediaInfo {
  sha256: string
  type?: string
  size?: number
  width?: number
  height?: number
  gps?: Point | null
}

export interface Photo {
  key: number
  name: string
  size: number
  preview: string
  status: PhotoStatus
  progress: number // 0..1 while uploading
  sha256?: string
  gps?: Point | null
  error?: string
}

export type Uploader = (file: File, onProgress: (fraction: number) => void, signal: AbortSignal) => Promise<MediaInfo>

export interface QueueOptions {
  upload: Uploader
  preview?: (file: File) => string
  revoke?: (url: string) => void
  // shrink makes a photo over maxBytes smaller (re-encoded) before it is sent; without it such a
  // photo is refused.
  shrink?: ((file: File) => Promise<File>) | null
  max?: number // photos per report or action
  maxBytes?: number
  parallel?: number
}

/** The most photos one report or action carries. */
export const maxPhotos = 9
/** The hub's limit for an image (media.DefaultMaxImage). A phone photo is 2-8 MB; a 50-megapixel
 * one can be larger, and is shrunk in the phone before it is sent. */
export const maxPhotoBytes = 10 * 1024 * 1024
/** What is not even worth shrinking. */
const hopelessBytes = 60 * 1024 * 1024

export class PhotoQueue {
  readonly items: Photo[] = reactive([])
  private files = new Map<number, File>()
  private aborts = new Map<number, AbortController>()
  private next = 1
  private readonly o: Required<QueueOptions>

  constructor(opts: QueueOptions) {
    this.o = {
      preview: (f) => URL.createObjectURL(f),
      revoke: (u) => URL.revokeObjectURL(u),
      shrink: null,
      max: maxPhotos,
      maxBytes: maxPhotoBytes,
      parallel: 2,
      ...opts,
    }
  }

  /** add takes the files the camera or picker gave; it answers a message for those it refused. */
  add(files: Iterable<File>): string {
    const refused: string[] = []
    for (const f of files) {
      if (this.items.length >= this.o.max) {
        refused.push(`最多 ${this.o.max} 张照片`)
        break
      }
      if (!f.type.startsWith('image/')) {
        refused.push(`“${f.name}”不是照片`)
        continue
      }
      if (f.size > (this.o.shrink ? hopelessBytes : this.o.maxBytes)) {
        refused.push(`“${f.name}”太大（${Math.round(f.size / 1048576)} MB）`)
        continue
      }
      const key = this.next++
      this.files.set(key, f)
      this.items.push({ key, name: f.name, size: f.size, preview: this.o.preview(f), status: 'waiting', progress: 0 })
    }
    this.pump()
    return refused.join('；')
  }

  /** remove drops a photo, stopping its upload if it is under way. */
  remove(key: number) {
    const i = this.items.findIndex((p) => p.key === key)
    if (i < 0) return
    const [p] = this.items.splice(i, 1)
    this.aborts.get(key)?.abort()
    this.aborts.delete(key)
    this.files.delete(key)
    this.o.revoke(p.preview)
    this.pump()
  }

  /** retry sends a failed photo again. */
  retry(key: number) {
    const p = this.find(key)
    if (!p || p.status !== 'failed') return
    p.status = 'waiting'
    p.error = undefined
    this.pump()
  }

  /** clear empties the queue (after the action that carried the photos was accepted). */
  clear() {
    for (const p of [...this.items]) this.remove(p.key)
  }

  /** hashes are the uploaded photos' SHA-256, in the order they were taken. */
  get hashes(): string[] {
    return this.items.filter((p) => p.status === 'done' && p.sha256).map((p) => p.sha256!)
  }

  /** busy: some photo is still on its way. */
  get busy(): boolean {
    return this.items.some((p) => p.status === 'waiting' || p.status === 'uploading')
  }

  get failed(): number {
    return this.items.filter((p) => p.status === 'failed').length
  }

  /** ready: every photo is at the hub, so the action may be sent with them. */
  get ready(): boolean {
    return !this.busy && this.failed === 0
  }

  /** gps is the position the first photo that carries one was taken at (EXIF, read by the hub). */
  get gps(): Point | null {
    return this.items.find((p) => p.gps)?.gps ?? null
  }

  private find(key: number) {
    return this.items.find((p) => p.key === key)
  }

  // pump starts waiting uploads while fewer than `parallel` run.
  private pump() {
    let running = this.items.filter((p) => p.status === 'uploading').length
    for (const p of this.items) {
      if (running >= this.o.parallel) break
      if (p.status !== 'waiting') continue
      running++
      void this.send(p.key)
    }
  }

  private async send(key: number) {
    const p = this.find(key)
    let file = this.files.get(key)
    if (!p || !file) return
    const ctl = new AbortController()
    this.aborts.set(key, ctl)
    p.status = 'uploading'
    p.progress = 0
    try {
      if (file.size > this.o.maxBytes && this.o.shrink) {
        file = await this.o.shrink(file)
        if (file.size > this.o.maxBytes) throw new Error('照片压缩后仍然太大')
        if (this.files.has(key)) this.files.set(key, file) // a retry sends the smaller copy
      }
      const info = await this.o.upload(file, (f) => { const q = this.find(key); if (q) q.progress = f }, ctl.signal)
      const q = this.find(key)
      if (!q) return // removed meanwhile
      q.status = 'done'
      q.progress = 1
      q.sha256 = info.sha256
      q.gps = info.gps ?? null
    } catch (e) {
      const q = this.find(key)
      if (!q || ctl.signal.aborted) return
      q.status = 'failed'
      q.error = (e as Error).message || '上传失败'
    } finally {
      this.aborts.delete(key)
      this.pump()
    }
  }
}
