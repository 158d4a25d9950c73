// Telling a street team that a task has arrived, when the phone is in a pocket: a short beep made
// with the Web Audio API (no sound file to download), a vibration, and a system notification when
// the person allowed it. Browsers start audio and ask for notification permission only from a
// user's gesture, so the console calls unlock() from its first tap and askOnce() from a button.

let ctx: AudioContext | null = null

type AudioCtor = typeof AudioContext
const AudioCtx = (): AudioCtor | undefined =>
  typeof window === 'undefined' ? undefined : window.AudioContext || (window as unknown as { webkitAudioContext?: AudioCtor }).webkitAudioContext

/** unlock makes audio playable; call it from a tap or click. */
export function unlock() {
  const C = AudioCtx()
  if (!C) return
  ctx ||= new C()
  if (ctx.state === 'suspended') void ctx.resume()
}

export const audioReady = () => !!ctx && ctx.state === 'running'

let lastBeep = 0

/** beep plays two short high tones, loud enough for a street; several tasks arriving together
 * (a console catching up after a drop) ring once. */
export function beep() {
  if (!ctx || Date.now() - lastBeep < 1500) return
  lastBeep = Date.now()
  const t0 = ctx.currentTime
  for (const [at, freq] of [[0, 880], [0.22, 1175]] as const) {
    const osc = ctx.createOscillator()
    const gain = ctx.createGain()
    osc.type = 'square'
    osc.frequency.value = freq
    gain.gain.setValueAtTime(0.0001, t0 + at)
    gain.gain.exponentialRampToValueAtTime(0.35, t0 + at + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.18)
    osc.connect(gain).connect(ctx.destination)
    osc.start(t0 + at)
    osc.stop(t0 + at + 0.2)
  }
  navigator.vibrate?.([200, 100, 200])
}

export type Permission = 'granted' | 'denied' | 'default' | 'unsupported'

export function permission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

const askedKey = 'cityhub.notify.asked'

/** shouldAsk: the browser can notify, the person has not decided, and we have not asked yet. */
export function shouldAsk(): boolean {
  return permission() === 'default' && !localStorage.getItem(askedKey)
}

/** askOnce asks for notification permission (from a tap) and remembers that it asked. */
export async function askOnce(): Promise<Permission> {
  unlock()
  localStorage.setItem(askedKey, '1')
  if (permission() !== 'default') return permission()
  try {
    return await Notification.requestPermission()
  } catch {
    return permission()
  }
}

/** notify shows a system notification (when permitted); a tap on it brings the console forward. */
export function notify(title: string, body: string, tag: string) {
  if (permission() !== 'granted') return
  try {
    const n = new Notification(title, { body, tag, requireInteraction: true })
    n.onclick = () => { window.focus(); n.close() }
  } catch {
    // Chrome on Android shows notifications only through a service worker: the beep stays.
  }
}
