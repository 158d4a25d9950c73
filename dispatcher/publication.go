package dispatcher

// Publication says whether the public may read a case through the public interfaces (Open311's
// GET requests and its updates feed). It is decided at intake and changed only by the command
// centre, through the audited set_publication action.
type Publication string

const (
	Public  Publication = "public"
	Private Publication = "private"
)

// NatureReport is the nature code of 举报 (whistle-blowing): such a report is never published,
// whatever the channel, so that no one learns who reported whom.
const NatureReport = "report"

// IntakePublication is the publication a new report gets: Open311 and web reports are public
// unless the reporter asked otherwise; hotline calls, WeChat messages and every 举报 are private
// (the caller or sender never agreed to publication, and a whistle-blower must stay unseen).
func IntakePublication(channel, nature string, reporterAskedPrivate bool) Publication {
	if reporterAskedPrivate || nature == NatureReport {
		return Private
	}
	switch channel {
	case ChannelOpen311, ChannelWeb:
		return Public
	}
	return Private
}

// IsPublic reports whether the public may read the case. A case written before publication was
// recorded (Publication "") follows the intake rule; the stores' migrations set their filter
// columns by the same rule.
func (c *Case) IsPublic() bool {
	p := c.Publication
	if p == "" {
		p = IntakePublication(c.Channel, c.Nature, c.ReporterPrivate)
	}
	return p == Public
}

// doSetPublication makes a case public or private. A 举报 and a report whose reporter asked not to
// be published can never be made public (its guard, needChangeablePublication, says so): the
// bureau keeps the promise made at intake.
func doSetPublication(tx *change, req *ActionRequest) (map[string]any, error) {
	want := req.Publication
	if want != Public && want != Private {
		return nil, FieldError("publication", "公开状态须为 public 或 private (publication must be public or private)")
	}
	c := tx.c
	if c.IsPublic() == (want == Public) {
		return nil, Errorf(EConflict, "案件已是%s状态 (the case is already %s)", publicationLabel(want), want)
	}
	c.Publication = want
	return map[string]any{"publication": want}, nil
}

func publicationLabel(p Publication) string {
	if p == Public {
		return "公开"
	}
	return "不公开"
}
