// The hub writes its messages as "中文 (English)" (or "中文 / English"), for people and for logs.
// The console speaks Chinese only, so it shows the Chinese part.

/** zh answers the Chinese part of a hub message; a message with no Chinese part is kept whole, and
 * so is a bracket of codes rather than English words ("请求失败 (HTTP 502)"). */
export function zh(msg: string): string {
  const slash = msg.search(/\s\/\s+[A-Za-z]/)
  if (slash > 0 && /[\u4e00-\u9fff]/.test(msg.slice(0, slash))) return msg.slice(0, slash).trim()
  if (!msg.endsWith(')')) return msg
  for (let i = msg.indexOf(' ('); i > 0; i = msg.indexOf(' (', i + 1)) {
    const group = msg.slice(i + 1)
    if (/[A-Za-z]/.test(msg[i + 2] || '') && /[a-z]{2}/.test(group) && balanced(group) && /[\u4e00-\u9fff]/.test(msg.slice(0, i))) {
      return msg.slice(0, i).trim()
    }
  }
  return msg
}

// balanced: the text is one parenthesised group, "(...)", with its inner parentheses matched.
function balanced(s: string): boolean {
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++
    else if (s[i] === ')' && --depth === 0 && i !== s.length - 1) return false
  }
  return depth === 0
}
