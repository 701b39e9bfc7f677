// A big export streamed with fetch: progress from Content-Length and the bytes read so far,
// then saved as a Blob download (an <a download> on an object URL: allowed by the CSP).
import { authFetch, errorOf } from '@/api/client'
import { dispositionFilename } from './format'

export interface DownloadResult { name: string; bytes: number; blob: Blob }

export async function streamDownload(
  url: string, fallbackName: string, onProgress: (read: number, total: number | null) => void,
): Promise<DownloadResult> {
  const r = await authFetch(url)
  if (!r.ok) throw await errorOf(r)
  const total = Number(r.headers.get('Content-Length')) || null
  const name = dispositionFilename(r.headers.get('Content-Disposition'), fallbackName)
  const chunks: Uint8Array[] = []
  let read = 0
  onProgress(0, total)
  if (r.body) {
    const reader = r.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      read += value.byteLength
      onProgress(read, total)
    }
  }
  const blob = new Blob(chunks as BlobPart[], { type: r.headers.get('Content-Type') ?? 'application/octet-stream' })
  const a = document.createElement('a')
  const href = URL.createObjectURL(blob)
  a.href = href
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
  return { name, bytes: read, blob }
}
