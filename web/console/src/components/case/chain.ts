// The case's hash chain as a console can check it: each event names the hash of the one before it
// (prev_hash), the first names none, the sequence has no gap, and the last event's hash is the
// case's last_hash. The console cannot recompute the hashes themselves (the formula covers the
// stored event and the case's keyed digest; `cityhub audit verify` does that): it checks that the
// history it was served is one unbroken chain, so that a missing, inserted or reordered event shows.

export interface ChainEvent {
  seq?: number
  hash?: string
  prev_hash?: string
}

/** ChainMark is the verdict on one event's link to the event before it. */
export interface ChainMark {
  ok: boolean
  /** what is wrong, in the console's words; empty when ok */
  problem: string
}

export interface ChainCheck {
  /** one mark per event, in the order given (oldest first) */
  marks: ChainMark[]
  ok: boolean
  /** a sentence for the timeline's head: how many events link, or where the chain breaks */
  summary: string
}

const short = (h: string | undefined) => (h ? h.slice(0, 12) : '（空）')

/**
 * checkChain checks events given oldest first (the order the hub serves them). lastHash, when
 * given, is the case's last_hash: the chain must end there, so that a history cut short shows too.
 */
export function checkChain(events: ChainEvent[], lastHash?: string): ChainCheck {
  const marks: ChainMark[] = events.map((ev, i) => ({ ok: true, problem: linkProblem(ev, i === 0 ? undefined : events[i - 1]) }))
  const last = events[events.length - 1]
  if (last && lastHash !== undefined && lastHash !== '' && last.hash !== lastHash) {
    const m = marks[marks.length - 1]
    m.problem = join(m.problem, `末事件的哈希 ${short(last.hash)} 与案件记录的末哈希 ${short(lastHash)} 不符，其后的事件缺失或被改动`)
  }
  for (const m of marks) m.ok = m.problem === ''
  const broken = marks.filter((m) => !m.ok).length
  const ok = broken === 0
  let summary: string
  if (!events.length) summary = '尚无事件'
  else if (ok) summary = `哈希链完整：${events.length} 个事件逐一衔接${lastHash ? '，末事件与案件末哈希一致' : ''}`
  else {
    const first = marks.findIndex((m) => !m.ok)
    summary = `哈希链断裂：${broken} 处不衔接，自第 ${events[first].seq ?? first + 1} 号事件起的记录不可信`
  }
  return { marks, ok, summary }
}

// linkProblem says what is wrong with one event's link to the previous one ("" when nothing).
function linkProblem(ev: ChainEvent, prev: ChainEvent | undefined): string {
  let problem = ''
  if (!ev.hash) problem = join(problem, '事件没有哈希')
  if (!prev) {
    if (ev.prev_hash) problem = join(problem, `首个事件不应有前序哈希（却为 ${short(ev.prev_hash)}），之前的事件缺失`)
    if (ev.seq !== undefined && ev.seq !== 1) problem = join(problem, `首个事件的序号应为 1，却为 ${ev.seq}`)
    return problem
  }
  if (ev.seq !== undefined && prev.seq !== undefined && ev.seq !== prev.seq + 1) {
    problem = join(problem, `序号 ${prev.seq} 之后应为 ${prev.seq + 1}，却为 ${ev.seq}`)
  }
  if ((ev.prev_hash || '') !== (prev.hash || '')) {
    problem = join(problem, `前序哈希 ${short(ev.prev_hash)} 与上一事件的哈希 ${short(prev.hash)} 不符`)
  }
  return problem
}

const join = (a: string, b: string) => (a ? `${a}；${b}` : b)
