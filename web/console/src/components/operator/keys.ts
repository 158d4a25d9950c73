// The operator's keyboard shortcut: Ctrl+Enter files the report from any field (Cmd+Enter on a
// Mac). Enter alone must stay what it is in each field: a new line in the description, taking a
// suggestion in the category and place lists.

export type KeyInfo = Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'isComposing' | 'repeat'>

/** isSubmitKey reports whether a key press is the file shortcut. A press that ends an input
 * method's composition (Chinese pinyin) is the IME's, and a held-down key must not file twice. */
export function isSubmitKey(e: KeyInfo): boolean {
  if (e.key !== 'Enter' || e.isComposing || e.repeat || e.altKey || e.shiftKey) return false
  return e.ctrlKey !== e.metaKey // one of them: Ctrl+Cmd+Enter is nobody's habit
}
