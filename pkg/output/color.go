package output

// Color wraps text in ANSI colours when true; tables use it only for
// terminals, so pipes and files get plain text.
type Color bool

// Green is for passes.
func (c Color) Green(s string) string { return c.wrap("32", s) }

// Red is for failures and errors.
func (c Color) Red(s string) string { return c.wrap("31", s) }

// Bold is for verdicts.
func (c Color) Bold(s string) string { return c.wrap("1", s) }

func (c Color) wrap(code, s string) string {
	if !c {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
