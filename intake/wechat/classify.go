package wechat

import (
	"strings"

	"cityhub/dispatcher"
)

// classify finds the categories a citizen's words name: every category whose name or one of
// whose aliases (Category.Aka) appears in the text. One match is the category; several are
// offered as a short numbered list; none means the citizen chooses from the whole catalogue.
func classify(cats []dispatcher.Category, text string) []dispatcher.Category {
	var found []dispatcher.Category
	longest := map[string]int{} // category code -> length of its longest matching word
	for _, c := range cats {
		for _, word := range append([]string{c.Name}, c.Aka...) {
			if word != "" && strings.Contains(text, word) && len(word) > longest[c.Code] {
				if longest[c.Code] == 0 {
					found = append(found, c)
				}
				longest[c.Code] = len(word)
			}
		}
	}
	return preferSpecific(found, longest, text)
}

// preferSpecific drops a match whose word lies inside another match's longer word: "垃圾" inside
// "焚烧垃圾树叶" should not make the citizen choose between the two.
func preferSpecific(found []dispatcher.Category, longest map[string]int, text string) []dispatcher.Category {
	if len(found) < 2 {
		return found
	}
	best := 0
	for _, c := range found {
		best = max(best, longest[c.Code])
	}
	var kept []dispatcher.Category
	for _, c := range found {
		if longest[c.Code] == best {
			kept = append(kept, c)
		}
	}
	return kept
}

// reportable lists the categories a citizen may choose, in catalogue order.
func reportable(ref *dispatcher.Reference) []dispatcher.Category {
	return ref.Catalogue.Categories()
}
