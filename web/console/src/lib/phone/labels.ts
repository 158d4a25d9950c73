// The words a phone console uses for a task's state: what the person has to do about it.
import { stateLabel } from '../format'

const phoneStates: Record<string, string> = {
  dispatched: '待签收', in_progress: '处置中', suspended: '已挂起', resolved: '已反馈',
  verifying: '待核实', checking: '待核查',
}

export const taskStateLabel = (s: string) => phoneStates[s] || stateLabel(s)
