package dispatcher

import "strings"

// maskName keeps the family name: 张三 -> 张*, 欧阳娜娜 -> 欧***.
func maskName(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[0]) + strings.Repeat("*", max(len(r)-1, 1))
}

// maskPhone keeps the first three and last four digits: 13812345678 -> 138****5678.
func maskPhone(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return maskTail(s)
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// maskEmail keeps the first letter and the domain.
func maskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return maskTail(s)
	}
	return s[:1] + "***" + s[at:]
}

// maskTail keeps only the last two characters.
func maskTail(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
}
