// Uploading one photo to the hub: POST /api/v1/media, multipart field `file`. XMLHttpRequest rather
// than fetch because a phone on a weak network must see the upload's progress, and a photo removed
// while it travels must stop.

import { csrfToken } from '../api'
import type { MediaInfo } from './photoQueue'

export function uploadMedia(file: File, onProgress: (fraction: number) => void, signal: AbortSignal): Promise<MediaInfo> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/v1/media')
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    xhr.setRequestHeader('X-CSRF-Token', csrfToken())
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total) }
    xhr.onload = () => {
      let body: { media?: MediaInfo; detail?: string } = {}
      try { body = JSON.parse(xhr.responseText) } catch { /* not JSON: said below */ }
      if (xhr.status >= 200 && xhr.status < 300 && body.media?.sha256) resolve(body.media)
      else reject(new Error(body.detail || `上传失败 (HTTP ${xhr.status})`))
    }
    xhr.onerror = () => reject(new Error('网络不通，上传失败'))
    xhr.onabort = () => reject(new Error('已取消'))
    signal.addEventListener('abort', () => xhr.abort())
    const form = new FormData()
    form.append('file', file, file.name || 'photo.jpg')
    xhr.send(form)
  })
}

/** thumbnailURL is where the hub serves an attached photo's small copy. */
export const thumbnailURL = (sha256: string) => `/api/v1/media/${sha256}/thumbnail`
export const mediaURL = (sha256: string) => `/api/v1/media/${sha256}`
